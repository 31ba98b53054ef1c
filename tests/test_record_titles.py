"""Every record's title is built from its content (display_title, used by __str__),
never from its locator; pages, search, downloads and the admin show it."""

import csv
import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from evidence.models import ComparisonPoint
from tests import factories as f
from trials.models import TrialCountSnapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def stargardt_trial():
    therapy = f.TherapyFactory(name="hESC-derived RPE")
    condition = f.ConditionFactory(name="Stargardt macular dystrophy")
    return f.ClinicalTrialFactory(
        slug="nct02941991",
        nct_id="NCT02941991",
        phase="1_2",
        therapy=therapy,
        conditions=[condition],
        locator="Table 2, row 2",
        dose_as_printed="0.05 × 10^6 to 0.2 × 10^6 hESC-RPE/kg",
        dose_low=5e4,
        dose_high=2e5,
        dose_unit="cells",
        dose_basis="per_kg",
    )


def test_trial_title_is_condition_product_phase_and_registry_id(stargardt_trial):
    assert str(stargardt_trial) == (
        "Stargardt macular dystrophy · hESC-derived RPE · Phase I/II · NCT02941991"
    )


def test_trial_without_registry_id_or_phase_or_normalised_condition():
    trial = f.ClinicalTrialFactory(
        slug="foo2021-t2-r27",
        nct_id=None,
        phase="na",
        therapy=f.TherapyFactory(name="AT-MSCs"),
        condition_as_printed="Knee osteoarthritis",
    )
    # The printed condition stands in; no "Not stated" phase, never the slug.
    assert str(trial) == "Knee osteoarthritis · AT-MSCs"


def test_study_title_skips_a_locator_title_and_adds_model_and_author_year():
    mouse = f.ModelSystemFactory(slug="mouse", name="Mouse")
    locator_titled = f.StudyFactory(
        title="Foo 2021 Table 1 row 1",
        authors_as_printed="",
        year=None,
        therapy=f.CellFreeTherapyFactory(name="Cardiac stem cell exosomes"),
        conditions=[f.ConditionFactory(name="Cardiomyopathy")],
    )
    assert str(locator_titled) == "Cardiomyopathy · Cardiac stem cell exosomes"
    named = f.StudyFactory(
        title="Leeman et al. 2019",
        authors_as_printed="Leeman et al",
        year=2019,
        therapy=f.CellFreeTherapyFactory(name="MSC conditioned medium"),
        conditions=[f.ConditionFactory(name="Bronchopulmonary dysplasia")],
    )
    named.model_systems.set([mouse])
    assert str(named) == (
        "Bronchopulmonary dysplasia · MSC conditioned medium · Mouse · "
        "Leeman et al. 2019"
    )


def test_trial_count_and_comparison_point_titles():
    review = f.ReviewFactory()
    count = TrialCountSnapshot.objects.create(
        slug="msc-2021-phase-1",
        series="msc_2021",
        phase="1",
        count=120,
        as_of_year=2021,
        source_review=review,
        locator="Figure 4",
    )
    assert str(count) == "MSC (as of 2021) · Phase I: 120 registered trials"
    count.count = None
    assert str(count) == "MSC (as of 2021) · Phase I: count not readable"
    point = ComparisonPoint(
        slug="cost-secretome-1",
        aspect="cost",
        side="secretome",
        text="Lower cost of production and storage",
        source_review=review,
        locator="Table 4, Cost",
    )
    assert str(point) == (
        "Secretome · Cost of production and treatment: "
        "Lower cost of production and storage"
    )
    point.text = "word " * 40
    assert str(point).endswith("…")
    assert len(str(point).split(": ", 1)[1]) == 80


def test_trial_page_heading_title_source_line_and_dose(client, stargardt_trial):
    content = client.get(stargardt_trial.get_absolute_url()).content.decode()
    title = "Stargardt macular dystrophy · hESC-derived RPE · Phase I/II · NCT02941991"
    assert f"<h1>{title}</h1>" in content
    assert f"<title>{title}" in content
    assert "Clinical trial nct02941991" not in content
    assert f"Source: {stargardt_trial.source_review}, Table 2, row 2</p>" in content
    assert "<td>0.5–2 × 10⁵ cells/kg</td>" in content
    # Beside the text as printed, and never a raw float.
    assert "0.05 × 10^6 to 0.2 × 10^6 hESC-RPE/kg" in content
    assert "50000.0" not in content


def test_trial_list_shows_title_and_dose_and_the_csv_keeps_the_numbers(
    client, stargardt_trial
):
    content = client.get(reverse("trials:trial_list")).content.decode()
    assert "Stargardt macular dystrophy · hESC-derived RPE · Phase I/II" in content
    assert "0.5–2 × 10⁵ cells/kg" in content
    response = client.get(reverse("trials:trial_list"), {"export": "csv"})
    text = b"".join(response.streaming_content).decode()
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["Trial"] == (
        "Stargardt macular dystrophy · hESC-derived RPE · Phase I/II · NCT02941991"
    )
    assert row["Dose"] == "0.5–2 × 10⁵ cells/kg"
    assert (row["Dose low"], row["Dose high"]) == ("50000.0", "200000.0")
    assert (row["Dose unit"], row["Dose basis"]) == ("cells", "per_kg")
    assert row["Dose (as printed)"] == "0.05 × 10^6 to 0.2 × 10^6 hESC-RPE/kg"


def test_search_prints_the_registry_id_once(client, stargardt_trial):
    response = client.get(reverse("evidence:search"), {"q": "Stargardt"})
    content = response.content.decode()
    assert content.count("NCT02941991") == 1


def test_admin_changelist_shows_the_title(client, stargardt_trial):
    user = get_user_model().objects.create_superuser("admin", "a@example.org", "pw")
    client.force_login(user)
    response = client.get(reverse("admin:trials_clinicaltrial_changelist"))
    assert response.status_code == 200
    assert (
        "Stargardt macular dystrophy · hESC-derived RPE · Phase I/II · NCT02941991"
        in response.content.decode()
    )


def test_an_unsaved_record_has_a_title_without_its_links():
    # An import's new row is titled before it is saved (and before it has links).
    trial = f.ClinicalTrialFactory.build(
        nct_id="NCT09999995",
        phase="2",
        therapy=f.TherapyFactory(name="BM-MSCs"),
        condition_as_printed="Knee osteoarthritis",
    )
    assert str(trial) == "Knee osteoarthritis · BM-MSCs · Phase II · NCT09999995"
