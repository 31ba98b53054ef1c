"""The one write path of every curated record.

Every channel that changes a record (admin form, admin history revert, admin action, API,
import, `load_curated`) calls `record_save` or `record_delete`. Inside one transaction they
lock the stored row, refuse a write based on a stale copy, validate, re-derive computed
fields, record the history with channel and reason, and bump the record's `version`.

The version check is a read of the stored row under `SELECT ... FOR UPDATE` (PostgreSQL);
SQLite has no row locks, but the project opens every transaction with `BEGIN IMMEDIATE`
(settings), so two writers are serialised and the second reads the first's version.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction

from evidence import registry

if TYPE_CHECKING:
    from evidence.base.models import TimeStampedModel

# Every record written here is versioned (TimeStampedModel.version).
Record = TypeVar("Record", bound="TimeStampedModel")

CHANNELS = ("admin", "api", "import", "load_curated", "action", "revert")

# Writes committed by the current request (its thread): a database failure after one of
# them must not be answered with "nothing was changed" (evidence.middleware).
_commit_log = threading.local()


def reset_commit_log(**kwargs) -> None:
    """Forget the writes of the previous request (connected to `request_started`)."""
    _commit_log.count = 0


def committed_writes() -> int:
    """How many records this request's writes have committed so far."""
    return getattr(_commit_log, "count", 0)


def _note_commit() -> None:
    _commit_log.count = committed_writes() + 1


@dataclass
class StaleRecord(Exception):
    """The record changed since the writer read it: nothing was written."""

    model: type[models.Model]
    pk: Any
    expected: Any
    current: int
    who: str = ""
    when: str = ""

    def __str__(self) -> str:
        by = f" by {self.who}" if self.who else ""
        at = f" at {self.when}" if self.when else ""
        return (
            f"This {self.model._meta.verbose_name} was changed{by}{at} since you read "
            f"it (your copy: version {self.expected}, stored: version {self.current}). "
            "Nothing was written: reload it, re-apply your change and save again."
        )


def change_reason(channel: str, reason: str = "") -> str:
    """The history's reason: `<channel>` or `<channel>: <reason>`."""
    reason = (reason or "").strip()
    return f"{channel}: {reason}"[:100] if reason else channel


def _stamp_history(instance: models.Model, channel: str, reason: str, user) -> None:
    """What simple-history records with the next history row: reason and author."""
    # Attributes simple-history reads from the instance; no model declares them.
    instance._change_reason = change_reason(channel, reason)  # type: ignore[attr-defined]
    if user is not None and getattr(user, "is_authenticated", False):
        instance._history_user = user  # type: ignore[attr-defined]


def refresh_derived(instance: models.Model, *, persist: bool = True) -> None:
    """Re-derive the computed fields of a record (the evidence level), in place.

    For callers that link many-to-many records after `record_save` (the admin's
    `save_related`): derivations that read those links must run again afterwards.
    `persist=False` only sets them on the instance (a save is about to write them).
    """
    entity = registry.for_model(type(instance))
    spec = entity.spec if entity is not None else None
    if spec is not None and spec.refresh is not None:
        spec.refresh(instance, persist=persist)


def _stale(model, pk, expected, current) -> StaleRecord:
    who = when = ""
    stored = model._default_manager.filter(pk=pk).first()
    if stored is not None:
        when = stored.updated.strftime("%Y-%m-%d %H:%M:%S") if stored.updated else ""
        latest = stored.history.first() if hasattr(stored, "history") else None
        user = getattr(latest, "history_user", None)
        who = getattr(user, "username", "") or ""
    return StaleRecord(model, pk, expected, current, who, when)


def lock_version(model: type[models.Model], pk: Any) -> int | None:
    """The stored version of a record, with its row locked until the transaction ends.

    Must run inside `transaction.atomic()`. None when the row does not exist.
    """
    return (
        model._default_manager.select_for_update()
        .filter(pk=pk)
        .values_list("version", flat=True)
        .first()
    )


def check_version(
    model: type[models.Model], pk: Any, expected: int | None
) -> int | None:
    """Lock the row and refuse a stale `expected` version; returns the stored version."""
    current = lock_version(model, pk)
    if expected is not None and current is not None and int(expected) != current:
        raise _stale(model, pk, expected, current)
    return current


def record_save(
    instance: Record,
    *,
    channel: str,
    reason: str = "",
    user=None,
    expected_version: int | None = None,
    many_to_many: Mapping[str, Iterable[models.Model]] | None = None,
    validate: bool = True,
    exclude: Iterable[str] | None = None,
    before_save: Callable[[Record], None] | None = None,
) -> Record:
    """Validate, derive, version and save one record, with its history, atomically.

    `expected_version` is the version the writer read (None: write whatever is stored,
    for channels with no copy to be stale, like `load_curated`). A stale version raises
    StaleRecord; an invalid record raises ValidationError; nothing is written then.
    """
    model = type(instance)
    with transaction.atomic():
        current = None
        if instance.pk is not None:
            current = check_version(model, instance.pk, expected_version)
        instance.version = (current or 0) + 1
        if before_save is not None:
            before_save(instance)
        # Derived fields in memory first, so that the save and its history row hold them.
        refresh_derived(instance, persist=False)
        if validate:
            instance.full_clean(exclude=list(exclude or ()))
        _stamp_history(instance, channel, reason, user)
        instance.save()
        for name, targets in (many_to_many or {}).items():
            getattr(instance, name).set(list(targets))
        # Derivations that read many-to-many links (a study's model systems).
        refresh_derived(instance)
        transaction.on_commit(_note_commit)
    return instance


def record_delete(
    instance: TimeStampedModel,
    *,
    channel: str,
    reason: str = "",
    user=None,
    expected_version: int | None = None,
) -> None:
    """Delete one record after the same stale check as a save, with its history."""
    model = type(instance)
    with transaction.atomic():
        check_version(model, instance.pk, expected_version)
        _stamp_history(instance, channel, reason, user)
        instance.delete()
        transaction.on_commit(_note_commit)


def record_revert(
    current: Record,
    historical: Any,  # the historical model simple-history generates (untyped)
    *,
    user=None,
    reason: str = "",
    expected_version: int | None = None,
) -> Record:
    """Restore every stored field of `historical` onto the record, re-deriving the rest."""
    restored: Record = historical.instance
    restored.pk = current.pk
    restored.created = current.created
    restored._state.adding = False
    restored._state.db = current._state.db
    return record_save(
        restored,
        channel="revert",
        reason=reason or f"to version of {historical.history_date:%Y-%m-%d %H:%M:%S}",
        user=user,
        expected_version=expected_version,
    )


def validation_messages(exc: ValidationError) -> dict[str, list[str]]:
    """A ValidationError as {field: [messages]} ('non_field_errors' for the rest)."""
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if k == "__all__" else k): v
            for k, v in exc.message_dict.items()
        }
    return {"non_field_errors": exc.messages}
