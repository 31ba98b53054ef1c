"""Cached counts: pagination totals and facet counts, where a short delay is harmless.

Counting the rows a filter selects, and grouping them per facet, is most of the cost of a
filtered list at 100k trials, and the same filters are asked for again and again. The
results are kept in Django's cache under a key that includes a *data version*: any save
or delete of a model, or a change of a many-to-many relation, bumps the version in the
cache, so within one process (and across processes sharing a cache such as Redis) a
count is never older than the last write. With a per-process cache (the default
local-memory one) another process's write is seen after at most `COUNT_CACHE_SECONDS`.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F, QuerySet, TextField, Value
from django.db.models.functions import Cast
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.functional import cached_property

T = TypeVar("T")

_VERSION_KEY = "atlas:data-version"


def count_cache_seconds() -> int:
    return getattr(settings, "COUNT_CACHE_SECONDS", 60)


def _fresh_version() -> int:
    # Never a number used before, even after the cache lost the key (a restart, a clear,
    # or eviction when the cache is full): old entries can then never be mistaken for
    # current ones.
    return time.time_ns()


def data_version() -> int:
    version = cache.get(_VERSION_KEY)
    if version is None:
        version = _fresh_version()
        if not cache.add(_VERSION_KEY, version, None):
            version = cache.get(_VERSION_KEY, version)
    return version


def _new_data_version() -> None:
    # A fresh number rather than an increment: two writers that read the same version
    # and both wrote "version + 1" left the second write's counts cached as current.
    cache.set(_VERSION_KEY, _fresh_version(), None)


_NO_TRANSACTION = object()


def _transaction_marker(connection) -> object:
    """What marks the on-commit callbacks of the transaction `connection` is in:
    None for every pending callback (the transaction is the outermost block), a
    savepoint id when a test case's blocks wrap it (their callbacks never run, so
    those of an earlier transaction of the same test stay in the list),
    `_NO_TRANSACTION` in autocommit, or when only a test case's blocks are open."""
    for index, block in enumerate(connection.atomic_blocks):
        if not block._from_testcase:
            if index == 0:
                return None
            return connection.savepoint_ids[index - 1] or _NO_TRANSACTION
    return _NO_TRANSACTION


def _version_bump_pending(connection, marker) -> bool:
    return any(
        func is _new_data_version and (marker is None or marker in savepoints)
        for savepoints, func, *_ in connection.run_on_commit
    )


def data_changed(**kwargs: Any) -> None:
    """Signal receiver: every cached count is out of date.

    Outside a transaction the version changes at once. Inside one it changes once at
    the first write and once more when the transaction commits (not for every save and
    link of it): the second change drops what another process counted, and cached,
    between the first and the commit, when the cache is not the database (Redis, local
    memory) and so saw the new version before the rows. A rolled-back transaction
    takes its pending change with it. `pre_*` many-to-many signals change nothing yet.

    With the database cache, a write transaction updates the version's row once (and
    once more after its commit, outside it), and no cull runs inside a transaction
    (evidence/base/dbcache.py): on PostgreSQL the row locks of concurrent writers and
    culls deadlocked before.
    """
    if str(kwargs.get("action", "")).startswith("pre_"):
        return
    connection = transaction.get_connection()
    marker = _transaction_marker(connection)
    if marker is _NO_TRANSACTION:
        _new_data_version()
        return
    if _version_bump_pending(connection, marker):
        return
    _new_data_version()
    transaction.on_commit(_new_data_version, robust=True)


def connect_signals() -> None:
    for signal in (post_save, post_delete, m2m_changed):
        signal.connect(data_changed, dispatch_uid=f"atlas-counts-{id(signal)}")


def cached(key: str, compute: Callable[[], T]) -> T:
    """`compute()`, remembered for this data version."""
    if count_cache_seconds() <= 0:
        return compute()
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    full_key = f"atlas:count:{data_version()}:{digest}"
    value = cache.get(full_key)
    if value is None:
        value = compute()
        cache.set(full_key, value, count_cache_seconds())
    return value


class CachedCountPaginator(Paginator):
    """A paginator whose total is cached per query and data version."""

    @cached_property
    def count(self) -> int:
        # django-tables2 hands over its rows, which wrap its data, which wraps the
        # queryset.
        rows = self.object_list
        for _ in range(3):
            if hasattr(rows, "query") or not hasattr(rows, "data"):
                break
            rows = rows.data
        query = getattr(rows, "query", None)
        if query is None:
            return super().count
        try:
            sql, params = query.sql_with_params()
        except EmptyResultSet:  # `.none()`: nothing to count
            return super().count
        key = f"{query.model._meta.label}:{sql}:{params!r}"
        return cached(key, lambda: Paginator.count.func(self))


def grouped_counts(
    parts: Mapping[str, tuple[QuerySet, str | None]],
) -> dict[str, Counter]:
    """Row counts of several querysets, each grouped by a path (or not grouped, None),
    in one UNION ALL query: `{name: Counter({value: n})}`.

    The values come back as text (the branches must agree on one column type), None
    for NULL; an ungrouped part counts under the key None. Every part is in the
    result, an empty one as a Counter of its zero rows.
    """
    branches = []
    for name, (queryset, path) in parts.items():
        key = Cast(F(path), TextField()) if path else Cast(Value(None), TextField())
        branches.append(
            queryset.order_by()
            .annotate(_part=Value(name, output_field=TextField()), _key=key)
            .values("_part", "_key")
            .annotate(_n=Count("pk"))
            .values_list("_part", "_key", "_n")
        )
    result: dict[str, Counter] = {name: Counter() for name in parts}
    if not branches:
        return result
    first, *rest = branches
    rows = first.union(*rest, all=True) if rest else first
    for name, key, n in rows:
        if n:
            result[name][key] += n
    return result
