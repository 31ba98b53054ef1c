"""Every citation download and Cite box read back by the readers researchers use: rispy
(RIS), bibtexparser (BibTeX) and citeproc-py (CSL-JSON), on the curated dataset."""

import html
import json
import re

import bibtexparser
import pytest
import rispy
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from django.urls import reverse

from evidence import registry
from evidence.models import Publication, ReviewReference
from trials.models import ClinicalTrial, Study

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("curated_dataset")]


def download(client, url: str, fmt: str) -> str:
    response = client.get(url, {"export": fmt})
    assert response.status_code == 200, url
    return b"".join(response.streaming_content).decode()


def render_csl(items: list[dict]) -> list[str]:
    """The CSL-JSON items rendered as a bibliography by citeproc-py."""
    source = CiteProcJSON(items)
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    return [str(entry) for entry in bibliography.bibliography()]


def parse_all(ris: str, bibtex: str, csl: str) -> tuple[list, list, list, list[str]]:
    records = rispy.loads(ris)
    library = bibtexparser.parse_string(bibtex)
    assert library.failed_blocks == []
    items = json.loads(csl)
    return records, library.entries, items, render_csl(items)


LISTS = [
    entity.list_url
    for entity in registry.entities()
    if entity.list_url and entity.filterset is not None
]


@pytest.mark.parametrize("url_name", LISTS)
def test_every_list_exports_citations_that_the_readers_parse(client, url_name):
    url = reverse(url_name)
    records, entries, items, rendered = parse_all(
        download(client, url, "ris"),
        download(client, url, "bibtex"),
        download(client, url, "csl"),
    )
    assert records, url
    # The three formats hold the same citations, in the same order.
    assert [r["id"] for r in records] == [i["id"] for i in items]
    assert len(entries) == len(records) == len(rendered)
    for record in records:
        assert not any("et al" in a.lower() for a in record.get("authors", []))
        assert "volume" not in record or ":" not in record["volume"]


def test_38_trials_give_38_registry_records(client):
    records = rispy.loads(download(client, reverse("trials:trial_list"), "ris"))
    trials = ClinicalTrial.objects.all()
    assert len(records) == trials.count() == 38
    registered = trials.exclude(nct_id=None)
    by_id = {r["id"]: r for r in records}
    for trial in registered:
        record = by_id[trial.nct_id]
        assert record["type_of_reference"] == "ELEC"
        assert record["urls"] == [f"https://clinicaltrials.gov/study/{trial.nct_id}"]
        assert record["publisher"] == "ClinicalTrials.gov"
    for trial in trials.filter(nct_id=None):  # no registry id printed: the atlas record
        assert by_id[trial.slug]["urls"] == [
            f"http://testserver{trial.get_absolute_url()}"
        ]


def test_a_filtered_trial_list_cites_exactly_its_rows(client):
    url = reverse("trials:trial_list")
    response = client.get(url, {"nct": "", "export": "ris", "phase": "1"})
    ids = [r["id"] for r in rispy.loads(b"".join(response.streaming_content).decode())]
    expected = [t.nct_id or t.slug for t in ClinicalTrial.objects.filter(phase="1")]
    assert sorted(ids) == sorted(expected) and ids


def test_studies_are_cited_through_their_publication(client):
    records = rispy.loads(download(client, reverse("trials:study_list"), "ris"))
    ids = [r["id"] for r in records]
    assert len(ids) == len(set(ids))
    with_publication = Study.objects.exclude(publication=None)
    assert with_publication.exists()
    for study in with_publication.select_related("publication"):
        assert study.publication.slug in ids


def test_bibtex_keeps_dois_verbatim_and_writes_names_as_family_given(client):
    content = download(client, reverse("evidence:publication_list"), "bibtex")
    entries = {e.key: e for e in bibtexparser.parse_string(content).entries}
    dulak = entries["dulak_2015"]
    assert dulak["doi"] == "10.18388/abp.2015_1023"  # no "\_"
    assert (
        dulak["author"]
        == "Dulak, J. and Szade, K. and Szade, A. and Nowak, W. and Józkwicz, A."
    )
    assert entries["smolinska_2023"]["author"] == (
        "Smolinská, V. and Boháč, M. and Danišovič, L."
    )
    assert entries["horwitz_2005"]["author"].endswith(" and others")
    assert entries["galipeau_2016"]["volume"] == "18"
    assert entries["galipeau_2016"]["number"] == "2"
    assert entries["galipeau_2016"]["pages"] == "151--159"


