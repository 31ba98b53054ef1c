"""Query vocabulary of every curated record (provenance), shared by all apps."""

from __future__ import annotations

from typing import Self

from django.db import models
from django.db.models import Prefetch


class CuratedQuerySet(models.QuerySet):
    """Queries common to every record that carries provenance."""

    def with_provenance(self) -> Self:
        from evidence.models import ReviewReference

        return self.select_related(
            "source_review", "primary_publication"
        ).prefetch_related(
            Prefetch(
                "cited_references",
                queryset=ReviewReference.objects.select_related("review").order_by(
                    "number"
                ),
            )
        )

    def flagged(self) -> Self:
        return self.exclude(flags=[])

    def with_list_related(self) -> Self:
        return self.with_provenance()
