"""Markers of synthetic records, and the results and errors of the generator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

SYNTHETIC_REVIEW = "synthetic-benchmark"
SYNTHETIC_LOCATOR = "Synthetic"
SYNTHETIC_FLAG = "synthetic"
# ClinicalTrial.gov ids are below NCT08000000 today: NCT9xxxxxxx is free for synthetic rows.
NCT_BASE = 90_000_000
NCT_MAX = 99_999_999

Progress = Callable[[str, int, int], None]


class SyntheticError(Exception):
    """The database cannot take synthetic records (curated rows present, or not empty)."""


@dataclass
class SyntheticResult:
    trials: int
    studies: int
    seconds: float
