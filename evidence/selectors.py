"""Non-trivial reads behind the researcher pages: facets, overview, comparison, search.

Every function here issues a fixed number of queries, independent of the data size.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import django_filters as filters
from django.db.models import CharField, Count, F, QuerySet, Value
from django.db.models.functions import Cast
from django.http import QueryDict
from django_filters.utils import label_for_filter

from evidence import choices, counts
from evidence.models import (
    CellSource,
    ComparisonPoint,
    Condition,
    Publication,
    ReviewReference,
    Therapy,
)

#
# Facet counts
#


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool
    url: str = ""


@dataclass
class Facet:
    name: str
    label: str
    options: list[FacetOption] = field(default_factory=list)

    @property
    def selected(self) -> list[FacetOption]:
        return [option for option in self.options if option.selected]


FACET_FILTER_TYPES = (filters.MultipleChoiceFilter, filters.ModelMultipleChoiceFilter)


def filter_label(filterset_class: type[filters.FilterSet], name: str) -> str:
    """A filter's human label: its own, else derived from the model field it filters.

    Computed here rather than read from the shared filter objects, whose lazily cached
    label other code (schema generation) may already have filled with the bare name.
    """
    spec = filterset_class.base_filters[name]
    label = spec.extra.get("label") or getattr(spec, "_label", None)
    if not label or label == name:
        label = label_for_filter(
            filterset_class._meta.model, spec.field_name, spec.lookup_expr, spec.exclude
        )
    return str(label)


def filter_data_valid(
    *, filterset_class: type[filters.FilterSet], data: QueryDict
) -> QueryDict:
    """`data` without the parameters whose values the FilterSet rejects."""
    filterset = filterset_class(
        data, queryset=filterset_class._meta.model.objects.none()
    )
    cleaned = data.copy()
    if not filterset.is_valid():
        for name in filterset.errors:
            cleaned.pop(name, None)
    return cleaned


# Choices labelled by more than a name: the (text, number) fields their `__str__` reads,
# fetched with the counts so that labels cost no query of their own.
LABEL_FIELDS = {Publication: ("authors", "year")}
_LABEL_ROWS = " labels"  # a space: never part of a filter name


def _labelled_by_name(model) -> bool:
    """Whether a record's label is its `name` column (the vocabulary models)."""
    from evidence.models import VocabularyModel

    return model.__str__ is VocabularyModel.__str__


def _applied_filters(
    filterset_class: type[filters.FilterSet],
    data: QueryDict,
    filterset: filters.FilterSet | None,
) -> filters.FilterSet:
    """A validated FilterSet of `data`: the view's own when it is valid, else one
    without the rejected parameters."""
    if filterset is not None and filterset.is_bound and filterset.is_valid():
        return filterset
    model = filterset_class._meta.model
    valid = filterset_class(
        filter_data_valid(filterset_class=filterset_class, data=data),
        queryset=model._default_manager.all(),
    )
    valid.is_valid()
    return valid


def facet_counts(
    *,
    filterset_class: type[filters.FilterSet],
    data: QueryDict,
    names: Sequence[str] | None = None,
    filterset: filters.FilterSet | None = None,
) -> list[Facet]:
    """Counts per choice of each multiple-choice filter of `filterset_class`.

    Each facet counts over the rows the *other* filters select (its own filter is left
    out), with one grouped query per facet; a row linked to two choices through a
    many-to-many relation counts under both. Choices with no rows are left out unless
    selected.

    The grouped queries of all facets go to the database as one UNION ALL statement,
    and the labels of vocabulary choices come with the counts, so a list page spends
    one query on its facets whatever their number. Pass the view's bound `filterset`
    to reuse its validated values instead of validating them again.
    """
    base_filters = filterset_class.base_filters
    names = list(
        names
        or [
            name
            for name, f in base_filters.items()
            if isinstance(f, FACET_FILTER_TYPES)
        ]
    )
    # Counts change only with the data: cached per filter values and data version.
    key = repr(
        (
            f"facets:{filterset_class.__module__}.{filterset_class.__qualname__}",
            names,
            sorted((k, sorted(v)) for k, v in data.lists() if k in base_filters and v),
        )
    )
    return counts.cached(
        key, lambda: _facet_counts(filterset_class, data, names, filterset)
    )


