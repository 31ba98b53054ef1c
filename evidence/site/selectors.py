"""The home page's counts and charts, the side-by-side page of a condition, and the
comparison page (Table 4 and the evidence gap map)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count

from evidence import choices, registry
from evidence.models import ComparisonPoint, Condition, Publication, ReviewReference
from secretome.models import ComponentFinding, GeneticModification
from trials.models import ClinicalTrial, Study

#
# Overview
#


def entity_counts() -> list[tuple[str, int, str]]:
    """(label, count, url name) of every registered entity counted on the home page."""
    return [
        (
            entity.label,
            entity.model._default_manager.count(),
            entity.count_url or entity.list_url,
        )
        for entity in registry.entities()
        if entity.home_count
    ]


def review_counts() -> list[dict]:
    """Per source review: how many records of each curated kind it contributed."""
    kinds = [
        (entity.review_label, entity.model)
        for entity in registry.entities()
        if entity.review_label
    ]
    reviews = list(Publication.objects.reviews().order_by("year", "slug"))
    table: dict[int, dict[str, int]] = {review.pk: {} for review in reviews}
    for label, model in kinds:
        grouped = (
            model._default_manager.values("source_review")
            .annotate(n=Count("pk"))
            .order_by()
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
