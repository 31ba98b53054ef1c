"""The one rule that writes numbers and doses (evidence.base.formatting): a table of
cases, and properties over any storable float (hypothesis, a dependency of schemathesis)."""

import math
import re

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from evidence.base.formatting import (
    format_dose,
    format_number,
    format_range,
    is_locator_title,
    title_of,
)
from evidence.base.models import FINITE_LIMIT
from tests import factories as f


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (0.0, "0"),
        (-0.0, "0"),
        (2.0, "2"),
        (0.5, "0.5"),
        (150, "150"),
        (0.1 + 0.2, "0.3"),  # float noise is rounded away
        (9999.5, "9999.5"),
        (9999.9999999, "1 × 10⁴"),  # reads as 10000: written in powers of ten
        (1e4, "1 × 10⁴"),
        (100000000.0, "1 × 10⁸"),
        (150000000.0, "1.5 × 10⁸"),
        (99999999.99, "1 × 10⁸"),
        (2e10, "2 × 10¹⁰"),
        (0.001, "0.001"),
        (0.00025, "2.5 × 10⁻⁴"),
        (5e-324, "5 × 10⁻³²⁴"),  # the smallest float: no division underflow
        (1.5e299, "1.5 × 10²⁹⁹"),
        (-3e5, "-3 × 10⁵"),
    ],
)
def test_format_number(value, text):
    assert format_number(value) == text


@pytest.mark.parametrize(
    ("low", "high", "text"),
    [
        (None, None, ""),
        (1e8, None, "1 × 10⁸"),
        (None, 2e5, "2 × 10⁵"),
        (1e8, 1e8, "1 × 10⁸"),  # equal ends are one number
        (0, 0, "0"),
        (0.5, 1, "0.5–1"),
        (2, 2.0, "2"),
        (5e4, 2e5, "0.5–2 × 10⁵"),  # one power of ten, the larger end's
        (5e9, 2e10, "0.5–2 × 10¹⁰"),
        (3e6, 5e6, "3–5 × 10⁶"),
        (1e6, 1e7, "0.1–1 × 10⁷"),
        (0, 1e6, "0–1 × 10⁶"),
        (100, 1e8, "100 – 1 × 10⁸"),  # the smaller end would read 0.000001
        (1e-5, 2e-5, "1–2 × 10⁻⁵"),
    ],
)
def test_format_range(low, high, text):
    assert format_range(low, high) == text


@pytest.mark.parametrize(
    ("args", "text"),
    [
        ((1e8, 1e8, "cells", "per_dose"), "1 × 10⁸ cells per dose"),
        ((5e4, 2e5, "cells", "per_kg"), "0.5–2 × 10⁵ cells/kg"),
        ((1, 1, "mL", "per_cm3"), "1 mL/cm³ of lesion"),
        ((1e6, 1e6, "cells", "per_biomaterial"), "1 × 10⁶ cells per biomaterial"),
        ((150, 150, "mg", "", "for 2 weeks"), "150 mg, for 2 weeks"),
        ((0.5, 1, "mL", "per_dose", "3 doses"), "0.5–1 mL per dose, 3 doses"),
        ((2, None, "mL", ""), "2 mL"),
        ((3e6, 5e6, "cells", ""), "3–5 × 10⁶ cells"),
        ((1e6, None, "", "per_kg"), "1 × 10⁶ per kg"),
        ((None, None, "cells", "per_kg", "twice"), ""),  # nothing parsed: nothing
    ],
)
def test_format_dose(args, text):
    assert format_dose(*args) == text


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan, float("1e400")])
def test_a_number_that_is_not_finite_is_refused(value):
    with pytest.raises(ValueError, match="not a finite number"):
        format_number(value)


@pytest.mark.django_db
def test_1e400_is_never_stored_so_never_formatted():
    trial = f.ClinicalTrialFactory.build(
        therapy=f.TherapyFactory(),
        source_review=f.ReviewFactory(),
        dose_low=float("1e400"),
        dose_high=float("1e400"),
        dose_unit="cells",
    )
    with pytest.raises(ValidationError) as excinfo:
        trial.full_clean()
    assert set(excinfo.value.message_dict) >= {"dose_low", "dose_high"}


SCIENTIFIC = re.compile(r"^(-?[0-9.]+) × 10([⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)$")
DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")


def read_back(text: str) -> float:
    match = SCIENTIFIC.match(text)
    if match is None:
        return float(text)
    # Read as one literal: 5 * 10**-324 would underflow to 0 before the product.
    return float(f"{match[1]}e{int(match[2].translate(DIGITS))}")


storable = st.floats(
    min_value=-FINITE_LIMIT,
    max_value=FINITE_LIMIT,
    allow_nan=False,
    allow_infinity=False,
    exclude_min=True,
    exclude_max=True,
)


@given(storable)
def test_any_storable_number_reads_back_within_rounding(value):
    text = format_number(value)
    assert "e" not in text.lower()  # never Python's 1e+08 nor 100000000.0
    match = SCIENTIFIC.match(text)
    if match:
        assert 1 <= abs(float(match[1])) < 10
        assert len(match[1].lstrip("-").replace(".", "").lstrip("0")) <= 6
    # Subnormal floats (below about 2.2e-308) carry fewer digits than 6: an absolute
    # tolerance there.
    assert math.isclose(read_back(text), value, rel_tol=1e-5, abs_tol=1e-307)


@given(storable, storable)
def test_a_range_shares_one_power_of_ten_or_writes_both_ends(a, b):
    low, high = sorted((a, b))
    text = format_range(low, high)
    if low == high:
        assert text == format_number(low)
    elif " – " in text:  # each end on its own
        left, right = text.split(" – ")
        assert (left, right) == (format_number(low), format_number(high))
    else:
        assert text.count("–") == 1
        assert text.count("×") <= 1


@pytest.mark.parametrize(
    ("text", "is_locator"),
    [
        ("Foo 2021 Table 1 row 1", True),
        ("Foo 2021 Table 6 row 5", True),
        ("Table 2, row 7", True),
        ("Leeman et al. 2019", False),
        ("Exosomes in knee cartilage", False),
    ],
)
def test_locator_titles_are_recognised(text, is_locator):
    assert is_locator_title(text) is is_locator


def test_title_parts_join_once_and_skip_empty_ones():
    assert title_of("Knee OA", "", " MSCs ", "Knee OA", None) == "Knee OA · MSCs"
    assert title_of("", fallback="Clinical trial") == "Clinical trial"


@pytest.mark.django_db
def test_the_dose_filter_writes_a_trial_dose():
    trial = f.ClinicalTrialFactory(
        dose_low=5e4,
        dose_high=2e5,
        dose_unit="cells",
        dose_basis="per_kg",
        dose_frequency="",
    )
    template = Template("{% load formatting %}{{ trial|dose }}|{{ n|number }}")
    assert template.render(Context({"trial": trial, "n": 1e8})) == (
        "0.5–2 × 10⁵ cells/kg|1 × 10⁸"
    )
