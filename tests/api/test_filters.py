"""Every filter parameter of trials, studies and components, with exact counts.

The parameters are those of the shared FilterSets, so the API answers the same
questions as the HTML lists.
"""

import pytest

from evidence import choices
from tests import factories

pytestmark = pytest.mark.django_db


def slugs(client, path: str, params) -> list[str]:
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == len(body["results"])
    return sorted(row["slug"] for row in body["results"])


@pytest.fixture
def vocab():
    return {
        "knee": factories.ConditionFactory(slug="knee-osteoarthritis"),
        "stroke": factories.ConditionFactory(slug="stroke"),
        "bm": factories.CellSourceFactory(slug="bone-marrow-msc"),
        "uc": factories.CellSourceFactory(slug="umbilical-cord-msc"),
        "foo": factories.ReviewFactory(slug="foo-2021"),
        "smo": factories.ReviewFactory(slug="smolinska-2023"),
    }


@pytest.fixture
def trials(vocab):
    cells_bm = factories.TherapyFactory(cell_source=vocab["bm"])
    exo_uc = factories.CellFreeTherapyFactory(cell_source=vocab["uc"])
    factories.ClinicalTrialFactory(
        slug="t1",
        design_as_printed="A randomised placebo-controlled zebrafish trial",
        phase="1",
        status="completed",
        therapy=cells_bm,
        conditions=[vocab["knee"]],
        route="intra_articular",
        outcome_classes=["safe"],
        evidence_level="A",
        source_review=vocab["foo"],
    )
    factories.ClinicalTrialFactory(
        slug="t2",
        phase="2",
        status="ongoing",
        therapy=exo_uc,
        conditions=[vocab["knee"], vocab["stroke"]],
        route="intravenous",
        outcome_classes=["safe", "effective"],
        evidence_level="B",
        source_review=vocab["foo"],
    )
    factories.ClinicalTrialFactory(
        slug="t3",
        phase="1_2",
        status="completed",
        therapy=cells_bm,
        conditions=[vocab["stroke"]],
        route="intravenous",
        evidence_level="C",
        source_review=vocab["smo"],
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["t1", "t2", "t3"]),
        ({"q": "zebrafish"}, ["t1"]),
        ({"phase": "1"}, ["t1"]),
        ({"phase": ["1", "2"]}, ["t1", "t2"]),
        ({"status": "completed"}, ["t1", "t3"]),
        ({"modality": "cells"}, ["t1", "t3"]),
        ({"modality": "exosomes"}, ["t2"]),
        ({"cell_source": "bone-marrow-msc"}, ["t1", "t3"]),
        ({"condition": "knee-osteoarthritis"}, ["t1", "t2"]),
        ({"condition": ["knee-osteoarthritis", "stroke"]}, ["t1", "t2", "t3"]),
        ({"route": "intravenous"}, ["t2", "t3"]),
        ({"outcome": "safe"}, ["t1", "t2"]),
        ({"outcome": ["safe", "effective"]}, ["t1", "t2"]),
        ({"evidence_level": "A"}, ["t1"]),
        ({"review": "smolinska-2023"}, ["t3"]),
        ({"condition": "stroke", "route": "intravenous", "status": "ongoing"}, ["t2"]),
    ],
)
def test_trial_filters(api_client, trials, params, expected):
    assert slugs(api_client, "/api/trials/", params) == expected


