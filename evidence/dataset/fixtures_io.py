"""The fixtures' YAML files read into records: one reader for every caller.

`read_fixtures` is what `dataset_load` (evidence.dataset.load) loads and what the
synthetic generator (trials.synthetic) takes its vocabulary from. It checks the shape of
each file (a mapping with `entity` and a list of `records`, each a mapping, of a known
entity) and raises `DatasetError` naming the file and the record; what the records say is
the loader's business.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from evidence.dataset.specs import EntitySpec, spec_names

# libyaml's parser when PyYAML was built with it (its wheels are): several times faster.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DatasetError(Exception):
    """An invalid fixture: says which file, record and field, and why."""

    def __init__(
        self, message: str, *, path: str = "", record: str = "", field: str = ""
    ):
        where = ", ".join(
            part
            for part in (
                f"file {path}" if path else "",
                f"record {record}" if record else "",
                f"field {field}" if field else "",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)


@dataclass
class SourceRecord:
    """One YAML record and where it was read from."""

    path: str
    index: int
    data: dict[str, Any]

    def label(self, spec: EntitySpec) -> str:
        key = " / ".join(str(self.data.get(k, "?")) for k in spec.key)
        return f"#{self.index + 1} ({key})"


def read_fixtures(directory: Path) -> dict[str, list[SourceRecord]]:
    """All records under `directory`, grouped by entity, in file then record order."""
    grouped: dict[str, list[SourceRecord]] = defaultdict(list)
    paths = sorted(directory.rglob("*.yaml"))
    if not paths:
        raise DatasetError(f"no *.yaml files under {directory}")
    for path in paths:
        rel = str(path.relative_to(directory))
        try:
            document = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
        except yaml.YAMLError as exc:
            raise DatasetError(f"not valid YAML: {exc}", path=rel) from exc
        if not isinstance(document, dict) or "entity" not in document:
            raise DatasetError(
                "expected a mapping with 'entity' and 'records'", path=rel
            )
        entity = document["entity"]
        if entity not in spec_names():
            raise DatasetError(
                f"unknown entity {entity!r}; expected one of {sorted(spec_names())}",
                path=rel,
            )
        records = document.get("records") or []
        if not isinstance(records, list):
            raise DatasetError("'records' must be a list", path=rel)
        for index, data in enumerate(records):
            if not isinstance(data, dict):
                raise DatasetError(
                    "a record must be a mapping", path=rel, record=f"#{index + 1}"
                )
            grouped[entity].append(SourceRecord(rel, index, data))
    return grouped
