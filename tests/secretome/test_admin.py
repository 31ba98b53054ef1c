"""The secretome's admin: each changelist's search and filters list exactly the matching
rows; components import and export (the query counts, add and change pages of every
model are tested in tests/evidence/test_admin.py)."""

import pytest
from django.urls import reverse

from tests.secretome.world import build_secretome


@pytest.fixture
def secretome(db) -> dict:
    return build_secretome()


def listed(client, model_name: str, params: dict) -> list[str]:
    url = reverse(f"admin:secretome_{model_name}_changelist")
    response = client.get(url, params)
    assert response.status_code == 200
    return sorted(record.slug for record in response.context["cl"].result_list)


@pytest.mark.parametrize(
    ("model_name", "params", "expected"),
    [
        ("component", {"q": "IL-10"}, ["il-10"]),  # abbreviation
        ("component", {"kind__exact": "growth_factor"}, ["hgf", "vegf"]),
        ("effect", {"q": "neuro"}, ["neuroprotection"]),
        ("componentfinding", {"q": "neurons"}, ["vegf-neuro"]),
        (
            "componentfinding",
            {"component__kind__exact": "cytokine_anti_inflammatory"},
            ["il10-immuno"],
        ),
        ("preconditioning", {"q": "hypoxic"}, ["hypoxia"]),
        ("preconditioning", {"category__exact": "biomolecule_chemical"}, ["lps"]),
        ("geneticmodification", {"q": "myocardial"}, ["t5-r01"]),
        ("geneticmodification", {"method__exact": "lentivirus"}, ["t5-r02"]),
    ],
)
def test_changelist_search_and_filters(
    admin_client_logged, secretome, model_name, params, expected
):
    assert listed(admin_client_logged, model_name, params) == expected


def test_finding_changelist_filters_by_effect(admin_client_logged, secretome):
    effect = secretome["angio"]
    assert listed(
        admin_client_logged, "componentfinding", {"effect__id__exact": effect.pk}
    ) == ["vegf-angio"]


def test_components_offer_import_and_export(admin_client_logged, secretome):
    page = admin_client_logged.get(reverse("admin:secretome_component_changelist"))
    content = page.content.decode()
    assert reverse("admin:secretome_component_import") in content
    assert reverse("admin:secretome_component_export") in content
    assert (
        admin_client_logged.get(reverse("admin:secretome_component_import")).status_code
        == 200
    )
