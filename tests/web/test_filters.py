"""Every filter parameter of the lists narrows to exact counts; facets count exactly."""

import pytest
from django.urls import reverse


def slugs(response):
    return sorted(row.record.slug for row in response.context["table"].rows)


def facet(response, name):
    for item in response.context["facets"]:
        if item.name == name:
            return {option.value: option.count for option in item.options}
    return {}


TRIAL_CASES = [
    ({"q": "NCT00000002"}, ["nct00000002"]),
    ({"q": "knee osteo"}, ["nct00000001", "nct00000002"]),
    ({"phase": "1"}, ["nct00000001"]),
    ({"phase": ["1", "2"]}, ["nct00000001", "nct00000002"]),
    ({"status": "completed"}, ["nct00000001", "trial-without-nct"]),
    ({"modality": "cells"}, ["nct00000001", "trial-without-nct"]),
    ({"modality": "exosomes"}, ["nct00000002"]),
    ({"cell_source": "bm-msc"}, ["nct00000001", "nct00000002"]),
    ({"condition": "knee-osteoarthritis"}, ["nct00000001", "nct00000002"]),
    (
        {"condition": ["knee-osteoarthritis", "stroke"]},
        ["nct00000001", "nct00000002", "trial-without-nct"],
    ),
    ({"route": "intravenous"}, ["nct00000002", "nct00000003", "trial-without-nct"]),
    ({"outcome": "safe"}, ["nct00000001", "nct00000002"]),
    ({"evidence_level": "B"}, ["nct00000001", "trial-without-nct"]),
    ({"review": "foo-2021"}, ["nct00000001", "nct00000002"]),
    ({"condition": "knee-osteoarthritis", "modality": "cells"}, ["nct00000001"]),
]


@pytest.mark.parametrize(("params", "expected"), TRIAL_CASES)
def test_trial_filters(client, world, params, expected):
    response = client.get(reverse("trials:trial_list"), params)
    assert response.status_code == 200
    assert slugs(response) == expected
    assert response.context["table"].paginator.count == len(expected)


STUDY_CASES = [
    ({"q": "10.1000/study.1"}, ["study-s1"]),
    ({"q": "pilot"}, ["study-s2"]),
    ({"stage": "preclinical"}, ["study-s1", "study-s3"]),
    ({"model": "rat"}, ["study-s3"]),
    ({"model": ["mouse", "rat"]}, ["study-s1", "study-s3"]),
    ({"condition": "knee-osteoarthritis"}, ["study-s1", "study-s2"]),
    ({"modality": "conditioned_medium"}, ["study-s2"]),
    ({"cell_source": "uc-msc"}, ["study-s2"]),
    ({"year_min": "2020"}, ["study-s2", "study-s3"]),
    ({"year_max": "2019"}, ["study-s1"]),
    ({"year_min": "2019", "year_max": "2020"}, ["study-s2"]),
]


@pytest.mark.parametrize(("params", "expected"), STUDY_CASES)
def test_study_filters(client, world, params, expected):
    response = client.get(reverse("trials:study_list"), params)
    assert response.status_code == 200
    assert slugs(response) == expected


COMPONENT_CASES = [
    ({"q": "IL-10"}, ["il-10"]),
    ({"kind": "growth_factor"}, ["hgf", "vegf"]),
    ({"effect": "angiogenesis"}, ["vegf"]),
    ({"effect": ["angiogenesis", "immunomodulation"]}, ["il-10", "vegf"]),
    ({"condition": "stroke"}, ["vegf"]),
    ({"condition": ["stroke", "gvhd"]}, ["il-10", "vegf"]),
]


@pytest.mark.parametrize(("params", "expected"), COMPONENT_CASES)
def test_component_filters(client, world, params, expected):
    response = client.get(reverse("secretome:component_list"), params)
    assert response.status_code == 200
    assert slugs(response) == expected


def test_component_finding_counts(client, world):
    response = client.get(reverse("secretome:component_list"))
    counts = {
        row.record.slug: row.record.finding_count
        for row in response.context["table"].rows
    }
    assert counts == {"vegf": 2, "il-10": 1, "hgf": 0}


@pytest.mark.parametrize(
    ("name", "params", "expected"),
    [
        ("evidence:therapy_list", {"modality": "cells"}, ["cells-bm", "cells-uc"]),
        ("evidence:therapy_list", {"cell_source": "uc-msc"}, ["cells-uc", "cm-uc"]),
        ("evidence:condition_list", {"category": "neurological"}, ["stroke"]),
        ("evidence:condition_list", {"q": "gonarthrosis"}, ["knee-osteoarthritis"]),
        ("evidence:cellsource_list", {"q": "umbilical"}, ["uc-msc"]),
        (
            "evidence:publication_list",
            {"kind": "review"},
            ["foo-2021", "foo-fig", "smolinska-2023"],
        ),
        ("secretome:preconditioning_list", {"effect": "angiogenesis"}, ["hypoxia"]),
        (
            "secretome:geneticmodification_list",
            {"condition": "stroke"},
            ["vegf-lentivirus"],
        ),
    ],
)
def test_other_list_filters(client, world, name, params, expected):
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    assert slugs(response) == expected


