"""The one write path (evidence.base.writes): version, stale refusal, validation, derivation,
history; and real parallel writers with one winner per round on SQLite and PostgreSQL."""

import math
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, close_old_connections, connection, transaction

from evidence.base.writes import StaleRecord, record_delete, record_revert, record_save
from evidence.models import Condition
from tests.factories import ClinicalTrialFactory, ConditionFactory
from trials.models import ClinicalTrial


@pytest.mark.django_db
def test_save_bumps_the_version_and_records_channel_and_reason():
    condition = ConditionFactory()
    assert condition.version == 1
    condition.name = "Renamed"
    record_save(condition, channel="api", reason="typo", expected_version=1)
    condition.refresh_from_db()
    assert condition.version == 2
    assert condition.history.first().history_change_reason == "api: typo"


@pytest.mark.django_db
def test_a_stale_version_is_refused_and_nothing_is_written():
    condition = ConditionFactory(name="Before")
    fresh = Condition.objects.get(pk=condition.pk)
    fresh.name = "First writer"
    record_save(fresh, channel="admin", expected_version=1)

    condition.name = "Second writer"
    with pytest.raises(StaleRecord) as refused:
        record_save(condition, channel="admin", expected_version=1)
    assert "version 1" in str(refused.value) and "version 2" in str(refused.value)
    assert Condition.objects.get(pk=condition.pk).name == "First writer"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value", [math.inf, -math.inf, math.nan, 1e301, float("1e400")]
)
def test_non_finite_doses_are_refused_by_validation(value):
    trial = ClinicalTrialFactory()
    trial.dose_low = value
    trial.dose_unit = "cells"
    with pytest.raises(ValidationError) as refused:
        record_save(trial, channel="api", expected_version=trial.version)
    assert "dose_low" in refused.value.message_dict
    trial.refresh_from_db()
    assert trial.version == 1


@pytest.mark.django_db
@pytest.mark.parametrize("value", [math.inf, -math.inf, 1e301])
def test_the_database_refuses_non_finite_doses_too(value):
    trial = ClinicalTrialFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ClinicalTrial.objects.filter(pk=trial.pk).update(
            dose_low=value, dose_high=value, dose_unit="cells"
        )


@pytest.mark.django_db
def test_the_evidence_level_is_derived_on_every_save_and_revert():
    trial = ClinicalTrialFactory(design_as_printed="Open-label, single group")
    record_save(trial, channel="load_curated")
    assert trial.evidence_level == "B"
    old = trial.history.first()

    trial.design_as_printed = "Randomised, placebo-controlled"
    record_save(trial, channel="admin", expected_version=trial.version)
    trial.refresh_from_db()
    assert (trial.evidence_level_derived, trial.evidence_level) == ("A", "A")

    record_revert(trial, old, expected_version=trial.version)
    trial.refresh_from_db()
    assert trial.design_as_printed == "Open-label, single group"
    assert (trial.evidence_level_derived, trial.evidence_level) == ("B", "B")
    assert trial.history.first().history_change_reason.startswith("revert")


@pytest.mark.django_db
def test_a_stale_delete_is_refused():
    condition = ConditionFactory()
    Condition.objects.filter(pk=condition.pk).update(version=5)
    with pytest.raises(StaleRecord):
        record_delete(condition, channel="api", expected_version=4)
    assert Condition.objects.filter(pk=condition.pk).exists()
    record_delete(condition, channel="api", expected_version=5)
    assert not Condition.objects.filter(pk=condition.pk).exists()


ROUNDS = 15


@pytest.mark.race
@pytest.mark.django_db(transaction=True)
def test_parallel_writers_with_one_version_have_exactly_one_winner():
    """Two threads, each with its own database connection, save the same record from
    the same version at the same instant (a barrier releases them): in every round one
    is stored and the other refused as stale, on SQLite (BEGIN IMMEDIATE) and
    PostgreSQL (row lock)."""
    condition = ConditionFactory(name="Start")
    outcomes = []
    lock = threading.Lock()

    def writer(label, round_number, version, barrier, results):
        close_old_connections()
        try:
            copy = Condition.objects.get(pk=condition.pk)
            copy.name = f"round {round_number} by {label}"
            barrier.wait(timeout=10)
            record_save(copy, channel="api", expected_version=version)
            outcome = "saved"
        except StaleRecord:
            outcome = "stale"
        finally:
            connection.close()
        with lock:
            results.append(outcome)

    for round_number in range(ROUNDS):
        version = Condition.objects.get(pk=condition.pk).version
        barrier = threading.Barrier(2)
        results: list[str] = []
        threads = [
            threading.Thread(
                target=writer, args=(x, round_number, version, barrier, results)
            )
            for x in "AB"
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        outcomes.append(sorted(results))
        stored = Condition.objects.get(pk=condition.pk)
        assert stored.version == version + 1
        assert stored.name.startswith(f"round {round_number} by ")
    assert outcomes == [["saved", "stale"]] * ROUNDS
    # One history row per round (plus the creation): no write was lost or doubled.
    assert Condition.history.filter(id=condition.pk).count() == ROUNDS + 1
