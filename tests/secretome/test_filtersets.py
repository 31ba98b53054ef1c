"""Each secretome filter once, at the FilterSet level: a valid value narrows to exactly
the matching rows, an unknown value is a form error on that parameter (the pages and the
API answer it with a 400)."""

from urllib.parse import urlencode

import pytest
from django.http import QueryDict

from secretome.filtersets import (
    ComponentFilterSet,
    ComponentFindingFilterSet,
    EffectFilterSet,
    GeneticModificationFilterSet,
    PreconditioningFilterSet,
)
from secretome.models import Component
from tests import factories as f
from tests.secretome.world import build_secretome

pytestmark = pytest.mark.django_db


def filtered(filterset_class, params: dict) -> list[str]:
    """Slugs of the rows the FilterSet keeps for the query string `params`."""
    data = QueryDict(urlencode(params, doseq=True))
    filterset = filterset_class(data=data, queryset=filterset_class._meta.model.objects)
    assert filterset.is_valid(), filterset.errors
    slugs = [row.slug for row in filterset.qs]
    assert len(slugs) == len(set(slugs)), "a row was listed twice"
    return sorted(slugs)


def errors(filterset_class, params: dict) -> dict[str, list[str]]:
    data = QueryDict(urlencode(params, doseq=True))
    filterset = filterset_class(data=data, queryset=filterset_class._meta.model.objects)
    assert not filterset.is_valid()
    return {name: list(messages) for name, messages in filterset.errors.items()}


def invalid_choice(value: str) -> str:
    return f"Select a valid choice. {value} is not one of the available choices."


@pytest.fixture
def secretome(db) -> dict:
    return build_secretome()


COMPONENT_CASES = [
    ({}, ["hgf", "il-10", "mir-21", "vegf"]),
    ({"q": "interleukin"}, ["il-10"]),
    ({"q": "IL-10"}, ["il-10"]),  # abbreviation
    ({"q": "VEGF-A"}, ["vegf"]),  # alias
    ({"kind": "growth_factor"}, ["hgf", "vegf"]),
    ({"kind": ["mirna", "cytokine_anti_inflammatory"]}, ["il-10", "mir-21"]),
    ({"effect": "angiogenesis"}, ["vegf"]),
    ({"effect": ["neuroprotection", "immunomodulation"]}, ["il-10", "vegf"]),
    ({"condition": "stroke"}, ["vegf"]),  # two of its findings: listed once
    ({"condition": ["knee-osteoarthritis", "gvhd"]}, ["il-10", "vegf"]),
    ({"kind": "growth_factor", "condition": "stroke"}, ["vegf"]),
]


@pytest.mark.parametrize(("params", "expected"), COMPONENT_CASES)
def test_component_filters(secretome, params, expected):
    assert filtered(ComponentFilterSet, params) == expected


def test_a_filtered_component_list_keeps_each_component_s_full_finding_count(
    secretome,
):
    # Filtering through the findings must not narrow the count to the matching ones.
    data = QueryDict("effect=angiogenesis")
    filterset = ComponentFilterSet(
        data=data, queryset=Component.objects.with_list_related()
    )
    assert filterset.is_valid()
    assert [(c.slug, c.finding_count) for c in filterset.qs] == [("vegf", 2)]


EFFECT_CASES = [
    ({"q": "neuro"}, ["neuroprotection"]),
    ({"q": "blood vessels"}, ["angiogenesis"]),  # description
]


@pytest.mark.parametrize(("params", "expected"), EFFECT_CASES)
def test_effect_filters(secretome, params, expected):
    assert filtered(EffectFilterSet, params) == expected


FINDING_CASES = [
    ({"q": "neurons"}, ["vegf-neuro"]),  # statement
    ({"q": "rat model"}, ["vegf-angio"]),  # model as printed
    ({"q": "interleukin"}, ["il10-immuno"]),  # component name
    ({"component": "vegf"}, ["vegf-angio", "vegf-neuro"]),
    ({"kind": "cytokine_anti_inflammatory"}, ["il10-immuno"]),
    ({"effect": ["angiogenesis", "immunomodulation"]}, ["il10-immuno", "vegf-angio"]),
    ({"condition": "stroke"}, ["vegf-angio", "vegf-neuro"]),
    ({"cell_source": "umbilical-cord-msc"}, ["il10-immuno"]),
    ({"review": "smolinska-2023"}, ["il10-immuno"]),
    ({"component": "vegf", "condition": "knee-osteoarthritis"}, ["vegf-angio"]),
]