def _facet_counts(
    filterset_class: type[filters.FilterSet],
    data: QueryDict,
    names: list[str],
    filterset: filters.FilterSet | None,
) -> list[Facet]:
    model = filterset_class._meta.model
    applied = _applied_filters(filterset_class, data, filterset)
    cleaned = {
        name: value
        for name, value in applied.form.cleaned_data.items()
        if value not in (None, "", [], ())
        and not (hasattr(value, "exists") and not value)
    }
    base_filters = filterset_class.base_filters
    # The rows each facet counts over; facets whose own filter is not applied share one.
    rows_by_filters: dict[frozenset, QuerySet] = {}

    def rows_without(name: str) -> QuerySet:
        key = frozenset(cleaned) - {name}
        if key not in rows_by_filters:
            rows = model._default_manager.all()
            for other in sorted(key):
                rows = applied.filters[other].filter(rows, cleaned[other])
            rows_by_filters[key] = rows.values("pk")
        return rows_by_filters[key]

    grouped = []
    label_queries: dict[str, QuerySet] = {}
    for name in names:
        spec = base_filters[name]
        label_path = None
        if isinstance(spec, filters.ModelMultipleChoiceFilter):
            key = spec.extra.get("to_field_name") or "pk"
            path = f"{spec.field_name}__{key}"
            label_model = spec.queryset.model
            if _labelled_by_name(label_model):
                label_path = f"{spec.field_name}__name"
            elif label_model in LABEL_FIELDS:
                # The choices' label fields ride in the same statement, as extra rows.
                text_field, number_field = LABEL_FIELDS[label_model]
                grouped.append(
                    spec.queryset.all()
                    .order_by()
                    .annotate(
                        _facet=Value(f"{name}{_LABEL_ROWS}", output_field=CharField()),
                        _value=Cast(key, CharField()),
                        _label=Cast(text_field, CharField()),
                        _n=F(number_field),
                    )
                    .values_list("_facet", "_value", "_label", "_n")
                )
            else:
                # A fresh copy: the class-level queryset would keep its first results.
                label_queries[name] = spec.queryset.all()
        else:
            path = spec.field_name
        grouped.append(
            model._default_manager.filter(pk__in=rows_without(name))
            .order_by()
            .annotate(
                _facet=Value(name, output_field=CharField()),
                _value=Cast(path, CharField()),
                _label=Cast(label_path, CharField())
                if label_path
                else Value("", output_field=CharField()),
            )
            .values("_facet", "_value", "_label")
            .annotate(_n=Count("pk", distinct=True))
            .values_list("_facet", "_value", "_label", "_n")
        )
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    found_labels: dict[str, dict[str, str]] = defaultdict(dict)
    if grouped:
        union = grouped[0].union(*grouped[1:], all=True) if grouped[1:] else grouped[0]
        for facet, value, label, n in union:
            if value is None:
                continue
            if facet.endswith(_LABEL_ROWS):
                name = facet[: -len(_LABEL_ROWS)]
                label_model = base_filters[name].queryset.model
                text_field, number_field = LABEL_FIELDS[label_model]
                key = base_filters[name].extra.get("to_field_name") or "pk"
                record = label_model(**{text_field: label, number_field: n, key: value})
                found_labels[name][value] = str(record)
                continue
            counts[facet][value] = n
            if label:
                found_labels[facet][value] = label
    facets = []
    for name in names:
        spec = base_filters[name]
        selected = set(data.getlist(name))
        if isinstance(spec, filters.ModelMultipleChoiceFilter):
            key = spec.extra.get("to_field_name") or "pk"
            labels = found_labels[name]
            # The chosen records are already in the validated values.
            for obj in cleaned.get(name) or ():
                labels.setdefault(str(getattr(obj, key)), str(obj))
            if name in label_queries:
                labels.update(
                    {str(getattr(obj, key)): str(obj) for obj in label_queries[name]}
                )
            values = [v for v in labels if counts[name].get(v) or v in selected]
        else:
            labels = {str(value): str(label) for value, label in spec.extra["choices"]}
            values = list(labels)
        options = [
            FacetOption(
                value, labels[value], counts[name].get(value, 0), value in selected
            )
            for value in values
            if value in labels and (counts[name].get(value) or value in selected)
        ]
        if isinstance(spec, filters.ModelMultipleChoiceFilter):
            options.sort(key=lambda option: (-option.count, option.label.lower()))
        facets.append(
            Facet(name=name, label=filter_label(filterset_class, name), options=options)
        )
    return facets


