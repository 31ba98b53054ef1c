"""The SQL floor: how long the database alone takes to answer each benchmark request.

Run with DATABASE_URL pointing at a benchmark database. For each request it captures the
SQL statements the atlas issues (Django's test client, in process), then replays exactly
those statements on a raw database cursor and reports the median total time, and the
number of statements; then times the whole request in process, warm and with an empty
cache (the first request after a write computes every count and facet again), and
profiles it (pyinstrument, for the requests named in the second argument). A streamed download is
read to its end inside each measurement. Then streams the full CSV of every trial once
and reports its rows per second, time to the first piece and the process's resident
memory after the first 10,000 rows and at the end (a flat worker: the same). Prints one
JSON object: {name: {"sql_ms", "queries", "request_ms", "cold_ms", "profile"}, "full_export": {...}}.

    python bench/floor.py '{"list_html": "/trials/?...", ...}' '["list_html"]'
"""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evidence.settings")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

REPEATS = 15
# Pages without a Datasette equivalent: fewer repeats (the run must end in minutes).
PAGE_REPEATS = 5


def get(client: Client, url: str):
    """A request, its streamed body (if any) read to the end."""
    response = client.get(url)
    if response.streaming:
        for _ in response.streaming_content:
            pass
    # Closing ends the request (request_finished): a download's server-side cursor on
    # PostgreSQL is closed, and the next request's cursor name cannot clash with it.
    response.close()
    return response


def rss_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def full_export(url: str = "/trials/?export=csv") -> dict:
    """The CSV of every trial, streamed once: rows/s, first piece, memory."""
    client = Client(HTTP_HOST="127.0.0.1")
    started = time.perf_counter()
    response = client.get(url)
    first = None
    rows = -1  # the header line
    rss_early = None
    for piece in response.streaming_content:
        if first is None:
            first = time.perf_counter() - started
        rows += piece.count(b"\n")
        if rss_early is None and rows >= 10_000:
            rss_early = rss_mb()
    seconds = time.perf_counter() - started
    response.close()
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds),
        "first_piece_s": round(first or 0.0, 3),
        "rss_mb_after_10k_rows": round(rss_early or 0.0, 1),
        "rss_mb_at_end": round(rss_mb(), 1),
        "peak_rss_mb": round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3, 1
        ),
    }


_DECLARE = re.compile(
    r"^\s*DECLARE\s+\S+\s+(?:NO\s+)?(?:SCROLL\s+)?CURSOR\s+(?:WITH(?:OUT)?\s+HOLD\s+)?"
    r"FOR\s+",
    re.IGNORECASE,
)


def _declared(sql: str) -> str:
    return _DECLARE.sub("", sql, count=1)


def floor(url: str, *, profile: bool) -> dict:
    client = Client(HTTP_HOST="127.0.0.1")
    get(client, url)  # warm caches (content types, labels)
    with CaptureQueriesContext(connection) as captured:
        response = get(client, url)
    assert response.status_code == 200, (url, response.status_code)
    # A download's server-side cursor on PostgreSQL is captured as its DECLARE; the
    # replay runs the query it declares (a second DECLARE of the name would fail).
    statements = [_declared(q["sql"]) for q in captured.captured_queries]
    timings = []
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for _ in range(REPEATS if profile else PAGE_REPEATS):
            started = time.perf_counter()
            for sql in statements:
                # Already interpolated by the backend: no parameters to bind.
                raw.execute(sql)
                if raw.description is not None:
                    raw.fetchall()
            timings.append(time.perf_counter() - started)
    # The whole request in process (no HTTP, no concurrency), and where its time goes.
    totals = []
    for _ in range(5 if profile else 3):
        started = time.perf_counter()
        get(client, url)
        totals.append(time.perf_counter() - started)
    # The first request after a write: every cached count and facet is computed again
    # (a write bumps the data version; clearing the cache is the same for the request).
    colds = []
    for _ in range(3):
        cache.clear()
        started = time.perf_counter()
        get(client, url)
        colds.append(time.perf_counter() - started)
    text = ""
    if profile:
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(5):
            get(client, url)
        profiler.stop()
        text = profiler.output_text(unicode=False, color=False, show_all=False)
    return {
        "sql_ms": round(statistics.median(timings) * 1000, 2),
        "queries": len(statements),
        "request_ms": round(statistics.median(totals) * 1000, 2),
        "cold_ms": round(statistics.median(colds) * 1000, 2),
        "profile": text,
    }


if __name__ == "__main__":
    requests = json.loads(sys.argv[1])
    profiled = set(json.loads(sys.argv[2])) if len(sys.argv) > 2 else set(requests)
    result = {
        name: floor(url, profile=name in profiled) for name, url in requests.items()
    }
    result["full_export"] = full_export()
    print(json.dumps(result))
