"""Each trial, study and trial-count filter once, at the FilterSet level: a valid value
narrows to exactly the matching rows, an unknown value is a form error on that parameter
(the pages and the API answer it with a 400)."""

from urllib.parse import urlencode

import pytest
from django.http import QueryDict

from tests import factories as f
from trials.filtersets import StudyFilterSet, TrialCountFilterSet, TrialFilterSet

pytestmark = pytest.mark.django_db


def _filterset(filterset_class, params: dict):
    data = QueryDict(urlencode(params, doseq=True))
    return filterset_class(data=data, queryset=filterset_class._meta.model.objects)


def filtered(filterset_class, params: dict) -> list[str]:
    """Slugs of the rows the FilterSet keeps for the query string `params`."""
    filterset = _filterset(filterset_class, params)
    assert filterset.is_valid(), filterset.errors
    slugs = [row.slug for row in filterset.qs]
    assert len(slugs) == len(set(slugs)), "a row was listed twice"
    return sorted(slugs)


def errors(filterset_class, params: dict) -> dict[str, list[str]]:
    filterset = _filterset(filterset_class, params)
    assert not filterset.is_valid()
    return {name: list(messages) for name, messages in filterset.errors.items()}


def invalid_choice(value: str) -> str:
    return f"Select a valid choice. {value} is not one of the available choices."


@pytest.fixture
def evidence(db):
    """Three trials, three studies and three trial counts.

    Trials  phase status     therapy (modality, source)  conditions    route            outcomes            level review
    t1      1     completed  cells-bm (cells, bm)         knee, stroke  intra_articular  safe, effective     B     foo
    t2      2     ongoing    exo-bm (exosomes, bm)        knee          intravenous      safe                A     foo
    t3      3     unknown    cm-uc (cond. medium, uc)     gvhd          intravenous      not-yet-available   C     smol

    Studies stage        models      conditions    therapy   year  level review
    s1      preclinical  mouse       knee          exo-bm    2018  D     smol
    s2      clinical     human       stroke, knee  cm-uc     2020  C     smol
    s3      preclinical  cells, rat  gvhd          cells-bm  2021  D     foo

    Trial counts  series    phase
    c1            msc_2011  1
    c2            msc_2021  1
    c3            msc_2021  2
    """
    foo = f.ReviewFactory(slug="foo-2021")
    smol = f.ReviewFactory(slug="smolinska-2023")
    f.PublicationFactory(slug="doe-2019")  # a primary publication, not a review
    knee = f.ConditionFactory(slug="knee-osteoarthritis", name="Knee osteoarthritis")
    stroke = f.ConditionFactory(slug="stroke", name="Ischaemic stroke")
    gvhd = f.ConditionFactory(slug="gvhd", name="Graft-versus-host disease")
    bm = f.CellSourceFactory(slug="bone-marrow-msc", name="Bone marrow MSC")
    uc = f.CellSourceFactory(slug="umbilical-cord-msc", name="Umbilical cord MSC")
    cells_bm = f.TherapyFactory(
        slug="cells-bm", name="BM-MSC cells", cell_source=bm, source_review=foo
    )
    exo_bm = f.CellFreeTherapyFactory(
        slug="exo-bm",
        name="BM-MSC exosomes",
        cell_source=bm,
        parent=cells_bm,
        source_review=foo,
    )
    cm_uc = f.CellFreeTherapyFactory(
        slug="cm-uc",
        name="UC-MSC conditioned medium",
        modality="conditioned_medium",
        cell_source=uc,
        parent=f.TherapyFactory(slug="cells-uc", cell_source=uc, source_review=smol),
        source_review=smol,
    )
    f.ClinicalTrialFactory(
        slug="t1",
        nct_id="NCT01000001",
        phase="1",
        status="completed",
        therapy=cells_bm,
        conditions=[knee, stroke],
        route="intra_articular",
        outcome_classes=["safe", "effective"],
        evidence_level="B",
        source_review=foo,
        design_as_printed="A phase I, open-label, nonrandomized trial",
    )
    f.ClinicalTrialFactory(
        slug="t2",
        nct_id="NCT01000002",
        phase="2",
        status="ongoing",
        therapy=exo_bm,
        conditions=[knee],
        route="intravenous",
        outcome_classes=["safe"],
        evidence_level="A",
        source_review=foo,
        design_as_printed="A randomized, controlled phase 2 trial",
    )
    f.ClinicalTrialFactory(
        slug="t3",
        nct_id="NCT01000003",
        phase="3",
        status="unknown",
        therapy=cm_uc,
        conditions=[gvhd],
        route="intravenous",
        outcome_classes=["not-yet-available"],
        evidence_level="C",
        source_review=smol,
        design_as_printed="A pilot study of inhaled conditioned medium",
    )
    f.StudyFactory(
        slug="s1",
        title="Exosomes in knee cartilage",
        stage="preclinical",
        model_systems=["mouse"],
        conditions=[knee],
        therapy=exo_bm,
        year=2018,
        evidence_level="D",
        publication=f.PublicationFactory(slug="roe-2018", doi="10.1000/study.1"),
        source_review=smol,
    )
    f.StudyFactory(
        slug="s2",
        title="Conditioned medium pilot",
        stage="clinical",
        model_systems=["human"],
        conditions=[stroke, knee],
        therapy=cm_uc,
        year=2020,
        evidence_level="C",
        source_review=smol,
    )
    f.StudyFactory(
        slug="s3",
        title="Cells in GvHD rats",
        stage="preclinical",
        model_systems=["cells", "rat"],
        conditions=[gvhd],
        therapy=cells_bm,
        year=2021,
        evidence_level="D",
        source_review=foo,
    )
    for slug, series, phase in (
        ("c1", "msc_2011", "1"),
        ("c2", "msc_2021", "1"),
        ("c3", "msc_2021", "2"),
    ):
        f.TrialCountSnapshotFactory(
            slug=slug, series=series, phase=phase, source_review=foo
        )


