"""Amounts in posting's words are written exactly as ``f"{amount:.2f}"`` writes them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.claims.domain.remittance_amounts import two_places


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_any_amount_is_written_as_the_two_decimal_format_writes_it(amount: Decimal) -> None:
    assert two_places(amount) == f"{amount:.2f}"


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=2))
def test_an_amount_with_cents_is_written_as_the_two_decimal_format_writes_it(
    amount: Decimal,
) -> None:
    assert two_places(amount) == f"{amount:.2f}"


@pytest.mark.parametrize(
    "text", ["0.00", "-0.00", "20", "1E+2", "0.005", "0.015", "1.5", "-3.00", "1E-7", "12345.678",
             "Infinity", "-Infinity", "NaN"],
)  # fmt: skip
def test_amounts_without_exactly_two_decimals_are_rounded_or_padded_as_format_does(
    text: str,
) -> None:
    amount = Decimal(text)
    assert two_places(amount) == f"{amount:.2f}"
