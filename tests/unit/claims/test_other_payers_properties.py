"""Whatever the primary paid and adjusted, the secondary 837P balances as the guide requires."""

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from services.claims.x12.other_payers import (
    LineAdjudication,
    OtherAdjustment,
    OtherPayer,
    OtherSubscriber,
)
from services.claims.x12.render_837p import render_837p
from tests.unit.claims.builders import a_batch, a_claim, a_service_line, interchange_control
from tests.unit.claims.pyx12_validation import pyx12_errors
from tests.unit.claims.x12_text import only, segments

CENT = Decimal("0.01")
CODES = ("97140", "97124")


@st.composite
def adjudicated_lines(draw):  # type: ignore[no-untyped-def]
    """1-4 lines, each charge split into paid, contractual (CO-45) and patient (PR-1/2/3)."""
    lines = []
    for number in range(1, draw(st.integers(1, 4)) + 1):
        charge = draw(st.integers(100, 30_000)) * CENT
        co = draw(st.integers(0, int(charge / CENT))) * CENT
        pr = draw(st.integers(0, int((charge - co) / CENT))) * CENT
        split = draw(st.integers(0, int(pr / CENT))) * CENT
        patient = [("1", split), ("2", pr - split)]
        adjustments = [OtherAdjustment("CO", "45", co)] if co else []
        adjustments += [OtherAdjustment("PR", r, a) for r, a in patient if a]
        lines.append(LineAdjudication(number, CODES[number % 2], (), charge - co - pr, 1,
                                      tuple(adjustments), charge))  # fmt: skip
    return lines


@settings(max_examples=10, deadline=None)  # pyx12 reads each: slow
@given(adjudicated_lines())
def test_the_secondary_claim_balances_against_the_primarys_adjudication(lines):
    paid = sum((line.paid for line in lines), Decimal(0))
    owed = sum((a.amount for line in lines for a in line.adjustments if a.group == "PR"),
               Decimal(0))  # fmt: skip
    charge = sum((line.charge for line in lines), Decimal(0))
    other = OtherPayer("ACME01", "Acme Health", "CI",
                       OtherSubscriber("Doe", "Jane", "MEM123456", "self"), paid, owed, (),
                       date(2024, 3, 20), tuple(lines), charge)  # fmt: skip
    service_lines = tuple(
        a_service_line(procedure_code=line.procedure_code, charge=line.charge) for line in lines
    )
    x12 = render_837p(a_batch(a_claim(service_lines=service_lines, other_payer=other)),
                      interchange_control())  # fmt: skip

    assert pyx12_errors(x12) == []
    amt_d = Decimal(next(a[2] for a in segments(x12, "AMT") if a[1] == "D"))
    svd = sum((Decimal(s[2]) for s in segments(x12, "SVD")), Decimal(0))
    cas = sum((Decimal(c[i]) for c in segments(x12, "CAS") for i in range(3, len(c), 3)),
              Decimal(0))  # fmt: skip
    assert amt_d == svd == paid
    assert Decimal(only(x12, "CLM")[2]) == amt_d + cas
