"""Downloads contain exactly the filtered rows; CSV cells cannot run as formulas."""

import csv
import io
import json

import pytest
from django.urls import reverse
from django.utils.safestring import mark_safe
from hypothesis import given
from hypothesis import strategies as st

from evidence.base.csvsafe import neutralise_formula, neutralise_row
from evidence.base.exports import bibtex_escape, csv_safe
from tests import factories as f


def download(client, name, params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.streaming
    return response.getvalue().decode()


def test_trial_csv_has_exactly_the_filtered_rows(client, world):
    content = download(
        client,
        "trials:trial_list",
        {"condition": "knee-osteoarthritis", "export": "csv", "sort": "-trial"},
    )
    rows = list(csv.DictReader(io.StringIO(content)))
    assert [row["NCT id"] for row in rows] == ["NCT00000002", "NCT00000001"]
    # The title column is the record's title, built from its content.
    assert rows[0]["Trial"] == (
        "Knee osteoarthritis · BM-MSC exosomes · Phase II · NCT00000002"
    )
    assert rows[1]["Conditions"] == "Ischaemic stroke; Knee osteoarthritis"
    assert rows[1]["Source review"] == "foo-2021"
    assert rows[1]["Review reference numbers"] == "140"
    assert rows[1]["Primary publication DOI"] == "10.1000/primary.1"
    assert rows[1]["Design (as printed)"] == "Phase I, open-label"


def test_trial_json_has_exactly_the_filtered_rows(client, world):
    content = download(
        client, "trials:trial_list", {"modality": "cells", "export": "json"}
    )
    rows = json.loads(content)
    assert sorted(row["slug"] for row in rows) == ["nct00000001", "trial-without-nct"]
    assert {row["nct_id"] for row in rows} == {"NCT00000001", None}


@pytest.mark.parametrize(
    ("name", "params", "key", "expected"),
    [
        (
            "trials:study_list",
            {"stage": "preclinical"},
            "slug",
            ["study-s1", "study-s3"],
        ),
        (
            "secretome:component_list",
            {"kind": "growth_factor"},
            "slug",
            ["hgf", "vegf"],
        ),
        ("evidence:condition_list", {"category": "neurological"}, "slug", ["stroke"]),
        ("evidence:therapy_list", {"modality": "exosomes"}, "slug", ["exo-bm"]),
        ("evidence:cellsource_list", {}, "slug", ["bm-msc", "uc-msc"]),
        ("secretome:preconditioning_list", {}, "slug", ["hypoxia"]),
        ("secretome:geneticmodification_list", {}, "slug", ["vegf-lentivirus"]),
        (
            "evidence:publication_list",
            {"kind": "primary"},
            "slug",
            ["doe-2019", "roe-2018"],
        ),
    ],
)
def test_every_list_exports_json_and_csv(client, world, name, params, key, expected):
    rows = json.loads(download(client, name, {**params, "export": "json"}))
    assert sorted(row[key] for row in rows) == expected
    content = download(client, name, {**params, "export": "csv"})
    assert len(list(csv.reader(io.StringIO(content)))) == len(expected) + 1


def test_ris_cites_each_filtered_trial_as_its_registry_record(client, world):
    content = download(
        client,
        "trials:trial_list",
        {"condition": "knee-osteoarthritis", "export": "ris"},
    )
    assert content.count("TY  - ELEC") == content.count("ER  - ") == 2
    ids = [line[6:] for line in content.splitlines() if line.startswith("ID  - ")]
    assert ids == ["NCT00000001", "NCT00000002"]
    assert "UR  - https://clinicaltrials.gov/study/NCT00000001" in content
    assert "PB  - ClinicalTrials.gov" in content
    assert "AU  - " not in content  # a registry record has no authors


def test_bibtex_cites_the_filtered_studies_through_their_publication(client, world):
    content = download(
        client, "trials:study_list", {"model": "mouse", "export": "bibtex"}
    )
    keys = [
        line.split("{", 1)[1].rstrip(",")
        for line in content.splitlines()
        if line.startswith("@")
    ]
    assert keys == ["roe_2018"]
    assert "doi = {10.1000/study.1}" in content
    assert "author = {Doe, J. and Roe, R.}" in content


def test_bibtex_names_are_family_comma_given(client, world):
    content = download(
        client, "evidence:publication_list", {"kind": "review", "export": "bibtex"}
    )
    assert "author = {Smolinská, V. and Boháč, M.}" in content
    assert "author = {Foo, J. B. and Looi, Q. H.}" in content


def test_publication_citations_are_the_publications(client, world):
    content = download(
        client, "evidence:publication_list", {"kind": "primary", "export": "ris"}
    )
    ids = [line[6:] for line in content.splitlines() if line.startswith("ID  - ")]
    assert ids == ["roe-2018", "doe-2019"]


def test_unknown_export_format_is_400(client, world):
    response = client.get(reverse("trials:trial_list"), {"export": "xlsx"})
    assert response.status_code == 400
    assert "Unknown download format: xlsx" in response.content.decode()


def test_invalid_filter_blocks_the_download(client, world):
    response = client.get(reverse("trials:trial_list"), {"phase": "x", "export": "csv"})
    assert response.status_code == 400
    assert "Content-Disposition" not in response


@pytest.mark.parametrize("text", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\t=1"])
def test_csv_safe_neutralises_formulas(text):
    assert csv_safe(text) == "'" + text


def test_csv_safe_leaves_other_values():
    assert csv_safe("Knee") == "Knee"
    assert csv_safe(2021) == 2021


@given(
    st.lists(
        st.one_of(
            st.text(max_size=4),
            st.sampled_from(["", "'", "=", "'=", "-1", "\r\n", "a=b"]),
            st.integers(),
            st.none(),
            st.floats(allow_nan=False),
            st.builds(mark_safe, st.text(max_size=3)),
        ),
        max_size=8,
    )
)
def test_a_row_is_neutralised_as_each_of_its_cells(row):
    """The downloads neutralise a row in one pass: the same as cell by cell."""
    assert neutralise_row(row) == [neutralise_formula(value) for value in row]


def test_csv_export_neutralises_formula_cells(client, world):
    trial = world.trials["t1"]
    trial.condition_as_printed = '=HYPERLINK("http://evil.example","x")'
    trial.design_as_printed = "+cmd|' /C calc'!A0"
    trial.outcome_as_printed = "@SUM(1+1)"
    trial.dose_as_printed = "-1e6 cells"
    trial.save()
    content = download(client, "trials:trial_list", {"phase": "1", "export": "csv"})
    (row,) = list(csv.DictReader(io.StringIO(content)))
    assert row["Condition (as printed)"] == '\'=HYPERLINK("http://evil.example","x")'
    assert row["Design (as printed)"] == "'+cmd|' /C calc'!A0"
    assert row["Outcome (as printed)"] == "'@SUM(1+1)"
    assert row["Dose (as printed)"] == "'-1e6 cells"


def test_bibtex_escapes_special_characters_but_not_in_dois(db):
    assert bibtex_escape("50% of {MSC} & co_2 #1") == r"50\% of \{MSC\} \& co\_2 \#1"
    publication = f.PublicationFactory(
        slug="odd-2020", title="Growth {factor} & 10% gain", doi="10.1000/a_b"
    )
    from evidence.base.exports import publications_to_bibtex

    content = publications_to_bibtex([publication])
    assert r"title = {Growth \{factor\} \& 10\% gain}" in content
    assert "doi = {10.1000/a_b}" in content
