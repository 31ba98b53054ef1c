"""Filter backends of the API (the FilterSets themselves live in each app's filtersets.py)."""

from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter


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
