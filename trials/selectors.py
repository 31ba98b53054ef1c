"""Reads of the trials app for the home page: the charts and the registry counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from django.db.models import Count, QuerySet

from trials.choices import Phase, Route, TrialCountSeries
from trials.models import ClinicalTrial, TrialCountSnapshot


def count_by(
    queryset: QuerySet, path: str, labels: Mapping[str, str] | None = None
) -> list[tuple[str, str, int]]:
    """(value, label, count) rows of `queryset` grouped by `path`, largest first.

    NULL and "" are one "Not stated" row; ties are ordered by value with "Not stated"
    last, the same on every database (they sort NULL differently).
    """
    rows = queryset.values(path).annotate(n=Count("pk", distinct=True)).order_by()
    counts: Counter[str] = Counter()
    for row in rows:
        counts[row[path] or ""] += row["n"]
    return ranked_counts(counts, labels)


def ranked_counts(
    counts: Mapping[str, int] | Mapping[str | None, int],
    labels: Mapping[str, str] | None = None,
) -> list[tuple[str, str, int]]:
    """`count_by`'s rows of counts already made (NULL and "" merged here too)."""
    merged: Counter[str] = Counter()
    for value, n in counts.items():
        merged[value or ""] += n
    ordered = sorted(
        merged.items(), key=lambda item: (-item[1], item[0] == "", item[0])
    )
    return [
        (
            value,
            (labels.get(value, value) if labels else value) if value else "Not stated",
            n,
        )
        for value, n in ordered
    ]


# The home page's charts: the path each one groups the trials by.
CHART_PATHS = {
    "phase": "phase",
    "route": "route",
    "cell_source": "therapy__cell_source__name",
}


def trial_chart_parts() -> dict[str, tuple[QuerySet, str]]:
    """The charts' groupings, for one grouped query with other counts
    (`evidence.base.counts.grouped_counts`; every path is a column or a foreign key,
    so each trial counts once per chart)."""
    trials = ClinicalTrial.objects.all()
    return {f"chart:{name}": (trials, path) for name, path in CHART_PATHS.items()}


def trial_charts(
    counts: Mapping[str, Mapping[str | None, int]] | None = None,
) -> dict[str, list[tuple[str, str, int]]]:
    """Counts of trials by phase (in phase order), route and cell source; from
    `counts` (`grouped_counts` of `trial_chart_parts`) when the caller has them."""
    if counts is None:
        trials = ClinicalTrial.objects.all()
        rows = {
            name: count_by(
                trials, path, dict(Route.choices) if name == "route" else None
            )
            for name, path in CHART_PATHS.items()
        }
    else:
        rows = {
            name: ranked_counts(
                counts[f"chart:{name}"],
                dict(Route.choices) if name == "route" else None,
            )
            for name in CHART_PATHS
        }
    by_phase = {value: (value, label, n) for value, label, n in rows["phase"]}
    return {
        "phase": [
            (value, label, by_phase[value][2])
            for value, label in Phase.choices
            if value in by_phase
        ],
        "route": rows["route"],
        "cell_source": rows["cell_source"],
    }


def trial_count_series() -> dict:
    """Figure 4: registered trials by phase for each series, as grouped bars."""
    snapshots = list(TrialCountSnapshot.objects.select_related("source_review"))
    series_labels = dict(TrialCountSeries.choices)
    present_series = [
        s
        for s, _ in TrialCountSeries.choices
        if any(snap.series == s for snap in snapshots)
    ]
    phases = [
        (value, label)
        for value, label in Phase.choices
        if any(snap.phase == value for snap in snapshots)
    ]
    values = {(snap.series, snap.phase): snap.count for snap in snapshots}
    return {
        "series": [(s, series_labels[s]) for s in present_series],
        "groups": [
            (
                label,
                [(series_labels[s], values.get((s, phase))) for s in present_series],
            )
            for phase, label in phases
        ],
        "snapshots": snapshots,
    }
