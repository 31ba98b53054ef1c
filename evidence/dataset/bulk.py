"""Bulk inserts of database-ready rows (benchmarks and synthetic data): multi-row INSERTs
with the driver's cursor, many-to-many links included; no signals, no history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection, models
from django.utils import timezone

Progress = Callable[[str, int, int], None]


def next_pk(model: type[models.Model]) -> int:
    return (model._default_manager.aggregate(m=models.Max("pk"))["m"] or 0) + 1


# Bound parameters per INSERT statement: SQLite allows 32766 (3.32+), PostgreSQL 65535.
MAX_PARAMS = 30_000


def insert_rows(
    table: str, columns: list[str], rows: list[tuple], *, params: int = MAX_PARAMS
) -> None:
    """Multi-row INSERTs of plain, already database-ready values.

    `bulk_create` prepares every value through its field (about 30 µs a row for a
    trial): 100k trials took about 45 s that way, several times this.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) VALUES "
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    per_statement = max(1, params // len(columns))
    with connection.cursor() as cursor:
        # The driver's own cursor: Django's debug wrapper would format every statement.
        raw = cursor.cursor
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            raw.execute(
                head + ", ".join([one] * len(chunk)),
                [value for row in chunk for value in row],
            )


def write_rows(
    *,
    model: type[models.Model],
    count: int,
    make: Callable[[int], tuple],
    relations: tuple[str, str],
    constants: dict[str, Any],
    batch_size: int,
    progress: Progress,
) -> None:
    """Create `count` rows of `model` and their rows of two many-to-many relations.

    `make(n)` gives the values of row n by attribute name and the primary keys of its
    related records; fields it leaves out take `constants`, then the field's default.
    """
    label = str(model._meta.verbose_name_plural)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    base: dict[str, Any] = {}
    for f in fields:
        if f.attname in constants:
            value = constants[f.attname]
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        elif f.has_default():
            value = f.get_default()
        else:
            value = None if f.null else ""
        base[f.attname] = f.get_db_prep_save(value, connection)
    names = ["id", *(f.attname for f in fields)]
    columns = ["id", *(f.column for f in fields)]
    links = []
    for name in relations:
        m2m = model._meta.get_field(name)
        through = m2m.remote_field.through
        links.append(
            (
                through._meta.db_table,
                [m2m.m2m_column_name(), m2m.m2m_reverse_name()],
            )
        )
    first = next_pk(model)
    done = 0
    progress(label, 0, count)
    while done < count:
        size = min(batch_size, count - done)
        rows: list[tuple] = []
        link_rows: tuple[list, list] = ([], [])
        for offset in range(size):
            pk = first + done + offset
            values, first_related, second_related = make(done + offset + 1)
            row = {**base, **values, "id": pk}
            rows.append(tuple(row[name] for name in names))
            link_rows[0].extend((pk, target) for target in first_related)
            link_rows[1].extend((pk, target) for target in second_related)
        insert_rows(model._meta.db_table, columns, rows)
        for (table, link_columns), link in zip(links, link_rows, strict=True):
            insert_rows(table, link_columns, link)
        done += size
        progress(label, done, count)
