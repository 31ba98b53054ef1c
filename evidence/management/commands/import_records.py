"""Import a CSV or JSON file of one curated entity, all rows or none."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evidence.dataset.records_io import ImportFileError, read_records
from evidence.dataset.resources import resource_named, resources_by_name


class Command(BaseCommand):
    help = (
        "Import a CSV or JSON file of one entity (the flat record format of "
        "fixtures/FORMAT.md), keyed by natural key. The whole file is validated and "
        "written in one transaction: any invalid row refuses it whole, nothing is "
        "written. --dry-run validates and reports the counts, writing nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("entity", choices=sorted(resources_by_name()))
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, entity, file, dry_run, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        fmt = path.suffix.lstrip(".").lower()
        if fmt not in ("csv", "json"):
            raise CommandError(f"{path.name}: the file must end in .csv or .json")
        resource_class = resource_named(entity)
        try:
            dataset = read_records(path.read_bytes(), fmt)
        except ImportFileError as exc:
            raise CommandError(f"{path.name}: {exc}; nothing was written.") from exc
        result = resource_class(html_diff=False).import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=False,
            file_name=path.name,
            record_format=fmt,
        )
        problems = import_problems(result, resource_class)
        if problems:
            for line in problems:
                self.stderr.write(line)
            raise CommandError(
                f"Import of {path.name} refused: {len(problems)} problem(s); "
                "nothing was written."
            )
        totals = result.totals
        created, updated, unchanged = totals["new"], totals["update"], totals["skip"]
        verb = "Dry run, nothing written" if dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb}: {created + updated} changed ({created} created, "
                f"{updated} updated), {unchanged} unchanged."
            )
        )


def import_problems(result, resource_class=None) -> list[str]:
    """One readable line per problem: the file's, or a row's number, column and reason."""
    column_of = resource_class.column_of if resource_class else (lambda name: name)
    lines = [f"file: {error.error}" for error in result.base_errors]
    for number, errors in result.row_errors():
        for error in errors:
            lines.append(f"row {number}: {error.error}")
    for invalid in result.invalid_rows:
        for field, messages in invalid.error_dict.items():
            for message in messages:
                column = column_of(field)
                if field == "__all__" or message.startswith(f"{column}: "):
                    lines.append(f"row {invalid.number}: {message}")
                else:
                    lines.append(f"row {invalid.number}: {column}: {message}")
    return lines
