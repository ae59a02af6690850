"""Hypothesis strategies for 835 tests: our claims as billed and a payer's decisions on them.

Whatever is drawn balances as a payer must write it (every line: charge = paid + its CAS;
CLP05 = the PR adjustments; BPR02 = the claims' payments less PLB), so a test may assert
that posting keeps it balanced.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from hypothesis import strategies as st

from services.claims.domain.remittance_matching import SentClaim, SentLine
from tests.unit.claims.remittance_builder import (
    ClaimDecision,
    LineDecision,
    RemittanceDecision,
)

ZERO = Decimal("0")


def cents(low: int, high: int) -> st.SearchStrategy[Decimal]:
    """Amounts from ``low`` to ``high`` cents."""
    return st.integers(low, high).map(lambda n: Decimal(n).scaleb(-2))


@dataclass(frozen=True)
class Case:
    """Our claims and the payer's decisions on them."""

    ours: tuple[SentClaim, ...]
    remittance: RemittanceDecision


@st.composite
def line_decisions(draw: st.DrawFn, number: int) -> tuple[SentLine, LineDecision]:
    """One of our lines and the payer's decision on it (a quarter of them denied)."""
    code = draw(st.sampled_from(["97124", "97140"]))
    modifiers = tuple(sorted(draw(st.sets(st.sampled_from(["GP", "XS", "59"]), max_size=2))))
    units = draw(st.integers(1, 4))
    per_unit = draw(cents(1000, 20000))
    charge = per_unit * units
    expected = draw(cents(0, int(charge * 100)))
    ours = SentLine(code, modifiers, units, charge, expected, str(number))
    if draw(st.booleans()) and draw(st.booleans()):  # a quarter of the lines are denied
        reason = draw(st.sampled_from(["50", "97", "197", "204"]))
        decision = LineDecision(code, modifiers, units, charge, ZERO, (("CO", reason, charge),))
        return ours, decision
    allowed = draw(cents(1, int(charge * 100)))
    deductible = draw(cents(0, int(allowed * 100)))
    coinsurance = draw(cents(0, int((allowed - deductible) * 100)))
    copay = draw(cents(0, int((allowed - deductible - coinsurance) * 100)))
    adjustments = [
        ("CO", "45", charge - allowed),
        ("PR", "1", deductible),
        ("PR", "2", coinsurance),
        ("PR", "3", copay),
    ]
    decision = LineDecision(
        code,
        # Payers may return modifiers in another order than we sent them.
        tuple(reversed(modifiers)) if draw(st.booleans()) else modifiers,
        units,
        charge,
        allowed - deductible - coinsurance - copay,
        tuple((g, r, a) for g, r, a in adjustments if a),
        remarks=tuple(draw(st.lists(st.sampled_from(["N130", "M80", "N9999"]), max_size=2))),
        allowed=allowed if draw(st.booleans()) else None,
        line_control_number=str(number) if draw(st.booleans()) else None,
    )
    return ours, decision


@st.composite
def claim_decisions(draw: st.DrawFn, number: int) -> tuple[SentClaim, ClaimDecision]:
    """Our claim number ``number`` (1-3 lines) and the payer's decision on it."""
    claim_id = f"C-{number:08x}-5b2d-4c6e-9a41-7d2e8b1c0f01"
    pairs = [draw(line_decisions(n)) for n in range(1, draw(st.integers(1, 3)) + 1)]
    ours = SentClaim(claim_id, tuple(sent for sent, _ in pairs))
    # The payer may answer the lines in another order and echo only 20 characters.
    decisions = tuple(draw(st.permutations([decision for _, decision in pairs])))
    echoed = claim_id[:20] if draw(st.booleans()) else claim_id
    decision = ClaimDecision(echoed, decisions, status="4" if all(map(_denied, decisions)) else "1")
    lines_paid = sum((d.paid for d in decisions), ZERO)
    if lines_paid and draw(st.booleans()):
        deductible = draw(cents(1, int(lines_paid * 100)))
        decision = replace(decision, claim_adjustments=(("PR", "1", deductible),))
    return ours, decision


def _denied(line: LineDecision) -> bool:
    # Only a denial adjusts the whole charge away in one CO adjustment: allowed is at least a cent.
    return [(group, amount) for group, _, amount in line.adjustments] == [("CO", line.charge)]


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """1-3 of our claims and one 835 paying them, with up to three PLB adjustments."""
    pairs = [draw(claim_decisions(n)) for n in range(1, draw(st.integers(1, 3)) + 1)]
    plb = draw(st.lists(st.tuples(st.sampled_from(["WO", "L6", "FB"]), cents(-5000, 5000)),
                        max_size=3))  # fmt: skip
    remittance = RemittanceDecision(
        tuple(decision for _, decision in pairs), tuple((r, a) for r, a in plb if a)
    )
    return Case(tuple(ours for ours, _ in pairs), remittance)
