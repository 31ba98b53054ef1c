"""The secretome's API resources: each list holds exactly its records, each detail has
its fields, brief relations and provenance (the envelope, lookups and 404s of every
resource are tested once for all in tests/api/test_endpoints.py)."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests import factories as f
from tests.secretome.world import build_secretome

BASE = "http://testserver/api"


@pytest.fixture
def secretome(db) -> dict:
    return build_secretome()


@pytest.fixture
def api_client() -> APIClient:
    # Throttle counts live in the cache: start from none, whatever ran before.
    cache.clear()
    return APIClient()


def get_json(client, path: str, params: dict | None = None):
    response = client.get(path, params or {})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/json"
    return response.json()


def brief(record, path: str, *fields: str) -> dict:
    return {
        "url": f"{BASE}/{path}/{record.slug}/",
        "id": record.pk,
        "slug": record.slug,
        **{name: getattr(record, name) for name in fields},
    }


def provenance(record) -> dict:
    return {
        "review": record.source_review.slug,
        "locator": record.locator,
        "refs": [],
        "primary_doi": None,
        "verification": "extracted",
        "confirmed_by": "",
        "flags": [],
    }


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("components", ["hgf", "il-10", "mir-21", "vegf"]),
        ("effects", ["angiogenesis", "immunomodulation", "neuroprotection"]),
        ("findings", ["il10-immuno", "vegf-angio", "vegf-neuro"]),
        ("preconditioning", ["hypoxia", "lps"]),
        ("genetic-modifications", ["t5-r01", "t5-r02"]),
    ],
)
def test_list_holds_exactly_the_records(api_client, secretome, path, expected):
    body = get_json(api_client, f"/api/{path}/", {"ordering": "slug"})
    assert body["count"] == len(expected)
    assert [row["slug"] for row in body["results"]] == expected


def test_component_detail(api_client, secretome):
    vegf = secretome["vegf"]
    assert get_json(api_client, "/api/components/vegf/") == {
        **brief(vegf, "components", "name", "abbreviation", "kind"),
        "aliases": ["VEGF-A"],
        "finding_count": 2,
    }


def test_component_reports_its_finding_count(api_client, db):
    # Moved from tests/api/test_endpoints.py.
    component = f.ComponentFactory()
    f.ComponentFindingFactory.create_batch(3, component=component)
    body = api_client.get(f"/api/components/{component.slug}/").json()
    assert body["finding_count"] == 3


def test_component_list_orders_by_finding_count(api_client, secretome):
    body = get_json(api_client, "/api/components/", {"ordering": "-finding_count,slug"})
    assert [(r["slug"], r["finding_count"]) for r in body["results"]] == [
        ("vegf", 2),
        ("il-10", 1),
        ("hgf", 0),
        ("mir-21", 0),
    ]


def test_effect_detail(api_client, secretome):
    angio = secretome["angio"]
    assert get_json(api_client, "/api/effects/angiogenesis/") == {
        **brief(angio, "effects", "name"),
        "description": "New blood vessels",
    }


def test_finding_detail_has_brief_relations_and_provenance(api_client, secretome):
    finding = secretome["vegf_angio"]
    stroke, knee, bm = secretome["stroke"], secretome["knee"], secretome["bm"]
    assert get_json(api_client, "/api/findings/vegf-angio/") == {
        "url": f"{BASE}/findings/vegf-angio/",
        "id": finding.pk,
        "slug": "vegf-angio",
        "component": brief(secretome["vegf"], "components", "name", "kind"),
        "effect": brief(secretome["angio"], "effects", "name"),
        # Conditions in name order: "Ischaemic stroke" before "Knee osteoarthritis".
        "conditions": [
            brief(stroke, "conditions", "name"),
            brief(knee, "conditions", "name"),
        ],
        "model_systems": [],
        "model_as_printed": "Rat model of stroke",
        "cell_source": brief(bm, "cell-sources", "name"),
        "statement": "VEGF promoted angiogenesis in ischaemic tissue.",
        "provenance": provenance(finding),
    }


def test_finding_without_effect_or_cell_source_has_nulls(api_client, db):
    finding = f.ComponentFindingFactory(effect=None, cell_source=None)
    body = get_json(api_client, f"/api/findings/{finding.slug}/")
    assert (body["effect"], body["cell_source"]) == (None, None)


def test_preconditioning_detail_lists_its_effects(api_client, secretome):
    hypoxia = secretome["hypoxia"]
    body = get_json(api_client, "/api/preconditioning/hypoxia/")
    assert body == {
        **brief(hypoxia, "preconditioning", "name", "category", "agent"),
        "effect_text": "",
        "effects": [
            brief(secretome["angio"], "effects", "name"),
            brief(hypoxia.effects.get(slug="neuroprotection"), "effects", "name"),
        ],
        "provenance": provenance(hypoxia),
    }


def test_genetic_modification_detail(api_client, secretome):
    akt = secretome["akt"]
    body = get_json(api_client, "/api/genetic-modifications/t5-r01/")
    assert body == {
        **brief(akt, "genetic-modifications", "factor_as_printed"),
        "component": None,
        "cell_source": brief(akt.cell_source, "cell-sources", "name"),
        "source_as_printed": "Human umbilical cord",
        "method": "adenovirus",
        "method_as_printed": "Adenovirus",
        "conditions": [brief(secretome["stroke"], "conditions", "name")],
        "disease_as_printed": "Acute myocardial infarction",
        "provenance": provenance(akt),
    }


@pytest.mark.parametrize(
    ("path", "params", "expected"),
    [
        ("components", {"effect": "angiogenesis"}, ["vegf"]),
        ("findings", {"component": "vegf"}, ["vegf-angio", "vegf-neuro"]),
        ("preconditioning", {"category": "culture_condition"}, ["hypoxia"]),
        ("genetic-modifications", {"method": "lentivirus"}, ["t5-r02"]),
    ],
)
def test_list_applies_its_filterset(api_client, secretome, path, params, expected):
    # One filter per resource: the API uses the FilterSet tested in test_filtersets.py.
    body = get_json(api_client, f"/api/{path}/", {**params, "ordering": "slug"})
    assert [row["slug"] for row in body["results"]] == expected


@pytest.mark.parametrize(
    "path",
    ["components", "effects", "findings", "preconditioning", "genetic-modifications"],
)
def test_unknown_filter_value_is_a_400_naming_the_parameter(api_client, db, path):
    response = api_client.get(f"/api/{path}/", {"q": "x" * 201})
    assert response.status_code == 400
    assert list(response.json()) == ["q"]
