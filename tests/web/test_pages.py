"""Every researcher page renders with factory data, with its key content."""

import pytest
from django.urls import reverse

from trials.models import ClinicalTrial

LIST_PAGES = [
    "evidence:publication_list",
    "evidence:condition_list",
    "evidence:cellsource_list",
    "evidence:therapy_list",
    "trials:trial_list",
    "trials:study_list",
    "secretome:component_list",
    "secretome:preconditioning_list",
    "secretome:geneticmodification_list",
]


def detail_urls(world):
    return [
        world.publications["primary"].get_absolute_url(),
        world.reviews["foo"].get_absolute_url(),
        world.conditions["knee"].get_absolute_url(),
        world.sources["bm"].get_absolute_url(),
        world.therapies["exo_bm"].get_absolute_url(),
        world.therapies["cells_bm"].get_absolute_url(),
        world.trials["t1"].get_absolute_url(),
        world.trials["t4"].get_absolute_url(),
        world.studies["s1"].get_absolute_url(),
        world.components["vegf"].get_absolute_url(),
        world.effects["angio"].get_absolute_url(),
        world.findings["f1"].get_absolute_url(),
        world.other["preconditioning"].get_absolute_url(),
        world.other["modification"].get_absolute_url(),
    ]


@pytest.mark.parametrize("name", [*LIST_PAGES, "evidence:home", "evidence:compare"])
def test_page_renders(client, world, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert b"<main" in response.content


def test_every_detail_page_renders(client, world):
    for url in detail_urls(world):
        response = client.get(url)
        assert response.status_code == 200, url


def test_unknown_slug_is_custom_404(client, world):
    response = client.get("/trials/no-such-trial/")
    assert response.status_code == 404
    assert b"Page not found" in response.content


def test_500_template_renders_without_context():
    from django.template.loader import render_to_string

    assert "Something went wrong" in render_to_string("500.html")


def test_home_counts_and_charts(client, world):
    response = client.get(reverse("evidence:home"))
    counts = {label: n for label, n, _ in response.context["entity_counts"]}
    assert counts["Clinical trials"] == 4
    assert counts["Studies"] == 3
    assert counts["Therapies"] == 4
    charts = response.context["charts"]
    assert [(v, n) for v, _, n in charts["phase"]] == [
        ("1", 1),
        ("1_2", 1),
        ("2", 1),
        ("3", 1),
    ]
    assert dict((v, n) for v, _, n in charts["route"]) == {
        "intravenous": 3,
        "intra_articular": 1,
    }
    assert dict((label, n) for _, label, n in charts["cell_source"]) == {
        "Bone marrow MSC": 2,
        "Umbilical cord MSC": 2,
    }
    by_review = {
        row["review"].slug: dict(row["counts"])
        for row in response.context["review_counts"]
    }
    assert by_review["foo-2021"]["Trials"] == 2
    assert by_review["smolinska-2023"]["Studies"] == 2
    content = response.content.decode()
    # Four charts, their labels HTML text (readable at any width), not scaled SVG text.
    assert content.count('<figure class="chart"') == 4
    assert (
        '<span class="bar-label"><a href="/trials/?phase=1">Phase I</a></span>'
        in content
    )
    assert 'href="/trials/?phase=1"' in content
    assert "Figure 4" in content


def test_condition_side_by_side(client, world):
    response = client.get(world.conditions["knee"].get_absolute_url())
    cells, cell_free = response.context["sides"]
    assert [t.nct_id for t in cells.trials] == ["NCT00000001"]
    assert [t.nct_id for t in cell_free.trials] == ["NCT00000002"]
    assert [s.slug for s in cells.studies] == []
    assert sorted(s.slug for s in cell_free.studies) == ["study-s1", "study-s2"]
    assert dict(cell_free.modalities) == {"Exosomes": 2, "Conditioned medium": 1}
    assert dict(cells.phases) == {"Phase I": 1}
    assert dict(cells.outcomes) == {"Effective": 1, "Safe": 1}
    assert dict(cell_free.evidence_levels) == {"A": 1, "C": 1, "D": 1}
    content = response.content.decode()
    assert world.trials["t1"].get_absolute_url() in content
    assert world.findings["f2"].get_absolute_url() in content


def _side_by_side(client, condition) -> list:
    response = client.get(condition.get_absolute_url())
    return [
        (
            side.label,
            [(t.pk, t.display_title) for t in side.trials],
            [(s.pk, s.display_title) for s in side.studies],
            side.trial_total,
            side.study_total,
            side.phases,
            side.outcomes,
            side.modalities,
            side.evidence_levels,
        )
        for side in [*response.context["sides"], response.context["unknown"]]
    ]


def test_condition_side_by_side_remembered_is_the_same_and_follows_writes(
    client, world
):
    """The tallies and first records' keys are cached per data version: the second
    request shows what the first did, and a write shows at once."""
    from django.core.cache import cache

    from tests import factories

    knee = world.conditions["knee"]
    cache.clear()
    first = _side_by_side(client, knee)
    assert _side_by_side(client, knee) == first
    added = factories.ClinicalTrialFactory(therapy=world.trials["t1"].therapy)
    added.conditions.set([knee])
    after = _side_by_side(client, knee)
    assert after != first
    cells = after[0]
    assert added.pk in [pk for pk, _ in cells[1]]
    assert cells[3] == first[0][3] + 1


def test_compare_gap_map(client, world):
    response = client.get(reverse("evidence:compare"))
    gap = response.context["gap_map"]
    cells = {
        (row["condition"].slug, cell.modality): (cell.trials, cell.studies)
        for row in gap["rows"]
        for cell in row["cells"]
    }
    assert cells[("knee-osteoarthritis", "cells")] == (1, 0)
    assert cells[("knee-osteoarthritis", "exosomes")] == (1, 1)
    assert cells[("knee-osteoarthritis", "conditioned_medium")] == (0, 1)
    assert cells[("stroke", "cells")] == (2, 0)
    assert cells[("gvhd", "cells")] == (0, 1)
    assert cells[("gvhd", "conditioned_medium")] == (1, 0)
    assert cells[("gvhd", "exosomes")] == (0, 0)
    content = response.content.decode()
    assert "/trials/?condition=knee-osteoarthritis&amp;modality=exosomes" in content
    assert (
        "/studies/?condition=knee-osteoarthritis&amp;modality=conditioned_medium"
        in content
    )
    assert "Expensive expansion" in content and "Cheaper to store" in content


def test_trial_detail_links_and_provenance(client, world):
    content = client.get(world.trials["t1"].get_absolute_url()).content.decode()
    assert 'href="https://clinicaltrials.gov/study/NCT00000001"' in content
    assert 'href="https://doi.org/10.1000/primary.1"' in content
    assert "Table 9, row" in content
    assert "[140]" in content
    assert "Extracted from review" in content
    assert world.conditions["knee"].get_absolute_url() in content
    assert world.therapies["cells_bm"].get_absolute_url() in content
    assert world.sources["bm"].get_absolute_url() in content
    assert "Phase I, open-label" in content


def test_related_records_link_both_ways(client, world):
    trial_url = world.trials["t2"].get_absolute_url()
    for page in (
        world.conditions["knee"].get_absolute_url(),
        world.therapies["exo_bm"].get_absolute_url(),
        world.sources["bm"].get_absolute_url(),
    ):
        assert trial_url in client.get(page).content.decode(), page
    component = client.get(world.components["vegf"].get_absolute_url()).content.decode()
    assert world.conditions["stroke"].get_absolute_url() in component
    condition = client.get(
        world.conditions["stroke"].get_absolute_url()
    ).content.decode()
    assert world.components["vegf"].get_absolute_url() in condition
    publication = client.get(world.publications["primary"].get_absolute_url())
    assert world.trials["t1"].get_absolute_url() in publication.content.decode()
    study = client.get(world.studies["s1"].get_absolute_url()).content.decode()
    assert world.publications["study"].get_absolute_url() in study
    assert "https://doi.org/10.1000/study.1" in study


def test_therapy_lineage_both_ways(client, world):
    child = client.get(world.therapies["exo_bm"].get_absolute_url()).content.decode()
    assert world.therapies["cells_bm"].get_absolute_url() in child
    parent = client.get(world.therapies["cells_bm"].get_absolute_url()).content.decode()
    assert world.therapies["exo_bm"].get_absolute_url() in parent
    assert "Cell-free products made from it" in parent


def test_search_finds_by_name_synonym_nct_and_doi(client, world):
    def groups(q):
        response = client.get(reverse("evidence:search"), {"q": q})
        assert response.status_code == 200
        return {
            g.label: [str(r) for r in g.results] for g in response.context["groups"]
        }

    # An identifier that names one record opens it (evidence.site.search).
    trial = ClinicalTrial.objects.get(nct_id="NCT00000003")
    for q in (
        "NCT00000003",
        "nct 00000003",
        "https://clinicaltrials.gov/study/NCT00000003",
    ):
        response = client.get(reverse("evidence:search"), {"q": q})
        assert response.status_code == 302, q
        assert response["Location"] == trial.get_absolute_url()
    for q in (
        "10.1000/study.1",
        "doi:10.1000/STUDY.1",
        "https://doi.org/10.1000/study.1",
    ):
        response = client.get(reverse("evidence:search"), {"q": q})
        assert response.status_code == 302, q
        assert response["Location"] == world.publications["study"].get_absolute_url()
    # Part of a DOI is text: the study citing it and its publication.
    assert groups("10.1000/study")["Studies"] == [
        "Knee osteoarthritis · BM-MSC exosomes · Mouse · Roe et al. exosome study"
    ]
    # Ranked: the publication whose DOI starts with it comes first.
    assert groups("10.1000/study")["Publications"][0] == "Doe J (2018)"
    found = groups("gonarthrosis")
    assert found["Conditions"] == ["Knee osteoarthritis"]
    # A synonym of a condition also finds the records of that condition.
    assert {title.rsplit(" · ", 1)[-1] for title in found["Clinical trials"]} == set(
        ClinicalTrial.objects.filter(
            conditions__synonyms__icontains="gonarthrosis"
        ).values_list("nct_id", flat=True)
    )
    assert groups("Interleukin")["Secretome components"] == ["Interleukin 10"]


def test_search_highlights_matches(client, world):
    response = client.get(reverse("evidence:search"), {"q": "gonarthrosis"})
    assert "<mark>gonarthrosis</mark>" in response.content.decode()


def test_search_empty_query(client, world):
    response = client.get(reverse("evidence:search"), {"q": "   "})
    assert response.status_code == 200
    assert response.context["groups"] == []


def test_figure4_redrawn_with_unreadable_counts(client, world):
    from tests.factories import TrialCountSnapshotFactory

    review = world.reviews["foo"]
    TrialCountSnapshotFactory(
        slug="count-exo-1",
        series="exosomes_2021",
        phase="1",
        count=None,
        source_review=review,
    )
    TrialCountSnapshotFactory(
        slug="count-msc-2", series="msc_2021", phase="2", count=12, source_review=review
    )
    response = client.get(reverse("evidence:home"))
    assert response.status_code == 200
    figure = response.context["figure4"]
    assert figure["groups"] == [
        ("Phase I", [("MSC (as of 2021)", 40), ("Exosomes (as of 2021)", None)]),
        ("Phase II", [("MSC (as of 2021)", 12), ("Exosomes (as of 2021)", None)]),
    ]
    assert "not printed" in response.content.decode()


def test_result_counts_agree_in_number(client, world):
    def heading(url):
        text = client.get(url).content.decode()
        start = text.index('class="results-count"')
        return " ".join(text[start : text.index("</h2>", start)].split(">")[1].split())

    one = world.trials["t1"].nct_id
    assert heading(f"/trials/?q={one}") == "1 trial"
    assert heading("/trials/").endswith(" trials")
    assert heading("/studies/?q=zzzz-no-such-study") == "0 studies"
