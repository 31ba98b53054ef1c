"""A lost database is a 503 with Retry-After (HTML or JSON), then normal service again.

Here every query fails as a refused or dropped connection would; the fault test stops a
real PostgreSQL under load.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import InterfaceError, OperationalError, connection, connections
from django.db.backends.utils import CursorWrapper
from django.test import override_settings

from tests.web.conftest import build_world

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def database_down(monkeypatch, error=OperationalError):
    def refuse(self, *args, **kwargs):
        raise error(
            'connection to server at "127.0.0.1", port 5432 failed: Connection refused'
        )

    with monkeypatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", refuse)
        patch.setattr(CursorWrapper, "executemany", refuse)
        yield


@pytest.fixture
def world(db):
    return build_world()


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
@pytest.mark.parametrize(
    "url", ["/", "/trials/", "/trials/nct00000001/", "/search/?q=knee"]
)
def test_pages_answer_503_html(client, world, monkeypatch, url, error):
    with database_down(monkeypatch, error):
        response = client.get(url)
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    content = response.content.decode()
    assert "<h1>Temporarily unavailable</h1>" in content
    assert "try again in 30 seconds" in content
    assert "Traceback" not in content and "5432" not in content
    # Recovery: the next request, with the database back, is served normally.
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/api/trials/", {}),
        ("/api/trials/nct00000001/", {}),
        ("/api/trials/?format=csv", {}),
        ("/trials/", {"Accept": "application/json"}),
        ("/conditions/", {"Accept": "application/json, text/html;q=0.5"}),
    ],
)
def test_api_and_json_clients_get_503_json(client, world, monkeypatch, url, headers):
    with database_down(monkeypatch):
        response = client.get(url, headers=headers)
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "30"
    assert response.json() == {
        "detail": "The database is temporarily unavailable. Nothing was changed by "
        "this request; please try again in 30 seconds."
    }
    assert client.get(url, headers=headers).status_code == 200


def test_api_write_during_outage_is_503_json(admin_client_logged, world, monkeypatch):
    # Session auth reads the session first: the outage hits before any write.
    with database_down(monkeypatch):
        response = admin_client_logged.post(
            "/api/effects/", {"slug": "x", "name": "X"}, content_type="application/json"
        )
    assert response.status_code == 503
    assert response.json()["detail"].startswith("The database is temporarily")


def test_admin_during_outage_is_503(admin_client_logged, world, monkeypatch):
    with database_down(monkeypatch):
        response = admin_client_logged.get("/admin/trials/clinicaltrial/")
    assert response.status_code == 503
    assert admin_client_logged.get("/admin/trials/clinicaltrial/").status_code == 200


@override_settings(DATABASE_UNAVAILABLE_RETRY_AFTER=7)
def test_retry_after_is_configurable(client, world, monkeypatch):
    with database_down(monkeypatch):
        response = client.get("/trials/")
    assert response["Retry-After"] == "7"


def test_readyz_reports_the_outage_and_healthz_does_not(client, monkeypatch):
    with database_down(monkeypatch):
        ready = client.get("/readyz")
        alive = client.get("/healthz")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert alive.status_code == 200


def test_other_errors_are_not_disguised_as_outages(client, world, monkeypatch):
    from trials import views

    def broken(self, **kwargs):
        raise ValueError("a bug, not an outage")

    monkeypatch.setattr(views.TrialDetailView, "get_context_data", broken)
    client.raise_request_exception = False
    response = client.get("/trials/nct00000001/")
    assert response.status_code == 500


def test_readyz_does_not_tell_anonymous_clients_where_the_database_is(
    client, monkeypatch, caplog
):
    """D19: the driver message (host, port) goes to the log, not into the answer."""
    with database_down(monkeypatch):
        ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable"}
    assert "5432" not in ready.content.decode()
    assert "127.0.0.1" not in ready.content.decode()
    assert any("5432" in record.getMessage() for record in caplog.records)


@pytest.mark.django_db(transaction=True)
def test_readyz_is_not_ready_without_the_cache_table(client, caplog):
    """D14: a missing database cache table is a deployment error, not 'ready'."""
    shared = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "readyz_probe_cache",
        }
    }
    try:
        with override_settings(CACHES=shared):
            assert client.get("/readyz").status_code == 503
            assert client.get("/readyz").json() == {"status": "unavailable"}
            assert any("readyz_probe_cache" in r.getMessage() for r in caplog.records)
            call_command("createcachetable", verbosity=0)
            assert client.get("/readyz").status_code == 200
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS readyz_probe_cache")


def test_a_schema_error_is_a_server_error_not_an_outage(
    client, world, monkeypatch, caplog
):
    """D14: "no such table" is an operator error (500 and a log line), not a 503."""

    def missing_table(self, *args, **kwargs):
        raise OperationalError("no such table: trials_clinicaltrial")

    client.raise_request_exception = False
    with monkeypatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", missing_table)
        api = client.get("/api/trials/")
        page = client.get("/trials/")
    assert api.status_code == 500 and api.json() == {"detail": "Server error."}
    assert page.status_code == 500
    assert "Retry-After" not in api
    assert any("manage.py migrate" in r.getMessage() for r in caplog.records)


UNMIGRATED_PROBE = """
from django.test import Client
client = Client(raise_request_exception=False)
print("STATUS", client.get("/readyz").status_code, client.get("/api/trials/").status_code,
      client.get("/trials/").status_code)
