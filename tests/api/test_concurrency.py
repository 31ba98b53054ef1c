"""No lost updates through the API: ETag on reads, If-Match on writes (412 on a stale
copy), and the history records the channel, the author and the reason."""

import pytest

from tests.factories import ClinicalTrialFactory

pytestmark = pytest.mark.django_db


def test_detail_carries_an_etag_that_changes_on_save(curator_client):
    trial = ClinicalTrialFactory()
    url = f"/api/trials/{trial.slug}/"
    first = curator_client.get(url)["ETag"]
    assert first and first == curator_client.get(url)["ETag"]
    trial.route = "intrathecal"
    trial.save()
    assert curator_client.get(url)["ETag"] != first


def test_stale_if_match_is_refused_and_fresh_one_applies(curator_client, curator):
    trial = ClinicalTrialFactory(route="intravenous")
    url = f"/api/trials/{trial.slug}/"
    etag = curator_client.get(url)["ETag"]

    # Another curator saves in between.
    trial.route = "intrathecal"
    trial.save()

    stale = curator_client.patch(
        url, {"route": "intra_articular"}, format="json", HTTP_IF_MATCH=etag
    )
    assert stale.status_code == 412
    assert "changed since you read it" in stale.json()["detail"]
    trial.refresh_from_db()
    assert trial.route == "intrathecal"

    fresh = curator_client.get(url)["ETag"]
    response = curator_client.patch(
        url,
        {"route": "intra_articular"},
        format="json",
        HTTP_IF_MATCH=fresh,
        HTTP_X_CHANGE_REASON="registry says intra-articular",
    )
    assert response.status_code == 200, response.content
    trial.refresh_from_db()
    assert trial.route == "intra_articular"
    latest = trial.history.first()
    assert latest.history_user == curator
    assert latest.history_change_reason == "api: registry says intra-articular"


def test_stale_delete_is_refused(curator_client):
    trial = ClinicalTrialFactory()
    url = f"/api/trials/{trial.slug}/"
    etag = curator_client.get(url)["ETag"]
    trial.save()
    assert curator_client.delete(url, HTTP_IF_MATCH=etag).status_code == 412
    assert type(trial).objects.filter(pk=trial.pk).exists()
