"""Export trials, studies, publications or components as CSV or JSON."""

from django.core.management.base import BaseCommand

from evidence.resources import RESOURCES


class Command(BaseCommand):
    help = "Write trials, studies, publications or components to stdout as CSV or JSON."

    def add_arguments(self, parser):
        parser.add_argument("entity", choices=sorted(RESOURCES))
        parser.add_argument("--format", choices=("csv", "json"), default="csv")

    def handle(self, *args, entity, format, **options):
        dataset = RESOURCES[entity]().export()
        self.stdout.write(dataset.export(format), ending="")
