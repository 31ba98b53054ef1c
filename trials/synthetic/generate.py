"""The entry point: fill the current database with synthetic trials and studies."""

from __future__ import annotations

import random
import time
from pathlib import Path

from django.conf import settings
from django.core.management.color import no_style
from django.db import connection, transaction

from evidence import choices as evidence_choices
from evidence.base import search_index
from evidence.dataset.bulk import write_rows
from evidence.models import Publication
from trials.models import ClinicalTrial, Study
from trials.synthetic.constants import (
    NCT_BASE,
    NCT_MAX,
    SYNTHETIC_FLAG,
    SYNTHETIC_LOCATOR,
    SYNTHETIC_REVIEW,
    Progress,
    SyntheticError,
    SyntheticResult,
)
from trials.synthetic.guards import curated_record_counts, delete_synthetic_evidence
from trials.synthetic.values import Generator, study_row, trial_row
from trials.synthetic.vocabulary import ensure_vocabulary


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
            delete_synthetic_evidence()
        review, _ = Publication.objects.get_or_create(
            slug=SYNTHETIC_REVIEW,
            defaults={
                "title": "Synthetic benchmark records (not real evidence)",
                "authors": "Paracrine Atlas generate_synthetic",
                "kind": evidence_choices.PublicationKind.REVIEW,
                "year": 2026,
            },
        )
        ensure_vocabulary(fixtures_dir or settings.FIXTURES_DIR, review)
        gen = Generator(rng)
        constants = {
            "source_review_id": review.pk,
            "locator": SYNTHETIC_LOCATOR,
            "flags": [SYNTHETIC_FLAG],
        }
        write_rows(
            model=ClinicalTrial,
            count=trials,
            make=lambda n: trial_row(gen, n),
            relations=("conditions", "outcome_classes"),
            constants=constants,
            batch_size=batch_size,
            progress=progress,
        )
        # Studies from their own stream: the same seed gives the same studies
        # whatever the number of trials.
        gen.rng = random.Random(f"{seed}-studies")
        write_rows(
            model=Study,
            count=studies,
            make=lambda n: study_row(gen, n),
            relations=("conditions", "model_systems"),
            constants=constants,
            batch_size=batch_size,
            progress=progress,
        )
        # Rows written without signals (vocabulary included): their search index.
        search_index.rebuild()
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
