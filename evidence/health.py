"""Liveness and readiness probes for load balancers and orchestrators.

`/readyz` answers `{"status": "ok"}` or 503 `{"status": "unavailable"}` and nothing
else: the reason (a driver message with the database host and port, a missing table) is
for the operator's log, not for anonymous clients.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

# Set once this process has seen every migration applied: a migrated database stays
# migrated while the process runs, so the migration graph is read only until then.
_migrated = False


def _unapplied_migrations() -> list[str]:
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def _not_ready_reason() -> str | None:
    """Why this process cannot serve requests, or None when it can."""
    global _migrated
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        if not _migrated:
            unapplied = _unapplied_migrations()
            if unapplied:
                return (
                    f"{len(unapplied)} unapplied migrations ({', '.join(unapplied[:5])})"
                    ": run `manage.py migrate`"
                )
            _migrated = True
        for alias in settings.CACHES:
            cache = caches[alias]
            if isinstance(cache, DatabaseCache):
                # Raises when the table is missing (`manage.py createcachetable`).
                cache.get("readyz-probe")
    except DatabaseError as exc:
        text = str(exc).strip()
        return text.splitlines()[0] if text else type(exc).__name__
    return None


def healthz(request):
    """The process is up and serving requests."""
    return JsonResponse({"status": "ok"})


@never_cache
def readyz(request):
    """The database answers, is migrated and has its cache table; 503 otherwise."""
    reason = _not_ready_reason()
    if reason is not None:
        logger.error("Not ready: %s", reason)
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
