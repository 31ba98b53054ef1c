"""Back up the database and the curated dataset (see evidence/dataset/backups.py)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from evidence.dataset.backups import (
    MANIFEST,
    BackupError,
    database_backup,
    read_manifest,
)


class Command(BaseCommand):
    help = (
        "Write <directory>/<timestamp>/ with the database (pg_dump -Fc, or an online "
        "copy of the SQLite file), the curated YAML export and a manifest of row counts, "
        "all from one snapshot: safe while the site writes."
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
        manifest = read_manifest(target)
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup written to {target}: {sum(manifest['tables'].values())} rows "
                f"in {len(manifest['tables'])} tables and "
                f"{sum(manifest['curated_records'].values())} curated records, one "
                f"snapshot (see {MANIFEST})."
            )
        )
