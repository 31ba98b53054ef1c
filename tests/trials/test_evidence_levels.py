"""Evidence level derivation (A-E) and curator overrides."""

import pytest

from tests.factories import ClinicalTrialFactory, StudyFactory
from trials.services import (
    evidence_level_for_study,
    evidence_level_for_trial,
    study_refresh_evidence_level,
    trial_refresh_evidence_level,
)


@pytest.mark.parametrize(
    "design, level",
    [
        (
            "A phase I/II randomized, double-blind, placebo-controlled clinical trial",
            "A",
        ),
        ("A randomized, controlled phase I/II clinical trial", "A"),
        ("A phase 1/2 randomized comparison study", "A"),
        ("A phase I/II, open-label, nonrandomized, sequential, multicenter trial", "B"),
        ("A parallel assigned controlled, nonrandomized phase I trial", "B"),
        ("A phase 2 study to determine the clinical response", "B"),
        ("A pilot study of exosome inhalation", "C"),
        # No design text: the level is not determinable (was "B" for any text).
        ("", ""),
        ("  ", ""),
    ],
)
def test_trial_level_from_design(design, level):
    assert evidence_level_for_trial(design=design) == level


@pytest.mark.parametrize(
    "stage, models, level",
    [
        ("clinical", ["cells", "human"], "C"),
        ("preclinical", ["cells", "mouse"], "D"),
        ("preclinical", ["rat"], "D"),
        ("preclinical", ["cells"], "E"),
        ("preclinical", [], "D"),
        ("unknown", [], ""),
        ("unknown", ["mouse"], "D"),
    ],
)
def test_study_level_from_stage_and_models(stage, models, level):
    assert evidence_level_for_study(stage=stage, model_slugs=models) == level


@pytest.mark.django_db
def test_refresh_stores_derived_and_effective_level():
    trial = ClinicalTrialFactory(
        design_as_printed="A randomized, placebo-controlled trial",
        evidence_level="",
        evidence_level_derived="",
    )
    trial_refresh_evidence_level(trial=trial)
    trial.refresh_from_db()
    assert (trial.evidence_level_derived, trial.evidence_level) == ("A", "A")


@pytest.mark.django_db
def test_override_wins_over_derived_level():
    trial = ClinicalTrialFactory(
        design_as_printed="A randomized, placebo-controlled trial",
        evidence_level_override="B",
        evidence_level_reason="Control arm not reported in the registry record",
    )
    trial_refresh_evidence_level(trial=trial)
    trial.refresh_from_db()
    assert (trial.evidence_level_derived, trial.evidence_level) == ("A", "B")


@pytest.mark.django_db
def test_study_refresh_uses_model_systems():
    study = StudyFactory(
        stage="preclinical", model_systems=["cells"], evidence_level=""
    )
    study_refresh_evidence_level(study=study)
    study.refresh_from_db()
    assert study.evidence_level == "E"
