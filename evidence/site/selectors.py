"""The home page's counts and charts, the side-by-side page of a condition, and the
comparison page (Table 4 and the evidence gap map)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Case, Count, F, Value, When, Window
from django.db.models.functions import Lower, RowNumber
from django.urls import reverse

from evidence import choices, registry
from evidence.base.counts import cached, grouped_counts
from evidence.base.prefetch import prefetch_names
from evidence.models import ComparisonPoint, Condition, Publication, ReviewReference
from evidence.querysets import ConditionTree
from secretome.models import ComponentFinding, GeneticModification
from trials import selectors as trial_selectors
from trials.models import ClinicalTrial, Study

#
# Overview
#


def home_counts() -> dict:
    """The home page's numbers in one grouped query (UNION ALL): every counted
    entity's total, each review's contribution per curated kind and its reference
    count, and the trials' chart groups; then the reviews themselves."""
    parts: dict = {}
    for entity in registry.entities():
        manager = entity.model._default_manager
        if entity.home_count:
            parts[f"count:{entity.name}"] = (manager.all(), None)
        if entity.review_label:
            parts[f"review:{entity.name}"] = (manager.all(), "source_review")
    parts["references"] = (ReviewReference.objects.all(), "review")
    parts.update(trial_selectors.trial_chart_parts())
    # Every row of every counted table (a second at 100k trials): cached per data
    # version, as the lists' facets are.
    counts = cached("home:counts", lambda: grouped_counts(parts))
    return {
        "entity_counts": entity_counts(counts),
        "review_counts": review_counts(counts),
        "charts": trial_selectors.trial_charts(counts),
    }


def entity_counts(counts: dict) -> list[tuple[str, int, str]]:
    """(label, count, url name) of every registered entity counted on the home page,
    from `home_counts`' grouped query."""
    return [
        (
            entity.label,
            counts[f"count:{entity.name}"].get(None, 0),
            entity.count_url or entity.list_url,
        )
        for entity in registry.entities()
        if entity.home_count
    ]


def review_counts(counts: dict) -> list[dict]:
    """Per source review: how many records of each curated kind it contributed, and
    its reference count, from `home_counts`' grouped query."""
    kinds = [
        (entity.review_label, entity.name, entity.model)
        for entity in registry.entities()
        if entity.review_label
    ]
    reviews = list(Publication.objects.reviews().order_by("year", "slug"))
    # The grouped query gives the review ids as text.
    table: dict[int, dict[str, int]] = {review.pk: {} for review in reviews}
    for label, name, _ in kinds:
        for review_id, n in counts[f"review:{name}"].items():
            if review_id is not None:
                table.setdefault(int(review_id), {})[label] = n
    references = {
        int(review_id): n
        for review_id, n in counts["references"].items()
        if review_id is not None
    }
    return [
        {
            "review": review,
            "counts": [(label, table[review.pk].get(label, 0)) for label, *_ in kinds],
            "references": references.get(review.pk, 0),
        }
        for review in reviews
        # reviews cited as primary literature contributed no records: leave them out
        if table[review.pk] or references.get(review.pk)
    ]


# A detail page lists at most this many records of each related kind, with the true
# total and a link to the filtered list that holds them all.
RELATED_LIMIT = 50


@dataclass
class Excerpt:
    """The first records of a related kind, their total, and the list with all of them."""

    rows: list
    total: int
    url: str = ""

    @property
    def more(self) -> bool:
        return self.total > len(self.rows)


def excerpt(
    queryset, *, url: str = "", limit: int | None = None, total: int | None = None
) -> Excerpt:
    """The first `limit` (`RELATED_LIMIT`) rows of `queryset` and its count (`total`
    when the caller has it, e.g. from a `related_count` annotation): at most two queries
    at any size."""
    rows = list(queryset[: limit or RELATED_LIMIT])
    return Excerpt(rows, queryset.count() if total is None else total, url)


def list_url(name: str, params: Iterable[tuple[str, str]]) -> str:
    """The URL of the list `name` filtered by `params`."""
    return f"{reverse(name)}?{urlencode(list(params))}"


def _labels(model, name: str) -> dict:
    return {
        value: str(label) for value, label in model._meta.get_field(name).flatchoices
    }


def _ranked(counter: Counter) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


