"""Numbers and doses as a reader writes them: "1 × 10⁸ cells per dose",
"0.5–2 × 10⁵ cells/kg", "2 mL, for 5 days".

The one rule of the site (pages, the side-by-side panel, the downloads' formatted dose):
- a number below 10,000 and at least 0.001 in magnitude is written in decimals, with
  at most SIGNIFICANT significant digits and no trailing zeros (2.0 -> "2", 0.5 -> "0.5",
  float noise such as 0.30000000000000004 -> "0.3"); 0 is "0";
- any other number is written in scientific notation "m × 10ⁿ" with 1 <= m < 10;
- a range whose larger end needs scientific notation shares one power of ten, that of
  its larger end ("0.5–2 × 10⁵"), unless the smaller end would then read below 0.01:
  each end is then written on its own ("1 × 10² – 1 × 10⁸");
- equal ends are one number; a range with only one end known is that one number.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from decimal import Decimal

from evidence.base.querysets import prefetched

SIGNIFICANT = 6
# Decimals from PLAIN_MIN up to (not including) PLAIN_MAX; scientific notation outside.
PLAIN_MIN = 1e-3
PLAIN_MAX = 1e4
# A range shares its larger end's power of ten unless the smaller mantissa reads below this.
SHARED_MIN = 0.01

SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
TIMES = "×"
EN_DASH = "–"

# How a dose's basis reads after its unit ("cells/kg", "cells per dose").
BASIS_TEXT = {
    "": "",
    "per_kg": "/kg",
    "per_dose": " per dose",
    "per_patient": " per patient",
    "per_cm3": "/cm³ of lesion",
    "per_biomaterial": " per biomaterial",
}


def _check(value: float) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    return value


def _decimal(value: float) -> str:
    """`value` with at most SIGNIFICANT significant digits, no exponent, no trailing 0."""
    if value == 0:
        return "0"
    digits = max(0, SIGNIFICANT - 1 - math.floor(math.log10(abs(value))))
    text = f"{round(value, digits):.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _exponent(value: float) -> int:
    """The power of ten of `value` in scientific notation, the mantissa rounded to
    SIGNIFICANT digits in [1, 10) (9.9999999e7 is 1 × 10⁸)."""
    return int(f"{abs(value):.{SIGNIFICANT - 1}e}".split("e")[1])


def _scaled(value: float, exponent: int) -> float:
    """`value` / 10**`exponent`, exactly (decimal arithmetic: no float noise, and no
    division by an underflowing 10**-324)."""
    return float(Decimal(repr(value)).scaleb(-exponent))


def _power(exponent: int) -> str:
    return f"10{str(exponent).translate(SUPERSCRIPT)}"


def _is_plain(value: float) -> bool:
    # Rounded first: 9999.9999999 reads as 10000, so it is written 1 × 10⁴.
    return value == 0 or PLAIN_MIN <= abs(float(_decimal(value))) < PLAIN_MAX


def format_number(value: float) -> str:
    """One number by the rule above: "2", "0.05", "1 × 10⁸", "2.5 × 10⁻⁴"."""
    value = _check(value)
    if _is_plain(value):
        return _decimal(value)
    exponent = _exponent(value)
    return f"{_decimal(_scaled(value, exponent))} {TIMES} {_power(exponent)}"


def format_range(low: float | None, high: float | None) -> str:
    """A number or a range by the rule above; "" when neither end is known."""
    if low is None and high is None:
        return ""
    if low is None or high is None or float(low) == float(high):
        return format_number(low if low is not None else high)  # type: ignore[arg-type]
    low, high = _check(low), _check(high)
    larger = max(abs(low), abs(high))
    if _is_plain(larger):
        return f"{_decimal(low)}{EN_DASH}{_decimal(high)}"
    exponent = _exponent(larger)
    smaller = _scaled(min(abs(low), abs(high)), exponent)
    if smaller and smaller < SHARED_MIN:
        return f"{format_number(low)} {EN_DASH} {format_number(high)}"
    return (
        f"{_decimal(_scaled(low, exponent))}{EN_DASH}{_decimal(_scaled(high, exponent))}"
        f" {TIMES} {_power(exponent)}"
    )


# A list's doses repeat (a 100k-row download formats every row's): each distinct one
# is worked out once. The arguments are numbers and short texts.
@functools.lru_cache(maxsize=4096)
def format_dose(
    low: float | None,
    high: float | None,
    unit: str = "",
    basis: str = "",
    frequency: str = "",
) -> str:
    """A normalised dose as a reader writes it: "1 × 10⁸ cells per dose",
    "0.5–2 × 10⁵ cells/kg", "150 mg, for 2 weeks"; "" when no amount was parsed.

    `basis` is a DoseBasis value (an unknown one is written as given); `frequency` is
    kept as printed.
    """
    amount = format_range(low, high)
    if not amount:
        return ""
    text = f"{amount} {unit}".rstrip() if unit else amount
    per = BASIS_TEXT.get(basis, f" {basis.replace('_', ' ')}" if basis else "")
    if per.startswith("/") and not unit:
        per = f" per {per[1:]}"
    text += per
    if frequency:
        text += f", {frequency.strip()}"
    return text


#
# Titles built from a record's content
#

TITLE_SEPARATOR = " · "
# A stored title that only says where the record sits in a review ("Foo 2021 Table 1
# row 1", "Table 6, row 2"): never shown as a heading.
_LOCATOR_TITLE = re.compile(
    r"^(?:[\w.-]+(?: et al\.?)? \d{4},? )?(?:Table|Figure|Fig\.|Section) [\w.]+,?"
    r"(?: (?:row|item|panel) [\w.]+)?$",
    re.IGNORECASE,
)


def is_locator_title(text: str) -> bool:
    """Whether `text` is a locator ("Foo 2021 Table 1 row 1") rather than a title."""
    return bool(_LOCATOR_TITLE.match(" ".join(text.split())))


def names(records: Iterable) -> str:
    """ "A, B" from the `name`s of records (a prefetched relation costs no query)."""
    return ", ".join(record.name for record in records)


def related_names(record, relation: str) -> str:
    """ "A, B": the names of a many-to-many relation of `record` ("" while `record` is
    unsaved: an import's new row is titled before it has links, and Django's error
    for an unsaved record's relation would print the title again)."""
    if record.pk is None:
        return ""
    rows = prefetched(record, relation)
    if rows is not None:
        return names(rows)
    return names(getattr(record, relation).all())


def title_of(*parts: str, fallback: str = "") -> str:
    """The non-empty parts joined by " · " (a part repeated is kept once), else
    `fallback`."""
    kept: list[str] = []
    for part in parts:
        part = " ".join(str(part or "").split())
        if part and part not in kept:
            kept.append(part)
    return TITLE_SEPARATOR.join(kept) or fallback


@functools.cache
def _labels(choices_class) -> dict:
    return {value: str(label) for value, label in choices_class.choices}


def choice_label(choices_class, value) -> str:
    """The label of `value` in `choices_class` (a Django `Choices`), or the value as
    given when it is not one: `get_FOO_display()` without rebuilding the choices dict
    at every call (a title reads one for every row of a download)."""
    return _labels(choices_class).get(value, value)
