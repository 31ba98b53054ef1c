"""The curated dataset out: one `<entity>.yaml` per entity, in the fixtures' format.

`dataset_export` writes the database back in the format `dataset_load` reads, so that
export -> load -> export is identical.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from django.db import models

from evidence.dataset.specs import EntitySpec, specs


def _yaml_value(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _export_record(spec: EntitySpec, instance: models.Model) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in spec.fields:
        value = getattr(instance, name)
        converter = spec.converters.get(name)
        out[name] = converter.to_yaml(value) if converter else _yaml_value(value)
    for name, relation in spec.foreign_keys.items():
        related = getattr(instance, relation.model_field)
        out[name] = (
            relation.to_yaml(getattr(related, relation.lookup)) if related else None
        )
    for name, relation in spec.many_to_many.items():
        related = getattr(instance, relation.model_field).all()
        out[name] = sorted(
            relation.to_yaml(getattr(r, relation.lookup)) for r in related
        )
    if spec.provenance:
        primary = instance.primary_publication
        out["provenance"] = {
            "review": instance.source_review.slug,
            "locator": instance.locator,
            "refs": sorted(r.number for r in instance.cited_references.all()),
            "primary_doi": primary.doi if primary else None,
            "verification": instance.verification_status,
            "confirmed_by": instance.confirmed_by,
            "flags": list(instance.flags),
        }
    return out


def _export_queryset(
    spec: EntitySpec, using: str = "default"
) -> Iterable[models.Model]:
    queryset = spec.model._default_manager.db_manager(using).all()
    related = [r.model_field for r in spec.foreign_keys.values()]
    prefetch = [r.model_field for r in spec.many_to_many.values()]
    if spec.provenance:
        related += ["source_review", "primary_publication"]
        prefetch.append("cited_references")
    order = [
        f"{spec.foreign_keys[k].model_field}__slug" if k in spec.foreign_keys else k
        for k in spec.key
    ]
    return (
        queryset.select_related(*related).prefetch_related(*prefetch).order_by(*order)
    )


def dataset_export(*, directory: Path, using: str = "default") -> dict[str, int]:
    """Write one `<entity>.yaml` per entity under `directory`; return row counts.

    `using`: the database alias to read (a backup reads its own snapshot copy).
    """
    directory.mkdir(parents=True, exist_ok=True)
    counts = {}
    for spec in specs():
        records = [_export_record(spec, obj) for obj in _export_queryset(spec, using)]
        counts[spec.name] = len(records)
        text = yaml.safe_dump(
            {"entity": spec.name, "records": records},
            allow_unicode=True,
            sort_keys=False,
            width=100,
        )
        (directory / f"{spec.name}.yaml").write_text(text, encoding="utf-8")
    return counts