def _excerpt_with_total(queryset, *, url: str, limit: int) -> Excerpt:
    """`excerpt` in one query: the total rides on each row as a window count."""
    rows = list(queryset.annotate(_total=Window(Count("pk")))[:limit])
    return Excerpt(rows, rows[0]._total if rows else 0, url)


@dataclass
class EvidenceSide:
    """One side (cell-based or cell-free) of a condition: its first trials and studies,
    their totals, the tallies over all of them, and the lists that hold them all."""

    label: str
    trials: list = field(default_factory=list)
    studies: list = field(default_factory=list)
    trial_total: int = 0
    study_total: int = 0
    trials_url: str = ""
    studies_url: str = ""
    modality_counts: Counter = field(default_factory=Counter)
    phase_counts: Counter = field(default_factory=Counter)
    route_counts: Counter = field(default_factory=Counter)
    outcome_counts: Counter = field(default_factory=Counter)
    level_counts: Counter = field(default_factory=Counter)
    stage_counts: Counter = field(default_factory=Counter)

    @property
    def more_trials(self) -> bool:
        return self.trial_total > len(self.trials)

    @property
    def more_studies(self) -> bool:
        return self.study_total > len(self.studies)

    @property
    def modalities(self) -> list[tuple[str, int]]:
        return _ranked(self.modality_counts)

    @property
    def phases(self) -> list[tuple[str, int]]:
        return _ranked(self.phase_counts)

    @property
    def routes(self) -> list[tuple[str, int]]:
        return _ranked(self.route_counts)

    @property
    def outcomes(self) -> list[tuple[str, int]]:
        return _ranked(self.outcome_counts)

    @property
    def evidence_levels(self) -> list[tuple[str, int]]:
        return sorted(self.level_counts.items())

    @property
    def stages(self) -> list[tuple[str, int]]:
        return _ranked(self.stage_counts)


def _by_keys(queryset, keys: list[tuple[int, int]]) -> list:
    """The records of `keys` ((primary key, side) pairs), in their order, each with its
    `_side`: one query."""
    by_pk = queryset.in_bulk([pk for pk, _ in keys])
    records = []
    for pk, side in keys:
        record = by_pk.get(pk)
        if record is not None:
            record._side = side
            records.append(record)
    return records


