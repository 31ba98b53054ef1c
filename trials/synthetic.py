"""Synthetic trials and studies for benchmarks: realistic, marked, never mixed with curation.

`synthetic_generate` fills the current database (choose it with DATABASE_URL) with
clinical trials and studies whose vocabulary - conditions, cell sources, therapies,
routes, phases, outcome classes, model systems - comes from the curated fixtures, with
realistic many-to-many fan-out and text of realistic length. Every record is marked:
its source review is the `synthetic-benchmark` publication, its locator "Synthetic" and
its flags ["synthetic"]; NCT ids are drawn from NCT90000000 upwards, a range the registry
has not reached. A database that holds curated records is refused, so synthetic rows are
never mixed with curated ones.

Rows are written in batches of multi-row INSERTs inside one transaction (vocabulary with
`bulk_create`). Bulk inserts skip django-simple-history (no historical rows) and model
signals: that is intended for synthetic data, which has no curation history to keep.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from evidence import choices as evidence_choices
from evidence.models import (
    CellSource,
    Condition,
    ProvenanceModel,
    Publication,
    Therapy,
)
from trials import choices
from trials.models import ClinicalTrial, ModelSystem, OutcomeClass, Study
from trials.services import evidence_level_for_study, evidence_level_for_trial

SYNTHETIC_REVIEW = "synthetic-benchmark"
SYNTHETIC_LOCATOR = "Synthetic"
SYNTHETIC_FLAG = "synthetic"
# ClinicalTrial.gov ids are below NCT08000000 today: NCT9xxxxxxx is free for synthetic rows.
NCT_BASE = 90_000_000
NCT_MAX = 99_999_999

Progress = Callable[[str, int, int], None]

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class SyntheticError(Exception):
    """The database cannot take synthetic records (curated rows present, or not empty)."""


@dataclass
class SyntheticResult:
    trials: int
    studies: int
    seconds: float


#
# Guards
#


def _provenance_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, ProvenanceModel) and not model._meta.abstract
    ]


def curated_record_counts() -> dict[str, int]:
    """Rows that are not synthetic, per model (publications and provenance records)."""
    counts = {}
    publications = Publication.objects.exclude(slug=SYNTHETIC_REVIEW).count()
    if publications:
        counts["publications"] = publications
    for model in _provenance_models():
        n = model._default_manager.exclude(source_review__slug=SYNTHETIC_REVIEW).count()
        if n:
            counts[str(model._meta.verbose_name_plural)] = n
    return counts


def _raw_delete(queryset: models.QuerySet) -> None:
    # One DELETE statement: Model.delete() would load every row to send history signals.
    queryset._raw_delete(queryset.db)


def _delete_synthetic_evidence() -> None:
    for model in (ClinicalTrial, Study):
        for field in model._meta.many_to_many:
            _raw_delete(field.remote_field.through.objects.all())
        _raw_delete(model._default_manager.all())


#
# Vocabulary from the curated fixtures
#


def _fixture_records(directory: Path, entity: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if f"entity: {entity}\n" not in text:
            continue
        document = yaml.load(text, Loader=_YAML_LOADER)
        records.extend(document.get("records") or [])
    return records


def _ensure_vocabulary(directory: Path, review: Publication) -> None:
    """Conditions, cell sources and therapies of the fixtures; fixed vocabularies."""
    fields = {
        Condition: ("slug", "name", "category", "synonyms"),
        CellSource: ("slug", "name", "tissue", "cell_type", "potency", "species"),
    }
    for model, entity in ((Condition, "conditions"), (CellSource, "cell_sources")):
        present = set(model.objects.values_list("slug", flat=True))
        model.objects.bulk_create(
            model(**{name: record[name] for name in fields[model]})
            for record in _fixture_records(directory, entity)
            if record["slug"] not in present
        )
    for model, vocabulary in (
        (OutcomeClass, choices.OutcomeClassChoices),
        (ModelSystem, choices.ModelSystemChoices),
    ):
        for value, label in vocabulary.choices:
            model.objects.get_or_create(
                slug=value.replace("_", "-"), defaults={"name": label}
            )
    sources = {s.slug: s for s in CellSource.objects.all()}
    therapies = {t.slug: t for t in Therapy.objects.all()}
    pending = [
        r
        for r in _fixture_records(directory, "therapies")
        if r["slug"] not in therapies
    ]
    # Parents before the products derived from them (a few rounds at most).
    while pending:
        ready = [r for r in pending if not r.get("parent") or r["parent"] in therapies]
        if not ready:
            raise SyntheticError("the fixtures' therapy lineage has a cycle")
        for record in ready:
            therapies[record["slug"]] = Therapy.objects.create(
                slug=record["slug"],
                name=record["name"],
                modality=record["modality"],
                cell_source=sources.get(record.get("cell_source")),
                parent=therapies.get(record.get("parent")),
                donor_type=record.get("donor_type") or "unknown",
                description=record.get("description") or "",
                source_review=review,
                locator=SYNTHETIC_LOCATOR,
                flags=[SYNTHETIC_FLAG],
            )
        pending = [r for r in pending if r["slug"] not in therapies]


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


class _Generator:
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


def _trial(gen: _Generator, number: int) -> tuple:
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


def _study(gen: _Generator, number: int) -> tuple:
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


def _next_pk(model: type[models.Model]) -> int:
    return (model._default_manager.aggregate(m=models.Max("pk"))["m"] or 0) + 1


# Bound parameters per INSERT statement: SQLite allows 32766 (3.32+), PostgreSQL 65535.
_MAX_PARAMS = 30_000


def _insert(
    table: str, columns: list[str], rows: list[tuple], *, params: int = _MAX_PARAMS
) -> None:
    """Multi-row INSERTs of plain, already database-ready values.

    `bulk_create` prepares every value through its field (about 30 µs a row for a
    trial): 100k trials took about 45 s that way, several times this.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) VALUES "
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    per_statement = max(1, params // len(columns))
    with connection.cursor() as cursor:
        # The driver's own cursor: Django's debug wrapper would format every statement.
        raw = cursor.cursor
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            raw.execute(
                head + ", ".join([one] * len(chunk)),
                [value for row in chunk for value in row],
            )


def _write(
    *,
    model: type[models.Model],
    count: int,
    make: Callable[[int], tuple],
    relations: tuple[str, str],
    constants: dict[str, Any],
    batch_size: int,
    progress: Progress,
) -> None:
    """Create `count` rows of `model` and their rows of two many-to-many relations.

    `make(n)` gives the values of row n by attribute name and the primary keys of its
    related records; fields it leaves out take `constants`, then the field's default.
    """
    label = str(model._meta.verbose_name_plural)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    base: dict[str, Any] = {}
    for f in fields:
        if f.attname in constants:
            value = constants[f.attname]
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        elif f.has_default():
            value = f.get_default()
        else:
            value = None if f.null else ""
        base[f.attname] = f.get_db_prep_save(value, connection)
    names = ["id", *(f.attname for f in fields)]
    columns = ["id", *(f.column for f in fields)]
    links = []
    for name in relations:
        m2m = model._meta.get_field(name)
        through = m2m.remote_field.through
        links.append(
            (
                through._meta.db_table,
                [m2m.m2m_column_name(), m2m.m2m_reverse_name()],
            )
        )
    first = _next_pk(model)
    done = 0
    progress(label, 0, count)
    while done < count:
        size = min(batch_size, count - done)
        rows: list[tuple] = []
        link_rows: tuple[list, list] = ([], [])
        for offset in range(size):
            pk = first + done + offset
            values, first_related, second_related = make(done + offset + 1)
            row = {**base, **values, "id": pk}
            rows.append(tuple(row[name] for name in names))
            link_rows[0].extend((pk, target) for target in first_related)
            link_rows[1].extend((pk, target) for target in second_related)
        _insert(model._meta.db_table, columns, rows)
        for (table, link_columns), link in zip(links, link_rows, strict=True):
            _insert(table, link_columns, link)
        done += size
        progress(label, done, count)


def synthetic_generate(
    *,
    trials: int,
    studies: int,
    seed: int = 0,
    force: bool = False,
    fixtures_dir: Path | None = None,
    batch_size: int = 5000,
    progress: Progress = lambda label, done, total: None,
) -> SyntheticResult:
    """Fill the current database with `trials` synthetic trials and `studies` studies.

    Refuses a database that holds curated records, and one that already holds trials or
    studies unless `force` (which replaces the synthetic trials and studies). The same
    `seed` gives the same records.
    """
    if trials < 0 or studies < 0:
        raise SyntheticError("--trials and --studies must be zero or more")
    if trials > NCT_MAX - NCT_BASE:
        raise SyntheticError(f"at most {NCT_MAX - NCT_BASE} synthetic trials")
    started = time.perf_counter()
    curated = curated_record_counts()
    if curated:
        found = ", ".join(f"{n} {name}" for name, n in sorted(curated.items()))
        raise SyntheticError(
            f"this database holds curated records ({found}). Synthetic records go into "
            "a separate database: point DATABASE_URL at an empty one "
            "(e.g. sqlite:////tmp/synthetic.sqlite3) and run migrate first."
        )
    if not force and (ClinicalTrial.objects.exists() or Study.objects.exists()):
        raise SyntheticError(
            "this database already holds trials or studies; "
            "use --force to replace the synthetic ones"
        )
    rng = random.Random(seed)
    with transaction.atomic():
        if force:
            _delete_synthetic_evidence()
        review, _ = Publication.objects.get_or_create(
            slug=SYNTHETIC_REVIEW,
            defaults={
                "title": "Synthetic benchmark records (not real evidence)",
                "authors": "Paracrine Atlas generate_synthetic",
                "kind": evidence_choices.PublicationKind.REVIEW,
                "year": 2026,
            },
        )
        _ensure_vocabulary(fixtures_dir or settings.FIXTURES_DIR, review)
        gen = _Generator(rng)
        constants = {
            "source_review_id": review.pk,
            "locator": SYNTHETIC_LOCATOR,
            "flags": [SYNTHETIC_FLAG],
        }
        _write(
            model=ClinicalTrial,
            count=trials,
            make=lambda n: _trial(gen, n),
            relations=("conditions", "outcome_classes"),
            constants=constants,
            batch_size=batch_size,
            progress=progress,
        )
        # Studies from their own stream: the same seed gives the same studies
        # whatever the number of trials.
        gen.rng = random.Random(f"{seed}-studies")
        _write(
            model=Study,
            count=studies,
            make=lambda n: _study(gen, n),
            relations=("conditions", "model_systems"),
            constants=constants,
            batch_size=batch_size,
            progress=progress,
        )
        # Explicit primary keys leave PostgreSQL's sequences behind: move them on.
        sequence_sql = connection.ops.sequence_reset_sql(
            no_style(), [ClinicalTrial, Study]
        )
        if sequence_sql:
            with connection.cursor() as cursor:
                for statement in sequence_sql:
                    cursor.execute(statement)
    # Fresh planner statistics after a bulk load (SQLite has none until ANALYZE).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return SyntheticResult(trials, studies, time.perf_counter() - started)