def test_trial_facets_count_many_to_many_under_each_choice(client, world):
    response = client.get(reverse("trials:trial_list"))
    assert facet(response, "condition") == {
        "knee-osteoarthritis": 2,
        "stroke": 2,
        "gvhd": 1,
    }
    assert facet(response, "phase") == {"1": 1, "1_2": 1, "2": 1, "3": 1}
    assert facet(response, "modality") == {
        "cells": 2,
        "exosomes": 1,
        "conditioned_medium": 1,
    }
    assert facet(response, "outcome") == {
        "safe": 2,
        "effective": 1,
        "not-yet-available": 1,
    }
    assert facet(response, "route") == {"intravenous": 3, "intra_articular": 1}
    assert facet(response, "review") == {"foo-2021": 2, "smolinska-2023": 2}
    assert facet(response, "evidence_level") == {"A": 1, "B": 2, "C": 1}


def test_trial_facets_exclude_their_own_filter(client, world):
    response = client.get(
        reverse("trials:trial_list"), {"phase": "1", "condition": "knee-osteoarthritis"}
    )
    # phase counts over the knee trials only (its own filter left out)
    assert facet(response, "phase") == {"1": 1, "2": 1}
    # condition counts over the phase I trials only; t1 counts under both conditions
    assert facet(response, "condition") == {"knee-osteoarthritis": 1, "stroke": 1}
    assert facet(response, "modality") == {"cells": 1}
    selected = [
        o.value for f in response.context["facets"] for o in f.options if o.selected
    ]
    assert sorted(selected) == ["1", "knee-osteoarthritis"]


def test_study_and_component_facets(client, world):
    studies = client.get(reverse("trials:study_list"))
    assert facet(studies, "condition") == {
        "knee-osteoarthritis": 2,
        "stroke": 1,
        "gvhd": 1,
    }
    assert facet(studies, "model") == {"mouse": 1, "human": 1, "cells": 1, "rat": 1}
    components = client.get(reverse("secretome:component_list"))
    assert facet(components, "effect") == {
        "angiogenesis": 1,
        "neuroprotection": 1,
        "immunomodulation": 1,
    }
    assert facet(components, "condition") == {
        "stroke": 1,
        "knee-osteoarthritis": 1,
        "gvhd": 1,
    }
    assert facet(components, "kind") == {
        "growth_factor": 2,
        "cytokine_anti_inflammatory": 1,
    }


def test_facet_counts_are_rendered_beside_choices(client, world):
    content = client.get(reverse("trials:trial_list")).content.decode()
    assert 'value="knee-osteoarthritis"' in content
    assert '<span class="count" aria-label="2 trials">2</span>' in content


def test_applied_filters_removal_links_and_reset(client, world):
    response = client.get(
        reverse("trials:trial_list"), {"phase": "1", "condition": "knee-osteoarthritis"}
    )
    applied = {item["value"]: item["url"] for item in response.context["applied"]}
    assert applied["Phase I"] == "?condition=knee-osteoarthritis"
    assert applied["Knee osteoarthritis"] == "?phase=1"
    assert 'href="?">Reset all' in response.content.decode()


def test_empty_state_names_the_filters(client, world):
    response = client.get(
        reverse("trials:trial_list"), {"phase": "3", "condition": "knee-osteoarthritis"}
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "No trials match." in content
    assert "These filters emptied the list" in content
    assert "Phase: Phase III" in content
    assert "Condition: Knee osteoarthritis" in content


@pytest.mark.parametrize(
    ("name", "params", "error"),
    [
        (
            "trials:trial_list",
            {"phase": "not-a-phase"},
            "Select a valid choice. not-a-phase is not one of the available choices.",
        ),
        (
            "trials:trial_list",
            {"condition": "no-such-slug"},
            "Select a valid choice. no-such-slug is not one of the available choices.",
        ),
        ("trials:study_list", {"year_min": "soon"}, "Enter a whole number."),
        # A year is a whole number on the pages as in the API (schema: integer).
        ("trials:study_list", {"year_min": "2020.5"}, "Enter a whole number."),
        ("evidence:publication_list", {"year_max": "1e3"}, "Enter a whole number."),
        (
            "secretome:component_list",
            {"effect": "no-such-effect"},
            "Select a valid choice. no-such-effect is not one of the available choices.",
        ),
    ],
)
def test_invalid_filter_is_400_with_error(client, world, name, params, error):
    response = client.get(reverse(name), params)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert response.context["table"].paginator.count == 0


def test_invalid_filter_keeps_other_facets_and_offers_removal(client, world):
    response = client.get(
        reverse("trials:trial_list"), {"phase": "1", "condition": "no-such-slug"}
    )
    assert response.status_code == 400
    assert facet(response, "condition") == {"knee-osteoarthritis": 1, "stroke": 1}
    urls = {item["value"]: item["url"] for item in response.context["applied"]}
    assert urls["no-such-slug"] == "?phase=1"


def test_sorting_and_pagination(client, world):
    from tests.web.conftest import grow_world

    grow_world(world, 15)  # 64 trials
    response = client.get(reverse("trials:trial_list"), {"sort": "-phase"})
    table = response.context["table"]
    assert table.paginator.count == 64
    assert len(table.page.object_list) == 50
    phases = [row.record.phase for row in table.page.object_list]
    assert phases == sorted(phases, reverse=True)
    second = client.get(reverse("trials:trial_list"), {"sort": "-phase", "page": "2"})
    assert len(second.context["table"].page.object_list) == 14
