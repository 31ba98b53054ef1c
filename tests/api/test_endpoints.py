"""Every resource: list, detail by natural key and by id, 404s, representations."""

import pytest

from tests import factories
from tests.api.conftest import RESOURCES, resource_params

pytestmark = pytest.mark.django_db


def _natural_key(record) -> str:
    if hasattr(record, "slug"):
        return record.slug
    return f"{record.review.slug}-{record.number}"


@pytest.mark.parametrize("resource", resource_params())
def test_list_has_page_envelope_and_records(api_client, resource):
    records = resource.factory.create_batch(2)
    response = api_client.get(f"/api/{resource.path}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    expected = resource.model.objects.count()
    assert body["count"] == expected
    assert {row["id"] for row in body["results"]} >= {r.pk for r in records}


@pytest.mark.parametrize("resource", resource_params())
def test_detail_by_natural_key_and_by_id(api_client, resource):
    record = resource.factory()
    by_key = api_client.get(f"/api/{resource.path}/{_natural_key(record)}/")
    by_id = api_client.get(f"/api/{resource.path}/{record.pk}/")
    assert by_key.status_code == 200
    assert by_id.status_code == 200
    assert by_key.json() == by_id.json()
    assert by_key.json()["id"] == record.pk
    assert by_key.json()["url"] == f"http://testserver/api/{resource.path}/" + (
        f"{record.slug}/" if hasattr(record, "slug") else f"{record.pk}/"
    )


@pytest.mark.parametrize("resource", resource_params())
def test_unknown_record_is_json_404(api_client, resource):
    response = api_client.get(f"/api/{resource.path}/no-such-record/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()
    assert api_client.get(f"/api/{resource.path}/987654321/").status_code == 404
    huge = "9" * 40  # beyond any database integer: still a 404, not a 500
    assert api_client.get(f"/api/{resource.path}/{huge}/").status_code == 404


def test_root_lists_every_resource(api_client):
    body = api_client.get("/api/").json()
    assert set(body) == {r.path for r in RESOURCES} | {"search", "schema", "docs"}
    assert body["search"] == "http://testserver/api/search/"
    assert body["trials"] == "http://testserver/api/trials/"


def test_trial_by_nct_id_in_any_case(api_client):
    trial = factories.ClinicalTrialFactory(slug="foo2021-t2-r01", nct_id="NCT01234567")
    for key in ("NCT01234567", "nct01234567", "foo2021-t2-r01", str(trial.pk)):
        response = api_client.get(f"/api/trials/{key}/")
        assert response.status_code == 200, key
        assert response.json()["nct_id"] == "NCT01234567"


def test_publication_by_doi_path_and_filter(api_client):
    publication = factories.PublicationFactory(doi="10.1155/2021/AbC.2616807")
    factories.PublicationFactory()
    for doi in ("10.1155/2021/AbC.2616807", "10.1155/2021/abc.2616807"):
        response = api_client.get(f"/api/publications/doi/{doi}/")
        assert response.status_code == 200, doi
        assert response.json()["slug"] == publication.slug
    listed = api_client.get("/api/publications/", {"doi": "10.1155/2021/ABC.2616807"})
    assert [row["slug"] for row in listed.json()["results"]] == [publication.slug]
    missing = api_client.get("/api/publications/doi/10.9999/none/")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/json"


def test_trial_representation_has_provenance_brief_relations_and_printed_text(
    api_client,
):
    review = factories.ReviewFactory(slug="foo-2021")
    refs = [factories.ReviewReferenceFactory(review=review, number=n) for n in (140, 7)]
    primary = factories.PublicationFactory(doi="10.1000/primary.1")
    condition = factories.ConditionFactory(slug="knee-osteoarthritis", name="Knee OA")
    trial = factories.ClinicalTrialFactory(
        source_review=review,
        locator="Table 2, row 3",
        primary_publication=primary,
        flags=["dose unit unclear"],
        confirmed_by="https://clinicaltrials.gov/study/NCT01234567",
        conditions=[condition],
        outcome_classes=["safe"],
        route="intra_articular",
        route_as_printed="Intra-articular injection",
        phase="1_2",
        phase_as_printed="I/II",
    )
    trial.cited_references.set(refs)
    body = api_client.get(f"/api/trials/{trial.slug}/").json()
    assert body["provenance"] == {
        "review": "foo-2021",
        "locator": "Table 2, row 3",
        "refs": [7, 140],
        "primary_doi": "10.1000/primary.1",
        "verification": "extracted",
        "confirmed_by": "https://clinicaltrials.gov/study/NCT01234567",
        "flags": ["dose unit unclear"],
    }
    assert body["conditions"] == [
        {
            "url": "http://testserver/api/conditions/knee-osteoarthritis/",
            "id": condition.pk,
            "slug": "knee-osteoarthritis",
            "name": "Knee OA",
        }
    ]
    assert body["therapy"]["url"] == (
        f"http://testserver/api/therapies/{trial.therapy.slug}/"
    )
    assert body["outcome_classes"] == [{"slug": "safe", "name": "Safe"}]
    assert (body["route"], body["route_as_printed"]) == (
        "intra_articular",
        "Intra-articular injection",
    )
    assert (body["phase"], body["phase_as_printed"]) == ("1_2", "I/II")


def test_review_reference_by_review_slug_and_number(api_client):
    review = factories.ReviewFactory(slug="smolinska-2023")
    reference = factories.ReviewReferenceFactory(review=review, number=12)
    response = api_client.get("/api/review-references/smolinska-2023-12/")
    assert response.status_code == 200
    assert response.json()["id"] == reference.pk
    assert response.json()["review"]["slug"] == "smolinska-2023"
    assert (
        api_client.get("/api/review-references/smolinska-2023-13/").status_code == 404
    )


def test_docs_page_is_served_from_local_static_files(api_client):
    response = api_client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