@pytest.fixture
def studies(vocab):
    exo_uc = factories.CellFreeTherapyFactory(cell_source=vocab["uc"])
    cells_bm = factories.TherapyFactory(cell_source=vocab["bm"])
    cm_bm = factories.CellFreeTherapyFactory(
        cell_source=vocab["bm"], modality=choices.Modality.CONDITIONED_MEDIUM
    )
    factories.StudyFactory(
        slug="s1",
        title="Alpha exosomes in knees",
        stage="preclinical",
        model_systems=["mouse"],
        conditions=[vocab["knee"]],
        therapy=exo_uc,
        year=2018,
    )
    factories.StudyFactory(
        slug="s2",
        stage="clinical",
        model_systems=["human"],
        conditions=[vocab["stroke"]],
        therapy=cells_bm,
        year=2020,
        evidence_level="C",
    )
    factories.StudyFactory(
        slug="s3",
        stage="preclinical",
        model_systems=["mouse", "rat"],
        conditions=[vocab["knee"], vocab["stroke"]],
        therapy=cm_bm,
        year=2022,
        source_review=vocab["smo"],
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["s1", "s2", "s3"]),
        ({"q": "alpha"}, ["s1"]),
        ({"stage": "preclinical"}, ["s1", "s3"]),
        ({"model": "mouse"}, ["s1", "s3"]),
        ({"model": ["mouse", "rat"]}, ["s1", "s3"]),
        ({"model": "human"}, ["s2"]),
        ({"condition": "knee-osteoarthritis"}, ["s1", "s3"]),
        ({"condition": ["knee-osteoarthritis", "stroke"]}, ["s1", "s2", "s3"]),
        ({"modality": "exosomes"}, ["s1"]),
        ({"modality": ["cells", "conditioned_medium"]}, ["s2", "s3"]),
        ({"cell_source": "bone-marrow-msc"}, ["s2", "s3"]),
        ({"year_min": 2020}, ["s2", "s3"]),
        ({"year_max": 2020}, ["s1", "s2"]),
        ({"year_min": 2019, "year_max": 2021}, ["s2"]),
        ({"evidence_level": "C"}, ["s2"]),
        ({"review": "smolinska-2023"}, ["s3"]),
    ],
)
def test_study_filters(api_client, studies, params, expected):
    assert slugs(api_client, "/api/studies/", params) == expected


@pytest.fixture
def components(vocab):
    angio = factories.EffectFactory(slug="angiogenesis")
    neuro = factories.EffectFactory(slug="neuroprotection")
    immuno = factories.EffectFactory(slug="immunomodulation")
    vegf = factories.ComponentFactory(slug="vegf", name="VEGF", kind="growth_factor")
    il10 = factories.ComponentFactory(
        slug="il-10", name="IL-10", kind="cytokine_anti_inflammatory"
    )
    factories.ComponentFactory(slug="mir-21", name="miR-21", kind="mirna")
    factories.ComponentFindingFactory(
        component=vegf, effect=angio, conditions=[vocab["knee"]]
    )
    factories.ComponentFindingFactory(
        component=vegf, effect=neuro, conditions=[vocab["stroke"]]
    )
    factories.ComponentFindingFactory(
        component=il10, effect=immuno, conditions=[vocab["stroke"]]
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["il-10", "mir-21", "vegf"]),
        ({"q": "VEGF"}, ["vegf"]),
        ({"kind": "growth_factor"}, ["vegf"]),
        ({"kind": ["growth_factor", "mirna"]}, ["mir-21", "vegf"]),
        ({"effect": "angiogenesis"}, ["vegf"]),
        ({"effect": ["neuroprotection", "immunomodulation"]}, ["il-10", "vegf"]),
        ({"condition": "stroke"}, ["il-10", "vegf"]),
        ({"condition": "knee-osteoarthritis"}, ["vegf"]),
        ({"effect": "angiogenesis", "condition": "stroke"}, ["vegf"]),
    ],
)
def test_component_filters(api_client, components, params, expected):
    assert slugs(api_client, "/api/components/", params) == expected


def test_component_filter_keeps_the_full_finding_count(api_client, components):
    body = api_client.get("/api/components/", {"effect": "angiogenesis"}).json()
    assert [(r["slug"], r["finding_count"]) for r in body["results"]] == [("vegf", 2)]


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"phase": "9"}, "phase"),
        ({"condition": "no-such-condition"}, "condition"),
        ({"evidence_level": "Z"}, "evidence_level"),
        ({"review": "nobody-1999"}, "review"),
        ({"q": "x" * 201}, "q"),
        ({"page": "abc"}, "page"),
        ({"page": "0"}, "page"),
        ({"page_size": "-5"}, "page_size"),
        ({"page_size": "many"}, "page_size"),
        ({"ordering": "bogus"}, "ordering"),
        ({"ordering": "slug,-nope"}, "ordering"),
    ],
)
def test_invalid_parameter_is_400_naming_it(api_client, trials, params, parameter):
    response = api_client.get("/api/trials/", params)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == [parameter]


