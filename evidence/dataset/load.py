"""The curated dataset in: `dataset_load` reads the fixtures' YAML files.

`dataset_load` brings the database to the state the YAML files describe, in one transaction:
any invalid record aborts the whole load and names the file, the record and the field.
A second load of the same files changes nothing. `evidence.dataset.export` writes the
database back in the same format. The entities and their order come from the registry
(`evidence.dataset.specs.specs()`): no app is named here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import IntegrityError, connection, models, transaction

from evidence import registry
from evidence.base.writes import record_save
from evidence.dataset.fixtures_io import DatasetError, SourceRecord, read_fixtures
from evidence.dataset.specs import (
    PROVENANCE_KEYS,
    EntitySpec,
    empty_value,
    specs,
)
from evidence.models import Publication, ReviewReference

LOAD_REASON = "load_curated"


@dataclass
class LoadResult:
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unchanged: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def changed(self) -> bool:
        return bool(sum(self.created.values()) or sum(self.updated.values()))


def _order_self_references(
    spec: EntitySpec, records: list[SourceRecord]
) -> list[SourceRecord]:
    """Parents before children for entities that point at themselves (therapy lineage,
    condition hierarchy); a cycle among the records is refused."""
    self_fields = [
        name for name, rel in spec.foreign_keys.items() if rel.model is spec.model
    ]
    if not self_fields:
        return records
    by_key = {r.data.get("slug"): r for r in records}
    ordered: list[SourceRecord] = []
    placed: set[str] = set()
    visiting: set[str] = set()

    def place(record: SourceRecord) -> None:
        slug = record.data.get("slug")
        if slug in placed:
            return
        if slug in visiting:
            raise DatasetError(
                f"lineage cycle: {slug!r} is its own ancestor through "
                f"{', '.join(self_fields)}",
                path=record.path,
                record=record.label(spec),
            )
        visiting.add(slug)
        for name in self_fields:
            parent = by_key.get(record.data.get(name))
            if parent is not None:
                place(parent)
        visiting.discard(slug)
        placed.add(slug)
        ordered.append(record)

    for record in records:
        place(record)
    return ordered


class _Loader:
    def __init__(self, progress: Callable[[str], None]) -> None:
        self.progress = progress
        self.result = LoadResult()
        self._cache: dict[tuple[type[models.Model], str, Any], models.Model] = {}

    def resolve(
        self, model: type[models.Model], lookup: str, value: Any
    ) -> models.Model:
        key = (model, lookup, value)
        if key not in self._cache:
            self._cache[key] = model._default_manager.get(**{lookup: value})
        return self._cache[key]

    def load_entity(self, spec: EntitySpec, records: list[SourceRecord]) -> None:
        seen: dict[tuple, SourceRecord] = {}
        for record in records:
            key = tuple(record.data.get(k) for k in spec.key)
            if key in seen:
                raise DatasetError(
                    f"duplicate key {key} (also in {seen[key].path})",
                    path=record.path,
                    record=record.label(spec),
                )
            seen[key] = record
        for record in _order_self_references(spec, records):
            self.load_record(spec, record)
        self.progress(
            f"  {spec.name}: {len(records)} records "
            f"({self.result.created[spec.name]} created, "
            f"{self.result.updated[spec.name]} updated, "
            f"{self.result.unchanged[spec.name]} unchanged)"
        )

    def load_record(self, spec: EntitySpec, record: SourceRecord) -> None:
        data = record.data
        label = record.label(spec)

        def fail(message: str, field_name: str = "") -> DatasetError:
            return DatasetError(
                message, path=record.path, record=label, field=field_name
            )

        unknown = set(data) - set(spec.yaml_fields)
        if unknown:
            raise fail(
                f"unknown field(s) {sorted(unknown)}", ", ".join(sorted(unknown))
            )

        values: dict[str, Any] = {}
        for name in spec.fields:
            raw = data.get(name)
            converter = spec.converters.get(name)
            try:
                value = converter.to_db(raw) if converter else raw
            except (TypeError, ValueError) as exc:
                raise fail(str(exc), name) from exc
            if value is None and not _allows_null(spec.model, name):
                # The record format's one empty-value rule (evidence.dataset).
                value = empty_value(spec.model, name)
            elif value is not None:
                # As the database will return it (YAML's 1 for a CharField is "1"),
                # so that an unchanged record compares equal on the next load.
                try:
                    value = _model_field(spec.model, name).to_python(value)
                except ValidationError as exc:
                    raise fail("; ".join(exc.messages), name) from exc
            values[name] = value
        for name, relation in spec.foreign_keys.items():
            raw = data.get(name)
            if raw in (None, ""):
                values[relation.model_field] = None
                continue
            try:
                values[relation.model_field] = self.resolve(
                    relation.model, relation.lookup, relation.to_db(raw)
                )
            except ObjectDoesNotExist as exc:
                raise fail(
                    f"no {relation.model.__name__} with {relation.lookup}={raw!r}", name
                ) from exc
        if spec.provenance:
            values.update(self.provenance_values(spec, record, fail))
            refs = values.pop("_refs")
        else:
            refs = None

        lookup = {}
        for key_name in spec.key:
            relation = spec.foreign_keys.get(key_name)
            lookup[relation.model_field if relation else key_name] = values[
                relation.model_field if relation else key_name
            ]
        instance = spec.model._default_manager.filter(**lookup).first()
        created = instance is None
        if created:
            instance = spec.model()
        changed_fields = [
            name
            for name, value in values.items()
            if getattr(instance, name, None) != value
        ]
        for name in changed_fields:
            setattr(instance, name, values[name])

        m2m_targets: dict[str, list[models.Model]] = {}
        for name, relation in spec.many_to_many.items():
            raw = data.get(name) or []
            if not isinstance(raw, list):
                raise fail("expected a list", name)
            targets = []
            for item in raw:
                try:
                    targets.append(
                        self.resolve(
                            relation.model, relation.lookup, relation.to_db(item)
                        )
                    )
                except ObjectDoesNotExist as exc:
                    raise fail(
                        f"no {relation.model.__name__} with {relation.lookup}={item!r}",
                        name,
                    ) from exc
            m2m_targets[relation.model_field] = targets
        if refs is not None:
            m2m_targets["cited_references"] = refs

        m2m_changed = created or any(
            {t.pk for t in targets}
            != set(getattr(instance, name).values_list("pk", flat=True))
            for name, targets in m2m_targets.items()
        )
        if not created and not changed_fields and not m2m_changed:
            self.result.unchanged[spec.name] += 1
            return

        # Related records were resolved above, and the check constraints hold in the
        # database (caught below): validating them here again costs a query each.
        resolved = [r.model_field for r in spec.foreign_keys.values()]
        if spec.provenance:
            resolved += ["source_review", "primary_publication"]
        try:
            instance.full_clean(exclude=resolved, validate_constraints=False)
        except ValidationError as exc:
            messages = (
                exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
            )
            field_name, errors = sorted(
                messages.items(), key=lambda item: item[0] == "__all__"
            )[0]
            field_name = "" if field_name == "__all__" else field_name
            raise fail("; ".join(errors), field_name) from exc
        # Saved even when only relations changed, so that the history shows the load.
        # The one write path (validated just above, with the resolved relations left out).
        try:
            record_save(
                instance,
                channel=LOAD_REASON,
                many_to_many=m2m_targets,
                validate=False,
            )
        except IntegrityError as exc:
            raise fail(f"refused by the database: {exc}") from exc
        (self.result.created if created else self.result.updated)[spec.name] += 1

    def provenance_values(
        self, spec: EntitySpec, record: SourceRecord, fail
    ) -> dict[str, Any]:
        block = record.data.get("provenance")
        if not isinstance(block, dict):
            raise fail("every record needs a provenance block", "provenance")
        unknown = set(block) - set(PROVENANCE_KEYS)
        if unknown:
            raise fail(f"unknown provenance key(s) {sorted(unknown)}", "provenance")
        if not block.get("review"):
            raise fail("provenance.review is required", "provenance.review")
        if not str(block.get("locator") or "").strip():
            raise fail("provenance.locator is required", "provenance.locator")
        try:
            review = self.resolve(Publication, "slug", block["review"])
        except ObjectDoesNotExist as exc:
            raise fail(
                f"no review publication {block['review']!r}", "provenance.review"
            ) from exc
        refs = []
        for number in block.get("refs") or []:
            try:
                refs.append(self.resolve_reference(review, int(number)))
            except (ObjectDoesNotExist, TypeError, ValueError) as exc:
                raise fail(
                    f"reference [{number}] is not in the reference list of {review.slug}",
                    "provenance.refs",
                ) from exc
        primary = None
        if block.get("primary_doi"):
            try:
                primary = self.resolve(Publication, "doi", block["primary_doi"])
            except ObjectDoesNotExist as exc:
                raise fail(
                    f"no publication with DOI {block['primary_doi']!r}",
                    "provenance.primary_doi",
                ) from exc
        flags = block.get("flags") or []
        if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags):
            raise fail("flags must be a list of strings", "provenance.flags")
        return {
            "source_review": review,
            "locator": str(block["locator"]).strip(),
            "primary_publication": primary,
            "verification_status": block.get("verification") or "extracted",
            "confirmed_by": block.get("confirmed_by") or "",
            "flags": flags,
            "_refs": refs,
        }

    def resolve_reference(self, review: Publication, number: int) -> ReviewReference:
        key = (ReviewReference, f"{review.pk}", number)
        if key not in self._cache:
            self._cache[key] = ReviewReference.objects.get(review=review, number=number)
        return self._cache[key]


def _model_field(model: type[models.Model], name: str) -> models.Field:
    return model._meta.get_field(name)


def _allows_null(model: type[models.Model], name: str) -> bool:
    return _model_field(model, name).null


def dataset_load(
    *, directory: Path, progress: Callable[[str], None] = lambda line: None
) -> LoadResult:
    """Load every fixture under `directory` in one transaction."""
    grouped = read_fixtures(directory)
    loader = _Loader(progress)
    with transaction.atomic():
        registry.seed_vocabularies()
        for spec in specs():
            records = grouped.get(spec.name, [])
            if records:
                loader.load_entity(spec, records)
        if loader.result.changed:
            _refresh_planner_statistics()
    return loader.result


def _refresh_planner_statistics() -> None:
    """ANALYZE the curated tables after a load that changed them.

    PostgreSQL plans from table statistics; a load into fresh tables leaves them saying
    "empty" until autovacuum runs (never, inside a still-open transaction), and the
    planner then picks nested loops over sequential scans: a one-row lookup of a
    finding's references took 0.3 s instead of 0.1 ms. ANALYZE may run in a transaction
    and sees its rows. SQLite plans well enough without statistics.
    """
    if connection.vendor != "postgresql":
        return
    tables = set()
    for spec in specs():
        tables.add(spec.model._meta.db_table)
        for m2m in spec.model._meta.many_to_many:
            tables.add(m2m.remote_field.through._meta.db_table)
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(quote(t) for t in sorted(tables))}")
