"""What every app's serializers build on: record URLs, brief related records, the
provenance block, the strict model serializer."""

from __future__ import annotations

import copy
from urllib.parse import quote

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from rest_framework import serializers
from rest_framework.settings import api_settings
from rest_framework.utils import model_meta

from evidence import choices
from evidence.base import reversing
from evidence.models import (
    CellSource,
    ComparisonPoint,
    Condition,
    Publication,
    ReviewReference,
    Therapy,
)

# A slug: lower-case letters, digits and single hyphens, but not digits only (a key of
# digits only is a database id in the API's URLs): at least one hyphen, or a letter.
SLUG_KEY_REGEX = r"^[a-z0-9]+(-[a-z0-9]+)+$|^[a-z0-9]*[a-z][a-z0-9]*$"

slug_validator = RegexValidator(
    SLUG_KEY_REGEX,
    "Lower-case letters, digits and single hyphens only, and not digits only (a key of "
    "digits only reads as a database id in API URLs).",
)


def record_url_template(context: dict, view_name: str, kwarg: str) -> str:
    """The absolute URL of `view_name` with `reversing.PLACEHOLDER` for the key, made
    once per request (kept in the serializer context, shared with the fast read path)."""
    templates = context.setdefault("_url_templates", {})
    template = templates.get(view_name)
    if template is None:
        url = reversing.pattern(view_name, kwarg)
        request = context.get("request")
        template = request.build_absolute_uri(url) if request is not None else url
        templates[view_name] = template
    return template


class RecordURLField(serializers.HyperlinkedIdentityField):
    """The record's canonical API URL, whatever format the request asked for."""

    _PLACEHOLDER = reversing.PLACEHOLDER

    def get_url(self, obj, view_name, request, format):
        if obj.pk is None:
            return None
        # Reversing and absolutising a URL per record is a large part of a list's time:
        # do it once per view name and request, then fill in each record's key.
        template = record_url_template(self.context, view_name, self.lookup_url_kwarg)
        key = quote(str(getattr(obj, self.lookup_field)), safe="")
        return template.replace(self._PLACEHOLDER, key)


def detail_url(view_name: str, **kwargs) -> RecordURLField:
    """The record's own API URL; detail routes take the slug (or id) as `key`."""
    kwargs.setdefault("lookup_field", "slug")
    return RecordURLField(view_name=view_name, lookup_url_kwarg="key", **kwargs)


class BriefRelatedField(serializers.SlugRelatedField):
    """A related record: written as its slug, read as its brief serializer."""

    def __init__(self, brief_serializer, slug_field: str = "slug", **kwargs):
        self.brief_serializer = brief_serializer
        super().__init__(slug_field=slug_field, **kwargs)

    def to_representation(self, obj):
        # One brief serializer per field, reused for every record: building a
        # serializer's fields costs more than serializing one record (at 50 trials a
        # page, 200 of them were most of the time of a list).
        brief = self.__dict__.get("_brief")
        if brief is None:
            brief = self._brief = self.brief_serializer(context=self.context)
        return brief.to_representation(obj)


# --- Brief forms, for nesting ---------------------------------------------------------


class PublicationBriefSerializer(serializers.ModelSerializer):
    url = detail_url("evidence-api:publication-detail")

    class Meta:
        model = Publication
        fields = ["url", "id", "slug", "doi", "title", "year"]


class ConditionBriefSerializer(serializers.ModelSerializer):
    url = detail_url("evidence-api:condition-detail")

    class Meta:
        model = Condition
        fields = ["url", "id", "slug", "name"]


class CellSourceBriefSerializer(serializers.ModelSerializer):
    url = detail_url("evidence-api:cell-source-detail")

    class Meta:
        model = CellSource
        fields = ["url", "id", "slug", "name"]


class TherapyBriefSerializer(serializers.ModelSerializer):
    url = detail_url("evidence-api:therapy-detail")

    class Meta:
        model = Therapy
        fields = ["url", "id", "slug", "name", "modality"]


class ComparisonPointBriefSerializer(serializers.ModelSerializer):
    url = detail_url("evidence-api:comparison-point-detail")

    class Meta:
        model = ComparisonPoint
        fields = ["url", "id", "slug", "aspect", "side"]


