"""Export the curated dataset to YAML files in the fixtures format."""

from pathlib import Path

from django.core.management.base import BaseCommand

from evidence.dataset.export import dataset_export


class Command(BaseCommand):
    help = "Write the database back as one <entity>.yaml per entity in DIRECTORY."

    def add_arguments(self, parser):
        parser.add_argument("directory", help="Output folder (created if missing).")

    def handle(self, *args, directory, **options):
        counts = dataset_export(directory=Path(directory))
        for entity, count in counts.items():
            self.stdout.write(f"  {entity}: {count}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported {sum(counts.values())} records to {directory}"
            )
        )
