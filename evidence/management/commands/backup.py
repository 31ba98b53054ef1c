"""Back up the database and the curated dataset (see evidence/backups.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from evidence.backups import BackupError, database_backup


class Command(BaseCommand):
    help = (
        "Write <directory>/<timestamp>/ with the database (pg_dump -Fc, or a copy of "
        "the SQLite file), the curated YAML export and a manifest of row counts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory",
            default=str(settings.BACKUP_DIR),
            help="Folder of the backups (default: DJANGO_BACKUP_DIR or ./backups).",
        )

    def handle(self, *args, directory, **options):
        try:
            target = database_backup(directory=Path(directory))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Backup written to {target}"))
