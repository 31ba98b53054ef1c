"""Row counts per review table and the flagged values, for curators."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from evidence.dataset.specs import specs

_TABLE = re.compile(r"(Table|Figure|Section)\s+\d+(\.\d+)*")


def _table_of(locator: str) -> str:
    """The review table, figure or section a locator points at ("Table 2, row 7")."""
    match = _TABLE.match(locator.strip())
    return match.group(0) if match else locator.split(",")[0].strip()


@dataclass
class Report:
    counts_by_locator: dict[tuple[str, str, str], int]
    flagged: list[tuple[str, str, str, list[str]]]


def dataset_report() -> Report:
    """Row counts per review table and every flagged value, for curators."""
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    flagged = []
    for spec in specs():
        if not spec.provenance:
            continue
        rows = spec.model._default_manager.select_related("source_review").values_list(
            "slug", "source_review__slug", "locator", "flags"
        )
        for slug, review, locator, flags in rows:
            table = _table_of(locator)
            counts[(review, table, spec.name)] += 1
            if flags:
                flagged.append((spec.name, slug, locator, list(flags)))
    return Report(dict(sorted(counts.items())), sorted(flagged))
