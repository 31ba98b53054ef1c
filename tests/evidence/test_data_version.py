"""The data version that cached counts are keyed by (evidence.base.counts): when it
changes, inside and outside transactions."""

import pytest
from django.db import transaction

from evidence.base import counts
from tests.factories import ClinicalTrialFactory, ConditionFactory


@pytest.fixture
def count_cache(settings):
    settings.COUNT_CACHE_SECONDS = 60


def _version() -> int:
    return counts.data_version()


@pytest.mark.django_db(transaction=True)
def test_every_write_outside_a_transaction_changes_the_version(count_cache):
    first = _version()
    ConditionFactory()
    second = _version()
    ConditionFactory()
    assert first != second != _version()


@pytest.mark.django_db(transaction=True)
def test_a_transaction_changes_the_version_at_its_first_write_and_at_its_commit(
    count_cache,
):
    before = _version()
    with transaction.atomic():
        trial = ClinicalTrialFactory()
        trial.conditions.add(ConditionFactory(), ConditionFactory())
        trial.save()
        inside = _version()
        assert inside != before
        # Every other save and link of the same transaction leaves it alone: one
        # cache write per transaction, not one per signal.
        ConditionFactory()
        trial.conditions.clear()
        assert _version() == inside
    after = _version()
    assert after not in (before, inside)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_leaves_no_pending_change(count_cache):
    with pytest.raises(RuntimeError), transaction.atomic():
        ConditionFactory()
        changed = _version()
        raise RuntimeError("roll back")
    assert _version() == changed
    # The next transaction changes it again at its first write.
    with transaction.atomic():
        ConditionFactory()
        assert _version() != changed


@pytest.mark.django_db
def test_inside_a_test_case_each_transaction_changes_the_version_again(count_cache):
    # The test's own blocks never commit, so the pending change of the first
    # transaction stays listed: it must not stop the second from changing it.
    with transaction.atomic():
        ConditionFactory()
    first = _version()
    with transaction.atomic():
        ConditionFactory()
    assert _version() != first
    ConditionFactory()  # outside a transaction of the code's own
    assert _version() != first
