"""835s about the claims an integration test made: the payer's decisions, written as a payer would.

Each decision is built from the claim's own stored lines (code, modifiers, units, charge, and
the amount our fee schedule expects), so a test states only what the payer did differently.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, select

from services.claims.domain.claim import ClaimLine
from services.claims.store import claims as claim_store
from services.claims.store.tables import (
    claim_payments,
    payment_adjustments,
    payment_lines,
    remittance_exceptions,
    remittances,
)
from tests.integration.claims.support import claims_of_session, poll_until, submit_until_answered
from tests.unit.claims.acknowledgement_texts import Loop, a_277ca
from tests.unit.claims.remittance_builder import (
    Cas,
    ClaimDecision,
    LineDecision,
    RemittanceDecision,
    an_835,
)

ZERO = Decimal("0.00")


def sent_lines(engine: Engine, claim_id: str) -> list[ClaimLine]:
    """The claim's lines as billed."""
    with engine.connect() as connection:
        return claim_store.lines_of(connection, claim_id)


def at_fee_schedule(
    line: ClaimLine,
    deductible: Decimal = ZERO,
    coinsurance: Decimal = ZERO,
    allowed: Decimal | None = None,
    remarks: tuple[str, ...] = (),
) -> LineDecision:
    """The line allowed at our fee schedule (or ``allowed``), less what the patient owes."""
    allowed = line.expected_allowed if allowed is None else allowed
    adjustments: list[Cas] = [
        ("CO", "45", line.charge - allowed),
        ("PR", "1", deductible),
        ("PR", "2", coinsurance),
    ]
    return LineDecision(
        line.code, line.modifiers, line.units, line.charge,
        allowed - deductible - coinsurance,
        tuple(a for a in adjustments if a[2]), remarks=remarks, allowed=allowed,
    )  # fmt: skip


def denied(line: ClaimLine, reason: str = "50", remark: str = "N115") -> LineDecision:
    """The whole line adjusted away (CO-<reason>), with a remark."""
    return LineDecision(
        line.code, line.modifiers, line.units, line.charge, ZERO,
        (("CO", reason, line.charge),), remarks=(remark,),
    )  # fmt: skip


def claim_paid(
    claim_id: str, lines: Sequence[LineDecision], status: str | None = None,
    payer_number: str = "PCN0001",
) -> ClaimDecision:
    """The payer's decision on a claim: status 4 when every line is denied, else 1."""
    every_denied = all(line.paid == ZERO and not _owed(line) for line in lines)
    return ClaimDecision(
        claim_id, tuple(lines), status or ("4" if every_denied else "1"),
        payer_claim_control_number=payer_number,
    )


def reversal_of(decision: ClaimDecision) -> ClaimDecision:
    """The payer takes back ``decision``: CLP02 22, every amount negative."""
    return ClaimDecision(
        decision.claim_id,
        tuple(
            LineDecision(
                line.code, line.modifiers, -line.units, -line.charge, -line.paid,
                tuple((g, r, -a) for g, r, a in line.adjustments),
                allowed=-line.allowed if line.allowed is not None else None,
            )
            for line in decision.lines
        ),
        "22",
        tuple((g, r, -a) for g, r, a in decision.claim_adjustments),
        decision.payer_claim_control_number,
    )


def remittance(*claims: ClaimDecision, trace: str = "EFT0001",
               plb: tuple[tuple[str, Decimal], ...] = ()) -> str:  # fmt: skip
    """One 835 paying ``claims`` (BPR02 = their payments less ``plb``)."""
    return an_835(RemittanceDecision(tuple(claims), plb, trace_number=trace))


def paid_at_fee_schedule(engine: Engine, claim: Any, **first_line: Any) -> ClaimDecision:
    """The claim paid at our fee schedule; ``first_line`` changes what its first line owes."""
    first, *rest = sent_lines(engine, claim.claim_id)
    return claim_paid(claim.claim_id, [at_fee_schedule(first, **first_line),
                                       *(at_fee_schedule(line) for line in rest)])  # fmt: skip


def _owed(line: LineDecision) -> bool:
    return any(group == "PR" for group, _, _ in line.adjustments)


# -- what posting stored ----------------------------------------------------------------------


def rows(engine: Engine, table: Any, **where: Any) -> list[Any]:
    """The table's rows matching ``where`` (column = value), in key order."""
    query = select(table)
    for column, value in where.items():
        query = query.where(table.c[column] == value)
    with engine.connect() as connection:
        return connection.execute(query.order_by(*table.primary_key.columns)).all()


def payments(engine: Engine, claim_id: str) -> list[Any]:
    """The claim payments posted on a claim."""
    return rows(engine, claim_payments, claim_id=claim_id)


def exceptions(engine: Engine) -> list[Any]:
    """Every remittance exception, with its reasons read."""
    return [
        (row, json.loads(row.reasons)) for row in rows(engine, remittance_exceptions)
    ]


def remittance_rows(engine: Engine) -> list[Any]:
    """Every remittance recorded."""
    return rows(engine, remittances)


def stored_lines(engine: Engine, payment: Any) -> list[Any]:
    """A claim payment's lines."""
    return rows(engine, payment_lines, remittance_id=payment.remittance_id,
                position=payment.position)  # fmt: skip


def stored_adjustments(engine: Engine, payment: Any) -> list[Any]:
    """A claim payment's adjustments, claim level and lines."""
    return rows(engine, payment_adjustments, remittance_id=payment.remittance_id,
                position=payment.position)  # fmt: skip


# -- the scripted mailbox, driven as the service's poller reads it ---------------------------


class Mailbox:
    """Claims sent and accepted through the scripted clearinghouse; 835s posted by the poller."""

    def __init__(self, engine, script, worker, poller) -> None:  # type: ignore[no-untyped-def]
        self.engine, self.script, self.worker, self.poller = engine, script, worker, poller
        self.interchanges = 0

    def accepted_claims(self, *visits: dict) -> list:
        """Send the visits' claims, list an A2 277CA for them, and read it: the claim rows."""
        submit_until_answered(self.worker, self.engine)
        self.interchanges += 1
        claims = [claims_of_session(self.engine, v["session_id"])[-1] for v in visits]
        loops = [Loop(c.claim_id, ("A2:20:PR",), payer_number=f"PCN{i}")
                 for i, c in enumerate(claims)]  # fmt: skip
        self.script.add_report("277CA", a_277ca(loops, batch_reference=self.interchanges),
                               interchange=self.interchanges)  # fmt: skip
        for visit in visits:
            poll_until(self.poller, self.engine, visit, "accepted")
        return [claims_of_session(self.engine, v["session_id"])[-1] for v in visits]

    def post(self, x12: str) -> int:
        """List an 835 and run the poller round that reads and posts it; the report id."""
        report_id = self.script.add_report("835", x12)
        self.poller.run_round()
        return report_id
