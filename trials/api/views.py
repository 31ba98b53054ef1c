"""API viewsets of trials, studies and trial counts."""

from django.db.models import Q

from evidence.base.api.viewsets import AtlasViewSet, keyed_lookup
from trials import filtersets
from trials.api import serializers
from trials.models import ClinicalTrial, Study, TrialCountSnapshot


@keyed_lookup("The trial's slug, NCT id (any case, e.g. NCT01234567) or numeric id.")
class TrialViewSet(AtlasViewSet):
    """Clinical trials of cell and cell-free therapies, by slug, NCT id or id."""

    queryset = ClinicalTrial.objects.with_api_related()
    serializer_class = serializers.TrialSerializer
    filterset_class = filtersets.TrialFilterSet
    ordering_fields = [
        "slug",
        "nct_id",
        "phase",
        "status",
        "route",
        "evidence_level",
        "therapy__name",
    ]

    def lookup_conditions(self, key: str) -> list[Q]:
        # An NCT id is never digits only, so it cannot collide with an id.
        return [*super().lookup_conditions(key), Q(nct_id__iexact=key)]


class StudyViewSet(AtlasViewSet):
    """Primary studies (pre-clinical or clinical) that a review summarises."""

    queryset = Study.objects.with_api_related()
    serializer_class = serializers.StudySerializer
    filterset_class = filtersets.StudyFilterSet
    ordering_fields = ["slug", "title", "year", "stage", "evidence_level"]


class TrialCountViewSet(AtlasViewSet):
    """Registered trial counts by phase and series (Foo 2021, Figure 4)."""

    queryset = TrialCountSnapshot.objects.with_list_related()
    serializer_class = serializers.TrialCountSerializer
    filterset_class = filtersets.TrialCountFilterSet
    ordering_fields = ["slug", "series", "phase", "count", "as_of_year"]
