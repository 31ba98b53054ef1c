"""Writes and workflows of the trials app: the evidence level derivation.

Evidence levels (adapted from CIViC): A controlled clinical, B uncontrolled clinical,
C case series or pilot, D pre-clinical in vivo, E in vitro. The derived level is stored
beside a curator's override; `evidence_level` holds the effective one for filtering.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from trials.choices import ModelSystemChoices, OutcomeClassChoices, StudyStage
from trials.models import ClinicalTrial, ModelSystem, OutcomeClass, Study

_RANDOMISED = re.compile(r"(?<![a-z-])randomi[sz]ed", re.IGNORECASE)
_CONTROLLED = re.compile(r"controlled|placebo|comparison|compare", re.IGNORECASE)
_PILOT = re.compile(r"\bpilot\b|case series|case report", re.IGNORECASE)


def evidence_level_for_trial(*, design: str) -> str:
    """A for a randomised controlled design, C for a pilot or case series, else B;
    "" (not determinable) without any design text (Foo 2021 Table 3 prints none)."""
    if not design.strip():
        return ""
    if _RANDOMISED.search(design) and _CONTROLLED.search(design):
        return "A"
    if _PILOT.search(design):
        return "C"
    return "B"


def evidence_level_for_study(*, stage: str, model_slugs: Iterable[str]) -> str:
    """C for a clinical study; D for in vivo pre-clinical work; E for cells only."""
    slugs = set(model_slugs)
    if stage == StudyStage.CLINICAL or "human" in slugs:
        return "C"
    if slugs - {"cells"}:
        return "D"
    if slugs == {"cells"}:
        return "E"
    return "D" if stage == StudyStage.PRECLINICAL else ""


def _apply(record: ClinicalTrial | Study, derived: str, *, persist: bool) -> None:
    effective = record.evidence_level_override or derived
    if (record.evidence_level_derived, record.evidence_level) != (derived, effective):
        record.evidence_level_derived = derived
        record.evidence_level = effective
        if not persist or record.pk is None:
            return
        type(record).objects.filter(pk=record.pk).update(
            evidence_level_derived=derived, evidence_level=effective
        )


def trial_refresh_evidence_level(*, trial: ClinicalTrial, persist: bool = True) -> None:
    """Recompute the derived and effective evidence level of a trial; `persist=False`
    sets them in memory only (for a save that is about to write them anyway)."""
    _apply(
        trial, evidence_level_for_trial(design=trial.design_as_printed), persist=persist
    )


def study_refresh_evidence_level(*, study: Study, persist: bool = True) -> None:
    """Recompute the derived and effective evidence level of a saved study."""
    # Before its first save a study has no model systems yet; the write path derives
    # again once they are linked.
    slugs = [m.slug for m in study.model_systems.all()] if study.pk else []
    _apply(
        study,
        evidence_level_for_study(stage=study.stage, model_slugs=slugs),
        persist=persist,
    )


def fixed_vocabularies_ensure() -> None:
    """Outcome classes and model systems are fixed lists (trials/choices.py): make sure
    each exists. The dataset loader runs it (registered in trials/apps.py), and so does
    the synthetic generator."""
    for model, vocabulary in (
        (OutcomeClass, OutcomeClassChoices),
        (ModelSystem, ModelSystemChoices),
    ):
        for value, label in vocabulary.choices:
            model.objects.get_or_create(
                slug=value.replace("_", "-"), defaults={"name": label}
            )
