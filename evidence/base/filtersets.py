"""What every app's FilterSets build on: text search, strict booleans, slug choices and
the vocabulary filters (review, condition, cell source) that trials and secretome reuse."""

import django_filters as filters
from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import ManyToManyField

from evidence import choices
from evidence.base import search_index
from evidence.base.search import text_search
from evidence.models import (
    CellSource,
    Condition,
    Publication,
)


class SearchFilterSet(filters.FilterSet):
    """A FilterSet with a `q` text search over `search_fields`.

    For an entity of the registry this is its search definition: `name_fields` (name,
    aliases, identifiers: ranked first) and `search_fields`, matched through the
    normalised index (evidence.base.search_index); other models match `icontains`.
    """

    name_fields: tuple[str, ...] = ()
    search_fields: tuple[str, ...] = ()
    vector_fields: tuple[str, ...] = ()

    q = filters.CharFilter(method="filter_q", label="Search", max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # django-filter makes every multiple-choice filter SELECT DISTINCT over all
        # columns, which only a path through a to-many relation needs; at 100k trials
        # it doubled the time of a filtered page and of its count.
        for spec in self.filters.values():
            if spec.distinct and not _crosses_to_many(
                self._meta.model, spec.field_name
            ):
                spec.distinct = False
            # A number filter over a whole-number field (a year, a reference number)
            # refuses 2020.5 and 1e3 on the pages as the API does (its schema says
            # `integer`): "Enter a whole number." instead of a silently rounded filter.
            if isinstance(spec, filters.NumberFilter) and _is_whole_number(
                self._meta.model, spec.field_name
            ):
                spec.field_class = forms.IntegerField

    def filter_q(self, queryset, name, value):
        if search_index.is_indexed(queryset.model):
            return search_index.search_queryset(queryset, value)
        return text_search(
            queryset, value, fields=self.search_fields, vector_fields=self.vector_fields
        )


def _is_whole_number(model, path: str) -> bool:
    """Whether the lookup `path` from `model` ends at an integer field."""
    from django.db import models
    from django_filters.utils import get_model_field

    field = get_model_field(model, path)
    return isinstance(field, models.IntegerField | models.AutoField)


def _crosses_to_many(model, path: str) -> bool:
    """Whether the lookup `path` from `model` follows a to-many relation."""
    for name in path.split("__"):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        if field.many_to_many or field.one_to_many:
            return True
        if not field.is_relation:
            return False
        model = field.related_model
    return False


class StrictBooleanField(forms.NullBooleanField):
    """true/false (1/0, yes/no) or nothing; anything else is an error, not "no filter"."""

    widget = forms.TextInput

    def to_python(self, value):
        text = str(value).strip().lower() if value is not None else ""
        if text == "":
            return None
        if text in ("true", "1", "yes", "on"):
            return True
        if text in ("false", "0", "no", "off"):
            return False
        raise ValidationError("Enter true or false.", code="invalid")

    def validate(self, value):
        pass


class StrictBooleanFilter(filters.BooleanFilter):
    """A yes/no filter that refuses junk with a 400 instead of ignoring it."""

    field_class = StrictBooleanField


class SlugMultipleChoiceFilter(filters.ModelMultipleChoiceFilter):
    """Related records chosen by slug (`?condition=stroke&condition=...`).

    django-filter would filter on the slug *value* through the relation
    (`conditions="stroke"`, compared with the id); filtering on the chosen record
    itself is what is meant.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("to_field_name", "slug")
        super().__init__(*args, **kwargs)

    def get_filter_predicate(self, v):
        return {self.field_name: v}

    def is_noop(self, qs, value):
        # django-filter's check reads every choice from the database on each call.
        return False

    def _matching_pks(self, model, chosen):
        """Primary keys of the rows of `model` linked to any of `chosen`."""
        try:
            field = model._meta.get_field(self.field_name)
        except FieldDoesNotExist:
            field = None
        if isinstance(field, ManyToManyField):
            # Straight from the link table: no row of `model` is read.
            through = field.remote_field.through
            return through._default_manager.filter(
                **{f"{field.m2m_reverse_field_name()}__in": chosen}
            ).values(field.m2m_field_name())
        return model._default_manager.filter(
            **{f"{self.field_name}__in": chosen}
        ).values("pk")

    def filter(self, qs, value):
        # Through a many-to-many relation: a primary-key sub-query instead of a join
        # plus SELECT DISTINCT over every column, which made counts and pages of 100k
        # trials several times slower.
        if not value:
            return qs
        if self.distinct and not self.conjoined and not self.exclude:
            return qs.filter(pk__in=self._matching_pks(qs.model, list(value)))
        return super().filter(qs, value)


def review_filter() -> filters.ModelMultipleChoiceFilter:
    return SlugMultipleChoiceFilter(
        field_name="source_review",
        to_field_name="slug",
        queryset=Publication.objects.filter(kind=choices.PublicationKind.REVIEW),
        label="Review",
    )


INCLUDE_DESCENDANTS = "include_descendants"


class ConditionFilter(SlugMultipleChoiceFilter):
    """Records of the chosen conditions; with `include_descendants=true` in the same
    FilterSet, also those of every narrower condition below them (knee osteoarthritis
    under osteoarthritis). The hierarchy costs one query (evidence.querysets)."""

    def filter(self, qs, value):
        if value and self._include_descendants():
            value = sorted(Condition.objects.tree().descendant_ids(c.pk for c in value))
        return super().filter(qs, value)

    def _include_descendants(self) -> bool:
        filterset = getattr(self, "parent", None)
        cleaned = getattr(getattr(filterset, "form", None), "cleaned_data", None) or {}
        return bool(cleaned.get(INCLUDE_DESCENDANTS))


def condition_filter(
    field_name: str = "conditions",
) -> filters.ModelMultipleChoiceFilter:
    return ConditionFilter(
        field_name=field_name,
        to_field_name="slug",
        queryset=Condition.objects.all(),
        label="Condition",
        help_text="Condition slug (repeat for several: any of them); with "
        "include_descendants=true also the narrower conditions below each one.",
        distinct=True,
    )


class StrictCheckboxInput(forms.CheckboxInput):
    """A checkbox (value "true") whose submitted text the strict field judges: Django's
    own widget reads any unknown text as "checked"."""

    def __init__(self, attrs=None):
        super().__init__(
            attrs={"value": "true", **(attrs or {})},
            check_test=lambda value: (
                str(value).strip().lower() in ("true", "1", "yes", "on")
            ),
        )

    def format_value(self, value):
        return None  # the value attribute stays "true" (set above)

    def value_from_datadict(self, data, files, name):
        return data.get(name)


def include_descendants_filter() -> filters.BooleanFilter:
    """The switch that widens `condition` to the narrower conditions (ConditionFilter);
    on its own it selects nothing."""
    return StrictBooleanFilter(
        method=_leave_unfiltered,
        label="Include narrower conditions",
        help_text="true: the condition filter also selects the records of every "
        "narrower condition below the chosen ones (knee osteoarthritis under "
        "osteoarthritis); false or absent: the chosen conditions only.",
        widget=StrictCheckboxInput,
    )


def _leave_unfiltered(queryset, name, value):
    return queryset


def cell_source_filter(field_name: str) -> filters.ModelMultipleChoiceFilter:
    return SlugMultipleChoiceFilter(
        field_name=field_name,
        to_field_name="slug",
        queryset=CellSource.objects.all(),
        label="Cell source",
    )
