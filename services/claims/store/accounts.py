"""A claim's account: what was posted on it, what is still owed, and every open receivable.

The rules of what is owed are services/claims/domain/balances.py; this reads the claim and
the sums posted on it (835 payments, billing's moves to the patient) to apply them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from services.claims.domain.balances import Balance, Ledger, Receivable, open_balance
from services.claims.domain.codes import describe_adjustment, describe_remark
from services.claims.store import claims as claim_store
from services.claims.store import remittances as remittance_store
from services.claims.store.tables import claims


def balance_of(connection: Connection, claim: Any) -> Balance:
    """What is still owed on ``claim`` (a claims row), by the payer and by the patient."""
    return open_balance(claim.status, ledger_of(connection, claim))


def ledger_of(connection: Connection, claim: Any) -> Ledger:
    """The sums posted on ``claim`` (a claims row)."""
    ledgers = remittance_store.ledgers(connection, [claim.claim_id])
    return ledgers.get(claim.claim_id, Ledger(claim.expected_allowed))


def claim_account(connection: Connection, claim_id: str) -> dict[str, Any]:
    """A claim in full (lines, history), with the 835 payments posted on it and its balance."""
    detail = claim_store.claim_detail(connection, claim_id)
    detail["payments"] = [_described(p) for p in remittance_store.payments_of(connection, claim_id)]
    balance = open_balance(
        detail["status"],
        remittance_store.ledgers(connection, [claim_id]).get(
            claim_id, Ledger(detail["expected_allowed"])
        ),
    )
    detail["balance"] = {"payer": balance.payer, "patient": balance.patient,
                         "total": balance.total}  # fmt: skip
    return detail


def open_receivables(connection: Connection) -> list[Receivable]:
    """Every claim that is a receivable (none replaced or voiding another), with its balance."""
    rows = connection.execute(
        select(claims.c.claim_id, claims.c.status, claims.c.payer_id, claims.c.date_of_service,
               claims.c.expected_allowed)
        .where(claims.c.replaced_by_claim_id.is_(None),
               claims.c.frequency != claim_store.VOID_FREQUENCY)
        .order_by(claims.c.claim_id)
    ).all()  # fmt: skip
    ledgers = remittance_store.ledgers(connection)
    return [
        Receivable(
            row.claim_id, row.payer_id, row.date_of_service,
            open_balance(row.status, ledgers.get(row.claim_id, Ledger(row.expected_allowed))),
        )
        for row in rows
    ]  # fmt: skip


def _described(payment: dict[str, Any]) -> dict[str, Any]:
    """A posted payment with each adjustment and remark in words (CARC/RARC lists)."""
    return {
        **payment,
        "adjustments": [
            {**a, "description": describe_adjustment(a["group_code"], a["reason_code"])}
            for a in payment["adjustments"]
        ],
        "remarks": [{**r, "description": describe_remark(r["code"])} for r in payment["remarks"]],
        "lines": [
            {**line, "modifiers": [m for m in line["modifiers"].split(",") if m]}
            for line in payment["lines"]
        ],
    }
