"""Writes: who may write, validation like the admin, and the change history."""

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from evidence.base.api.serializers import AtlasModelSerializer
from evidence.models import ReviewReference
from tests import factories
from tests.api.conftest import RESOURCES, resource_params, write
from trials.models import ClinicalTrial, ModelSystem, Study

pytestmark = pytest.mark.django_db


@pytest.fixture
def related():
    """Records a new payload can point to, by slug."""
    review = factories.ReviewFactory(slug="foo-2021")
    for number in (3, 14):
        factories.ReviewReferenceFactory(review=review, number=number)
    ModelSystem.objects.get_or_create(slug="mouse", defaults={"name": "Mouse"})
    return {
        "review": review,
        "therapy": factories.TherapyFactory(slug="bm-msc-cells"),
        "condition": factories.ConditionFactory(slug="stroke"),
        "component": factories.ComponentFactory(slug="vegf"),
        "primary": factories.PublicationFactory(doi="10.1000/primary.9"),
    }


PROVENANCE = {"review": "foo-2021", "locator": "Table 1, row 1"}

PAYLOADS = {
    "trials": {
        "slug": "nct09999999",
        "nct_id": "NCT09999999",
        "therapy": "bm-msc-cells",
        "conditions": ["stroke"],
        "phase": "2",
        "design_as_printed": "A randomised, placebo-controlled trial",
        "provenance": {
            **PROVENANCE,
            "refs": [14, 3],
            "primary_doi": "10.1000/primary.9",
        },
    },
    "studies": {
        "slug": "new-study",
        "title": "Exosomes after stroke",
        "stage": "preclinical",
        "model_systems": ["mouse"],
        "conditions": ["stroke"],
        "provenance": PROVENANCE,
    },
    "therapies": {
        "slug": "new-therapy",
        "name": "New exosomes",
        "modality": "exosomes",
        "parent": "bm-msc-cells",
        "provenance": PROVENANCE,
    },
    "cell-sources": {"slug": "new-source", "name": "Dental pulp MSC"},
    "conditions": {"slug": "new-condition", "name": "New", "synonyms": ["N"]},
    "components": {"slug": "bdnf", "name": "BDNF", "kind": "growth_factor"},
    "effects": {"slug": "new-effect", "name": "Neurogenesis"},
    "publications": {"slug": "doe-2024", "title": "A paper", "doi": "10.1000/x.1"},
    "comparison-points": {
        "slug": "new-point",
        "aspect": "cost",
        "side": "secretome",
        "text": "Cheaper to store.",
        "provenance": PROVENANCE,
    },
    "trial-counts": {
        "slug": "new-count",
        "series": "msc_2011",
        "phase": "3",
        "count": 5,
        "as_of_year": 2011,
        "provenance": PROVENANCE,
    },
    "genetic-modifications": {
        "slug": "new-modification",
        "factor_as_printed": "BDNF",
        "method": "lentivirus",
        "provenance": PROVENANCE,
    },
    "preconditioning": {
        "slug": "new-preconditioning",
        "name": "Hypoxia",
        "category": "culture_condition",
        "provenance": PROVENANCE,
    },
    "findings": {
        "slug": "new-finding",
        "component": "vegf",
        "conditions": ["stroke"],
        "statement": "VEGF promoted angiogenesis.",
        "provenance": PROVENANCE,
    },
    "review-references": {"review": "foo-2021", "number": 99},
}


def _patch_for(resource) -> dict:
    fields = resource.model._meta
    if any(f.name == "locator" for f in fields.get_fields()):
        return {"provenance": {"locator": "Section 9.9"}}
    if resource.path == "publications":
        return {"title": "Renamed"}
    if resource.path == "review-references":
        return {"citation_as_printed": "Doe J. 2020."}
    return {"name": "Renamed"}


def _detail(resource, record) -> str:
    return f"/api/{resource.path}/{record.pk}/"


@pytest.mark.parametrize("resource", resource_params())
def test_anonymous_writes_are_refused(api_client, related, resource):
    record = resource.factory()
    before = resource.model.objects.count()
    payload = PAYLOADS[resource.path]
    assert (
        api_client.post(f"/api/{resource.path}/", payload, format="json").status_code
        == 401
    )
    assert (
        api_client.put(_detail(resource, record), payload, format="json").status_code
        == 401
    )
    patch = api_client.patch(
        _detail(resource, record), _patch_for(resource), format="json"
    )
    assert patch.status_code == 401
    assert api_client.delete(_detail(resource, record)).status_code == 401
    assert resource.model.objects.count() == before


