"""The production database cache (evidence.base.dbcache): it culls as Django's does,
but never inside a transaction (where a cull deadlocked concurrent curators' writes on
PostgreSQL), and a cull that cannot get its rows gives up instead of failing the
request."""

import pytest
from django.core.management.commands.createcachetable import Command
from django.db import DatabaseError, connection, transaction

from evidence.base.dbcache import DatabaseCache

TABLE = "test_cull_cache"


@pytest.fixture
def small_cache(transactional_db):
    command = Command()
    command.verbosity = 0
    command.create_table("default", TABLE, False)
    yield DatabaseCache(TABLE, {"OPTIONS": {"MAX_ENTRIES": 4, "CULL_FREQUENCY": 2}})
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE {connection.ops.quote_name(TABLE)}")


def _rows() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(TABLE)}")
        return cursor.fetchone()[0]


def test_culls_outside_a_transaction_only(small_cache):
    for n in range(12):
        small_cache.set(f"key-{n}", n)
    culled = _rows()
    assert culled <= 5
    with transaction.atomic():
        for n in range(12, 24):
            small_cache.set(f"key-{n}", n)
        # A write transaction only writes its own keys.
        assert _rows() == culled + 12
    # The next set outside culls again (half of the rows, CULL_FREQUENCY 2).
    small_cache.set("after", 1)
    assert _rows() <= (culled + 12) // 2 + 1
    assert small_cache.get("after") == 1


def test_a_cull_that_fails_gives_up_and_the_set_still_happens(small_cache, monkeypatch):
    for n in range(5):
        small_cache.set(f"key-{n}", n)

    def refused(self, db, cursor, now, num):
        raise DatabaseError("deadlock detected")

    monkeypatch.setattr(DatabaseCache.__mro__[1], "_cull", refused)
    small_cache.set("during", 2)  # no error
    assert small_cache.get("during") == 2
    assert _rows() == 6
