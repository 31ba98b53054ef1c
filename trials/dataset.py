"""The trials app's dataset specs: trials, studies and the registry counts (Figure 4).

See evidence/dataset/specs.py for the format; trials/apps.py registers them.
"""

from evidence.dataset.specs import (
    DATE,
    EntitySpec,
    Relation,
    hyphen_to_underscore,
    underscore_to_hyphen,
)
from evidence.dataset.vocabulary import TO_CONDITIONS
from evidence.models import Publication, Therapy
from trials import services
from trials.models import (
    ClinicalTrial,
    ModelSystem,
    OutcomeClass,
    Study,
    TrialCountSnapshot,
)


def _refresh_trial(trial: ClinicalTrial, *, persist: bool = True) -> None:
    services.trial_refresh_evidence_level(trial=trial, persist=persist)


def _refresh_study(study: Study, *, persist: bool = True) -> None:
    services.study_refresh_evidence_level(study=study, persist=persist)


OUTCOMES = Relation(
    "outcome_classes",
    OutcomeClass,
    to_db=underscore_to_hyphen,
    to_yaml=hyphen_to_underscore,
)
MODEL_SYSTEMS = Relation("model_systems", ModelSystem)

TRIALS = EntitySpec(
    "trials",
    ClinicalTrial,
    (
        "slug",
        "nct_id",
        "design_as_printed",
        "phase",
        "phase_as_printed",
        "status",
        "stem_cell_type_as_printed",
        "condition_as_printed",
        "donor_type",
        "dose_as_printed",
        "dose_low",
        "dose_high",
        "dose_unit",
        "dose_basis",
        "dose_frequency",
        "route",
        "route_as_printed",
        "outcome_as_printed",
        "evidence_level_override",
        "evidence_level_reason",
    ),
    foreign_keys={"therapy": Relation("therapy", Therapy)},
    many_to_many={"conditions": TO_CONDITIONS, "outcome_classes": OUTCOMES},
    refresh=_refresh_trial,
)

STUDIES = EntitySpec(
    "studies",
    Study,
    (
        "slug",
        "title",
        "authors_as_printed",
        "stage",
        "model_as_printed",
        "condition_as_printed",
        "cell_as_printed",
        "application_method",
        "route",
        "dose_as_printed",
        "scaffold",
        "findings",
        "year",
        "evidence_level_override",
        "evidence_level_reason",
    ),
    foreign_keys={
        "therapy": Relation("therapy", Therapy),
        "publication": Relation("publication", Publication),
    },
    many_to_many={"model_systems": MODEL_SYSTEMS, "conditions": TO_CONDITIONS},
    refresh=_refresh_study,
)

TRIAL_COUNTS = EntitySpec(
    "trial_counts",
    TrialCountSnapshot,
    ("slug", "series", "phase", "count", "as_of_year", "accessed"),
    converters={"accessed": DATE},
)
