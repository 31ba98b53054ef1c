"""Request rates per client, counted in the database in one statement per request.

DRF's own throttles keep each client's request times in the cache and write them back
on every request: with the database cache (the default with debug off, shared by every
server process) that was six queries and a write transaction per throttle, and every
anonymous API request passed two throttles, twelve queries of a warm list's eighteen.
On SQLite those writes also queue for the one write lock.

Here a client's count is one row of `ThrottleCount`, counted up by one
`INSERT ... ON CONFLICT DO UPDATE ... RETURNING` (SQLite 3.35+, PostgreSQL 9.5+): one
query, atomic, so two processes counting the same client at the same instant never
lose a hit (DRF's read-then-write could). The window is fixed: a rate of 600/min allows
600 requests in each minute of the clock, and `Retry-After` is the time to the next
minute. A client can so send up to twice the rate across the turn of a window; a sliding
window would need each client's request times, which is what cost the queries.

The rates are DRF's (`DEFAULT_THROTTLE_RATES`): `anon` for clients that are not signed
in, counted per address (DRF's `get_ident`); `user` for signed-in users, per user. A
signed-in user does not also count against the address's anonymous rate.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.db import connection
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from evidence.base.models import ThrottleCount

# Seconds since the epoch; tests move it to cross a window.
clock = time.time

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """DRF's rate syntax: "600/min" -> (600 requests, 60 seconds)."""
    number, _, period = rate.partition("/")
    try:
        return int(number), PERIODS[period.strip()[:1]]
    except (KeyError, ValueError):
        raise ValueError(
            f"Rate {rate!r} is not 'N/s', 'N/min', 'N/hour' or 'N/day'"
        ) from None


def _key(scope: str, period: int, ident: str) -> str:
    # An address from X-Forwarded-For is the client's text: bounded by a hash.
    if len(ident) > 128:
        ident = "sha256-" + hashlib.sha256(ident.encode()).hexdigest()
    return f"{scope}:{period}:{ident}"


def hit(scope: str, ident: str, rate: str) -> tuple[bool, float]:
    """Count one request of `ident` against `rate`: (allowed, seconds until the count
    starts again). Refused requests count too; they cannot outlast the window."""
    limit, period = parse_rate(rate)
    now = clock()
    window = int(now // period)
    ends = (window + 1) * period
    table = connection.ops.quote_name(ThrottleCount._meta.db_table)
    key, win, hits, expires = (
        connection.ops.quote_name(name) for name in ("key", "window", "hits", "expires")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key}, {win}, {hits}, {expires}) "
            f"VALUES (%s, %s, 1, %s) ON CONFLICT ({key}) DO UPDATE SET "
            f"{hits} = CASE WHEN {table}.{win} = excluded.{win} "
            f"THEN {table}.{hits} + 1 ELSE 1 END, "
            f"{win} = excluded.{win}, {expires} = excluded.{expires} "
            f"RETURNING {hits}",
            [_key(scope, period, ident), window, ends],
        )
        (count,) = cursor.fetchone()
    # A new window (the row inserted, or its window moved on) also deletes the rows
    # of ended windows: triggers of the table (migration evidence 0012).
    return count <= limit, max(0.0, ends - now)


def retry_after(wait: float) -> int:
    """Whole seconds for a Retry-After header: at least 1."""
    return max(1, math.ceil(wait))


class ClientRateThrottle(BaseThrottle):
    """The API's throttle: `anon` per address for clients not signed in, `user` per
    user for the signed-in."""

    def allow_request(self, request, view) -> bool:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            scope, ident = "user", f"user-{user.pk}"
        else:
            scope, ident = "anon", self.get_ident(request)
        rate = api_settings.DEFAULT_THROTTLE_RATES.get(scope)
        if rate is None:
            return True
        allowed, self._wait = hit(scope, ident, rate)
        return allowed

    def wait(self) -> float | None:
        return retry_after(self._wait)
