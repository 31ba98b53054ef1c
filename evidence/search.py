"""Text search shared by every FilterSet's `q`: PostgreSQL full text, icontains elsewhere."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet

MAX_QUERY_LENGTH = 200


def text_search(
    queryset: QuerySet,
    text: str,
    *,
    fields: Sequence[str],
    vector_fields: Sequence[str] = (),
) -> QuerySet:
    """Rows whose `fields` contain `text`, or (PostgreSQL) whose `vector_fields` match it.

    Matching runs in a sub-query on primary keys so that joins through many-to-many
    fields never duplicate rows of the outer queryset.
    """
    text = " ".join(text.split())[:MAX_QUERY_LENGTH]
    if not text:
        return queryset
    model = queryset.model
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": text})
    if connection.vendor == "postgresql" and vector_fields:
        query = SearchQuery(text, search_type="websearch", config="english")
        matches = (
            model._default_manager.annotate(
                _search=SearchVector(*vector_fields, config="english")
            )
            .filter(_search=query)
            .values("pk")
        )
        condition |= Q(pk__in=matches)
    return queryset.filter(pk__in=model._default_manager.filter(condition).values("pk"))
