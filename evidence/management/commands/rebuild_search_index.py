"""Write the search index (evidence.base.search_index) of every record again."""

from django.core.management.base import BaseCommand
from django.db import transaction

from evidence.base import search_index


class Command(BaseCommand):
    help = (
        "Rebuild the normalised search index of every record (after rows were written "
        "without model signals, or after the normalisation changed)."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            written = search_index.rebuild()
        self.stdout.write(f"Indexed {written} records for search.")