#
# Citations behind a set of rows
#

PROVENANCE_PATHS = (
    "source_review",
    "primary_publication",
    "cited_references__publication",
)


def publications_for_rows(
    *, queryset: QuerySet, paths: Sequence[str] = PROVENANCE_PATHS
) -> QuerySet[Publication]:
    """The publications that rows of `queryset` cite through `paths` (one query)."""
    ids: set[int] = set()
    pks = queryset.order_by().values("pk")
    model = queryset.model
    for path in paths:
        ids.update(
            model._default_manager.filter(pk__in=pks)
            .exclude(**{f"{path}__isnull": True})
            .values_list(path, flat=True)
            .distinct()
        )
    return Publication.objects.filter(pk__in=ids).order_by("year", "slug")


#
# Overview
#


def entity_counts() -> list[tuple[str, int, str]]:
    """(label, count, url name) of every entity the atlas holds."""
    from secretome.models import (
        Component,
        ComponentFinding,
        GeneticModification,
        Preconditioning,
    )
    from trials.models import ClinicalTrial, Study

    rows = [
        ("Clinical trials", ClinicalTrial, "trials:trial_list"),
        ("Studies", Study, "trials:study_list"),
        ("Therapies", Therapy, "evidence:therapy_list"),
        ("Conditions", Condition, "evidence:condition_list"),
        ("Cell sources", CellSource, "evidence:cellsource_list"),
        ("Secretome components", Component, "secretome:component_list"),
        ("Component findings", ComponentFinding, "secretome:component_list"),
        (
            "Preconditioning strategies",
            Preconditioning,
            "secretome:preconditioning_list",
        ),
        (
            "Genetic modifications",
            GeneticModification,
            "secretome:geneticmodification_list",
        ),
        ("Publications", Publication, "evidence:publication_list"),
    ]
    return [(label, model.objects.count(), url) for label, model, url in rows]


def review_counts() -> list[dict]:
    """Per source review: how many records of each curated kind it contributed."""
    from secretome.models import ComponentFinding, GeneticModification, Preconditioning
    from trials.models import ClinicalTrial, Study

    kinds = [
        ("Trials", ClinicalTrial),
        ("Studies", Study),
        ("Therapies", Therapy),
        ("Findings", ComponentFinding),
        ("Genetic modifications", GeneticModification),
        ("Preconditioning", Preconditioning),
        ("Comparison points", ComparisonPoint),
    ]
    reviews = list(Publication.objects.reviews().order_by("year", "slug"))
    table = {review.pk: {} for review in reviews}
    for label, model in kinds:
        grouped = (
            model.objects.values("source_review").annotate(n=Count("pk")).order_by()
        )
        for row in grouped:
            table.setdefault(row["source_review"], {})[label] = row["n"]
    references = dict(
        ReviewReference.objects.values_list("review")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("review", "n")
    )
    return [
        {
            "review": review,
            "counts": [(label, table[review.pk].get(label, 0)) for label, _ in kinds],
            "references": references.get(review.pk, 0),
        }
        for review in reviews
        # reviews cited as primary literature contributed no records: leave them out
        if table[review.pk] or references.get(review.pk)
    ]


