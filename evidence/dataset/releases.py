"""Versioned releases of the curated dataset and the curators' roles.

A release is a folder `<root>/<version>/` with the dataset in the fixtures format, one CSV
per entity, a manifest (row counts, schema version, source review DOIs, a checksum per
file) and a changelog of the records added, changed and removed since the previous
release. A release that would drop records without a recorded deletion is refused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import yaml
from django.db import transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from evidence import registry
from evidence.dataset.export import dataset_export
from evidence.dataset.specs import EntitySpec, specs
from evidence.models import Publication, Release


class ReleaseRefused(Exception):
    """The release would lose records or reuse a version."""


@dataclass(frozen=True)
class Changelog:
    added: dict[str, list[str]]
    changed: dict[str, list[str]]
    removed: dict[str, list[str]]

    def is_empty(self) -> bool:
        return not any(
            (*self.added.values(), *self.changed.values(), *self.removed.values())
        )

    def as_markdown(self, version: str, previous: str | None) -> str:
        lines = [f"# Changelog of release {version}", ""]
        lines.append(
            f"Compared with release {previous}." if previous else "First release."
        )
        for title, section in (
            ("Added", self.added),
            ("Changed", self.changed),
            ("Removed", self.removed),
        ):
            lines += ["", f"## {title}", ""]
            entries = [
                (entity, key) for entity, keys in section.items() for key in keys
            ]
            lines += [f"- {entity}: {key}" for entity, key in entries] or ["- none"]
        return "\n".join(lines) + "\n"


def _record_key(spec: EntitySpec, record: dict) -> str:
    return "/".join(str(record[k]) for k in spec.key)


def _fingerprints(export_dir: Path) -> dict[str, dict[str, str]]:
    result: dict[str, dict[str, str]] = {}
    for spec in specs():
        document = yaml.safe_load((export_dir / f"{spec.name}.yaml").read_text("utf-8"))
        result[spec.name] = {
            _record_key(spec, record): hashlib.sha256(
                json.dumps(record, sort_keys=True, ensure_ascii=False).encode()
            ).hexdigest()
            for record in document["records"]
        }
    return result


def release_changelog(
    previous: dict[str, dict[str, str]], current: dict[str, dict[str, str]]
) -> Changelog:
    added, changed, removed = {}, {}, {}
    for spec in specs():
        before, after = previous.get(spec.name, {}), current.get(spec.name, {})
        added[spec.name] = sorted(set(after) - set(before))
        removed[spec.name] = sorted(set(before) - set(after))
        changed[spec.name] = sorted(
            k for k in set(before) & set(after) if before[k] != after[k]
        )
    return Changelog(added, changed, removed)


def _recorded_deletions(spec: EntitySpec, since) -> set[str]:
    """Natural keys of records of `spec` whose deletion the history recorded since then."""
    history = getattr(spec.model, "history", None)
    if history is None:
        return set()
    deleted = history.filter(history_type="-", history_date__gte=since)
    if spec.key == ("slug",):
        return set(deleted.values_list("slug", flat=True))
    keys = set()
    for row in deleted.select_related("review"):
        keys.add(
            "/".join(
                str(getattr(row, k).slug if k == "review" else getattr(row, k))
                for k in spec.key
            )
        )
    return keys


def _schema_version() -> dict[str, str]:
    applied = MigrationRecorder.Migration.objects.filter(app__in=registry.app_labels())
    latest: dict[str, str] = {}
    for app, name in applied.order_by("app", "name").values_list("app", "name"):
        latest[app] = name
    return latest


def _write_csv(spec: EntitySpec, export_dir: Path, csv_dir: Path) -> None:
    """The entity's records as CSV: the flat record format of export_records/import_records.

    The same columns, cells and formula neutralisation as `export_records <entity>`, so a
    release CSV re-imports with `import_records` (the YAML holds the same values).
    """
    from evidence.dataset.resources import RecordDataset

    document = yaml.safe_load((export_dir / f"{spec.name}.yaml").read_text("utf-8"))
    dataset = RecordDataset(headers=list(spec.column_names), spec=spec)
    for record in document["records"]:
        flat = spec.flatten(record)
        dataset.append([flat[name] for name in spec.column_names])
    (csv_dir / f"{spec.name}.csv").write_text(
        dataset.export("csv"), encoding="utf-8", newline=""
    )


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def release_publish(
    *, version: str, root: Path, user=None
) -> tuple[Release, Changelog]:
    """Write release `version` under `root` and record it; refuse to lose records."""
    if Release.objects.filter(version=version).exists():
        raise ReleaseRefused(f"release {version} exists already")
    target = root / version
    if target.exists():
        raise ReleaseRefused(f"{target} exists already")
    previous = Release.objects.order_by("-created").first()

    staging = root / f".{version}.staging"
    fixtures_dir = staging / "fixtures"
    counts = dataset_export(directory=fixtures_dir)
    current = _fingerprints(fixtures_dir)
    changelog = release_changelog(previous.fingerprints if previous else {}, current)
    if previous is not None:
        unexplained = {}
        for spec in specs():
            missing = set(changelog.removed[spec.name]) - _recorded_deletions(
                spec, previous.created
            )
            if missing:
                unexplained[spec.name] = sorted(missing)
        if unexplained:
            _remove_tree(staging)
            raise ReleaseRefused(
                "records would be dropped without a recorded deletion: "
                + "; ".join(f"{e}: {', '.join(k)}" for e, k in unexplained.items())
            )

    csv_dir = staging / "csv"
    csv_dir.mkdir()
    for spec in specs():
        _write_csv(spec, fixtures_dir, csv_dir)
    (staging / "CHANGELOG.md").write_text(
        changelog.as_markdown(version, previous.version if previous else None), "utf-8"
    )
    files = sorted(p for p in staging.rglob("*") if p.is_file())
    manifest = {
        "version": version,
        "created": timezone.now().isoformat(timespec="seconds"),
        "previous": previous.version if previous else None,
        "schema_version": _schema_version(),
        "source_reviews": [
            {"slug": p.slug, "doi": p.doi, "title": p.title}
            for p in Publication.objects.reviews().order_by("slug")
        ],
        "row_counts": counts,
        "files": {str(p.relative_to(staging)): _sha256(p) for p in files},
    }
    (staging / "manifest.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    with transaction.atomic():
        release = Release.objects.create(
            version=version, created_by=user, manifest=manifest, fingerprints=current
        )
        staging.rename(target)
    return release, changelog


def _remove_tree(path: Path) -> None:
    for child in sorted(path.rglob("*"), reverse=True):
        child.unlink() if child.is_file() else child.rmdir()
    path.rmdir()