"""


def test_an_unmigrated_database_is_not_ready_and_not_an_outage(tmp_path):
    """D14 for real: a server started on an empty SQLite file (no migrate)."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
        "DJANGO_DEBUG": "1",
        "DJANGO_LOG_LEVEL": "ERROR",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", UNMIGRATED_PROBE],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "STATUS 503 500 500" in result.stdout, result.stdout + result.stderr
    assert "unapplied migrations" in result.stderr
    assert "run `manage.py migrate`" in result.stderr
    assert "temporarily unavailable" not in result.stdout + result.stderr


# --- D8: a write broken at any statement is stored whole or not at all ----------------


def _snapshot() -> dict:
    """Every row a trial write touches: the trial, its links, its history."""
    from trials.models import ClinicalTrial

    def rows(queryset):
        return sorted(map(repr, queryset.values()))

    return {
        "trials": rows(ClinicalTrial.objects.all()),
        "conditions": rows(ClinicalTrial.conditions.through.objects.all()),
        "references": rows(ClinicalTrial.cited_references.through.objects.all()),
        "history": rows(ClinicalTrial.history.all()),
    }


@contextlib.contextmanager
def broken_at(statement: int | None, counted: list[int]):
    """From the `statement`-th SQL statement on, fail as a dropped connection does.

    Every later statement fails too (a broken connection stays broken): Django swallows
    some errors on purpose (a failed constraint pre-check counts as passed, since the
    database checks again), and the write must still fail then, not half-succeed.
    """

    def wrapper(execute, sql, params, many, context):
        counted[0] += 1
        if statement is not None and counted[0] >= statement:
            with connection.wrap_database_errors:
                raise connection.Database.OperationalError(
                    "server closed the connection unexpectedly"
                )
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield


@pytest.fixture
def fault_client(transactional_db):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    from tests import factories

    user = get_user_model().objects.create_user("fault-curator", password="x-5d1e")
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["evidence", "trials"])
    )
    review = factories.ReviewFactory(slug="foo-2021")
    factories.ReviewReferenceFactory(review=review, number=3)
    factories.TherapyFactory(slug="bm-msc-cells")
    factories.ConditionFactory(slug="stroke")
    factories.ConditionFactory(slug="knee")
    trial = factories.ClinicalTrialFactory(slug="patched-trial", source_review=review)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user)}")
    client.raise_request_exception = False
    return client, trial


def _post(client, n: int):
    payload = {
        "slug": f"fault-{n}",
        "therapy": "bm-msc-cells",
        "conditions": ["stroke", "knee"],
        "design_as_printed": "A randomised, placebo-controlled trial",
        "provenance": {"review": "foo-2021", "locator": "Fault", "refs": [3]},
    }
    return lambda: client.post("/api/trials/", payload, format="json")


def _patch(client, n: int):
    url = "/api/trials/patched-trial/"
    etag = client.get(url)["ETag"]
    payload = {
        "outcome_as_printed": f"attempt {n}",
        "conditions": ["knee"] if n % 2 else ["stroke"],
        "design_as_printed": "A pilot study" if n % 2 else "A randomised controlled",
    }
    return lambda: client.patch(url, payload, format="json", HTTP_IF_MATCH=etag)


