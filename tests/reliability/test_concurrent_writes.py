"""Curators writing at the same instant as readers fill the database cache.

The production profile caches counts in PostgreSQL (the database cache). Once the cache
holds more than its MAX_ENTRIES rows every `set` culls the oldest third, and a curator's
write transaction updates the data-version row of the same table: before
evidence/base/dbcache.py the two deadlocked ("deadlock detected" in the server's log),
which failed writes with a 503 or silently lost the version change (counts stayed stale).
Here eight threads write trials and read lists of queries never asked before (new cache
rows, so culls) for a while; every answer must be a success, the server's log must show
no deadlock, and the total counted afterwards must include every created trial.
"""

from __future__ import annotations

import threading
import time

import requests

from tests.reliability.load import Step, post_trial, run_load

READS = 600
MAX_SECONDS = 90


def _total(base: str) -> int:
    response = requests.get(f"{base}/api/trials/?page_size=1", timeout=30)
    assert response.status_code == 200, response.text[:300]
    return response.json()["count"]


def test_concurrent_writes_and_cache_culls_never_deadlock(live_site):
    site = live_site
    base = site.base_url
    log = site.database.datadir / "server.log"
    log_start = log.stat().st_size
    before = _total(base)

    def write(session, tag):
        return post_trial(
            session, site, f"cull-race-{tag}", "Concurrent write test", timeout=60
        )

    def new_query_api(session, tag):
        # A query nobody asked before: its count is a new cache row.
        return session.get(f"{base}/api/trials/?q={tag}&page_size=5", timeout=60)

    def new_query_page(session, tag):
        return session.get(f"{base}/trials/?phase=2&q={tag}", timeout=60)

    def total(session, tag):
        # The same cached total again and again, across the writes.
        return session.get(f"{base}/api/trials/?page_size=1", timeout=60)

    stop = threading.Event()
    run, workers = run_load(
        [
            Step("write", write),
            Step("api", new_query_api),
            Step("page", new_query_page),
            Step("total", total),
        ],
        threads=8,
        stop=stop,
        timeout=60,
    )
    # Until enough new queries were read for the cache (300 rows) to cull many times.
    deadline = time.monotonic() + MAX_SECONDS
    while time.monotonic() < deadline:
        kinds = [r.kind for r in list(run.results)]
        if sum(k in ("api", "page") for k in kinds) >= READS:
            break
        time.sleep(0.5)
    stop.set()
    for worker in workers:
        worker.join(timeout=120)

    results = run.results
    print(
        f"\nconcurrent writes: {len(results)} requests, statuses {dict(run.statuses())}"
    )
    failures = [
        (r.kind, r.status, r.body[:300]) for r in results if r.status not in (200, 201)
    ]
    assert not failures, failures[:5]
    created = [r for r in results if r.kind == "write" and r.status == 201]
    reads = [r for r in results if r.kind in ("api", "page")]
    assert len(reads) >= READS and len(created) > 40, (len(reads), len(created))

    with log.open("rb") as handle:
        handle.seek(log_start)
        written = handle.read().decode(errors="replace")
    deadlocks = [line for line in written.splitlines() if "deadlock detected" in line]
    assert not deadlocks, written[written.find("deadlock detected") :][:2000]

    # No change of the data version was lost: the cached total counts every trial.
    assert _total(base) == before + len(created)
