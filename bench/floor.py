"""The SQL floor: how long the database alone takes to answer each benchmark request.

Run with DATABASE_URL pointing at a benchmark database. For each request it captures the
SQL statements the atlas issues (Django's test client, in process), then replays exactly
those statements on a raw database cursor and reports the median total time, and the
number of statements; then times the whole request in process and profiles it
(pyinstrument). Prints one JSON object: {name: {"sql_ms", "queries", "request_ms",
"profile"}}.

    python bench/floor.py '{"list_html": "/trials/?...", ...}'
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "evidence.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

REPEATS = 15


def floor(url: str) -> dict:
    client = Client(HTTP_HOST="127.0.0.1")
    client.get(url)  # warm caches (content types, labels)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    statements = [q["sql"] for q in captured.captured_queries]
    timings = []
    with connection.cursor() as cursor:
        raw = cursor.cursor
        for _ in range(REPEATS):
            started = time.perf_counter()
            for sql in statements:
                # Already interpolated by the backend: no parameters to bind.
                raw.execute(sql)
                if raw.description is not None:
                    raw.fetchall()
            timings.append(time.perf_counter() - started)
    # The whole request in process (no HTTP, no concurrency), and where its time goes.
    totals = []
    for _ in range(5):
        started = time.perf_counter()
        client.get(url)
        totals.append(time.perf_counter() - started)
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(5):
        client.get(url)
    profiler.stop()
    return {
        "sql_ms": round(statistics.median(timings) * 1000, 2),
        "queries": len(statements),
        "request_ms": round(statistics.median(totals) * 1000, 2),
        "profile": profiler.output_text(unicode=False, color=False, show_all=False),
    }


if __name__ == "__main__":
    requests = json.loads(sys.argv[1])
    print(json.dumps({name: floor(url) for name, url in requests.items()}))