@pytest.mark.parametrize("resource", resource_params())
def test_token_without_permission_is_forbidden(reader_client, related, resource):
    record = resource.factory()
    before = resource.model.objects.count()
    payload = PAYLOADS[resource.path]
    client = reader_client
    assert (
        client.post(f"/api/{resource.path}/", payload, format="json").status_code == 403
    )
    assert (
        client.put(_detail(resource, record), payload, format="json").status_code == 403
    )
    patch = client.patch(_detail(resource, record), _patch_for(resource), format="json")
    assert patch.status_code == 403
    assert client.delete(_detail(resource, record)).status_code == 403
    assert resource.model.objects.count() == before
    assert client.get(_detail(resource, record)).status_code == 200  # reads stay open


@pytest.mark.parametrize("resource", resource_params())
def test_curator_create_update_delete_are_recorded(
    curator_client, curator, related, resource
):
    created = curator_client.post(
        f"/api/{resource.path}/", PAYLOADS[resource.path], format="json"
    )
    assert created.status_code == 201, created.json()
    record = resource.model.objects.get(pk=created.json()["id"])
    assert record.history.latest().history_user == curator
    assert record.history.latest().history_type == "+"

    updated = write(
        curator_client, "PATCH", _detail(resource, record), _patch_for(resource)
    )
    assert updated.status_code == 200, updated.json()
    assert record.history.latest().history_type == "~"
    assert record.history.latest().history_user == curator
    assert record.history.count() == 2

    deleted = write(curator_client, "DELETE", _detail(resource, record))
    assert deleted.status_code == 204
    assert not resource.model.objects.filter(pk=record.pk).exists()
    last = resource.model.history.filter(id=record.pk).latest()
    assert (last.history_type, last.history_user) == ("-", curator)


def test_created_trial_has_relations_references_and_derived_level(
    curator_client, related
):
    body = curator_client.post("/api/trials/", PAYLOADS["trials"], format="json").json()
    trial = ClinicalTrial.objects.get(slug="nct09999999")
    assert trial.reference_numbers == [3, 14]
    assert trial.primary_publication == related["primary"]
    assert [c.slug for c in trial.conditions.all()] == ["stroke"]
    assert (trial.evidence_level, trial.evidence_level_derived) == ("A", "A")
    assert body["evidence_level"] == "A"
    assert body["provenance"]["refs"] == [3, 14]
    assert body["therapy"]["slug"] == "bm-msc-cells"


def test_study_level_is_refreshed_after_update(curator_client, related):
    curator_client.post("/api/studies/", PAYLOADS["studies"], format="json")
    assert Study.objects.get(slug="new-study").evidence_level == "D"
    ModelSystem.objects.get_or_create(slug="human", defaults={"name": "Human"})
    response = write(
        curator_client,
        "PATCH",
        "/api/studies/new-study/",
        {"stage": "clinical", "model_systems": ["human"]},
    )
    assert response.json()["evidence_level"] == "C"
    assert Study.objects.get(slug="new-study").evidence_level == "C"


def test_override_with_reason_sets_effective_level(curator_client, related):
    curator_client.post("/api/trials/", PAYLOADS["trials"], format="json")
    response = write(
        curator_client,
        "PATCH",
        "/api/trials/nct09999999/",
        {"evidence_level_override": "C", "evidence_level_reason": "Pilot per paper"},
    )
    assert response.status_code == 200
    assert response.json()["evidence_level"] == "C"
    assert response.json()["evidence_level_derived"] == "A"


