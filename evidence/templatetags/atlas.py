"""Template helpers of the researcher pages: highlighting, charts and the gap map."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlencode

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from evidence.base import normalise, search_index

register = template.Library()


@register.filter
def highlight(text: object, query: str) -> SafeString:
    """`text` escaped, with the names that match `query` wrapped in <mark>.

    Matched as the search matches (evidence.base.normalise): the query "TGF-b1" marks
    "TGF-β1". The spans are found in the raw text and every piece is escaped on its
    own, so a mark can never cut through an HTML entity and no markup from the data
    or the query survives.
    """
    if isinstance(text, list | tuple):
        text = ", ".join(str(item) for item in text)
    text = "" if text is None else str(text)
    spans = normalise.match_spans(text, search_index.query_words(query or ""))
    pieces, position = [], 0
    for start, end in spans:
        pieces.append(escape(text[position:start]))
        pieces.append(format_html("<mark>{}</mark>", text[start:end]))
        position = end
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))  # every piece above was escaped


@register.filter
def excerpt(text: object, query: str, width: int = 160) -> str:
    """About `width` characters of `text` around the first name matching `query`."""
    text = " ".join(str(text or "").split())
    if len(text) <= width:
        return text
    spans = normalise.match_spans(text, search_index.query_words(query or ""))
    start = max(0, spans[0][0] - width // 3) if spans else 0
    end = min(len(text), start + width)
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


SNIPPET_FIELDS = (
    "statement",
    "findings",
    "design_as_printed",
    "condition_as_printed",
    "outcome_as_printed",
    "description",
    "effect_text",
    "disease_as_printed",
)


@register.filter
def snippet_text(record) -> str:
    """The first non-empty free-text field of a search result."""
    for name in SNIPPET_FIELDS:
        value = getattr(record, name, "")
        # Text only: a relation of the same name (a component's `findings`) would print
        # its manager ("secretome.ComponentFinding.None").
        if value and isinstance(value, str):
            return value
    return ""


# In a curator's flag: a `quoted` code, or a bare word with an underscore
# (a field name such as confirmed_by, or a stored value such as 1_2 or per_dose).
FLAG_CODE = re.compile(r"`([^`]+)`|\b(\w+_\w+)\b")


@register.filter
def readable_flag(flag: object, record: object = None) -> str:
    """A curator's flag in the words of the page: the field names and stored values of
    `record`'s model it mentions ("confirmed_by", "phase set to `na`", "1_2") become
    their labels ("confirmed by", "phase set to “Not stated”", "“Phase I/II”")."""
    text = "" if flag is None else str(flag)
    meta = getattr(record, "_meta", None)
    if meta is None:
        return text
    fields = {
        field.name: field for field in meta.get_fields() if hasattr(field, "attname")
    }
    lowered = text.lower()

    def label_of(value: str) -> str | None:
        found = [
            (name, label)
            for name, field in fields.items()
            for choice, label in (getattr(field, "flatchoices", None) or ())
            if choice == value
        ]
        # A value of two fields (a trial's status and a study's stage may both be
        # "unknown"): the field the flag names.
        named = [label for name, label in found if name.replace("_", " ") in lowered]
        labels = named or [label for _, label in found]
        return str(labels[0]) if labels else None

    def replace(match: re.Match) -> str:
        code = match.group(1) or match.group(2)
        if code in fields:
            return str(getattr(fields[code], "verbose_name", code))
        label = label_of(code)
        if label is not None:
            return f"“{label}”"
        return f"“{code}”" if match.group(1) else code

    return FLAG_CODE.sub(replace, text)


@register.filter
def any_selected(options) -> bool:
    """Whether any facet option of `options` is ticked (keeps "N more" unfolded)."""
    return any(getattr(option, "selected", False) for option in options)


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


@register.inclusion_tag("includes/bar_chart.html")
def bar_chart(
    rows: Sequence[tuple[str, str, int]],
    title: str,
    chart_id: str,
    link: str = "",
    param: str = "",
) -> dict:
    """A horizontal bar chart of (value, label, count) rows, with a table of the numbers.

    The labels and counts are HTML text (sized by the stylesheet, never scaled down
    with a drawing); each bar is a small SVG whose length is its share of the largest
    count. With `link` and `param`, each label links to `link?param=value`.
    """
    maximum = max((n for _, _, n in rows), default=0) or 1
    bars = [
        {
            "label": label,
            "count": count,
            "length": round(100 * count / maximum, 1),
            "href": f"{link}?{urlencode({param: value})}"
            if link and param and value
            else "",
        }
        for value, label, count in rows
    ]
    return {"title": title, "chart_id": chart_id, "bars": bars}


@register.inclusion_tag("includes/grouped_bar_chart.html")
def grouped_bar_chart(figure: dict, title: str, chart_id: str) -> dict:
    """Bars grouped by phase, one bar per series (Figure 4), with a table.

    A count the figure does not print is None: no bar, "not printed" beside it.
    """
    series = [label for _, label in figure["series"]]
    groups = figure["groups"]
    maximum = (
        max((n for _, bars in groups for _, n in bars if n is not None), default=0) or 1
    )
    drawn = [
        {
            "label": label,
            "bars": [
                {
                    "series": series_label,
                    "css": f"series-{s_index}",
                    "count": count,
                    "length": round(100 * (count or 0) / maximum, 1),
                }
                for s_index, (series_label, count) in enumerate(bars)
            ],
        }
        for label, bars in groups
    ]
    return {
        "title": title,
        "chart_id": chart_id,
        "series": [
            {"label": label, "css": f"series-{i}"} for i, label in enumerate(series)
        ],
        "groups": drawn,
    }


# Shades of the gap map: (least trials + studies in a cell, legend label), darkest last.
GAP_LEVELS = ((1, "1"), (2, "2"), (3, "3–4"), (5, "5–9"), (10, "10 or more"))


def gap_level(total: int) -> int:
    """The shade (1-5) of a gap-map cell holding `total` records; 0 for a gap."""
    return sum(1 for least, _ in GAP_LEVELS if total >= least)


@register.inclusion_tag("includes/gap_map.html")
def gap_map(gap: dict, trial_list_url: str, study_list_url: str) -> dict:
    """The evidence gap map: a table of conditions (grouped by body system) x
    modality; each cell links its trials and its studies apart, shaded by their sum."""

    def cells_of(row: dict) -> list[dict]:
        cells = []
        for c_index, item in enumerate(row["cells"]):
            query = f"?condition={row['condition'].slug}&modality={item.modality}"
            cells.append(
                {
                    "item": item,
                    "label": gap["modalities"][c_index][1],
                    "level": gap_level(item.total),
                    "trials_href": trial_list_url + query,
                    "studies_href": study_list_url + query,
                }
            )
        return cells

    groups = [
        {
            "label": group["label"],
            "rows": [
                {"condition": row["condition"], "cells": cells_of(row)}
                for row in group["rows"]
            ],
        }
        for group in gap["groups"]
    ]
    return {
        "groups": groups,
        "modalities": [label for _, label in gap["modalities"]],
        "columns": len(gap["modalities"]) + 1,
        "levels": [
            {"level": index, "label": label}
            for index, (_, label) in enumerate(GAP_LEVELS, start=1)
        ],
    }


@register.simple_tag
def td_attrs(column) -> str:
    """`{{ column.attrs.td.as_html }}` of a django-tables2 bound column, worked out
    once per column and table (templates/includes/data_table.html).

    django-tables2 rebuilds a column's attributes for every cell (a seventh of a
    400-row page): the same text each time unless an attribute is a function of the
    record, in which case it is still worked out per cell.
    """
    cached = column.__dict__.get("_td_html")
    if cached is not None:
        return cached
    html = column.attrs["td"].as_html()
    merged = {**column._table.attrs, **column.column.attrs}
    td = merged.get("td", merged.get("cell", {}))
    if not any(callable(value) for value in td.values()):
        column.__dict__["_td_html"] = html
    return html