def condition_side_by_side(
    *, condition: Condition, tree: ConditionTree | None = None, limit: int | None = None
) -> dict:
    """A condition's evidence split into cell-based and cell-free, with their tallies.

    The evidence of the narrower conditions below it (`tree`, read once by the caller
    or here) is included: `included` names those conditions and the links to the
    lists say `include_descendants=true`. The tallies and totals come from grouped
    queries over all of the trials and studies; each side lists its first `limit`
    trials and studies (by slug) and links to the filtered lists for the rest. The
    page costs the same number of queries for a condition with 3 trials or 20,000.
    """
    limit = limit or RELATED_LIMIT
    tree = tree or Condition.objects.tree()
    subtree = tree.descendant_ids([condition.pk])
    included = sorted(
        (tree.nodes[pk] for pk in subtree if pk != condition.pk),
        key=lambda node: node.name.lower(),
    )

    def of_conditions(queryset):
        # A primary-key sub-query: a record linked to two of the conditions counts once.
        model = queryset.model
        return queryset.filter(
            pk__in=model._default_manager.filter(conditions__in=sorted(subtree)).values(
                "pk"
            )
        )

    by_condition = [("condition", condition.slug)]
    if included:
        by_condition.append(("include_descendants", "true"))
    cells_value = choices.Modality.CELLS
    cells = EvidenceSide("Cell-based (living cells)")
    cell_free = EvidenceSide("Cell-free (secretome, vesicles, factors)")
    unknown = EvidenceSide("Product not stated")
    side_modalities = (
        (cells, [cells_value]),
        (cell_free, choices.Modality.cell_free()),
    )

    def side_of(modality: str | None) -> EvidenceSide:
        if modality is None:
            return unknown
        return cells if modality == cells_value else cell_free

    modality_labels = {value: str(label) for value, label in choices.Modality.choices}
    trials = of_conditions(ClinicalTrial.objects.all())
    studies = of_conditions(Study.objects.all())

    # Tallies: one grouped query for trials, one for their outcomes, one for studies.
    phase_labels = _labels(ClinicalTrial, "phase")
    route_labels = _labels(ClinicalTrial, "route")
    # Trials and studies in one query: the two grouped tallies, UNION ALL.
    stage_labels = _labels(Study, "stage")
    study_route_labels = _labels(Study, "route")
    columns = (
        "kind",
        "therapy__modality",
        "phase_",
        "route",
        "evidence_level",
        "stage_",
    )
    trial_tally = (
        trials.annotate(kind=Value("trial"), phase_=F("phase"), stage_=Value(""))
        .values_list(*columns)
        .annotate(n=Count("pk"))
        .order_by()
    )
    study_tally = (
        studies.annotate(kind=Value("study"), phase_=Value(""), stage_=F("stage"))
        .values_list(*columns)
        .annotate(n=Count("pk"))
        .order_by()
    )
    # The trials' outcomes in the same query: (kind, modality, outcome class, ...).
    outcome_tally = (
        # (django-stubs cannot follow the annotations of the auto-created link model)
        ClinicalTrial.outcome_classes.through._default_manager.filter(  # type: ignore[misc]
            clinicaltrial__in=trials.values("pk")
        )
        .annotate(
            kind=Value("outcome"),
            modality_=F("clinicaltrial__therapy__modality"),
            outcome_=F("outcomeclass__name"),
            route_=Value(""),
            level_=Value(""),
            stage_=Value(""),
        )
        .values_list("kind", "modality_", "outcome_", "route_", "level_", "stage_")
        .annotate(n=Count("pk"))
        .order_by()
    )
    # The tallies and the first records' keys are remembered per data version (the
    # two statements over every trial and study of a common condition took 210 ms of
    # a 310 ms page at 100k trials); the records themselves are read on each request.
    scope = f"{condition.pk}:{sorted(subtree)}:{limit}"
    tally_rows = cached(
        f"side-by-side-tallies:{scope}",
        lambda: list(trial_tally.union(study_tally, outcome_tally, all=True)),
    )
    study_rows = []
    for kind, modality, phase, route, level, stage, n in tally_rows:
        if kind == "outcome":  # `phase` holds the outcome class's name
            side_of(modality).outcome_counts[phase] += n
            continue
        if kind == "study":
            study_rows.append(
                {
                    "therapy__modality": modality,
                    "route": route,
                    "evidence_level": level,
                    "stage": stage,
                    "n": n,
                }
            )
            continue
        side = side_of(modality)
        side.trial_total += n
        side.modality_counts[modality_labels.get(modality)] += n
        side.phase_counts[phase_labels.get(phase, phase)] += n
        side.route_counts[route_labels.get(route, route)] += n
        side.level_counts[level or "—"] += n
    for row in study_rows:
        side, n = side_of(row["therapy__modality"]), row["n"]
        side.study_total += n
        if side is unknown:
            continue
        side.modality_counts[modality_labels.get(row["therapy__modality"])] += n
        side.route_counts[study_route_labels.get(row["route"], row["route"])] += n
        side.level_counts[row["evidence_level"] or "—"] += n
        side.stage_counts[stage_labels.get(row["stage"], row["stage"])] += n

    # The first records of each side.
    # The first records of each side: one windowed query for the trials of both
    # sides, one for the studies of all three (numbered by slug within each side).
    side_number = Case(
        When(therapy__isnull=True, then=Value(2)),
        When(therapy__modality=cells_value, then=Value(0)),
        default=Value(1),
    )
    sides_by_number = {0: cells, 1: cell_free, 2: unknown}

    def first_of_each_side(queryset):
        return (
            queryset.annotate(
                _side=side_number,
                _rank=Window(RowNumber(), partition_by=[side_number], order_by="slug"),
            )
            .filter(_rank__lte=limit)
            .order_by("_side", "slug")
        )

    # The titles read the conditions (and model systems); the trials show their
    # outcome classes: their names in one query for both lists (prefetch_names).
    shown_trials = ClinicalTrial.objects.with_title_related().prefetch_related(None)
    shown_studies = Study.objects.with_title_related().prefetch_related(None)
    read: dict[str, list] = {}

    def first_keys() -> tuple[list, list]:
        read["trials"] = list(first_of_each_side(of_conditions(shown_trials)))
        read["studies"] = list(first_of_each_side(of_conditions(shown_studies)))
        return (
            [(trial.pk, trial._side) for trial in read["trials"]],
            [(study.pk, study._side) for study in read["studies"]],
        )

    trial_keys, study_keys = cached(f"side-by-side-firsts:{scope}", first_keys)
    if read:
        first_trials, first_studies = read["trials"], read["studies"]
    else:
        first_trials = _by_keys(shown_trials, trial_keys)
        first_studies = _by_keys(shown_studies, study_keys)
    prefetch_names(
        [
            (first_trials, "conditions", "name"),
            (first_trials, "outcome_classes", "slug"),
            (first_studies, "conditions", "name"),
            (first_studies, "model_systems", "slug"),
        ]
    )
    for trial in first_trials:
        sides_by_number[trial._side].trials.append(trial)
    for study in first_studies:
        sides_by_number[study._side].studies.append(study)
    for side, values in side_modalities:
        params = [*by_condition, *(("modality", v) for v in values)]
        side.trials_url = list_url("trials:trial_list", params)
        side.studies_url = list_url("trials:study_list", params)
    unknown.studies_url = list_url("trials:study_list", by_condition)
    return {
        "included": included,
        "sides": [cells, cell_free],
        "unknown": unknown,
        "findings": _excerpt_with_total(
            of_conditions(
                ComponentFinding.objects.select_related("component", "effect")
            ).order_by("component__name", "slug"),
            url=list_url("secretome:component_list", by_condition),
            limit=limit,
        ),
        # The page shows the factor and the method: no related rows to prefetch.
        "modifications": _excerpt_with_total(
            of_conditions(GeneticModification.objects.all()),
            url=list_url("secretome:geneticmodification_list", by_condition),
            limit=limit,
        ),
    }


