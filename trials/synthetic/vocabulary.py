"""The vocabulary of synthetic records, taken from the curated fixtures."""

from __future__ import annotations

from pathlib import Path

from evidence.dataset.fixtures_io import read_fixtures
from evidence.models import CellSource, Condition, Publication, Therapy
from trials.services import fixed_vocabularies_ensure
from trials.synthetic.constants import (
    SYNTHETIC_FLAG,
    SYNTHETIC_LOCATOR,
    SyntheticError,
)


def ensure_vocabulary(directory: Path, review: Publication) -> None:
    """Conditions, cell sources and therapies of the fixtures; fixed vocabularies."""
    fixtures = {
        entity: [record.data for record in records]
        for entity, records in read_fixtures(directory).items()
    }
    fields = {
        Condition: ("slug", "name", "category", "synonyms"),
        CellSource: ("slug", "name", "tissue", "cell_type", "potency", "species"),
    }
    for model, entity in ((Condition, "conditions"), (CellSource, "cell_sources")):
        present = set(model.objects.values_list("slug", flat=True))
        model.objects.bulk_create(
            model(**{name: record[name] for name in fields[model]})
            for record in fixtures.get(entity, [])
            if record["slug"] not in present
        )
    fixed_vocabularies_ensure()
    sources = {s.slug: s for s in CellSource.objects.all()}
    therapies = {t.slug: t for t in Therapy.objects.all()}
    pending = [r for r in fixtures.get("therapies", []) if r["slug"] not in therapies]
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