def test_ris_has_no_et_al_author_and_separate_volume_and_pages(client):
    records = rispy.loads(download(client, reverse("evidence:publication_list"), "ris"))
    by_id = {r["id"]: r for r in records}
    assert len(records) == Publication.objects.count()
    horwitz = by_id["horwitz-2005"]
    assert horwitz["authors"] == ["Horwitz, E. M.", "Le Blanc, K.", "Dominici, M."]
    assert (horwitz["volume"], horwitz["start_page"], horwitz["end_page"]) == (
        "7",
        "393",
        "395",
    )
    assert by_id["foo-2021"]["authors"] == ["Foo, J. B."]
    et_al = [r for r in records if any("et al" in n for n in r.get("notes", []))]
    assert len(et_al) == Publication.objects.filter(et_al=True).count() == 33


def test_csl_json_renders_with_citeproc(client):
    items = json.loads(download(client, reverse("evidence:publication_list"), "csl"))
    rendered = dict(zip([i["id"] for i in items], render_csl(items), strict=True))
    assert rendered["horwitz-2005"].startswith(
        "Horwitz, E.M., Le Blanc, K. and Dominici"
    )
    assert "7, pp. 393–395" in rendered["horwitz-2005"]
    assert "10.1080/14653240500319234" in rendered["horwitz-2005"]


def _cite_box(client, url: str) -> dict[str, str]:
    page = client.get(url)
    assert page.status_code == 200, url
    text = page.content.decode()
    assert '<h2 id="cite-heading">Cite</h2>' in text, url
    return {
        name: html.unescape(body)
        for name, body in re.findall(
            r'<textarea id="cite-(\w+)"[^>]*>(.*?)</textarea>', text, re.S
        )
    }


def _one_record_of_every_kind():
    for entity in registry.entities():
        record = entity.model._default_manager.order_by("pk").first()
        if record is not None and hasattr(record, "get_absolute_url"):
            yield entity.name, record


def test_every_record_page_has_a_cite_box_the_readers_parse(client):
    pages = 0
    for name, record in _one_record_of_every_kind():
        box = _cite_box(client, record.get_absolute_url())
        records, entries, items, rendered = parse_all(
            box["ris"], box["bibtex"], box["csl"]
        )
        # The record's sources, then the atlas itself.
        assert records[-1]["type_of_reference"] == "DATA", name
        assert items[-1]["author"] == [{"literal": "Paracrine Atlas team"}], name
        assert len(entries) == len(records) == len(rendered), name
        pages += 1
    assert pages >= 10


def test_the_cite_box_of_a_trial_is_its_registry_record(client):
    trial = ClinicalTrial.objects.exclude(nct_id=None).order_by("pk").first()
    box = _cite_box(client, trial.get_absolute_url())
    first = rispy.loads(box["ris"])[0]
    assert first["id"] == trial.nct_id
    assert first["urls"] == [trial.registry_url]


def test_the_cite_box_of_a_publication_is_the_publication(client):
    publication = Publication.objects.get(slug="horwitz-2005")
    box = _cite_box(client, publication.get_absolute_url())
    first = bibtexparser.parse_string(box["bibtex"]).entries[0]
    assert first.key == "horwitz_2005"
    assert first["doi"] == publication.doi


def test_unresolved_references_link_to_the_review_and_say_so(client):
    trial = (
        ClinicalTrial.objects.filter(
            cited_references__isnull=False, cited_references__publication=None
        )
        .distinct()
        .order_by("pk")
        .first()
    )
    reference = trial.cited_references.order_by("number").first()
    page = client.get(trial.get_absolute_url()).content.decode()
    review_url = trial.source_review.get_absolute_url()
    assert f'href="{review_url}#ref-{reference.number}"' in page
    review_page = client.get(review_url).content.decode()
    assert f'id="ref-{reference.number}"' in review_page
    assert "no bibliography entry printed" not in review_page
    unresolved = ReviewReference.objects.filter(
        review=trial.source_review, publication=None
    ).count()
    assert review_page.count("not resolved to a publication") == unresolved > 0


def test_resolved_references_name_their_source(client):
    resolved = ReviewReference.objects.exclude(publication=None)
    assert resolved.count() == resolved.exclude(resolution_source="").count() == 61
    for reference in resolved.select_related("publication"):
        assert reference.publication.doi in reference.citation_as_printed
