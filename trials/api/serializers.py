"""Serializers of trials, studies and trial counts."""

from rest_framework import serializers

from evidence.base.api.serializers import (
    BriefRelatedField,
    ConditionBriefSerializer,
    CuratedSerializer,
    PublicationBriefSerializer,
    TherapyBriefSerializer,
    detail_url,
)
from evidence.choices import EvidenceLevel
from evidence.models import Condition, Publication, Therapy
from trials.models import (
    ClinicalTrial,
    ModelSystem,
    OutcomeClass,
    Study,
    TrialCountSnapshot,
)

EVIDENCE_LEVEL_FIELDS = [
    "evidence_level",
    "evidence_level_derived",
    "evidence_level_override",
    "evidence_level_reason",
]
EVIDENCE_LEVEL_READ_ONLY = ["evidence_level", "evidence_level_derived"]


def evidence_level_field() -> serializers.ChoiceField:
    """A derived level, blank when nothing supports one (a study of unknown stage).

    Declared because DRF drops `allow_blank` from read-only model fields, and the schema
    would then refuse the blank value the API really returns.
    """
    return serializers.ChoiceField(
        choices=EvidenceLevel.choices, allow_blank=True, read_only=True
    )


class OutcomeClassBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutcomeClass
        fields = ["slug", "name"]


class ModelSystemBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelSystem
        fields = ["slug", "name"]


class TrialBriefSerializer(serializers.ModelSerializer):
    url = detail_url("trials-api:trial-detail")

    class Meta:
        model = ClinicalTrial
        fields = ["url", "id", "slug", "nct_id", "phase"]


class StudyBriefSerializer(serializers.ModelSerializer):
    url = detail_url("trials-api:study-detail")

    class Meta:
        model = Study
        fields = ["url", "id", "slug", "title", "year"]


class TrialCountBriefSerializer(serializers.ModelSerializer):
    url = detail_url("trials-api:trial-count-detail")

    class Meta:
        model = TrialCountSnapshot
        fields = ["url", "id", "slug", "series", "phase", "count"]


def conditions_field() -> BriefRelatedField:
    return BriefRelatedField(
        ConditionBriefSerializer,
        queryset=Condition.objects.all(),
        many=True,
        required=False,
    )


class TrialSerializer(CuratedSerializer):
    """A clinical trial: normalised values beside the text as printed."""

    url = detail_url("trials-api:trial-detail")
    evidence_level = evidence_level_field()
    evidence_level_derived = evidence_level_field()
    conditions = conditions_field()
    therapy = BriefRelatedField(TherapyBriefSerializer, queryset=Therapy.objects.all())
    outcome_classes = BriefRelatedField(
        OutcomeClassBriefSerializer,
        queryset=OutcomeClass.objects.all(),
        many=True,
        required=False,
    )

    class Meta:
        model = ClinicalTrial
        fields = [
            "url",
            "id",
            "slug",
            "nct_id",
            "registry_url",
            "design_as_printed",
            "phase",
            "phase_as_printed",
            "status",
            "stem_cell_type_as_printed",
            "conditions",
            "condition_as_printed",
            "therapy",
            "donor_type",
            "dose_as_printed",
            "dose_low",
            "dose_high",
            "dose_unit",
            "dose_basis",
            "dose_frequency",
            "route",
            "route_as_printed",
            "outcome_as_printed",
            "outcome_classes",
            *EVIDENCE_LEVEL_FIELDS,
            "provenance",
        ]
        read_only_fields = EVIDENCE_LEVEL_READ_ONLY


class StudySerializer(CuratedSerializer):
    """A primary study: normalised values beside the text as printed."""

    url = detail_url("trials-api:study-detail")
    evidence_level = evidence_level_field()
    evidence_level_derived = evidence_level_field()
    model_systems = BriefRelatedField(
        ModelSystemBriefSerializer,
        queryset=ModelSystem.objects.all(),
        many=True,
        required=False,
    )
    conditions = conditions_field()
    therapy = BriefRelatedField(
        TherapyBriefSerializer,
        queryset=Therapy.objects.all(),
        allow_null=True,
        required=False,
    )
    publication = BriefRelatedField(
        PublicationBriefSerializer,
        queryset=Publication.objects.all(),
        allow_null=True,
        required=False,
    )

    class Meta:
        model = Study
        fields = [
            "url",
            "id",
            "slug",
            "title",
            "authors_as_printed",
            "year",
            "stage",
            "model_systems",
            "model_as_printed",
            "conditions",
            "condition_as_printed",
            "therapy",
            "cell_as_printed",
            "application_method",
            "route",
            "dose_as_printed",
            "scaffold",
            "findings",
            "publication",
            *EVIDENCE_LEVEL_FIELDS,
            "provenance",
        ]
        read_only_fields = EVIDENCE_LEVEL_READ_ONLY


class TrialCountSerializer(CuratedSerializer):
    """A count of registered trials by phase for one series."""

    url = detail_url("trials-api:trial-count-detail")

    class Meta:
        model = TrialCountSnapshot
        fields = [
            "url",
            "id",
            "slug",
            "series",
            "phase",
            "count",
            "as_of_year",
            "accessed",
            "provenance",
        ]
        validators = []  # the (series, phase) pair is checked by full_clean
