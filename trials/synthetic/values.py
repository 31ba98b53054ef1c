"""Realistic values: weighted phases, routes, outcomes, doses, text of realistic length."""

from __future__ import annotations

import random
from typing import Any

from evidence.models import Condition, Therapy
from trials import choices
from trials.models import ModelSystem, OutcomeClass
from trials.services import evidence_level_for_study, evidence_level_for_trial
from trials.synthetic.constants import NCT_BASE

#
# Realistic values
#


def _zipf_weights(n: int, exponent: float = 0.9) -> list[float]:
    """A few conditions are common, most are rare, as in a registry."""
    return [1 / (rank**exponent) for rank in range(1, n + 1)]


PHASE_WEIGHTS = {
    "early_1": 3,
    "1": 25,
    "1_2": 28,
    "2": 24,
    "2_3": 5,
    "3": 8,
    "4": 2,
    "na": 5,
}
PHASE_TEXT = dict(choices.Phase.choices)
STATUS_WEIGHTS = {"completed": 35, "ongoing": 40, "unknown": 25}
ROUTE_WEIGHTS = {
    "intravenous": 34,
    "not_reported": 10,
    "intra_articular": 9,
    "intrathecal": 6,
    "trans_endocardial": 5,
    "subretinal": 4,
    "intramuscular": 4,
    "inhalation": 4,
    "implantation": 4,
    "topical": 4,
    "intradermal": 3,
    "subcutaneous": 3,
    "intracoronary": 3,
    "intravitreal": 2,
    "intralesional": 2,
    "portal_vein": 1,
    "intraperitoneal": 1,
    "intranasal": 1,
}
ROUTE_TEXT = {
    "intravenous": "Intravenous infusion",
    "intra_articular": "Intra-articular injection",
    "intrathecal": "Intrathecal injection via lumbar puncture",
    "trans_endocardial": "Trans-endocardial injection",
    "subretinal": "Subretinal injection",
    "intramuscular": "Intramuscular injection",
    "inhalation": "Nebulised inhalation",
    "implantation": "Implantation on a collagen scaffold",
    "topical": "Topical application to the wound bed",
    "intradermal": "Intradermal injection",
    "subcutaneous": "Subcutaneous injection",
    "intracoronary": "Intracoronary infusion",
    "intravitreal": "Intravitreal injection",
    "intralesional": "Intralesional injection",
    "portal_vein": "Infusion via the portal vein",
    "intraperitoneal": "Intraperitoneal injection",
    "intranasal": "Intranasal drops",
    "not_reported": "",
}
DESIGNS = [
    "A randomized, double-blind, placebo-controlled, multicenter",
    "A randomised, controlled, open-label",
    "An open label, single-arm, dose escalation",
    "A single-center, nonrandomized, open-label",
    "A pilot, single-arm",
    "A prospective, multicenter, uncontrolled",
    "A follow-up of a",
    "A case series and",
]
AIMS = [
    "to assess the safety and feasibility of",
    "to evaluate the safety and efficacy of",
    "to determine the maximum tolerated dose of",
    "to evaluate the long-term safety and tolerability of",
    "to compare the efficacy of",
]
OUTCOME_TEXT = {
    "safe": "Safe",
    "feasible": "Feasible",
    "effective": "Effective: significant improvement of the primary end point",
    "well-tolerated": "Well tolerated without serious adverse events",
    "not-yet-available": "Not yet available",
    "not-yet-published": "Results not yet published",
    "ongoing": "Ongoing",
    "not-available": "Not available",
    "no-side-effects": "No observable side effects",
    "not-significant": "No significant improvement over control",
}
OUTCOME_SETS = [
    (["safe"], 14),
    (["safe", "feasible"], 10),
    (["safe", "effective"], 12),
    (["feasible", "safe", "effective"], 6),
    (["safe", "well-tolerated"], 6),
    (["not-yet-available"], 24),
    (["ongoing"], 12),
    (["not-available"], 8),
    (["safe", "no-side-effects"], 4),
    (["safe", "not-significant"], 4),
]
DOSES = [
    ("{a} × 10^6 cells/kg", "cells", "per_kg"),
    ("{a} × 10^6 to {b} × 10^6 cells/kg", "cells", "per_kg"),
    ("{a} × 10^6 cells per dose", "cells", "per_dose"),
    ("{a} mg of exosomal protein", "mg", "per_dose"),
    ("{a} mL of conditioned medium", "mL", "per_dose"),
    ("NA", "", ""),
]
STUDY_MODEL_SETS = [
    (["mouse"], 30),
    (["rat"], 25),
    (["cells"], 10),
    (["cells", "mouse"], 10),
    (["cells", "rat"], 6),
    (["rabbit"], 6),
    (["pig"], 3),
    (["dog"], 2),
    (["sheep"], 2),
    (["human"], 6),
]
FINDINGS = [
    "reduced infarct size and improved left ventricular function",
    "promoted angiogenesis and increased capillary density",
    "attenuated inflammation with lower TNF-α and IL-6 and higher IL-10",
    "accelerated wound closure and re-epithelialisation",
    "improved neurological scores and reduced neuronal apoptosis",
    "decreased fibrosis and collagen deposition",
    "restored cartilage thickness and reduced OARSI scores",
    "enhanced bone formation in the defect",
    "improved renal function with lower serum creatinine",
    "reduced alveolar damage and lung oedema",
]
AUTHORS = ["Zhang", "Wang", "Li", "Smith", "Kim", "Garcia", "Müller", "Rossi", "Tanaka"]


