"""The vocabulary of synthetic records, taken from the curated fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from evidence.models import CellSource, Condition, Publication, Therapy
from trials.services import fixed_vocabularies_ensure
from trials.synthetic.constants import (
    _YAML_LOADER,
    SYNTHETIC_FLAG,
    SYNTHETIC_LOCATOR,
    SyntheticError,
)

#
# Vocabulary from the curated fixtures
#


def fixture_records(directory: Path, entity: str) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if f"entity: {entity}\n" not in text:
            continue
        document = yaml.load(text, Loader=_YAML_LOADER)
        records.extend(document.get("records") or [])
    return records


def ensure_vocabulary(directory: Path, review: Publication) -> None:
    """Conditions, cell sources and therapies of the fixtures; fixed vocabularies."""
    fields = {
        Condition: ("slug", "name", "category", "synonyms"),
        CellSource: ("slug", "name", "tissue", "cell_type", "potency", "species"),
    }
    for model, entity in ((Condition, "conditions"), (CellSource, "cell_sources")):
        present = set(model.objects.values_list("slug", flat=True))
        model.objects.bulk_create(
            model(**{name: record[name] for name in fields[model]})
            for record in fixture_records(directory, entity)
            if record["slug"] not in present
        )
    fixed_vocabularies_ensure()
    sources = {s.slug: s for s in CellSource.objects.all()}
    therapies = {t.slug: t for t in Therapy.objects.all()}
    pending = [
        r for r in fixture_records(directory, "therapies") if r["slug"] not in therapies
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