TRIAL_CASES = [
    ({}, ["t1", "t2", "t3"]),
    ({"q": "NCT01000002"}, ["t2"]),  # registry id
    ({"q": "pilot study"}, ["t3"]),  # design as printed
    ({"q": "exosomes"}, ["t2"]),  # therapy name
    ({"q": "graft-versus"}, ["t3"]),  # condition name
    ({"phase": "1"}, ["t1"]),
    ({"phase": ["2", "3"]}, ["t2", "t3"]),
    ({"status": "ongoing"}, ["t2"]),
    ({"modality": "cells"}, ["t1"]),
    ({"modality": ["exosomes", "conditioned_medium"]}, ["t2", "t3"]),
    ({"cell_source": "bone-marrow-msc"}, ["t1", "t2"]),
    ({"condition": "knee-osteoarthritis"}, ["t1", "t2"]),
    ({"condition": ["knee-osteoarthritis", "stroke"]}, ["t1", "t2"]),  # t1 once
    ({"route": "intravenous"}, ["t2", "t3"]),
    ({"outcome": "safe"}, ["t1", "t2"]),
    ({"outcome": ["safe", "effective"]}, ["t1", "t2"]),  # t1 once
    ({"evidence_level": "A"}, ["t2"]),
    ({"evidence_level": ["B", "C"]}, ["t1", "t3"]),
    ({"review": "smolinska-2023"}, ["t3"]),
    ({"condition": "knee-osteoarthritis", "route": "intravenous"}, ["t2"]),
]


@pytest.mark.parametrize(("params", "expected"), TRIAL_CASES)
def test_trial_filters(evidence, params, expected):
    assert filtered(TrialFilterSet, params) == expected


