"""A small thread-pool load generator that records every response."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import requests


@dataclass
class Result:
    """One request: when it was sent and answered (seconds since the run began) and
    what came back."""

    started: float
    kind: str
    status: int  # 0: no HTTP response at all (connection error, timeout)
    content_type: str = ""
    retry_after: str | None = None
    body: str = ""
    slug: str = ""
    finished: float = 0.0


@dataclass
class Step:
    """A request of the mix: `kind`, and a function (session, tag) -> response.

    `tag` is unique to the request (`<kind>-<n>`): a write uses it as the new record's
    slug, so that the record can be looked for afterwards whatever the answer was.
    """

    kind: str
    send: Callable[[requests.Session, str], requests.Response]


@dataclass
class LoadRun:
    began: float = field(default_factory=time.monotonic)
    results: list[Result] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, result: Result) -> None:
        with self._lock:
            self.results.append(result)

    def now(self) -> float:
        return time.monotonic() - self.began

    def statuses(self) -> Counter:
        return Counter(r.status for r in self.results)


def run_load(
    steps: list[Step],
    *,
    threads: int,
    stop: threading.Event,
    timeout: float = 30,
) -> tuple[LoadRun, list[threading.Thread]]:
    """Start `threads` workers cycling through `steps` until `stop` is set."""
    run = LoadRun()
    counter = itertools.count()

    def worker(offset: int) -> None:
        session = requests.Session()
        for step in itertools.cycle(steps[offset:] + steps[:offset]):
            if stop.is_set():
                return
            tag = f"{step.kind}-{next(counter):06d}"
            started = time.monotonic() - run.began
            try:
                response = step.send(session, tag)
            except requests.RequestException as exc:
                failed = Result(started, step.kind, 0, body=repr(exc), slug=tag)
                failed.finished = run.now()
                run.record(failed)
                continue
            run.record(
                Result(
                    started,
                    step.kind,
                    response.status_code,
                    response.headers.get("Content-Type", ""),
                    response.headers.get("Retry-After"),
                    response.text[:2000],
                    tag,
                    run.now(),
                )
            )

    workers = [
        threading.Thread(target=worker, args=(i % len(steps),), daemon=True)
        for i in range(threads)
    ]
    for thread in workers:
        thread.start()
    return run, workers


def post_trial(
    session: requests.Session,
    site,
    slug: str,
    locator: str,
    *,
    timeout: float = 30,
) -> requests.Response:
    """A curator's new trial through the API: two conditions, and a derived evidence
    level written in the same transaction (a trial without both is a partial write)."""
    payload = {
        "slug": slug,
        "therapy": "adipose-msc-cells",
        "conditions": ["stroke", "acute-kidney-injury"],
        "phase": "2",
        "design_as_printed": "A randomised, placebo-controlled trial",
        "provenance": {"review": "foo-2021", "locator": locator},
    }
    return session.post(
        f"{site.base_url}/api/trials/",
        json=payload,
        headers={"Authorization": f"Token {site.token}"},
        timeout=timeout,
    )
