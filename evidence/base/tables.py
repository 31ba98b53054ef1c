"""What every app's tables build on: paging rules, many-valued, export-only and DOI
columns, the provenance columns."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import django_tables2 as tables
from django.core.paginator import Paginator
from django.http import QueryDict
from django.utils.html import format_html

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 400
LAST_PAGE = "last"
_WHOLE_NUMBER = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class Paging:
    """The page asked for; `errors` names each malformed parameter with the reason."""

    page: int | str = 1
    per_page: int = DEFAULT_PER_PAGE
    errors: dict[str, str] = field(default_factory=dict)


def _shown(value: str) -> str:
    return value if len(value) <= 40 else value[:40] + "…"


def paging_from_query(data: QueryDict) -> Paging:
    """`page` and `per_page` of a list request, checked (nothing is clamped)."""
    errors = {}
    per_page = DEFAULT_PER_PAGE
    raw = data.get("per_page", "")
    if raw:
        if _WHOLE_NUMBER.fullmatch(raw) and 1 <= int(raw) <= MAX_PER_PAGE:
            per_page = int(raw)
        else:
            errors["per_page"] = (
                f"Rows per page must be a whole number from 1 to {MAX_PER_PAGE}, "
                f"not “{_shown(raw)}”. For more rows, use the downloads or the API."
            )
    page: int | str = 1
    raw = data.get("page", "")
    if raw:
        if raw == LAST_PAGE:
            page = LAST_PAGE
        elif _WHOLE_NUMBER.fullmatch(raw) and int(raw) >= 1:
            page = int(raw)
        else:
            errors["page"] = (
                f"The page must be a positive whole number or “{LAST_PAGE}”, "
                f"not “{_shown(raw)}”."
            )
    return Paging(page=page, per_page=per_page, errors=errors)


def paginate_table(
    table: tables.Table, paging: Paging, *, paginator_class: type[Paginator]
) -> str | None:
    """Paginate `table` as `paging` asks; the reason when that page does not exist."""
    table.paginate(paginator_class=paginator_class, per_page=paging.per_page, page=1)
    paginator = table.paginator
    number = paginator.num_pages if paging.page == LAST_PAGE else paging.page
    if number > paginator.num_pages:
        pages = "1 page" if paginator.num_pages == 1 else f"{paginator.num_pages} pages"
        rows = "1 row" if paginator.count == 1 else f"{paginator.count} rows"
        return f"There is no page {number}: {rows} make {pages} of {paging.per_page}."
    if number != 1:
        table.page = paginator.page(number)
    return None


class ManyColumn(tables.ManyToManyColumn):
    """A many-to-many column: linked items on the page, plain names in exports."""

    def __init__(self, **kwargs):
        kwargs.setdefault("linkify_item", True)
        kwargs.setdefault("orderable", False)
        kwargs.setdefault("separator", ", ")
        super().__init__(**kwargs)

    def value(self, value):
        return "; ".join(str(item) for item in self.filter(value))


def gives_accessor_label(method):
    """Marks a table's `value_<name>` method as giving its column accessor's display
    label (the choice's label of the field it reads): downloads then read the column
    from `values()` rows (evidence/base/export_values.py) instead of calling it."""
    method.gives_accessor_label = True
    return method


class ExportColumn(tables.Column):
    """A column that only appears in downloads."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("visible", False)
        super().__init__(*args, **kwargs)


class DOIColumn(tables.Column):
    """A DOI: a link to doi.org on the page, the bare DOI in downloads."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("verbose_name", "DOI")
        super().__init__(*args, **kwargs)

    def render(self, value):
        return format_html('<a href="https://doi.org/{}">{}</a>', value, value)

    def value(self, value):
        return value


class ProvenanceTable(tables.Table):
    """Provenance columns of a curated record (downloads only)."""

    source_review = ExportColumn(
        accessor="source_review__slug", verbose_name="Source review"
    )
    locator = ExportColumn(verbose_name="Locator")
    reference_numbers = ExportColumn(
        accessor="pk", verbose_name="Review reference numbers"
    )
    primary_doi = ExportColumn(
        accessor="primary_publication__doi", verbose_name="Primary publication DOI"
    )
    verification_status = ExportColumn(verbose_name="Verification")
    flags = ExportColumn(accessor="pk", verbose_name="Flags")
    slug = ExportColumn(verbose_name="Slug")

    class Meta:
        attrs = {"class": "data-table"}
        template_name = "includes/data_table.html"

    def value_reference_numbers(self, record):
        return " ".join(str(number) for number in record.reference_numbers)

    def value_flags(self, record):
        return " | ".join(str(flag) for flag in record.flags)

    def value_verification_status(self, record):
        return record.verification_status