STUDY_CASES = [
    ({}, ["s1", "s2", "s3"]),
    ({"q": "10.1000/study.1"}, ["s1"]),  # publication DOI
    ({"q": "pilot"}, ["s2"]),  # title
    ({"q": "graft-versus"}, ["s3"]),  # condition name
    ({"stage": "preclinical"}, ["s1", "s3"]),
    ({"model": "rat"}, ["s3"]),
    ({"model": ["cells", "rat"]}, ["s3"]),  # listed once
    ({"model": ["mouse", "human"]}, ["s1", "s2"]),
    ({"condition": "knee-osteoarthritis"}, ["s1", "s2"]),
    ({"modality": "conditioned_medium"}, ["s2"]),
    ({"cell_source": "umbilical-cord-msc"}, ["s2"]),
    ({"year_min": "2020"}, ["s2", "s3"]),
    ({"year_max": "2020"}, ["s1", "s2"]),
    ({"year_min": "2019", "year_max": "2020"}, ["s2"]),
    ({"evidence_level": "C"}, ["s2"]),
    ({"review": "foo-2021"}, ["s3"]),
]


@pytest.mark.parametrize(("params", "expected"), STUDY_CASES)
def test_study_filters(evidence, params, expected):
    assert filtered(StudyFilterSet, params) == expected


TRIAL_COUNT_CASES = [
    ({"series": "msc_2021"}, ["c2", "c3"]),
    ({"phase": "1"}, ["c1", "c2"]),
    ({"series": "msc_2021", "phase": "1"}, ["c2"]),
]


@pytest.mark.parametrize(("params", "expected"), TRIAL_COUNT_CASES)
def test_trial_count_filters(evidence, params, expected):
    assert filtered(TrialCountFilterSet, params) == expected


INVALID_CASES = [
    (TrialFilterSet, {"phase": "9"}, invalid_choice("9")),
    (TrialFilterSet, {"status": "paused"}, invalid_choice("paused")),
    (TrialFilterSet, {"modality": "magic"}, invalid_choice("magic")),
    (TrialFilterSet, {"cell_source": "liver"}, invalid_choice("liver")),
    (TrialFilterSet, {"condition": "no-such"}, invalid_choice("no-such")),
    (TrialFilterSet, {"route": "telepathy"}, invalid_choice("telepathy")),
    (TrialFilterSet, {"outcome": "cured"}, invalid_choice("cured")),
    (TrialFilterSet, {"evidence_level": "Z"}, invalid_choice("Z")),
    # A publication that is not a review is no choice of the review filter.
    (TrialFilterSet, {"review": "doe-2019"}, invalid_choice("doe-2019")),
    (
        TrialFilterSet,
        {"q": "x" * 201},
        "Ensure this value has at most 200 characters (it has 201).",
    ),
    (StudyFilterSet, {"stage": "imaginary"}, invalid_choice("imaginary")),
    (StudyFilterSet, {"model": "zebra"}, invalid_choice("zebra")),
    (StudyFilterSet, {"condition": "no-such"}, invalid_choice("no-such")),
    (StudyFilterSet, {"modality": "magic"}, invalid_choice("magic")),
    (StudyFilterSet, {"cell_source": "liver"}, invalid_choice("liver")),
    (StudyFilterSet, {"year_min": "soon"}, "Enter a whole number."),
    (StudyFilterSet, {"year_min": "2020.5"}, "Enter a whole number."),
    (StudyFilterSet, {"year_max": "later"}, "Enter a whole number."),
    (StudyFilterSet, {"evidence_level": "Z"}, invalid_choice("Z")),
    (StudyFilterSet, {"review": "doe-2019"}, invalid_choice("doe-2019")),
    (TrialCountFilterSet, {"series": "msc_1999"}, invalid_choice("msc_1999")),
    (TrialCountFilterSet, {"phase": "9"}, invalid_choice("9")),
]


@pytest.mark.parametrize(
    ("filterset_class", "params", "message"),
    [
        pytest.param(*case, id=f"{case[0].__name__}-{next(iter(case[1]))}")
        for case in INVALID_CASES
    ],
)
def test_unknown_value_is_an_error_on_its_parameter(
    evidence, filterset_class, params, message
):
    assert errors(filterset_class, params) == {next(iter(params)): [message]}


def test_one_unknown_value_among_known_ones_is_still_an_error(evidence):
    assert errors(TrialFilterSet, {"phase": ["1", "9"]}) == {
        "phase": [invalid_choice("9")]
    }
