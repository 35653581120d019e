from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from secure_mlops.privacy import DateGranularity
from secure_mlops.privacy.transforms import bucket_lower_bound, mask, truncate_date, truncate_string


@pytest.mark.control("k-anonymity")
def test_generalize_numeric_bucket() -> None:
    ages = pa.array([0, 9, 10, 47, -3, None], pa.int64())
    assert bucket_lower_bound(ages, 10).to_pylist() == [0, 0, 10, 40, -10, None]
    assert bucket_lower_bound(ages, 10).type == pa.int64()


def test_generalize_float_bucket_has_no_rounding_noise() -> None:
    values = pa.array([0.35, 1.99, -0.05, None], pa.float64())
    assert bucket_lower_bound(values, 0.1).to_pylist() == [0.3, 1.9, -0.1, None]
    assert bucket_lower_bound(values, 2).to_pylist() == [0.0, 0.0, -2.0, None]


def test_generalize_date_to_year() -> None:
    dates = pa.array([dt.date(1987, 5, 6), dt.date(1969, 12, 31), None], pa.date32())
    assert truncate_date(dates, DateGranularity.YEAR).to_pylist() == [
        dt.date(1987, 1, 1), dt.date(1969, 1, 1), None]


def test_generalize_date_to_month_and_decade() -> None:
    dates = pa.array([dt.date(1987, 5, 6), dt.date(1969, 12, 31), dt.date(2000, 1, 1)], pa.date32())
    assert truncate_date(dates, DateGranularity.MONTH).to_pylist() == [
        dt.date(1987, 5, 1), dt.date(1969, 12, 1), dt.date(2000, 1, 1)]
    assert truncate_date(dates, DateGranularity.DECADE).to_pylist() == [
        dt.date(1980, 1, 1), dt.date(1960, 1, 1), dt.date(2000, 1, 1)]


def test_generalize_postcode_truncation() -> None:
    postcodes = pa.array(["SW1A 1AA", " 10115", "AB", None])
    assert truncate_string(postcodes, 3).to_pylist() == ["SW1", "101", "AB", None]


def test_mask_keeps_last_n() -> None:
    values = pa.array(["123-45-6789", "6789", "42", "", None])
    assert mask(values, 4).to_pylist() == ["*******6789", "****", "**", "", None]
    assert mask(pa.array(["secret"]), 0).to_pylist() == ["******"]


@given(st.lists(st.text(max_size=30) | st.none(), max_size=20), st.integers(0, 8))
def test_mask_keeps_length_and_last_n_only(values: list[str | None], keep_last: int) -> None:
    masked = mask(pa.array(values, pa.string()), keep_last).to_pylist()
    for before, after in zip(values, masked, strict=True):
        if before is None:
            assert after is None
            continue
        assert len(after) == len(before)
        shown = keep_last if len(before) > keep_last else 0
        assert after[len(before) - shown:] == before[len(before) - shown:]
        assert set(after[:len(before) - shown]) <= {"*"}


@given(st.lists(st.integers(-10**12, 10**12), max_size=50), st.integers(1, 1000))
def test_integer_bucket_holds_the_value(values: list[int], width: int) -> None:
    lower = bucket_lower_bound(pa.array(values, pa.int64()), width).to_pylist()
    for value, bound in zip(values, lower, strict=True):
        assert bound <= value < bound + width
        assert bound % width == 0
