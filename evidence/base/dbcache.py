"""The database cache of the production profile, safe beside concurrent writers.

Django's `DatabaseCache` culls (deletes its expired rows, then a third of the rest, by
key order) inside every `set` once it holds more than MAX_ENTRIES. On PostgreSQL two culls, or a cull and the
data-version update of a curator's write transaction (evidence.base.counts), lock the
same rows in different orders: "deadlock detected", which failed the write with a 503
(seen with eight concurrent API writers and readers). Here a cull never runs inside a
transaction (a writer's `set` only updates its own key), and outside one it runs in a
transaction of its own that gives up quietly when it cannot get its rows: the next `set`
culls instead. A cache that stays a little over its size for a moment loses nothing.
"""

from __future__ import annotations

import logging

from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.db import DatabaseError, connections, transaction

logger = logging.getLogger(__name__)


class DatabaseCache(DjangoDatabaseCache):
    def _cull(self, db, cursor, now, num):
        connection = connections[db]
        if connection.in_atomic_block:
            return
        try:
            with transaction.atomic(using=db):
                super()._cull(db, cursor, now, num)
        except DatabaseError as exc:
            logger.info("cache cull skipped (another process holds its rows): %s", exc)
