"""Filter backends of the API (the FilterSets themselves live in each app's filtersets.py)."""

import re

from django.db import models
from django_filters import NumberFilter, utils
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import get_model_field
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter

_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,18}")


class StrictFilterBackend(DjangoFilterBackend):
    """The view's FilterSet, with the rules the schema states for every parameter.

    - An empty value (`?review=`) is the same as leaving the parameter out, for every
      parameter (filters, `ordering`, `page_size`, `format`); the schema says so with
      `allowEmptyValue`.
    - A filter on a whole-number field (`year_min`, `number`) refuses 0.5 with a 400,
      as its schema type `integer` says.
    """

    def get_filterset_kwargs(self, request, queryset, view):
        kwargs = super().get_filterset_kwargs(request, queryset, view)
        data = kwargs["data"].copy()
        for key in list(data):
            values = [value for value in data.getlist(key) if value != ""]
            if values:
                data.setlist(key, values)
            else:
                del data[key]
        kwargs["data"] = data
        return kwargs

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        errors = {}
        for name, field_filter in filterset.filters.items():
            if not isinstance(field_filter, NumberFilter):
                continue
            model_field = get_model_field(queryset.model, field_filter.field_name)
            if not isinstance(model_field, models.IntegerField | models.AutoField):
                continue
            for value in filterset.data.getlist(name):
                if not _WHOLE_NUMBER.fullmatch(value.strip()):
                    errors[name] = [f"A whole number is required (got {value!r})."]
        if errors:
            raise ValidationError(errors)
        if not filterset.is_valid():
            raise utils.translate_validation(filterset.errors)
        return filterset.qs


class StrictOrderingFilter(OrderingFilter):
    """`?ordering=` over the view's `ordering_fields`; an unknown field is a 400.

    DRF silently ignores unknown fields, which hides typos in scripts. The primary key is
    appended as a tie-breaker so that pages never overlap or skip rows.
    """

    def allowed_fields(self, view) -> list[str]:
        return list(getattr(view, "ordering_fields", None) or [])

    def get_ordering(self, request, queryset, view):
        params = request.query_params.get(self.ordering_param)
        if not params:
            return self.get_default_ordering(view)
        allowed = set(self.allowed_fields(view))
        terms = [term.strip() for term in params.split(",") if term.strip()]
        unknown = [term for term in terms if term.lstrip("-") not in allowed]
        if unknown or not terms:
            raise ValidationError(
                {
                    self.ordering_param: [
                        f"Unknown ordering field {', '.join(unknown) or params!r}. "
                        f"Choose from: {', '.join(sorted(allowed))} (prefix - to reverse)."
                    ]
                }
            )
        return terms

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            ordering = list(queryset.query.order_by) or list(
                queryset.model._meta.ordering
            )
        return queryset.order_by(*ordering, "pk")

    def get_schema_operation_parameters(self, view):
        fields = self.allowed_fields(view)
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": (
                    "Field to order by; prefix - for descending, join several with "
                    "commas. Unknown fields are a 400."
                ),
                "schema": {
                    "type": "string",
                    "enum": [v for f in fields for v in (f, f"-{f}")],
                },
            }
        ]
