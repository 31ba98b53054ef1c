"""Export the records of one curated entity as CSV or JSON (the flat record format)."""

from django.core.management.base import BaseCommand

from evidence.dataset.resources import resource_named, resources_by_name


class Command(BaseCommand):
    help = (
        "Write the records of one entity to stdout as CSV or JSON, in the flat record "
        "format of fixtures/FORMAT.md (the same columns as the release CSVs). The file "
        "re-imports unchanged with import_records."
    )

    def add_arguments(self, parser):
        parser.add_argument("entity", choices=sorted(resources_by_name()))
        parser.add_argument("--format", choices=("csv", "json"), default="csv")

    def handle(self, *args, entity, format, **options):
        dataset = resource_named(entity)().export()
        self.stdout.write(dataset.export(format), ending="")