def count_by(
    queryset: QuerySet, path: str, labels: Mapping[str, str] | None = None
) -> list[tuple[str, str, int]]:
    """(value, label, count) rows of `queryset` grouped by `path`, largest first."""
    rows = (
        queryset.values(path)
        .annotate(n=Count("pk", distinct=True))
        .order_by("-n", path)
    )
    result = []
    for row in rows:
        value = row[path]
        if value is None or value == "":
            label = "Not stated"
            value = ""
        else:
            label = labels.get(value, value) if labels else value
        result.append((value, label, row["n"]))
    return result


def trial_charts() -> dict[str, list[tuple[str, str, int]]]:
    """Counts of trials by phase (in phase order), route and cell source."""
    from trials.choices import Phase, Route
    from trials.models import ClinicalTrial

    trials = ClinicalTrial.objects.all()
    by_phase = {
        value: (value, label, n) for value, label, n in count_by(trials, "phase")
    }
    return {
        "phase": [
            (value, label, by_phase[value][2])
            for value, label in Phase.choices
            if value in by_phase
        ],
        "route": count_by(trials, "route", dict(Route.choices)),
        "cell_source": count_by(trials, "therapy__cell_source__name"),
    }


def trial_count_series() -> dict:
    """Figure 4: registered trials by phase for each series, as grouped bars."""
    from trials.choices import Phase, TrialCountSeries
    from trials.models import TrialCountSnapshot

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


#
# The side-by-side page of a condition
#


@dataclass
class EvidenceSide:
    """The trials and studies of one side (cell-based or cell-free) of a condition."""

    label: str
    trials: list = field(default_factory=list)
    studies: list = field(default_factory=list)

    def _count(self, values: Iterable[str]) -> list[tuple[str, int]]:
        return sorted(Counter(values).items(), key=lambda item: (-item[1], item[0]))

    @property
    def modalities(self) -> list[tuple[str, int]]:
        return self._count(
            r.therapy.get_modality_display()
            for r in [*self.trials, *self.studies]
            if r.therapy
        )

    @property
    def phases(self) -> list[tuple[str, int]]:
        return self._count(t.get_phase_display() for t in self.trials)

    @property
    def routes(self) -> list[tuple[str, int]]:
        return self._count(r.get_route_display() for r in [*self.trials, *self.studies])

    @property
    def outcomes(self) -> list[tuple[str, int]]:
        return self._count(o.name for t in self.trials for o in t.outcome_classes.all())

    @property
    def evidence_levels(self) -> list[tuple[str, int]]:
        return sorted(
            Counter(
                r.evidence_level or "—" for r in [*self.trials, *self.studies]
            ).items()
        )

    @property
    def stages(self) -> list[tuple[str, int]]:
        return self._count(s.get_stage_display() for s in self.studies)


