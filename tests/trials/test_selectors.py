"""The trials app's reads for the home page (trials/selectors.py), on a small known world:
exact counts, in the order the charts draw them, in a fixed number of queries."""

import pytest

from tests import factories as f
from trials.choices import Route
from trials.models import ClinicalTrial
from trials.selectors import count_by, trial_charts, trial_count_series

pytestmark = pytest.mark.django_db


@pytest.fixture
def trials(db):
    """Trials  phase  route            therapy's cell source   conditions
    t1      2      intravenous      Bone marrow MSC         knee, stroke
    t2      1      intravenous      Bone marrow MSC         knee
    t3      1      intra_articular  Umbilical cord MSC      -
    t4      na     intrathecal      Umbilical cord MSC      -
    t5      1      intravenous      (none)                  -
    """
    bm = f.CellSourceFactory(slug="bone-marrow-msc", name="Bone marrow MSC")
    uc = f.CellSourceFactory(slug="umbilical-cord-msc", name="Umbilical cord MSC")
    cells_bm = f.TherapyFactory(cell_source=bm)
    exo_bm = f.CellFreeTherapyFactory(cell_source=bm, parent=cells_bm)
    cells_uc = f.TherapyFactory(cell_source=uc)
    unsourced = f.TherapyFactory(cell_source=None)
    knee = f.ConditionFactory(slug="knee-osteoarthritis", name="Knee osteoarthritis")
    stroke = f.ConditionFactory(slug="stroke", name="Ischaemic stroke")
    f.ClinicalTrialFactory(
        slug="t1",
        phase="2",
        route="intravenous",
        therapy=cells_bm,
        conditions=[knee, stroke],
    )
    f.ClinicalTrialFactory(
        slug="t2", phase="1", route="intravenous", therapy=exo_bm, conditions=[knee]
    )
    f.ClinicalTrialFactory(
        slug="t3", phase="1", route="intra_articular", therapy=cells_uc
    )
    f.ClinicalTrialFactory(slug="t4", phase="na", route="intrathecal", therapy=cells_uc)
    f.ClinicalTrialFactory(slug="t5", phase="1", route="intravenous", therapy=unsourced)


def test_count_by_is_largest_first_then_by_value(trials):
    assert count_by(ClinicalTrial.objects.all(), "route") == [
        ("intravenous", "intravenous", 3),
        ("intra_articular", "intra_articular", 1),
        ("intrathecal", "intrathecal", 1),
    ]


def test_count_by_labels_values_and_keeps_unlabelled_ones(trials):
    labels = {"intravenous": "Intravenous", "intrathecal": "Intrathecal"}
    assert count_by(ClinicalTrial.objects.all(), "route", labels) == [
        ("intravenous", "Intravenous", 3),
        ("intra_articular", "intra_articular", 1),
        ("intrathecal", "Intrathecal", 1),
    ]


def test_count_by_names_a_missing_value_not_stated(trials):
    rows = count_by(ClinicalTrial.objects.filter(slug="t5"), "therapy__cell_source")
    assert rows == [("", "Not stated", 1)]


def test_count_by_merges_null_and_blank_into_one_not_stated_row(db):
    from evidence.models import Therapy

    f.TherapyFactory(cell_source=f.CellSourceFactory(tissue=""))
    f.TherapyFactory(cell_source=None)
    assert count_by(Therapy.objects.all(), "cell_source__tissue") == [
        ("", "Not stated", 2)
    ]


def test_count_by_through_a_many_to_many_counts_each_trial_once_per_value(trials):
    rows = count_by(
        ClinicalTrial.objects.filter(conditions__isnull=False), "conditions__slug"
    )
    assert rows == [
        ("knee-osteoarthritis", "knee-osteoarthritis", 2),
        ("stroke", "stroke", 1),
    ]


def test_count_by_of_a_filtered_queryset_counts_only_its_rows(trials):
    rows = count_by(
        ClinicalTrial.objects.filter(phase="1"), "route", dict(Route.choices)
    )
    assert rows == [
        ("intravenous", "Intravenous", 2),
        ("intra_articular", "Intra-articular", 1),
    ]


def test_trial_charts(trials, django_assert_num_queries):
    with django_assert_num_queries(3):
        charts = trial_charts()
    # Phases in the phase order, not by size; absent phases left out.
    assert charts["phase"] == [
        ("1", "Phase I", 3),
        ("2", "Phase II", 1),
        ("na", "Not stated", 1),
    ]
    assert charts["route"] == [
        ("intravenous", "Intravenous", 3),
        ("intra_articular", "Intra-articular", 1),
        ("intrathecal", "Intrathecal", 1),
    ]
    # Largest first, ties by name; the trial whose therapy names no source last.
    assert charts["cell_source"] == [
        ("Bone marrow MSC", "Bone marrow MSC", 2),
        ("Umbilical cord MSC", "Umbilical cord MSC", 2),
        ("", "Not stated", 1),
    ]


def test_trial_charts_of_no_trials_are_empty(db):
    assert trial_charts() == {"phase": [], "route": [], "cell_source": []}


def test_trial_count_series(db, django_assert_num_queries):
    review = f.ReviewFactory(slug="foo-2021")
    for slug, series, phase, count in (
        ("c1", "msc_2021", "2", 30),
        ("c2", "msc_2011", "1", 5),
        ("c3", "msc_2021", "1", 40),
        ("c4", "exosomes_2021", "1", 3),
    ):
        f.TrialCountSnapshotFactory(
            slug=slug, series=series, phase=phase, count=count, source_review=review
        )
    with django_assert_num_queries(1):
        figure = trial_count_series()
        assert {snap.source_review.slug for snap in figure["snapshots"]} == {"foo-2021"}
    # Series and phases in their vocabulary's order, only those present.
    assert figure["series"] == [
        ("msc_2011", "MSC (as of 2011)"),
        ("msc_2021", "MSC (as of 2021)"),
        ("exosomes_2021", "Exosomes (as of 2021)"),
    ]
    assert figure["groups"] == [
        (
            "Phase I",
            [
                ("MSC (as of 2011)", 5),
                ("MSC (as of 2021)", 40),
                ("Exosomes (as of 2021)", 3),
            ],
        ),
        (
            "Phase II",
            [
                ("MSC (as of 2011)", None),
                ("MSC (as of 2021)", 30),
                ("Exosomes (as of 2021)", None),
            ],
        ),
    ]
    assert sorted(snap.slug for snap in figure["snapshots"]) == ["c1", "c2", "c3", "c4"]


def test_trial_count_series_of_one_series(db):
    f.TrialCountSnapshotFactory(slug="c1", series="exosomes_2021", phase="3", count=2)
    figure = trial_count_series()
    assert figure["series"] == [("exosomes_2021", "Exosomes (as of 2021)")]
    assert figure["groups"] == [("Phase III", [("Exosomes (as of 2021)", 2)])]