def _weighted(weights: dict[str, int]) -> tuple[list[str], list[int]]:
    return list(weights), list(weights.values())


class Generator:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.conditions = list(Condition.objects.order_by("slug"))
        rng.shuffle(self.conditions)
        self.condition_weights = _zipf_weights(len(self.conditions))
        therapies = list(Therapy.objects.select_related("cell_source").order_by("slug"))
        self.therapies = therapies
        # Living-cell products dominate registries; cell-free ones are catching up.
        self.therapy_weights = [3 if t.modality == "cells" else 2 for t in therapies]
        self.outcomes = {o.slug: o.pk for o in OutcomeClass.objects.all()}
        self.models = {m.slug: m.pk for m in ModelSystem.objects.all()}

    def pick_conditions(self) -> list[Condition]:
        k = self.rng.choices((1, 2, 3), weights=(70, 22, 8))[0]
        chosen = self.rng.choices(self.conditions, weights=self.condition_weights, k=k)
        return list({c.pk: c for c in chosen}.values())

    def pick_therapy(self) -> Therapy:
        return self.rng.choices(self.therapies, weights=self.therapy_weights)[0]

    def dose(self) -> dict[str, Any]:
        template, unit, basis = self.rng.choice(DOSES)
        if not unit:
            return {"dose_as_printed": template}
        a = self.rng.choice((0.5, 1, 2, 5, 10, 20, 50))
        b = a * self.rng.choice((2, 4, 10)) if "{b}" in template else None
        text = template.format(a=f"{a:g}", b=f"{b:g}" if b else "")
        return {
            "dose_as_printed": text,
            "dose_low": float(a),
            "dose_high": float(b if b else a),
            "dose_unit": unit,
            "dose_basis": basis,
        }


def _phase_text(phase: str) -> str:
    return (
        PHASE_TEXT[phase].replace("Not stated", "").replace("Phase", "phase")
        or "clinical"
    )


def trial_row(gen: Generator, number: int) -> tuple:
    rng = gen.rng
    therapy = gen.pick_therapy()
    conditions = gen.pick_conditions()
    phase = rng.choices(*_weighted(PHASE_WEIGHTS))[0]
    route = rng.choices(*_weighted(ROUTE_WEIGHTS))[0]
    outcome_slugs = rng.choices(
        [s for s, _ in OUTCOME_SETS], weights=[w for _, w in OUTCOME_SETS]
    )[0]
    condition_text = " and ".join(c.name for c in conditions)
    design = (
        f"{rng.choice(DESIGNS)} {_phase_text(phase)} study "
        f"{rng.choice(AIMS)} {therapy.name} in patients with {condition_text}"
    )
    nct = f"NCT{NCT_BASE + number:08d}"
    trial = dict(
        slug=nct.lower(),
        nct_id=nct,
        design_as_printed=design,
        phase=phase,
        phase_as_printed=_phase_text(phase),
        status=rng.choices(*_weighted(STATUS_WEIGHTS))[0],
        stem_cell_type_as_printed=therapy.cell_source.name
        if therapy.cell_source
        else "",
        condition_as_printed=condition_text,
        therapy_id=therapy.pk,
        donor_type=rng.choice(("autologous", "allogeneic", "unknown")),
        route=route,
        route_as_printed=ROUTE_TEXT[route],
        outcome_as_printed="; ".join(OUTCOME_TEXT[s] for s in outcome_slugs),
        evidence_level_derived=(level := evidence_level_for_trial(design=design)),
        evidence_level=level,
        **gen.dose(),
    )
    return trial, [c.pk for c in conditions], [gen.outcomes[s] for s in outcome_slugs]


def study_row(gen: Generator, number: int) -> tuple:
    rng = gen.rng
    therapy = gen.pick_therapy() if rng.random() > 0.05 else None
    conditions = gen.pick_conditions()
    model_slugs = rng.choices(
        [s for s, _ in STUDY_MODEL_SETS], weights=[w for _, w in STUDY_MODEL_SETS]
    )[0]
    stage = "clinical" if "human" in model_slugs else "preclinical"
    condition_text = " and ".join(c.name for c in conditions)
    product = therapy.name if therapy else "MSC-derived products"
    finding = rng.choice(FINDINGS)
    models_text = ", ".join(model_slugs)
    route = rng.choices(*_weighted(ROUTE_WEIGHTS))[0]
    study = dict(
        slug=f"synthetic-study-{number:07d}",
        title=f"{product} in a {models_text} model of {condition_text}"[:300],
        authors_as_printed=f"{rng.choice(AUTHORS)} {chr(65 + rng.randrange(26))} et al.",
        stage=stage,
        model_as_printed=models_text.capitalize(),
        condition_as_printed=condition_text,
        therapy_id=therapy.pk if therapy else None,
        cell_as_printed=therapy.cell_source.name
        if therapy and therapy.cell_source
        else "",
        application_method=ROUTE_TEXT[route],
        route=route,
        dose_as_printed=gen.dose()["dose_as_printed"],
        findings=(
            f"{product} {finding} compared with vehicle controls; the effect was "
            f"dose-dependent and persisted at {rng.choice((2, 4, 8, 12))} weeks."
        ),
        year=rng.randint(2005, 2024),
        evidence_level_derived=(
            level := evidence_level_for_study(stage=stage, model_slugs=model_slugs)
        ),
        evidence_level=level,
    )
    return study, [c.pk for c in conditions], [gen.models[s] for s in model_slugs]