def condition_side_by_side(*, condition: Condition) -> dict:
    """A condition's evidence split into cell-based and cell-free, with their tallies."""
    from secretome.models import ComponentFinding, GeneticModification
    from trials.models import ClinicalTrial, Study

    cells = EvidenceSide("Cell-based (living cells)")
    cell_free = EvidenceSide("Cell-free (secretome, vesicles, factors)")
    unknown = EvidenceSide("Product not stated")
    for trial in ClinicalTrial.objects.with_list_related().filter(conditions=condition):
        (
            cells if trial.therapy.modality == choices.Modality.CELLS else cell_free
        ).trials.append(trial)
    for study in Study.objects.with_list_related().filter(conditions=condition):
        if study.therapy is None:
            unknown.studies.append(study)
        elif study.therapy.modality == choices.Modality.CELLS:
            cells.studies.append(study)
        else:
            cell_free.studies.append(study)
    return {
        "sides": [cells, cell_free],
        "unknown": unknown,
        "findings": list(
            ComponentFinding.objects.with_list_related().filter(conditions=condition)
        ),
        "modifications": list(
            GeneticModification.objects.with_list_related().filter(conditions=condition)
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


def evidence_gap_map() -> dict:
    """Conditions x modality: the number of trials and of studies in each cell."""
    from trials.models import ClinicalTrial, Study

    counts: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for index, model in enumerate((ClinicalTrial, Study)):
        rows = (
            model.objects.filter(conditions__isnull=False, therapy__isnull=False)
            .values("conditions", "therapy__modality")
            .annotate(n=Count("pk", distinct=True))
            .order_by()
        )
        for row in rows:
            counts[(row["conditions"], row["therapy__modality"])][index] += row["n"]
    condition_ids = {key[0] for key in counts}
    conditions = Condition.objects.filter(pk__in=condition_ids).order_by("name")
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
    maximum = max((cell.total for row in rows for cell in row["cells"]), default=0)
    return {"modalities": modalities, "rows": rows, "maximum": maximum}


#
# Search across every type
#


@dataclass
class SearchGroup:
    label: str
    results: list
    more: bool
    list_url: str = ""

    @property
    def total(self) -> int:
        return len(self.results)


def search_everything(*, text: str, limit: int = 20) -> list[SearchGroup]:
    """Records of every type whose name, identifiers or text match `text`.

    Uses each model's FilterSet search (PostgreSQL full text plus `icontains`), so the
    search page and the lists' `q` agree. One query per type: `limit + 1` rows are read
    to know whether there are more than `limit`.
    """
    from evidence.filtersets import (
        CellSourceFilterSet,
        ConditionFilterSet,
        PublicationFilterSet,
        TherapyFilterSet,
    )
    from evidence.search import text_search
    from secretome.filtersets import (
        ComponentFilterSet,
        ComponentFindingFilterSet,
        EffectFilterSet,
        GeneticModificationFilterSet,
        PreconditioningFilterSet,
    )
    from secretome.models import (
        Component,
        ComponentFinding,
        Effect,
        GeneticModification,
        Preconditioning,
    )
    from trials.filtersets import StudyFilterSet, TrialFilterSet
    from trials.models import ClinicalTrial, Study

    sources: list[tuple[str, QuerySet, type[filters.FilterSet], str]] = [
        (
            "Clinical trials",
            ClinicalTrial.objects.select_related("therapy"),
            TrialFilterSet,
            "trials:trial_list",
        ),
        (
            "Studies",
            Study.objects.select_related("publication"),
            StudyFilterSet,
            "trials:study_list",
        ),
        (
            "Publications",
            Publication.objects.all(),
            PublicationFilterSet,
            "evidence:publication_list",
        ),
        (
            "Conditions",
            Condition.objects.all(),
            ConditionFilterSet,
            "evidence:condition_list",
        ),
        (
            "Therapies",
            Therapy.objects.select_related("cell_source"),
            TherapyFilterSet,
            "evidence:therapy_list",
        ),
        (
            "Cell sources",
            CellSource.objects.all(),
            CellSourceFilterSet,
            "evidence:cellsource_list",
        ),
        (
            "Secretome components",
            Component.objects.all(),
            ComponentFilterSet,
            "secretome:component_list",
        ),
        ("Effects", Effect.objects.all(), EffectFilterSet, ""),
        (
            "Component findings",
            ComponentFinding.objects.select_related("component", "effect"),
            ComponentFindingFilterSet,
            "",
        ),
        (
            "Preconditioning",
            Preconditioning.objects.all(),
            PreconditioningFilterSet,
            "secretome:preconditioning_list",
        ),
        (
            "Genetic modifications",
            GeneticModification.objects.all(),
            GeneticModificationFilterSet,
            "secretome:geneticmodification_list",
        ),
    ]
    groups = []
    for label, queryset, filterset_class, list_url in sources:
        matches = text_search(
            queryset,
            text,
            fields=filterset_class.search_fields,
            vector_fields=filterset_class.vector_fields,
        )
        results = list(matches[: limit + 1])
        if results:
            more = len(results) > limit
            groups.append(SearchGroup(label, results[:limit], more, list_url))
    return groups
