"""Template helpers of the researcher pages: highlighting and server-side SVG charts."""

from __future__ import annotations

from collections.abc import Sequence

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


@register.filter
def get_item(mapping, key):
    return mapping.get(key)


BAR_HEIGHT = 22
BAR_GAP = 6
LABEL_WIDTH = 240
CHART_WIDTH = 600


@register.inclusion_tag("includes/bar_chart.html")
def bar_chart(
    rows: Sequence[tuple[str, str, int]],
    title: str,
    chart_id: str,
    link: str = "",
    param: str = "",
) -> dict:
    """A horizontal bar chart of (value, label, count) rows, with a table of the numbers.

    With `link` and `param`, each bar links to `link?param=value`.
    """
    maximum = max((n for _, _, n in rows), default=0) or 1
    width = CHART_WIDTH - LABEL_WIDTH - 50
    bars = []
    for index, (value, label, count) in enumerate(rows):
        y = index * (BAR_HEIGHT + BAR_GAP)
        bars.append(
            {
                "label": label,
                "count": count,
                "y": y,
                "text_y": y + BAR_HEIGHT * 0.7,
                "width": max(1, round(width * count / maximum)),
                "count_x": LABEL_WIDTH + round(width * count / maximum) + 6,
                "href": f"{link}?{param}={value}" if link and param and value else "",
            }
        )
    return {
        "title": title,
        "chart_id": chart_id,
        "bars": bars,
        "label_width": LABEL_WIDTH,
        "label_x": LABEL_WIDTH - 8,
        "width": CHART_WIDTH,
        "height": max(1, len(rows)) * (BAR_HEIGHT + BAR_GAP),
        "bar_height": BAR_HEIGHT,
    }


@register.inclusion_tag("includes/grouped_bar_chart.html")
def grouped_bar_chart(figure: dict, title: str, chart_id: str) -> dict:
    """Vertical bars grouped by phase, one bar per series (Figure 4), with a table."""
    series = [label for _, label in figure["series"]]
    groups = figure["groups"]
    # A count the figure does not print is None: no bar, "n/a" in the table.
    maximum = (
        max((n for _, bars in groups for _, n in bars if n is not None), default=0) or 1
    )
    plot_height, bar_width, group_gap, top, left = 220, 26, 28, 20, 40
    group_width = len(series) * bar_width + group_gap
    drawn = []
    for g_index, (label, bars) in enumerate(groups):
        x0 = left + g_index * group_width
        rects = []
        for s_index, (series_label, count) in enumerate(bars):
            height = round(plot_height * (count or 0) / maximum)
            rects.append(
                {
                    "x": x0 + s_index * bar_width,
                    "y": top + plot_height - height,
                    "height": height,
                    "count": count,
                    "series": series_label,
                    "css": f"series-{s_index}",
                    "count_y": top + plot_height - height - 4,
                    "count_x": x0 + s_index * bar_width + bar_width / 2,
                }
            )
        drawn.append(
            {
                "label": label,
                "rects": rects,
                "label_x": x0 + (len(series) * bar_width) / 2,
            }
        )
    return {
        "title": title,
        "chart_id": chart_id,
        "series": [
            {"label": label, "css": f"series-{i}", "y": top + i * 18}
            for i, label in enumerate(series)
        ],
        "groups": drawn,
        "width": left + len(groups) * group_width + 200,
        "legend_x": left + len(groups) * group_width + 10,
        "height": top + plot_height + 40,
        "axis_y": top + plot_height,
        "label_y": top + plot_height + 18,
        "bar_width": bar_width - 4,
        "left": left,
    }


@register.inclusion_tag("includes/gap_map.html")
def gap_map(gap: dict, trial_list_url: str, study_list_url: str) -> dict:
    """The evidence gap map: conditions x modality, shaded by trials + studies."""
    cell, left, top = 46, 230, 120
    maximum = gap["maximum"] or 1
    rows = []
    for r_index, row in enumerate(gap["rows"]):
        cells = []
        for c_index, item in enumerate(row["cells"]):
            query = f"?condition={row['condition'].slug}&modality={item.modality}"
            cells.append(
                {
                    "item": item,
                    "label": gap["modalities"][c_index][1],
                    "x": left + c_index * cell,
                    "text_x": left + c_index * cell + cell / 2,
                    "opacity": round(0.15 + 0.85 * item.total / maximum, 2)
                    if item.total
                    else 0,
                    "href": (trial_list_url if item.trials else study_list_url) + query,
                    "trials_href": trial_list_url + query,
                    "studies_href": study_list_url + query,
                }
            )
        rows.append(
            {
                "condition": row["condition"],
                "y": top + r_index * cell,
                "text_y": top + r_index * cell + cell / 2 + 5,
                "cells": cells,
            }
        )
    modalities = [
        {"label": label, "x": left + i * cell + cell / 2, "value": value}
        for i, (value, label) in enumerate(gap["modalities"])
    ]
    return {
        "rows": rows,
        "modalities": modalities,
        "cell": cell - 4,
        "width": left + len(modalities) * cell + 10,
        "height": top + len(rows) * cell + 10,
        "label_x": left - 8,
        "header_y": top - 8,
    }
