"""Import curators' CSV or JSON files (trials, studies, publications, components)."""

from pathlib import Path

import tablib
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from evidence.resources import RESOURCES


class Command(BaseCommand):
    help = (
        "Import a CSV or JSON file of trials, studies, publications or components, keyed "
        "by natural key. Any invalid row refuses the whole file; --dry-run writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("entity", choices=sorted(RESOURCES))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, entity, file, dry_run, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        fmt = path.suffix.lstrip(".").lower()
        if fmt not in ("csv", "json"):
            raise CommandError("the file must end in .csv or .json")
        dataset = tablib.Dataset().load(path.read_text(encoding="utf-8"), format=fmt)
        # Every file is dry-run first; only a file without a single bad row is applied,
        # and that in one transaction, so good rows are never half-applied.
        result = RESOURCES[entity]().import_data(
            dataset, dry_run=True, raise_errors=False
        )
        problems = record_import_problems(result)
        if not problems and not dry_run:
            with transaction.atomic():
                result = RESOURCES[entity]().import_data(
                    dataset, dry_run=False, raise_errors=False
                )
                problems = record_import_problems(result)
                if problems:
                    transaction.set_rollback(True)
        if problems:
            for line in problems:
                self.stderr.write(line)
            raise CommandError(
                f"Import refused: {len(problems)} problem(s); nothing was written."
            )
        totals = result.totals
        summary = ", ".join(f"{totals[k]} {k}" for k in ("new", "update", "skip"))
        verb = "Dry run, nothing written" if dry_run else "Imported"
        self.stdout.write(self.style.SUCCESS(f"{verb}: {summary}."))


def record_import_problems(result) -> list[str]:
    """One readable line per bad row: its number, the field and the reason."""
    lines = []
    for line, errors in result.row_errors():
        for error in errors:
            lines.append(f"row {line}: {error.error}")
    for invalid in result.invalid_rows:
        for field, messages in invalid.error_dict.items():
            for message in messages:
                lines.append(f"row {invalid.number}: {field}: {message}")
    return lines
