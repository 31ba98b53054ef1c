"""Publish a dated, versioned snapshot of the curated dataset."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from evidence.dataset.releases import ReleaseRefused, release_publish


class Command(BaseCommand):
    help = (
        "Write releases/VERSION/ (fixtures, CSV per table, manifest with counts and "
        "checksums, changelog since the previous release)."
    )

    def add_arguments(self, parser):
        parser.add_argument("version")
        parser.add_argument(
            "--root",
            default=str(Path(settings.BASE_DIR) / "releases"),
            help="Folder that holds the releases (default: releases/).",
        )

    def handle(self, *args, version, root, **options):
        try:
            release, changelog = release_publish(version=version, root=Path(root))
        except ReleaseRefused as exc:
            raise CommandError(f"Release refused: {exc}") from exc
        counts = release.manifest["row_counts"]
        for entity, count in counts.items():
            self.stdout.write(f"  {entity}: {count}")
        added = sum(len(v) for v in changelog.added.values())
        changed = sum(len(v) for v in changelog.changed.values())
        removed = sum(len(v) for v in changelog.removed.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Release {version} written to {Path(root) / version}: "
                f"{added} added, {changed} changed, {removed} removed."
            )
        )