def test_invalid_parameter_with_csv_still_answers_json(api_client, trials):
    response = api_client.get("/api/trials/", {"phase": "9", "format": "csv"})
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == ["phase"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/studies/", {"year_min": "twenty"}),
        ("/api/studies/", {"model": "zebra"}),
        ("/api/components/", {"effect": "levitation"}),
        ("/api/components/", {"kind": "gas"}),
    ],
)
def test_invalid_filter_on_other_lists_is_400(api_client, path, params):
    response = api_client.get(path, params)
    assert response.status_code == 400
    assert list(response.json()) == list(params)


def test_page_past_the_end_is_404(api_client, trials):
    response = api_client.get("/api/trials/", {"page": 2})
    assert response.status_code == 404
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("slug", ["t1", "t2", "t3"]),
        ("-slug", ["t3", "t2", "t1"]),
        ("-evidence_level", ["t3", "t2", "t1"]),
        ("status,-slug", ["t3", "t1", "t2"]),
        ("phase", ["t1", "t3", "t2"]),
    ],
)
def test_ordering(api_client, trials, ordering, expected):
    body = api_client.get("/api/trials/", {"ordering": ordering}).json()
    assert [row["slug"] for row in body["results"]] == expected


def test_pagination_pages_through_every_record_once(api_client):
    factories.ConditionFactory.create_batch(7)
    first = api_client.get("/api/conditions/", {"page_size": 3}).json()
    assert first["count"] == 7
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/conditions/?page=2&page_size=3"
    seen = [row["slug"] for row in first["results"]]
    url = first["next"]
    while url:
        page = api_client.get(url).json()
        seen.extend(row["slug"] for row in page["results"])
        url = page["next"]
    assert len(seen) == 7
    assert len(set(seen)) == 7
    last = api_client.get("/api/conditions/", {"page_size": 3, "page": "last"}).json()
    assert len(last["results"]) == 1


def test_page_size_above_the_maximum_is_a_400_with_a_reason(api_client):
    factories.EffectFactory.create_batch(3)
    for size in ("401", "100000", "9999999999"):
        response = api_client.get("/api/effects/", {"page_size": size})
        assert response.status_code == 400, size
        assert list(response.json()) == ["page_size"]
    assert (
        "At most 400"
        in api_client.get("/api/effects/", {"page_size": 401}).json()["page_size"][0]
    )
    assert (
        len(api_client.get("/api/effects/", {"page_size": 400}).json()["results"]) == 3
    )


@pytest.mark.parametrize("value", ["0", "-1", "0.5", "1e3", "many", " 5"])
def test_page_size_and_page_must_be_whole_numbers_from_one(api_client, value):
    for param in ("page_size", "page"):
        response = api_client.get("/api/effects/", {param: value})
        assert response.status_code == 400, (param, value)
        assert list(response.json()) == [param]


def test_an_empty_parameter_is_the_same_as_none(api_client):
    """D20: the schema says allowEmptyValue; every parameter keeps to it."""
    factories.ClinicalTrialFactory.create_batch(2)
    everything = api_client.get("/api/trials/").json()["count"]
    for param in (
        "review",
        "condition",
        "cell_source",
        "phase",
        "q",
        "ordering",
        "page_size",
        "page",
        "format",
    ):
        response = api_client.get("/api/trials/", {param: ""})
        assert response.status_code == 200, (param, response.content)
        assert response.json()["count"] == everything
    for path, param in (("findings", "effect"), ("review-references", "review")):
        assert api_client.get(f"/api/{path}/", {param: ""}).status_code == 200


@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("publications", "year_min"),
        ("studies", "year_max"),
        ("review-references", "number"),
    ],
)
def test_whole_number_filters_refuse_fractions(api_client, path, param):
    response = api_client.get(f"/api/{path}/", {param: "0.5"})
    assert response.status_code == 400
    assert list(response.json()) == [param]
    assert api_client.get(f"/api/{path}/", {param: "2020"}).status_code == 200


def test_default_and_max_page_size(api_client):
    factories.EffectFactory.create_batch(51)
    assert len(api_client.get("/api/effects/").json()["results"]) == 50
    largest = api_client.get("/api/effects/", {"page_size": 400}).json()
    assert len(largest["results"]) == 51
