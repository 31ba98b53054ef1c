"""Downloads of a list's current rows (CSV, JSON) and of their citations (RIS, BibTeX).

One generic path for every list: the rows come from the list's django-tables2 table
(including its export-only hidden columns), the citations from `Publication` rows.
Serialisation is hand-written with the standard library.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence

from django.http import HttpResponse
from django.utils.encoding import force_str

from evidence.base.csvsafe import neutralise_formula
from evidence.models import Publication

EXPORT_FORMATS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "json": ("application/json", "json"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "bibtex": ("application/x-bibtex; charset=utf-8", "bib"),
}
ROW_FORMATS = ("csv", "json")
CITATION_FORMATS = ("ris", "bibtex")

# The one formula neutralisation of every CSV writer (evidence/base/csvsafe.py).
csv_safe = neutralise_formula


def table_rows(table) -> tuple[list[str], list[str], Iterator[list]]:
    """(column names, column headers, row values) of every row of a django-tables2 table."""
    columns = [
        column
        for column in table.columns.iterall()
        if not column.column.exclude_from_export
    ]
    names = [column.name for column in columns]
    headers = [force_str(column.header) for column in columns]

    def values() -> Iterator[list]:
        for row in table.rows:
            yield [
                force_str(row.get_cell_value(name), strings_only=True) for name in names
            ]

    return names, headers, values()


def rows_to_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([csv_safe(value) for value in row])
    return buffer.getvalue()


def rows_to_json(names: Sequence[str], rows: Iterable[Sequence]) -> str:
    return json.dumps(
        [dict(zip(names, row, strict=True)) for row in rows],
        ensure_ascii=False,
        indent=2,
        default=str,
    )


def _authors(publication: Publication) -> list[str]:
    return [name.strip() for name in publication.authors.split(",") if name.strip()]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def publications_to_ris(publications: Iterable[Publication]) -> str:
    """RIS records (one per publication), CRLF line endings as the format asks."""
    lines: list[str] = []
    for publication in publications:
        kind = "ELEC" if publication.kind == "registry" else "JOUR"
        lines.append(f"TY  - {kind}")
        lines.append(f"ID  - {publication.slug}")
        lines.append(f"TI  - {_one_line(publication.title)}")
        lines.extend(f"AU  - {author}" for author in _authors(publication))
        if publication.year:
            lines.append(f"PY  - {publication.year}")
        if publication.journal:
            lines.append(f"JO  - {_one_line(publication.journal)}")
        if publication.volume_pages:
            lines.append(f"VL  - {_one_line(publication.volume_pages)}")
        if publication.doi:
            lines.append(f"DO  - {publication.doi}")
            lines.append(f"UR  - {publication.doi_url}")
        if publication.pmid:
            lines.append(f"AN  - PMID:{publication.pmid}")
        lines.append("ER  - ")
        lines.append("")
    return "\r\n".join(lines)


_BIBTEX_SPECIAL = re.compile(r"([\\{}&%$#_^~])")
_BIBTEX_REPLACEMENTS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "^": r"\^{}",
    "~": r"\~{}",
}


def bibtex_escape(text: str) -> str:
    """Escape the characters that would break a braced BibTeX value or LaTeX."""
    return _BIBTEX_SPECIAL.sub(
        lambda m: _BIBTEX_REPLACEMENTS.get(m.group(1), "\\" + m.group(1)),
        _one_line(text),
    )


def bibtex_key(publication: Publication) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", publication.slug).strip("_") or str(
        publication.pk
    )


def publications_to_bibtex(publications: Iterable[Publication]) -> str:
    entries: list[str] = []
    for publication in publications:
        kind = "misc" if publication.kind == "registry" else "article"
        fields = [("title", publication.title)]
        if publication.authors:
            fields.append(("author", " and ".join(_authors(publication))))
        if publication.journal:
            fields.append(("journal", publication.journal))
        if publication.year:
            fields.append(("year", str(publication.year)))
        if publication.volume_pages:
            fields.append(("note", publication.volume_pages))
        if publication.doi:
            fields.append(("doi", publication.doi))
            fields.append(("url", publication.doi_url))
        body = ",\n".join(
            f"  {name} = {{{bibtex_escape(value)}}}" for name, value in fields
        )
        entries.append(f"@{kind}{{{bibtex_key(publication)},\n{body}\n}}\n")
    return "\n".join(entries)


def download_response(content: str, *, fmt: str, basename: str) -> HttpResponse:
    """An attachment response of `content` in export format `fmt`."""
    content_type, extension = EXPORT_FORMATS[fmt]
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{basename}.{extension}"'
    return response