class ReviewReferenceBriefSerializer(serializers.ModelSerializer):
    url = detail_url("evidence-api:review-reference-detail", lookup_field="pk")
    review = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = ReviewReference
        fields = ["url", "id", "review", "number"]


# --- Shared bases ---------------------------------------------------------------------


class ProvenanceSerializer(serializers.Serializer):
    """Where a record came from: review, locator, cited reference numbers, primary DOI."""

    review = serializers.SlugRelatedField(
        source="source_review",
        slug_field="slug",
        queryset=Publication.objects.reviews(),
        help_text="Slug of the review the record was extracted from.",
    )
    locator = serializers.CharField(
        max_length=200,
        help_text='Where in the review: "Table 2, row 7", "Section 4.2".',
    )
    refs = serializers.ListField(
        source="reference_numbers",
        child=serializers.IntegerField(min_value=1, max_value=32767),
        required=False,
        help_text="The review's reference numbers cited for this record.",
    )
    primary_doi = serializers.SlugRelatedField(
        source="primary_publication",
        slug_field="doi",
        queryset=Publication.objects.all(),
        allow_null=True,
        required=False,
        help_text="DOI of the primary publication, where known.",
    )
    verification = serializers.ChoiceField(
        source="verification_status",
        choices=choices.VerificationStatus.choices,
        required=False,
    )
    confirmed_by = serializers.CharField(
        max_length=500, allow_blank=True, required=False
    )
    flags = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Uncertain or undeterminable values.",
    )


class AtlasModelSerializer(serializers.ModelSerializer):
    """A model serializer whose writes pass the model's own validation.

    `validate()` runs `full_clean()` (field validators, unique and check constraints) on
    a copy of the record with the new values, and reports Django's messages under the
    API's field names.
    """

    def validate(self, attrs):
        attrs = super().validate(attrs)
        self._resolve_reference_numbers(attrs)
        self._full_clean(attrs)
        return attrs

    def _resolve_reference_numbers(self, attrs) -> None:
        if "reference_numbers" not in attrs:
            return
        numbers = sorted(set(attrs.pop("reference_numbers")))
        review = attrs.get("source_review") or getattr(
            self.instance, "source_review", None
        )
        found = list(ReviewReference.objects.filter(review=review, number__in=numbers))
        missing = sorted(set(numbers) - {ref.number for ref in found})
        if missing:
            raise serializers.ValidationError(
                {
                    "provenance": {
                        "refs": [
                            f"The review has no reference {', '.join(map(str, missing))}."
                        ]
                    }
                }
            )
        attrs["cited_references"] = found

    def _full_clean(self, attrs) -> None:
        model = self.Meta.model
        relations = model_meta.get_field_info(model).relations
        candidate = copy.copy(self.instance) if self.instance is not None else model()
        for name, value in attrs.items():
            if not (name in relations and relations[name].to_many):
                setattr(candidate, name, value)
        try:
            candidate.full_clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(
                self._api_errors(exc.message_dict)
            ) from exc

    def _api_errors(self, model_errors: dict[str, list[str]]) -> dict:
        """Re-key Django's errors from model field names to the API's field names."""
        where: dict[str, tuple[str, ...]] = {}
        for name, field in self.fields.items():
            if field.read_only:
                continue
            if field.source == "*" and isinstance(field, serializers.Serializer):
                for sub_name, sub in field.fields.items():
                    where[sub.source] = (name, sub_name)
            else:
                where[field.source] = (name,)
        errors: dict = {}
        for model_field, messages in model_errors.items():
            if model_field == NON_FIELD_ERRORS:
                path: tuple[str, ...] = (api_settings.NON_FIELD_ERRORS_KEY,)
            else:
                path = where.get(model_field, (model_field,))
            target = errors
            for part in path[:-1]:
                target = target.setdefault(part, {})
            target.setdefault(path[-1], []).extend(messages)
        return errors


class CuratedSerializer(AtlasModelSerializer):
    """A curated record: slug, provenance, and its own API URL."""

    slug = serializers.CharField(max_length=120, validators=[slug_validator])
    provenance = ProvenanceSerializer(source="*")


class VocabularySerializer(AtlasModelSerializer):
    slug = serializers.CharField(max_length=120, validators=[slug_validator])


# --- Full forms -----------------------------------------------------------------------
