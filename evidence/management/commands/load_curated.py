"""Load the curated dataset (fixtures/*.yaml) into the database, in one transaction."""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from evidence.dataset.load import DatasetError, dataset_load


class Command(BaseCommand):
    help = "Load the curated dataset from YAML fixtures (idempotent, all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument(
            "directory",
            nargs="?",
            default=str(settings.FIXTURES_DIR),
            help="Folder of *.yaml fixtures (default: the project's fixtures/).",
        )

    def handle(self, *args, directory, **options):
        path = Path(directory)
        if not path.is_dir():
            raise CommandError(f"{path} is not a folder")
        started = time.perf_counter()
        self.stdout.write(f"Loading curated dataset from {path} ...")
        try:
            result = dataset_load(directory=path, progress=self.stdout.write)
        except DatasetError as exc:
            raise CommandError(f"Load aborted, database unchanged. {exc}") from exc
        elapsed = time.perf_counter() - started
        created = sum(result.created.values())
        updated = sum(result.updated.values())
        unchanged = sum(result.unchanged.values())
        if result.changed:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Done in {elapsed:.1f} s: {created} created, {updated} updated, "
                    f"{unchanged} unchanged."
                )
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"No changes: all {unchanged} records already up to date "
                    f"({elapsed:.1f} s)."
                )
            )