@pytest.mark.parametrize(("params", "expected"), FINDING_CASES)
def test_finding_filters(secretome, params, expected):
    assert filtered(ComponentFindingFilterSet, params) == expected


PRECONDITIONING_CASES = [
    ({"q": "lipopolysaccharides"}, ["lps"]),  # agent
    ({"category": "culture_condition"}, ["hypoxia"]),
    ({"effect": "neuroprotection"}, ["hypoxia"]),
    ({"effect": ["angiogenesis", "neuroprotection"]}, ["hypoxia"]),  # listed once
    ({"effect": ["angiogenesis", "immunomodulation"]}, ["hypoxia", "lps"]),
]


@pytest.mark.parametrize(("params", "expected"), PRECONDITIONING_CASES)
def test_preconditioning_filters(secretome, params, expected):
    assert filtered(PreconditioningFilterSet, params) == expected


MODIFICATION_CASES = [
    ({"q": "myocardial"}, ["t5-r01"]),  # disease as printed
    ({"q": "bone marrow"}, ["t5-r02"]),  # source as printed
    ({"method": "lentivirus"}, ["t5-r02"]),
    ({"method": ["lentivirus", "adenovirus"]}, ["t5-r01", "t5-r02"]),
    ({"cell_source": "umbilical-cord-msc"}, ["t5-r01"]),
    ({"condition": "acute-lung-injury"}, ["t5-r02"]),
]


@pytest.mark.parametrize(("params", "expected"), MODIFICATION_CASES)
def test_genetic_modification_filters(secretome, params, expected):
    assert filtered(GeneticModificationFilterSet, params) == expected


INVALID_CASES = [
    (ComponentFilterSet, {"kind": "gas"}, invalid_choice("gas")),
    (ComponentFilterSet, {"effect": "levitation"}, invalid_choice("levitation")),
    (ComponentFilterSet, {"condition": "no-such"}, invalid_choice("no-such")),
    (
        ComponentFilterSet,
        {"q": "x" * 201},
        "Ensure this value has at most 200 characters (it has 201).",
    ),
    (ComponentFindingFilterSet, {"component": "no-such"}, invalid_choice("no-such")),
    (ComponentFindingFilterSet, {"kind": "gas"}, invalid_choice("gas")),
    (ComponentFindingFilterSet, {"effect": "no-such"}, invalid_choice("no-such")),
    (ComponentFindingFilterSet, {"condition": "no-such"}, invalid_choice("no-such")),
    (ComponentFindingFilterSet, {"cell_source": "liver"}, invalid_choice("liver")),
    # A publication that is not a review is no choice of the review filter.
    (ComponentFindingFilterSet, {"review": "doe-2019"}, invalid_choice("doe-2019")),
    (PreconditioningFilterSet, {"category": "prayer"}, invalid_choice("prayer")),
    (PreconditioningFilterSet, {"effect": "no-such"}, invalid_choice("no-such")),
    (GeneticModificationFilterSet, {"method": "crispr"}, invalid_choice("crispr")),
    (GeneticModificationFilterSet, {"cell_source": "liver"}, invalid_choice("liver")),
    (GeneticModificationFilterSet, {"condition": "no-such"}, invalid_choice("no-such")),
]


@pytest.mark.parametrize(
    ("filterset_class", "params", "message"),
    [
        pytest.param(*case, id=f"{case[0].__name__}-{next(iter(case[1]))}")
        for case in INVALID_CASES
    ],
)
def test_unknown_value_is_an_error_on_its_parameter(
    secretome, filterset_class, params, message
):
    f.PublicationFactory(slug="doe-2019")
    assert errors(filterset_class, params) == {next(iter(params)): [message]}


def test_one_unknown_value_among_known_ones_is_still_an_error(secretome):
    assert errors(ComponentFilterSet, {"effect": ["angiogenesis", "levitation"]}) == {
        "effect": [invalid_choice("levitation")]
    }
