"""Throttling: documented default rates, configurable, 429 with Retry-After; counted in
the database in one statement per request, shared and exact under parallel requests."""

import os
import subprocess
import sys
import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from evidence.base.api import throttling
from evidence.base.models import ThrottleCount
from tests.reliability.conftest import gunicorn_on_test_database_copy

pytestmark = pytest.mark.django_db


def _rates_in_a_fresh_process(**environment) -> str:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='evidence.settings';"
        "django.setup(); from django.conf import settings;"
        "print(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'])"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_API_ANON_RATE", "DJANGO_API_USER_RATE")
    }
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_default_rates():
    # In a process without the rate variables, whatever this one's environment says.
    assert _rates_in_a_fresh_process() == "{'anon': '600/min', 'user': '3000/min'}"


def test_rates_come_from_the_environment():
    rates = _rates_in_a_fresh_process(
        DJANGO_API_ANON_RATE="7/hour", DJANGO_API_USER_RATE="9/day"
    )
    assert rates == "{'anon': '7/hour', 'user': '9/day'}"


@pytest.fixture
def rates(monkeypatch):
    """Set the API's rates for one test: rates(anon="2/min")."""

    def set_rates(**values):
        for scope, rate in values.items():
            monkeypatch.setitem(api_settings.DEFAULT_THROTTLE_RATES, scope, rate)

    return set_rates


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, at a fixed instant that tests move on."""
    now = [1_800_000_010.0]  # 10 s into a minute
    monkeypatch.setattr(throttling, "clock", lambda: now[0])
    return now


def test_anonymous_client_over_the_rate_gets_429_with_retry_after(api_client, rates):
    rates(anon="2/min")
    assert api_client.get("/api/effects/").status_code == 200
    assert api_client.get("/api/conditions/").status_code == 200
    response = api_client.get("/api/effects/")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"].lower()


def test_authenticated_client_has_its_own_rate(reader_client, api_client, rates):
    rates(anon="1/min", user="3/min")
    assert api_client.get("/api/effects/").status_code == 200
    assert api_client.get("/api/effects/").status_code == 429
    # The user's requests come from the same address, and count only as the user's.
    statuses = [reader_client.get("/api/effects/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_the_count_starts_again_in_the_next_window(api_client, rates, clock):
    rates(anon="2/min")
    statuses = [api_client.get("/api/effects/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = api_client.get("/api/effects/")
    # 10 s into the minute: 50 s to wait, whatever was refused meanwhile.
    assert refused.status_code == 429 and refused["Retry-After"] == "50"
    clock[0] += 49
    assert api_client.get("/api/effects/").status_code == 429
    clock[0] += 1  # the next minute
    statuses = [api_client.get("/api/effects/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_one_statement_counts_a_request(api_client, rates, clock):
    rates(anon="100/min")

    def throttle_queries() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert api_client.get("/api/effects/").status_code == 200
        table = ThrottleCount._meta.db_table
        return [q["sql"] for q in queries if table in q["sql"]]

    # The first of a window too: the rows of ended windows go by trigger.
    assert [sql.split()[0] for sql in throttle_queries()] == ["INSERT"]
    assert [sql.split()[0] for sql in throttle_queries()] == ["INSERT"]
    assert ThrottleCount.objects.get().hits == 2


def test_rows_of_ended_windows_are_deleted(
    api_client, reader, reader_client, rates, clock
):
    rates(anon="5/min", user="5/hour")
    api_client.get("/api/effects/")
    reader_client.get("/api/effects/")
    assert ThrottleCount.objects.count() == 2
    clock[0] += 60  # the anonymous minute has ended, the user's hour has not
    reader_client.get("/api/effects/")  # counts on: no new window, no clearing
    assert ThrottleCount.objects.count() == 2
    other = APIClient(REMOTE_ADDR="203.0.113.9")
    assert other.get("/api/effects/").status_code == 200  # a new window: clears
    keys = set(ThrottleCount.objects.values_list("key", flat=True))
    assert keys == {f"user:3600:user-{reader.pk}", "anon:60:203.0.113.9"}
    clock[0] += 3600  # every window has ended; the user's next request starts one
    assert reader_client.get("/api/effects/").status_code == 200
    assert list(ThrottleCount.objects.values_list("key", "hits")) == [
        (f"user:3600:user-{reader.pk}", 1)
    ]


def test_a_forwarded_address_of_any_length_is_counted(api_client, rates):
    rates(anon="1/min")
    headers = {"HTTP_X_FORWARDED_FOR": "198.51.100.7," * 500}
    assert api_client.get("/api/effects/", **headers).status_code == 200
    assert api_client.get("/api/effects/", **headers).status_code == 429
    (key,) = ThrottleCount.objects.values_list("key", flat=True)
    assert len(key) < 255 and key.startswith("anon:60:sha256-")


@pytest.mark.parametrize("rate", ["ten/min", "5/fortnight", "5"])
def test_a_malformed_rate_is_named(rate):
    with pytest.raises(ValueError, match="is not"):
        throttling.parse_rate(rate)


PARALLEL = 48
ALLOWED = 20


@pytest.fixture
def live_api(request, tmp_path, collected_static, rates):
    """A server answering many requests at once, with an anonymous rate of ALLOWED a
    day (no window turns during the test), counting in the suite's database.

    PostgreSQL: pytest-django's live server (a thread per request). SQLite: gunicorn
    (3 processes, 4 threads each) on a copy of the test database, as in the API's
    concurrency tests: its in-memory database would serialise the threads by itself.
    """
    rate = f"{ALLOWED}/day"
    if connection.vendor == "sqlite":
        with gunicorn_on_test_database_copy(
            tmp_path, collected_static, 18950, DJANGO_API_ANON_RATE=rate
        ) as (base_url, _):
            yield base_url
        return
    rates(anon=rate)
    yield request.getfixturevalue("live_server").url


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_parallel_requests_are_each_counted_once(live_api):
    """PARALLEL requests of one client sent at the same instant, against a rate of
    ALLOWED: exactly ALLOWED are served. DRF's cache throttles read the request times,
    then wrote them back; two requests reading at once both passed."""
    import requests

    sessions = [requests.Session() for _ in range(PARALLEL)]
    for session in sessions:  # connections open before the barrier
        session.get(f"{live_api}/healthz", timeout=30)
    barrier = threading.Barrier(PARALLEL)
    statuses: list[int] = []

    def send(session) -> None:
        barrier.wait(timeout=30)
        statuses.append(session.get(f"{live_api}/api/effects/", timeout=60).status_code)

    threads = [threading.Thread(target=send, args=(s,)) for s in sessions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    assert len(statuses) == PARALLEL
    assert statuses.count(200) == ALLOWED, statuses
    assert statuses.count(429) == PARALLEL - ALLOWED, statuses
