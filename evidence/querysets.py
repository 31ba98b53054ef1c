"""Query vocabulary of the vocabulary app's models: what list views, the API and the admin reuse."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models

from evidence.base.querysets import CuratedQuerySet, related_count
from evidence.base.reversing import slug_url


class PublicationQuerySet(models.QuerySet):
    def reviews(self) -> PublicationQuerySet:
        return self.filter(kind="review")

    def with_list_related(self) -> PublicationQuerySet:
        return self


@dataclass(frozen=True)
class ConditionNode:
    pk: int
    slug: str
    name: str
    parent_id: int | None
    is_grouping: bool

    def get_absolute_url(self) -> str:
        return slug_url("evidence:condition_detail", self.slug)


@dataclass
class ConditionTree:
    """Every condition's place in the hierarchy, read in one query.

    The conditions are a small vocabulary (about a hundred), so the hierarchy is walked
    in Python instead of with a recursive query per level. Walks stop at a cycle (the
    database refuses a condition as its own parent, clean() and the loader longer ones).
    """

    nodes: dict[int, ConditionNode]
    children_of: dict[int | None, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        children: dict[int | None, list[int]] = defaultdict(list)
        for node in sorted(self.nodes.values(), key=lambda n: n.name.lower()):
            children[node.parent_id].append(node.pk)
        self.children_of = dict(children)

    @classmethod
    def of(cls, conditions: Iterable[Any]) -> ConditionTree:
        """The tree of condition records already read (a page that reads them all)."""
        return cls(
            {
                c.pk: ConditionNode(c.pk, c.slug, c.name, c.parent_id, c.is_grouping)
                for c in conditions
            }
        )

    def ancestor_ids(self, pk: int | None) -> list[int]:
        """`pk` and the conditions above it, nearest first."""
        chain: list[int] = []
        while pk is not None and pk in self.nodes and pk not in chain:
            chain.append(pk)
            pk = self.nodes[pk].parent_id
        return chain

    def ancestors(self, pk: int) -> list[ConditionNode]:
        """The conditions above `pk`, nearest first."""
        return [self.nodes[p] for p in self.ancestor_ids(pk)[1:]]

    def children(self, pk: int) -> list[ConditionNode]:
        return [self.nodes[p] for p in self.children_of.get(pk, [])]

    def descendant_ids(self, roots: Iterable[int]) -> set[int]:
        """`roots` and every condition below them."""
        found: set[int] = set()
        waiting = [pk for pk in roots if pk in self.nodes]
        while waiting:
            pk = waiting.pop()
            if pk not in found:
                found.add(pk)
                waiting.extend(self.children_of.get(pk, []))
        return found


class ConditionQuerySet(models.QuerySet):
    def with_list_related(self) -> ConditionQuerySet:
        return self.select_related("parent")

    def tree(self) -> ConditionTree:
        """The hierarchy of all conditions (one query)."""
        return ConditionTree(
            {
                row[0]: ConditionNode(*row)
                for row in self.model._default_manager.values_list(
                    "pk", "slug", "name", "parent_id", "is_grouping"
                )
            }
        )

    def with_counts(self) -> ConditionQuerySet:
        # One correlated count per column from the link tables' indexes, not a join
        # of trials times studies (evidence/base/querysets.py, related_count).
        return self.annotate(
            trial_count=related_count(self.model, "trials"),
            study_count=related_count(self.model, "studies"),
        )


class CellSourceQuerySet(models.QuerySet):
    def with_list_related(self) -> CellSourceQuerySet:
        return self

    def with_counts(self) -> CellSourceQuerySet:
        return self.annotate(therapy_count=related_count(self.model, "therapies"))


class TherapyQuerySet(CuratedQuerySet):
    def with_list_related(self) -> TherapyQuerySet:
        return self.with_provenance().select_related("cell_source", "parent")

    def with_counts(self) -> TherapyQuerySet:
        return self.annotate(
            trial_count=related_count(self.model, "trials"),
            study_count=related_count(self.model, "studies"),
        )

    def cell_based(self) -> TherapyQuerySet:
        return self.filter(modality="cells")

    def cell_free(self) -> TherapyQuerySet:
        return self.exclude(modality="cells")


def with_latest_release(queryset: models.QuerySet) -> models.QuerySet:
    """`queryset` with the latest release's version and date on each row
    (`cite_release_version`, `cite_release_created`, None when there is none): the
    Cite box of a record page names the release without a query of its own."""
    from django.apps import apps

    latest = apps.get_model("evidence", "Release").objects.order_by("-created", "-pk")
    return queryset.annotate(
        cite_release_version=models.Subquery(latest.values("version")[:1]),
        cite_release_created=models.Subquery(latest.values("created")[:1]),
    )
