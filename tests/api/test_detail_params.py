"""A detail route takes the list's filters too: without parameters the record is read
straight by its key (no FilterSet built); with them it is narrowed as on the list, and
a malformed one is a 400, never ignored."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_a_detail_without_parameters_is_the_record(api_client):
    trial = factories.ClinicalTrialFactory(phase="2")
    body = api_client.get(f"/api/trials/{trial.slug}/").json()
    assert body["slug"] == trial.slug
    assert api_client.get(f"/api/trials/{trial.pk}/").json()["slug"] == trial.slug


def test_a_detail_is_narrowed_by_the_list_filters(api_client):
    trial = factories.ClinicalTrialFactory(phase="2")
    assert api_client.get(f"/api/trials/{trial.slug}/?phase=2").status_code == 200
    assert api_client.get(f"/api/trials/{trial.slug}/?phase=3").status_code == 404


def test_a_malformed_filter_on_a_detail_is_a_400(api_client):
    trial = factories.ClinicalTrialFactory()
    response = api_client.get(f"/api/trials/{trial.slug}/?phase=not-a-phase")
    assert response.status_code == 400
    assert "phase" in response.json()
