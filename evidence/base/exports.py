"""Downloads of a list's current rows (CSV, JSON) and of their citations (RIS, BibTeX,
CSL-JSON: written by evidence/base/citations.py).

One generic path for every list: the rows come from the list's django-tables2 table
(including its export-only hidden columns), the citations from `Publication` rows.
Serialisation is hand-written with the standard library.

Downloads stream: each writer is a generator of text pieces (`iter_csv`, `iter_json`,
`citation_pieces`), the rows come from the database in chunks of `CHUNK_SIZE`
(`QuerySet.iterator`, which runs the list's prefetches once per chunk), and
`streaming_download` sends the pieces as they are made. A worker holds one chunk, never
the whole export. The joined pieces are byte for byte the text the non-streaming
functions (`rows_to_csv`, ...) return.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence

import django_tables2.utils
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.encoding import force_str

from evidence.base import citations
from evidence.base.csvsafe import neutralise_formula, neutralise_row
from evidence.base.export_columns import compile_row
from evidence.base.export_values import table_value_rows
from evidence.models import Publication

EXPORT_FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "json": ("application/json", "json"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "bibtex": ("application/x-bibtex; charset=utf-8", "bib"),
    "csl": ("application/vnd.citationstyles.csl+json", "json"),
}
ROW_FORMATS = ("csv", "json")
CITATION_FORMATS = ("ris", "bibtex", "csl")

# The one formula neutralisation of every CSV writer (evidence/base/csvsafe.py).
csv_safe = neutralise_formula

# Rows read from the database at a time (and prefetched together) by a download.
CHUNK_SIZE = 2000
# A streamed download sends its text in pieces of about this many characters.
PIECE_SIZE = 64 * 1024


# django-tables2 inspects the signature of a column's `value` method for every cell
# (`utils.call_with_appropriate`): half of the time of a download. A function's signature
# never changes, so it is remembered per function and whether it is bound (which drops
# `self`); the first call computes it as django-tables2 does.
_uncached_signature = django_tables2.utils.signature
_signatures: dict = {}


def _cached_signature(fn):
    key = (getattr(fn, "__func__", fn), hasattr(fn, "__self__"))
    try:
        return _signatures[key]
    except KeyError:
        if len(_signatures) > 10_000:  # callables made per request: stay bounded
            _signatures.clear()
        result = _signatures[key] = _uncached_signature(fn)
        return result
    except TypeError:  # an unhashable callable
        return _uncached_signature(fn)


django_tables2.utils.signature = _cached_signature


def table_records(table, *, chunk_size: int | None = None) -> Iterator:
    """The records of a sorted django-tables2 table, read in chunks (not cached)."""
    data = table.data.data
    if hasattr(data, "iterator"):
        return data.iterator(chunk_size=chunk_size or CHUNK_SIZE)
    return iter(data)


def table_rows(
    table, records: Iterable | None = None
) -> tuple[list[str], list[str], Iterator[list]]:
    """(column names, column headers, row values) of every row of a django-tables2 table
    (through `BoundRow`), or of `records` (e.g. `table_records(table)`) rendered by that
    table's columns compiled once (`evidence.base.export_columns`, the same values)."""
    columns = [
        column
        for column in table.columns.iterall()
        if not column.column.exclude_from_export
    ]
    names = [column.name for column in columns]
    headers = [force_str(column.header) for column in columns]

    def values() -> Iterator[list]:
        if records is None:  # django-tables2's own cells: the reference of the tests
            for row in table.rows:
                yield [
                    force_str(row.get_cell_value(name), strings_only=True)
                    for name in names
                ]
            return
        # The same cells, each column's rules worked out once (export_columns.py).
        row = compile_row(table, names)
        for record in records:
            yield row(record)

    return names, headers, values()


def download_rows(table) -> tuple[list[str], list[str], Iterator[list]]:
    """`table_rows` of every record of a download, read in chunks: from `values_list()`
    (evidence/base/export_values.py) when the table allows it, else from model instances
    with the cells compiled once (export_columns.py). Both give django-tables2's values."""
    names, headers, _ = table_rows(table, ())
    rows = table_value_rows(table, names, chunk_size=CHUNK_SIZE)
    if rows is None:
        _, _, rows = table_rows(table, table_records(table))
    return names, headers, rows


def iter_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The CSV text of `headers` and `rows` in pieces, every text cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    yield buffer.getvalue()  # the header goes out before the first row is read
    buffer.seek(0)
    buffer.truncate()
    for row in rows:
        writer.writerow(neutralise_row(row))
        if buffer.tell() >= PIECE_SIZE:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def rows_to_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> str:
    return "".join(iter_csv(headers, rows))


def _json_record(names: Sequence[str], row: Sequence) -> str:
    text = json.dumps(
        dict(zip(names, row, strict=True)), ensure_ascii=False, indent=2, default=str
    )
    # One level deeper, as inside the list; JSON text holds no raw newline in a value.
    return text.replace("\n", "\n  ")


def iter_json(names: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """A JSON list of one object per row, in pieces: the text `json.dumps(..., indent=2)`
    gives for the whole list."""
    pieces: list[str] = []
    size = 0
    first = True
    for row in rows:
        piece = ("[\n  " if first else ",\n  ") + _json_record(names, row)
        first = False
        pieces.append(piece)
        size += len(piece)
        if size >= PIECE_SIZE:
            yield "".join(pieces)
            pieces, size = [], 0
    if first:
        yield "[]"
    else:
        pieces.append("\n]")
        yield "".join(pieces)


def rows_to_json(names: Sequence[str], rows: Iterable[Sequence]) -> str:
    return "".join(iter_json(names, rows))


# Citations: written by evidence/base/citations.py (rispy, bibtexparser, CSL-JSON).
bibtex_escape = citations.bibtex_escape


def citation_pieces(fmt: str, items: Iterable[citations.CitationItem]) -> Iterator[str]:
    """The download of `items` in citation format `fmt` ("ris", "bibtex", "csl")."""
    return citations.WRITERS[fmt](items)


def iter_bibtex(publications: Iterable[Publication]) -> Iterator[str]:
    return citations.iter_bibtex(map(citations.publication_item, publications))


def publications_to_bibtex(publications: Iterable[Publication]) -> str:
    return "".join(iter_bibtex(publications))


def download_response(content: str, *, fmt: str, basename: str) -> HttpResponse:
    """An attachment response of `content` in export format `fmt`."""
    content_type, extension = EXPORT_FORMATS[fmt]
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{basename}.{extension}"'
    return response


def streaming_download(
    pieces: Iterable[str], *, fmt: str, basename: str
) -> StreamingHttpResponse:
    """An attachment response that sends `pieces` (text) as they are made."""
    content_type, extension = EXPORT_FORMATS[fmt]
    response = StreamingHttpResponse(pieces, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{basename}.{extension}"'
    return response
