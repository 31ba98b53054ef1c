"""No lost updates through the API.

Writes to an existing record need If-Match (428 without it); the ETag is compared with
the record's current one inside the write transaction, with the row locked (412 when
stale). The live test sends real parallel PATCHes with one ETag and requires exactly one
winner per round, on the database the suite runs on (SQLite or PostgreSQL).
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from rest_framework.authtoken.models import Token

from evidence.base.writes import record_save
from tests import factories
from tests.api.conftest import etag_of, resource_params, write
from tests.reliability.conftest import gunicorn_on_test_database_copy
from trials.models import ClinicalTrial

ROUNDS = 25


@pytest.mark.django_db
def test_detail_etag_is_stable_and_changes_on_a_write(curator_client):
    trial = factories.ClinicalTrialFactory()
    url = f"/api/trials/{trial.slug}/"
    first = etag_of(curator_client, url)
    assert first == etag_of(curator_client, url)
    trial.route = "intrathecal"
    record_save(trial, channel="admin")
    assert etag_of(curator_client, url) != first


@pytest.mark.django_db
@pytest.mark.parametrize("resource", resource_params())
@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_a_write_without_if_match_is_428_and_changes_nothing(
    curator_client, resource, method
):
    record = resource.factory()
    url = f"/api/{resource.path}/{record.pk}/"
    current = etag_of(curator_client, url)
    versions = resource.model.history.filter(id=record.pk).count()
    send = getattr(curator_client, method.lower())
    response = send(url, {}, format="json")
    assert response.status_code == 428
    body = response.json()
    assert "If-Match" in body["detail"]
    assert response["ETag"] == body["etag"] == current
    # `*` is refused too: it would be a blind overwrite.
    assert send(url, {}, format="json", HTTP_IF_MATCH="*").status_code == 428
    assert resource.model.objects.filter(pk=record.pk).exists()
    assert resource.model.history.filter(id=record.pk).count() == versions
    assert etag_of(curator_client, url) == current


@pytest.mark.django_db
def test_stale_if_match_is_412_with_the_current_etag(curator_client, curator):
    trial = factories.ClinicalTrialFactory(route="intravenous")
    url = f"/api/trials/{trial.slug}/"
    etag = etag_of(curator_client, url)

    # Another curator saves in between.
    trial.route = "intrathecal"
    record_save(trial, channel="admin")

    stale = curator_client.patch(
        url, {"route": "intra_articular"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    assert "changed since you read it" in stale.json()["detail"]
    trial.refresh_from_db()
    assert trial.route == "intrathecal"
    # The 412 carries the current ETag: re-applying with it succeeds.
    assert stale["ETag"] == stale.json()["etag"] == etag_of(curator_client, url)
    weak = curator_client.patch(
        url, {"route": "intra_articular"}, format="json", HTTP_IF_MATCH="W/" + etag
    )
    assert weak.status_code == 412  # If-Match compares strongly

    response = curator_client.patch(
        url,
        {"route": "intra_articular"},
        format="json",
        HTTP_IF_MATCH=stale["ETag"],
        HTTP_X_CHANGE_REASON="registry says intra-articular",
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == etag_of(curator_client, url)
    trial.refresh_from_db()
    assert trial.route == "intra_articular"
    assert trial.version == 3
    latest = trial.history.first()
    assert latest.history_user == curator
    assert latest.history_change_reason == "api: registry says intra-articular"


@pytest.mark.django_db
def test_stale_delete_is_refused(curator_client):
    trial = factories.ClinicalTrialFactory()
    url = f"/api/trials/{trial.slug}/"
    etag = etag_of(curator_client, url)
    record_save(trial, channel="admin", reason="touched")
    assert curator_client.delete(url, HTTP_IF_MATCH=etag).status_code == 412
    assert ClinicalTrial.objects.filter(pk=trial.pk).exists()
    assert write(curator_client, "DELETE", url).status_code == 204
    assert not ClinicalTrial.objects.filter(pk=trial.pk).exists()


@pytest.mark.django_db
def test_detail_etag_changes_when_a_related_record_is_renamed(curator_client):
    """D15: the trial's body shows its therapy's name, so the ETag covers it."""
    trial = factories.ClinicalTrialFactory()
    url = f"/api/trials/{trial.slug}/"
    old = etag_of(curator_client, url)
    assert curator_client.get(url, HTTP_IF_NONE_MATCH=old).status_code == 304
    renamed = write(
        curator_client,
        "PATCH",
        f"/api/therapies/{trial.therapy.slug}/",
        {"name": "Renamed product"},
    )
    assert renamed.status_code == 200, renamed.content
    fresh = curator_client.get(url, HTTP_IF_NONE_MATCH=old)
    assert fresh.status_code == 200
    assert fresh.json()["therapy"]["name"] == "Renamed product"
    assert fresh["ETag"] != old
    # The trial itself was not written: the old ETag is stale for a write as well.
    stale = curator_client.patch(
        url, {"route": "intrathecal"}, format="json", HTTP_IF_MATCH=old
    )
    assert stale.status_code == 412


@pytest.mark.django_db
@pytest.mark.parametrize("resource", resource_params())
def test_json_and_csv_have_different_etags(api_client, resource):
    record = resource.factory()
    url = f"/api/{resource.path}/{record.pk}/"
    as_json = api_client.get(url)
    as_csv = api_client.get(url, {"format": "csv"})
    assert as_csv["Content-Type"].startswith("text/csv")
    assert as_json["ETag"] != as_csv["ETag"]
    assert api_client.get(url, HTTP_IF_NONE_MATCH=as_csv["ETag"]).status_code == 200
    conditional = api_client.get(
        url, {"format": "csv"}, HTTP_IF_NONE_MATCH=as_csv["ETag"]
    )
    assert conditional.status_code == 304


@pytest.mark.django_db
def test_put_is_checked_like_patch(curator_client):
    effect = factories.EffectFactory(slug="angio", name="Angiogenesis")
    url = "/api/effects/angio/"
    etag = etag_of(curator_client, url)
    body = {"slug": "angio", "name": "Angiogenesis", "description": "New vessels"}
    assert curator_client.put(url, body, format="json").status_code == 428
    assert (
        curator_client.put(url, body, format="json", HTTP_IF_MATCH=etag).status_code
        == 200
    )
    again = curator_client.put(url, body, format="json", HTTP_IF_MATCH=etag)
    assert again.status_code == 412
    effect.refresh_from_db()
    assert effect.description == "New vessels"
    assert effect.version == 2


# --- Real parallel requests against a live server ----------------------------------


@dataclass
class LiveTrial:
    base_url: str
    token: str
    slug: str
    pk: int
    history: Callable[
        [], list[str]
    ]  # outcome_as_printed of each history row, newest first
    stored: Callable[[], str]


def _race_curator_and_trial(**trial) -> tuple[str, ClinicalTrial]:
    user = get_user_model().objects.create_user("race-curator", password="unused-3b7d")
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["evidence", "trials", "secretome"]
        )
    )
    return Token.objects.create(user=user).key, factories.ClinicalTrialFactory(
        slug="race-trial", **trial
    )


@pytest.fixture
def live_trial(request, tmp_path, collected_static):
    """A trial on a live server that writes to the database the suite runs on.

    PostgreSQL: pytest-django's live server (a thread per request, a connection per
    thread). SQLite: the in-memory test database would be one connection shared by all
    of the live server's threads, which serialises everything by itself, so the SQLite
    run serves a database file with gunicorn (3 worker processes, 4 threads each): a
    copy of the (migrated) test database with the curator and the trial made here.
    """
    if connection.vendor == "sqlite":
        token, trial = _race_curator_and_trial(nct_id="NCT09999001")
        with gunicorn_on_test_database_copy(tmp_path, collected_static, 18900) as (
            base_url,
            database,
        ):
            yield LiveTrial(
                base_url=base_url,
                token=token,
                slug=trial.slug,
                pk=trial.pk,
                history=lambda: _sqlite_history(database, trial.pk),
                stored=lambda: _sqlite_history(database, trial.pk, table=False)[0],
            )
        return
    live_server = request.getfixturevalue("live_server")
    token, trial = _race_curator_and_trial()
    yield LiveTrial(
        base_url=live_server.url,
        token=token,
        slug=trial.slug,
        pk=trial.pk,
        history=lambda: list(
            trial.history.order_by("-history_id").values_list(
                "outcome_as_printed", flat=True
            )
        ),
        stored=lambda: ClinicalTrial.objects.get(pk=trial.pk).outcome_as_printed,
    )


def _sqlite_history(database: Path, pk: int, *, table: bool = True) -> list[str]:
    with sqlite3.connect(database) as db:
        if table:
            sql = (
                "SELECT outcome_as_printed FROM trials_historicalclinicaltrial "
                "WHERE id = ? ORDER BY history_id DESC"
            )
        else:
            sql = "SELECT outcome_as_printed FROM trials_clinicaltrial WHERE id = ?"
        return [row[0] for row in db.execute(sql, (pk,))]


@pytest.mark.django_db(transaction=True)
@pytest.mark.race
def test_parallel_patches_with_one_etag_have_exactly_one_winner(live_trial):
    url = f"{live_trial.base_url}/api/trials/{live_trial.slug}/"
    headers = {"Authorization": f"Token {live_trial.token}"}
    reader = requests.Session()
    writers = [requests.Session() for _ in range(2)]
    assert writers[0].patch(url, json={}, headers=headers, timeout=30).status_code == (
        428
    )

    outcomes: list[tuple[int, int, str]] = []
    for round_number in range(ROUNDS):
        before = live_trial.history()
        etag = reader.get(url, timeout=30).headers["ETag"]
        barrier = threading.Barrier(2)
        results: dict[int, requests.Response] = {}

        def send(
            writer: int, etag=etag, barrier=barrier, results=results, n=round_number
        ) -> None:
            body = {"outcome_as_printed": f"round {n} writer {writer}"}
            barrier.wait(timeout=30)
            results[writer] = writers[writer].patch(
                url, json=body, headers={**headers, "If-Match": etag}, timeout=60
            )

        threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)
        statuses = sorted(results[i].status_code for i in range(2))
        assert statuses == [200, 412], (round_number, statuses, results)
        winner = next(i for i in range(2) if results[i].status_code == 200)
        loser = 1 - winner
        expected = f"round {round_number} writer {winner}"
        after = live_trial.history()
        # One write per round, and it is the winner's.
        assert len(after) == len(before) + 1, (round_number, after[:3])
        assert after[0] == expected
        assert live_trial.stored() == expected
        # The loser is told the current ETag, which is the winner's.
        assert results[loser].headers["ETag"] == results[winner].headers["ETag"]
        outcomes.append((round_number, winner, results[loser].json()["detail"][:20]))
    assert len(outcomes) == ROUNDS