def _trial(**changes) -> dict:
    return {**PAYLOADS["trials"], **changes}


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        (
            _trial(nct_id="NCT123"),
            {"nct_id": ["An NCT id is 'NCT' followed by 8 digits, e.g. NCT04491240."]},
        ),
        (
            _trial(dose_low=5, dose_high=1, dose_unit="cells"),
            {"non_field_errors": ["The low dose must not exceed the high dose."]},
        ),
        (
            _trial(dose_low=5),
            {"non_field_errors": ["A parsed dose needs its unit."]},
        ),
        (
            _trial(evidence_level_override="A"),
            {"non_field_errors": ["An evidence level override needs a reason."]},
        ),
        (_trial(slug="Not A Slug"), {"slug": None}),
        (_trial(phase="7"), {"phase": None}),
        (_trial(conditions=["no-such"]), {"conditions": None}),
        (_trial(therapy="no-such"), {"therapy": None}),
        (
            {k: v for k, v in PAYLOADS["trials"].items() if k != "provenance"},
            {"provenance": ["This field is required."]},
        ),
        (_trial(provenance={**PROVENANCE, "locator": ""}), {"provenance": None}),
        (
            _trial(provenance={**PROVENANCE, "review": "nobody-1999"}),
            {"provenance": None},
        ),
        (
            _trial(provenance={**PROVENANCE, "refs": [3, 404]}),
            {"provenance": {"refs": ["The review has no reference 404."]}},
        ),
    ],
)
def test_bad_trial_payload_is_400_with_field_errors(
    curator_client, related, payload, errors
):
    response = curator_client.post("/api/trials/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == set(errors)
    for field, messages in errors.items():
        if messages is not None:
            assert body[field] == messages
    assert not ClinicalTrial.objects.exists()


def test_duplicate_slug_and_nct_id_are_400(curator_client, related):
    assert (
        curator_client.post(
            "/api/trials/", PAYLOADS["trials"], format="json"
        ).status_code
        == 201
    )
    same_nct = curator_client.post(
        "/api/trials/", _trial(slug="other-slug"), format="json"
    )
    assert same_nct.status_code == 400
    assert list(same_nct.json()) == ["nct_id"]
    same_slug = curator_client.post("/api/trials/", _trial(nct_id=None), format="json")
    assert same_slug.status_code == 400
    assert same_slug.json() == {
        "slug": ["Clinical trial with this Slug already exists."]
    }


def test_duplicate_natural_pairs_are_400(curator_client, related):
    reference = curator_client.post(
        "/api/review-references/", {"review": "foo-2021", "number": 3}, format="json"
    )
    assert reference.status_code == 400
    assert list(reference.json()) == ["non_field_errors"]
    factories.TrialCountSnapshotFactory(series="msc_2011", phase="3")
    count = curator_client.post(
        "/api/trial-counts/", PAYLOADS["trial-counts"], format="json"
    )
    assert count.status_code == 400
    assert list(count.json()) == ["non_field_errors"]


def test_cell_therapy_cannot_have_a_parent(curator_client, related):
    payload = {**PAYLOADS["therapies"], "modality": "cells"}
    response = curator_client.post("/api/therapies/", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]


def test_deleting_a_referenced_record_is_409(curator_client, related):
    factories.ClinicalTrialFactory(therapy=related["therapy"])
    response = write(curator_client, "DELETE", "/api/therapies/bm-msc-cells/")
    assert response.status_code == 409
    assert "refer" in response.json()["detail"]


def test_put_replaces_and_validates(curator_client, related):
    curator_client.post("/api/effects/", PAYLOADS["effects"], format="json")
    response = write(
        curator_client,
        "PUT",
        "/api/effects/new-effect/",
        {"slug": "new-effect", "name": "Neurogenesis", "description": "New neurons"},
    )
    assert response.status_code == 200
    assert response.json()["description"] == "New neurons"
    missing = write(
        curator_client, "PUT", "/api/effects/new-effect/", {"slug": "new-effect"}
    )
    assert missing.status_code == 400
    assert list(missing.json()) == ["name"]


def test_session_write_needs_csrf(curator, related):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(curator)
    response = client.post("/api/effects/", PAYLOADS["effects"], format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_superuser_token_may_write_everything(related):
    admin = get_user_model().objects.create_superuser("boss", "b@example.org", "pw-x-9")
    client = APIClient()
    client.force_authenticate(admin)
    for resource in RESOURCES:
        response = client.post(
            f"/api/{resource.path}/", PAYLOADS[resource.path], format="json"
        )
        assert response.status_code == 201, (resource.path, response.json())


def test_a_database_refusal_is_a_400_not_a_500(curator_client, related, monkeypatch):
    # Should validation ever miss a constraint, the database still has the last word.
    monkeypatch.setattr(AtlasModelSerializer, "_full_clean", lambda self, attrs: None)
    monkeypatch.setattr(ReviewReference, "validate_unique", lambda self, exclude: None)
    monkeypatch.setattr(
        ReviewReference, "validate_constraints", lambda self, exclude: None
    )
    response = curator_client.post(
        "/api/review-references/", {"review": "foo-2021", "number": 3}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["non_field_errors"]
    assert response.json()["non_field_errors"][0].startswith(
        "The database refused the record"
    )
