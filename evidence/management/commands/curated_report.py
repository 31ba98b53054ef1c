"""Print row counts per review table and every flagged value, for curators."""

from django.core.management.base import BaseCommand

from evidence.dataset.report import dataset_report


class Command(BaseCommand):
    help = "Row counts per review table, and the flagged / uncertain values to check."

    def handle(self, *args, **options):
        report = dataset_report()
        self.stdout.write("Rows per review table")
        for (review, table, entity), count in report.counts_by_locator.items():
            self.stdout.write(f"  {review:16} {table:28} {entity:22} {count:5d}")
        self.stdout.write("")
        self.stdout.write(f"Flagged records: {len(report.flagged)}")
        for entity, slug, locator, flags in report.flagged:
            self.stdout.write(f"- {entity} {slug} ({locator})")
            for flag in flags:
                self.stdout.write(f"    * {flag}")
