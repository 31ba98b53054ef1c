"""The database itself refuses bad rows (not only forms)."""

import pytest
from django.db import DataError, IntegrityError, transaction

from tests.factories import (
    CellFreeTherapyFactory,
    ClinicalTrialFactory,
    PublicationFactory,
    ReviewFactory,
    StudyFactory,
    TherapyFactory,
)
from trials.models import ClinicalTrial

pytestmark = pytest.mark.django_db


def refused(callable_, *args, **kwargs) -> bool:
    try:
        with transaction.atomic():
            callable_(*args, **kwargs)
    except (IntegrityError, DataError):  # DataError: PostgreSQL's length check
        return True
    return False


def update(model, pk, **values):
    model.objects.filter(pk=pk).update(**values)


@pytest.mark.parametrize(
    "nct_id", ["NCT1234567", "NCT123456789", "nct01234567", "NCT0123456X", "01234567"]
)
def test_malformed_nct_id_is_refused(nct_id):
    trial = ClinicalTrialFactory()
    assert refused(update, ClinicalTrial, trial.pk, nct_id=nct_id)


def test_well_formed_nct_id_is_accepted():
    trial = ClinicalTrialFactory()
    assert not refused(update, ClinicalTrial, trial.pk, nct_id="NCT04491240")


def test_duplicate_nct_id_is_refused():
    ClinicalTrialFactory(nct_id="NCT04491240", slug="a")
    assert refused(ClinicalTrialFactory, nct_id="NCT04491240", slug="b")


def test_trials_without_nct_id_may_coexist():
    ClinicalTrialFactory(nct_id=None, slug="a")
    ClinicalTrialFactory(nct_id=None, slug="b")
    assert ClinicalTrial.objects.filter(nct_id__isnull=True).count() == 2


@pytest.mark.parametrize(
    "doi", ["doi:10.1000/x", "11.1000/x", "10.12/x", "10.1000/a b"]
)
def test_malformed_doi_is_refused(doi):
    assert refused(PublicationFactory, doi=doi)


def test_duplicate_doi_is_refused():
    PublicationFactory(doi="10.1155/2021/2616807", slug="a")
    assert refused(PublicationFactory, doi="10.1155/2021/2616807", slug="b")


@pytest.mark.parametrize("year", [1800, 2200])
def test_year_out_of_range_is_refused(year):
    assert refused(PublicationFactory, year=year)
    assert refused(StudyFactory, year=year)


def test_record_without_provenance_locator_is_refused():
    assert refused(ClinicalTrialFactory, locator="")


def test_record_without_review_is_refused():
    trial = ClinicalTrialFactory()
    assert refused(update, ClinicalTrial, trial.pk, source_review=None)


@pytest.mark.parametrize(
    "field, value",
    [("phase", "phase-9"), ("route", "telepathy"), ("status", "paused")],
)
def test_values_outside_vocabulary_are_refused(field, value):
    trial = ClinicalTrialFactory()
    assert refused(update, ClinicalTrial, trial.pk, **{field: value})


def test_modality_outside_vocabulary_is_refused():
    assert refused(TherapyFactory, modality="magic")


def test_cell_therapy_cannot_have_a_parent_product():
    parent = TherapyFactory()
    assert refused(TherapyFactory, modality="cells", parent=parent)
    assert not refused(CellFreeTherapyFactory, parent=parent)


def test_override_of_evidence_level_needs_a_reason():
    assert refused(ClinicalTrialFactory, evidence_level_override="A")
    assert not refused(
        ClinicalTrialFactory,
        evidence_level_override="A",
        evidence_level_reason="Registry record shows randomised control arm",
    )


def test_dose_range_must_be_ordered_and_have_a_unit():
    assert refused(ClinicalTrialFactory, dose_low=5.0, dose_high=1.0, dose_unit="cells")
    assert refused(ClinicalTrialFactory, dose_low=5.0, dose_unit="")


def test_slug_format_is_enforced():
    assert refused(ReviewFactory, slug="Not A Slug")


def test_full_clean_explains_what_is_wrong():
    from django.core.exceptions import ValidationError

    trial = ClinicalTrialFactory.build(
        nct_id="NCT123", therapy=TherapyFactory(), source_review=ReviewFactory()
    )
    with pytest.raises(ValidationError) as excinfo:
        trial.full_clean()
    assert "followed by 8 digits" in str(excinfo.value.message_dict["nct_id"])
    publication = PublicationFactory.build(doi="doi:10.1/x", year=1800)
    with pytest.raises(ValidationError) as excinfo:
        publication.full_clean()
    errors = excinfo.value.message_dict
    assert "no 'doi:' or URL prefix" in str(errors["doi"])
    assert "1900 or later" in str(errors["year"])