@pytest.mark.parametrize("kind", ["POST", "PATCH"])
def test_a_write_broken_at_any_statement_is_all_or_nothing(fault_client, kind):
    client, trial = fault_client
    make = _post if kind == "POST" else _patch
    counted = [0]
    with broken_at(None, counted):
        assert make(client, 0)().status_code in (200, 201)
    statements = counted[0]
    assert statements >= 8, statements
    successes = 0
    for n in range(1, statements + 2):
        send = make(client, n)
        before = _snapshot()
        counted = [0]
        with broken_at(n, counted):
            response = send()
        after = _snapshot()
        if response.status_code in (200, 201):
            assert n > counted[0], f"statement {n} failed, yet {response.status_code}"
            assert after != before
            successes += 1
            if kind == "POST":
                assert client.get(f"/api/trials/fault-{n}/").status_code == 200
            else:
                stored = client.get("/api/trials/patched-trial/").json()
                assert stored["outcome_as_printed"] == f"attempt {n}"
                assert stored == response.json()
        else:
            assert response.status_code == 503, (n, response.content)
            assert "Nothing was changed" in response.json()["detail"]
            assert after == before, f"statement {n}: a 503 but the database changed"
    # Only runs whose write needed fewer than n statements (nothing broke) succeed.
    assert successes >= 1


@pytest.mark.parametrize("commits", [False, True], ids=["lost-before", "lost-after"])
def test_a_write_whose_commit_fails_does_not_claim_nothing_changed(
    fault_client, monkeypatch, commits
):
    """The connection drops during COMMIT: the outcome is unknown, and the answer says
    so (it must not say "nothing was changed" for a write that may be stored)."""
    client, trial = fault_client
    send = _patch(client, 1)
    before = _snapshot()
    real_commit = type(connections["default"])._commit

    def commit(self):
        if commits:
            real_commit(self)
        with self.wrap_database_errors:
            raise self.Database.OperationalError("server closed the connection")

    monkeypatch.setattr(type(connections["default"]), "_commit", commit)
    response = send()
    monkeypatch.undo()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    detail = response.json()["detail"]
    assert "may or may not have been stored" in detail
    assert "Nothing was changed" not in detail
    assert (_snapshot() != before) is commits


# -- a failure after a committed admin write ------------------------------------------


@pytest.fixture
def admin_browser(world, superuser):
    from django.test import Client

    # A browser sees the server's answer, not the test client's re-raised exception.
    browser = Client(raise_request_exception=False)
    browser.force_login(superuser)
    return browser


def _condition_form(browser, condition):
    from tests.evidence.test_admin_roles import form_data

    data = form_data(browser.get(f"/admin/evidence/condition/{condition.pk}/change/"))
    data["name"] = "Renamed during an outage"
    return data


# The commit must really happen (on_commit runs after it): a transactional test.
@pytest.mark.django_db(transaction=True)
def test_a_failure_after_an_admin_save_commits_says_it_was_saved(
    admin_browser, world, monkeypatch
):
    """The save commits, then the database goes away while the messages are stored
    (after the view): the answer says the change was saved (2xx), never "nothing was
    changed", and the change is there."""
    from django.contrib.messages.storage.fallback import FallbackStorage

    from evidence.models import Condition

    condition = world.conditions["knee"]
    data = _condition_form(admin_browser, condition)

    def lost(self, response):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(FallbackStorage, "update", lost)
    response = admin_browser.post(
        f"/admin/evidence/condition/{condition.pk}/change/", data
    )
    monkeypatch.undo()
    assert response.status_code == 200
    assert response["X-Atlas-Outcome"] == "stored"
    text = response.content.decode()
    assert "Your change was saved (1 record)" in text
    assert "Nothing was changed" not in text
    assert Condition.objects.get(pk=condition.pk).name == "Renamed during an outage"


def test_a_failure_before_an_admin_save_commits_says_nothing_changed(
    admin_browser, world, monkeypatch
):
    """The failure comes inside the save's transaction (the admin's change message):
    the save is rolled back and the 503 "nothing was changed" is true."""
    from django.contrib import admin as django_admin

    from evidence.models import Condition

    condition = world.conditions["knee"]
    before = Condition.objects.get(pk=condition.pk)
    data = _condition_form(admin_browser, condition)

    def lost(self, *args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(django_admin.ModelAdmin, "log_change", lost)
    response = admin_browser.post(
        f"/admin/evidence/condition/{condition.pk}/change/", data
    )
    monkeypatch.undo()
    assert response.status_code == 503
    assert "Nothing was changed" in response.content.decode()
    after = Condition.objects.get(pk=condition.pk)
    assert (after.name, after.version) == (before.name, before.version)


# The commit must really happen (on_commit runs after it): a transactional test.
@pytest.mark.django_db(transaction=True)
def test_the_commit_log_starts_empty_for_each_request(admin_browser, world):
    """A write in one request does not make the next request's outage look stored."""
    from evidence.base import writes

    data = _condition_form(admin_browser, world.conditions["knee"])
    admin_browser.post(
        f"/admin/evidence/condition/{world.conditions['knee'].pk}/change/", data
    )
    admin_browser.get("/")
    assert writes.committed_writes() == 0
