"""Search across every type of record, for /search/."""

from __future__ import annotations

from dataclasses import dataclass

import django_filters as filters
from django.db.models import QuerySet

from evidence.models import (
    CellSource,
    Condition,
    Publication,
    Therapy,
)

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
