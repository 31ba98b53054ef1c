"""One HTTP smoke per secretome page: it answers 200 with its key content (the filters
themselves are tested once, at the FilterSet level, in test_filtersets.py)."""

import pytest
from django.urls import reverse

from tests import factories as f
from tests.secretome.world import build_secretome


@pytest.fixture
def secretome(db) -> dict:
    return build_secretome()


def rows(response) -> list[str]:
    return [row.record.slug for row in response.context["table"].rows]


def test_component_list(client, secretome):
    response = client.get(reverse("secretome:component_list"))
    assert response.status_code == 200
    assert sorted(rows(response)) == ["hgf", "il-10", "mir-21", "vegf"]
    content = response.content.decode()
    assert '<a href="/secretome/vegf/">Vascular endothelial growth factor</a>' in (
        content
    )
    counts = {
        row.record.slug: row.record.finding_count
        for row in response.context["table"].rows
    }
    assert counts == {"vegf": 2, "il-10": 1, "hgf": 0, "mir-21": 0}


def test_preconditioning_list(client, secretome):
    response = client.get(reverse("secretome:preconditioning_list"))
    assert response.status_code == 200
    # Ordered by category, then name.
    assert rows(response) == ["lps", "hypoxia"]
    assert '<a href="/preconditioning/hypoxia/">Hypoxia preconditioning</a>' in (
        response.content.decode()
    )


def test_genetic_modification_list(client, secretome):
    response = client.get(reverse("secretome:geneticmodification_list"))
    assert response.status_code == 200
    assert rows(response) == ["t5-r01", "t5-r02"]
    content = response.content.decode()
    assert '<a href="/genetic-modifications/t5-r01/">Akt</a>' in content
    assert "Acute myocardial infarction" in content


def test_component_detail(client, secretome):
    f.GeneticModificationFactory(
        slug="t5-r19",
        factor_as_printed="VEGF",
        component=secretome["vegf"],
        source_review=secretome["foo"],
    )
    response = client.get(secretome["vegf"].get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Vascular endothelial growth factor (VEGF)</h1>" in content
    assert "<dt>Aliases</dt><dd>VEGF-A</dd>" in content
    assert "<h2>Findings (2)</h2>" in content
    # Findings by effect name, each linked to its effect and to itself.
    assert content.index('href="/effects/angiogenesis/"') < content.index(
        'href="/effects/neuroprotection/"'
    )
    assert 'href="/findings/vegf-angio/"' in content
    assert "<h2>Overexpressed in MSCs (Table 5)</h2>" in content
    assert '<a href="/genetic-modifications/t5-r19/">VEGF</a>' in content


def test_component_without_findings_says_so(client, secretome):
    response = client.get(secretome["hgf"].get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "<h2>Findings (0)</h2>" in content
    assert "<p>None recorded.</p>" in content
    assert "Overexpressed in MSCs" not in content


def test_effect_detail(client, secretome):
    response = client.get(secretome["angio"].get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Effect: Angiogenesis</h1>" in content
    assert '<a href="/secretome/?effect=angiogenesis">' in content
    assert "<h2>Findings (1)</h2>" in content
    assert '<a href="/preconditioning/hypoxia/">Hypoxia preconditioning</a>' in content


def test_finding_detail(client, secretome):
    response = client.get(secretome["vegf_angio"].get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert (
        "<h1>Vascular endothelial growth factor → Angiogenesis · Ischaemic stroke, "
        "Knee osteoarthritis · Rat model of stroke</h1>"
    ) in content
    assert (
        '<p class="source-line">Secretome finding · Source: '
        f"{secretome['foo']}, {secretome['vegf_angio'].locator}</p>"
    ) in content
    assert "VEGF promoted angiogenesis in ischaemic tissue." in content
    assert "Rat model of stroke" in content
    assert '<a href="/conditions/knee-osteoarthritis/">Knee osteoarthritis</a>' in (
        content
    )
    assert secretome["vegf_angio"].locator in content


def test_preconditioning_detail(client, secretome):
    response = client.get(secretome["hypoxia"].get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert "<h1>Hypoxia preconditioning</h1>" in content
    assert "Culturing condition" in content
    assert '<a href="/effects/neuroprotection/">Neuroprotection</a>' in content


def test_genetic_modification_detail(client, secretome):
    response = client.get(secretome["akt"].get_absolute_url())
    assert response.status_code == 200
    content = response.content.decode()
    assert (
        "<h1>Akt overexpressed in Umbilical cord MSC · Ischaemic stroke · "
        "Adenovirus</h1>"
    ) in content
    # Unpaired factor: the normalised column says so beside the printed text.
    assert "<td>not resolved</td><td>Akt</td>" in content
    assert "<td>Adenovirus</td>" in content


@pytest.mark.parametrize(
    "name",
    [
        "secretome:component_detail",
        "secretome:effect_detail",
        "secretome:finding_detail",
        "secretome:preconditioning_detail",
        "secretome:geneticmodification_detail",
    ],
)
def test_unknown_slug_is_404(client, db, name):
    response = client.get(reverse(name, kwargs={"slug": "no-such-record"}))
    assert response.status_code == 404
    assert b"Page not found" in response.content
