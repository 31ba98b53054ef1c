"""A lost database is a 503 with Retry-After (HTML or JSON), then normal service again.

Here every query fails as a refused or dropped connection would; the fault test stops a
real PostgreSQL under load.
"""

from __future__ import annotations

import contextlib

import pytest
from django.db import InterfaceError, OperationalError
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
