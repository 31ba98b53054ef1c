"""Template filters of doses and record titles: `{% load formatting %}`.

`{{ trial|dose }}` writes a record's normalised dose by the one rule of
evidence.base.formatting ("1 × 10⁸ cells per dose"); `{{ record|source_line }}` says
where in its review a record comes from ("Source: Foo (2021), Table 1, row 1").
"""

from __future__ import annotations

from django import template

from evidence.base.formatting import format_dose, format_number

register = template.Library()


@register.filter
def dose(record) -> str:
    """The normalised dose of a record with dose_low/high/unit/basis (and frequency);
    "" when it has none parsed."""
    return format_dose(
        getattr(record, "dose_low", None),
        getattr(record, "dose_high", None),
        getattr(record, "dose_unit", ""),
        getattr(record, "dose_basis", ""),
        getattr(record, "dose_frequency", ""),
    )


@register.filter
def number(value) -> str:
    """A number by the same rule ("1 × 10⁸", "0.5"); "" for None."""
    return "" if value is None or value == "" else format_number(value)


@register.filter
def source_line(record) -> str:
    """ "Foo (2021), Table 1, row 1": the review and the locator of a curated record."""
    return f"{record.source_review}, {record.locator}"
