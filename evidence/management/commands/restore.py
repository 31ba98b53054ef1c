"""Replace the database with a backup made by `backup` (see evidence/dataset/backups.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from evidence.dataset.backups import (
    NOT_CHANGED,
    BackupError,
    backup_resolve,
    database_restore,
)


class Command(BaseCommand):
    help = (
        "Replace the whole database with BACKUP (a backup folder, its name under "
        "--directory, or 'latest'). The backup is checked against its manifest "
        "(checksum, row count of every table) before it replaces anything; a backup "
        "that fails the check is refused and the database is left as it was."
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", nargs="?", default="latest")
        parser.add_argument(
            "--directory",
            default=str(settings.BACKUP_DIR),
            help="Folder of the backups (default: DJANGO_BACKUP_DIR or ./backups).",
        )
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask for confirmation."
        )

    def handle(self, *args, backup, directory, yes, **options):
        try:
            folder = backup_resolve(backup, directory=Path(directory))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not yes:
            answer = input(
                f"Replace the database with {folder}? Current data will be lost. "
                "Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError(f"Restore cancelled. {NOT_CHANGED}")
        try:
            counts = database_restore(backup=folder)
        except BackupError as exc:
            raise CommandError(f"Restore refused: {exc} {NOT_CHANGED}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {folder}: {sum(counts.values())} rows in {len(counts)} "
                "tables, checked against the manifest before the restore was committed."
            )
        )