#
# The comparison page: Table 4 and the evidence gap map
#


def comparison_table() -> list[dict]:
    """Table 4 as rows of aspect -> (stem-cell points, secretome points)."""
    points = ComparisonPoint.objects.with_provenance().order_by(
        "aspect", "side", "ordinal"
    )
    grouped: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for point in points:
        grouped[point.aspect][point.side].append(point)
    return [
        {
            "aspect": label,
            "stem_cell": grouped[value][choices.ComparisonSide.STEM_CELL],
            "secretome": grouped[value][choices.ComparisonSide.SECRETOME],
        }
        for value, label in choices.ComparisonAspect.choices
        if value in grouped
    ]


@dataclass
class GapCell:
    modality: str
    trials: int
    studies: int

    @property
    def total(self) -> int:
        return self.trials + self.studies


def _gap_map_counts() -> dict[tuple[int, str], tuple[int, int]]:
    """{(condition id, modality): (trials, studies)} over every trial and study."""
    counts: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    curated: tuple[type[ClinicalTrial] | type[Study], ...] = (ClinicalTrial, Study)
    for index, model in enumerate(curated):
        rows = (
            model.objects.filter(conditions__isnull=False, therapy__isnull=False)
            .values("conditions", "therapy__modality")
            .annotate(n=Count("pk", distinct=True))
            .order_by()
        )
        for row in rows:
            counts[(row["conditions"], row["therapy__modality"])][index] += row["n"]
    return {key: (trials, studies) for key, (trials, studies) in counts.items()}


def evidence_gap_map() -> dict:
    """Conditions x modality: the number of trials and of studies in each cell.

    `rows` holds every condition with evidence (case-insensitive name order);
    `groups` the same rows by body system (`Condition.category`, in the order of
    its choices), each `{"category", "label", "rows"}`.
    """
    # The grouped counts read every trial and study (0.7 s at 100k trials): cached per
    # data version, like the lists' facets.
    counts = cached("compare:gap-map", _gap_map_counts)
    condition_ids = {key[0] for key in counts}
    conditions = Condition.objects.filter(pk__in=condition_ids).order_by(
        Lower("name"), "name"
    )
    modalities = list(choices.Modality.choices)
    rows = [
        {
            "condition": condition,
            "cells": [
                GapCell(value, *counts.get((condition.pk, value), (0, 0)))
                for value, _ in modalities
            ],
        }
        for condition in conditions
    ]
    by_category: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_category[row["condition"].category].append(row)
    groups = [
        {"category": value, "label": str(label), "rows": by_category[value]}
        for value, label in choices.ConditionCategory.choices
        if value in by_category
    ]
    maximum = max((cell.total for row in rows for cell in row["cells"]), default=0)
    return {
        "modalities": modalities,
        "rows": rows,
        "groups": groups,
        "maximum": maximum,
    }
