"""Properties of pricing: exact cents, lines priced from the fee in effect, totals add up."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from services.claims.domain.claim import prepare_claim
from services.claims.domain.pricing import cents, price_line
from shared.billing.units import compute_units
from tests.unit.claims.domain_builders import a_code, a_session, fee, inputs

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999.99"), places=2)
minutes = st.integers(min_value=0, max_value=120)


@given(charge=money, allowed=money, units=st.integers(min_value=0, max_value=24))
def test_a_line_costs_units_times_the_per_unit_price_to_the_cent(charge, allowed, units):
    price = price_line(fee("97140", str(charge), str(allowed)), units)
    assert price.charge == charge * units
    assert price.expected_allowed == allowed * units
    assert price.charge.as_tuple().exponent == -2


@given(st.decimals(min_value=Decimal("0"), max_value=Decimal("10000"), places=4))
def test_rounding_to_cents_moves_an_amount_by_at_most_half_a_cent(amount):
    assert abs(cents(amount) - amount) <= Decimal("0.005")


@settings(max_examples=60)
@given(massage=minutes, manual=minutes, charge_124=money, charge_140=money,
       allowed_124=money, allowed_140=money)
def test_a_claim_bills_the_counted_units_at_the_fee_schedule_and_totals_its_lines(
    massage, manual, charge_124, charge_140, allowed_124, allowed_140
):
    units = compute_units({"97124": massage, "97140": manual}, "cms")
    codes = tuple(a_code(code, m, units.get(code, 0), region)
                  for code, m, region in (("97124", massage, "upper_back"),
                                          ("97140", manual, "lower_back")) if m)
    if not codes:
        return
    fees = (fee("97124", str(charge_124), str(allowed_124)),
            fee("97140", str(charge_140), str(allowed_140)))
    claim = prepare_claim(inputs(session=a_session(*codes), fees=fees))
    per_unit = {"97124": (charge_124, allowed_124), "97140": (charge_140, allowed_140)}
    assert {line.code: line.units for line in claim.lines} == {
        code: count for code, count in units.items() if count}
    for line in claim.lines:
        assert line.charge == per_unit[line.code][0] * line.units
        assert line.expected_allowed == per_unit[line.code][1] * line.units
    assert claim.total_charge == sum((line.charge for line in claim.lines), Decimal("0"))
    assert claim.expected_allowed == sum((line.expected_allowed for line in claim.lines),
                                         Decimal("0"))
