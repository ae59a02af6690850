"""Posted remittances: each 835 payment, its claim payments with lines, adjustments and remarks,
provider-level adjustments, what was held for a person, and billing's moves of a balance.

Amounts are stored as the 835 states them (negative in a reversal) and summed per claim into
its ledger (``domain/balances.py``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from services.claims.domain.balances import Ledger
from services.claims.domain.records import Reason
from services.claims.domain.remittance import PostedAdjustment, PostedRemark, PostingPlan
from services.claims.store.claims import exact
from services.claims.store.tables import (
    balance_actions,
    claim_payments,
    claims,
    payment_adjustments,
    payment_lines,
    payment_remarks,
    provider_adjustments,
    remittance_exceptions,
    remittances,
)
from services.claims.x12.remittance import ProviderAdjustment, Remittance
from shared.bulk import execute_many

POSTED = "posted"  # every claim payment was posted or held on its own
HELD = "held"  # the remittance does not add up: nothing in it was posted
WRITE_OFF = "write_off"
BILL_PATIENT = "bill_patient"
BILL_SECONDARY = "bill_secondary"  # a primary's patient share handed to its secondary claim

_INSERT_PAYMENT = insert(claim_payments)
_INSERT_LINE = insert(payment_lines)
_INSERT_ADJUSTMENT = insert(payment_adjustments)
_INSERT_REMARK = insert(payment_remarks)


def trace_posted(connection: Connection, payer_key: str, trace_number: str) -> Any:
    """The remittance already recorded with this payer and TRN trace, or None."""
    return connection.execute(
        select(remittances.c.remittance_id, remittances.c.report_id, remittances.c.status).where(
            remittances.c.payer_key == payer_key, remittances.c.trace_number == trace_number
        )
    ).first()


def insert_remittance(
    connection: Connection,
    report_id: int,
    remittance: Remittance,
    payer_key: str,
    status: str,
    note: str | None,
    at: datetime,
) -> int:
    """Record one 835 transaction's payment and its provider adjustments; its id."""
    payment = remittance.payment
    remittance_id = connection.execute(
        insert(remittances)
        .values(
            report_id=report_id,
            interchange_control_number=remittance.interchange_control_number,
            transaction_control_number=remittance.transaction_control_number,
            trace_number=remittance.trace_number,
            payer_key=payer_key,
            payer_id=remittance.payer_id,
            payer_name=remittance.payer_name,
            payee_npi=remittance.payee_npi,
            payment_amount=payment.signed_amount,
            payment_method=payment.method.value,
            handling_code=payment.handling_code,
            payment_date=payment.date,
            status=status,
            note=note[:500] if note else None,
            posted_at=at,
        )
        .returning(remittances.c.remittance_id)
    ).scalar_one()
    _insert_provider_adjustments(connection, remittance_id, remittance.provider_adjustments)
    return int(remittance_id)


def _insert_provider_adjustments(
    connection: Connection, remittance_id: int, adjustments: Sequence[ProviderAdjustment]
) -> None:
    if adjustments:
        connection.execute(
            insert(provider_adjustments),
            [
                {
                    "remittance_id": remittance_id,
                    "provider_id": a.provider_id,
                    "fiscal_period_end": a.fiscal_period_end,
                    "reason_code": a.reason,
                    "reference": a.reference,
                    "amount": a.amount,
                }
                for a in adjustments
            ],
        )


@dataclass
class PaymentRows:
    """The rows of a remittance's posted claim payments, written together (one insert each)."""

    remittance_id: int
    posted_at: datetime
    payments: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    adjustments: list[dict[str, Any]] = field(default_factory=list)
    remarks: list[dict[str, Any]] = field(default_factory=list)

    def add(self, position: int, plan: PostingPlan) -> None:
        """Keep the rows of the plan posted at ``position`` (its CLP's place)."""
        remittance_id = self.remittance_id
        self.payments.append({
            "remittance_id": remittance_id,
            "position": position,
            "claim_id": plan.claim_id,
            "echoed_claim_id": plan.echoed_claim_id,
            "status_code": plan.status._value_,  # the code: .value is a descriptor call
            "outcome": plan.outcome._value_,
            "charge": plan.charge,
            "paid": plan.paid,
            "adjusted": plan.adjusted,
            "patient_responsibility": plan.patient_responsibility,
            "payer_claim_control_number": plan.payer_claim_control_number,
            "posted_at": self.posted_at,
        })  # fmt: skip
        self._codes(position, None, plan.claim_adjustments, plan.claim_remarks)
        for line in plan.lines:
            self.lines.append({
                "remittance_id": remittance_id,
                "position": position,
                "line_number": line.line_number,
                "code": line.code,
                "modifiers": ",".join(line.modifiers),
                "units": line.units,
                "charge": line.charge,
                "paid": line.paid,
                "allowed": line.allowed,
                "patient_responsibility": line.patient_responsibility,
                "denied": line.denied,
            })  # fmt: skip
            self._codes(position, line.line_number, line.adjustments, line.remarks)

    def _codes(
        self,
        position: int,
        line: int | None,
        adjustments: Sequence[PostedAdjustment],
        remarks: Sequence[PostedRemark],
    ) -> None:
        remittance_id = self.remittance_id
        if adjustments:
            self.adjustments += [
                {"remittance_id": remittance_id, "position": position, "line_number": line,
                 "group_code": a.group, "reason_code": a.reason, "amount": a.amount}
                for a in adjustments
            ]  # fmt: skip
        if remarks:
            self.remarks += [
                {"remittance_id": remittance_id, "position": position, "line_number": line,
                 "code": r.code}
                for r in remarks
            ]  # fmt: skip

    def write(self, connection: Connection) -> None:
        """Insert every row kept, and forget them."""
        for statement, rows in (
            (_INSERT_PAYMENT, self.payments),
            (_INSERT_LINE, self.lines),
            (_INSERT_ADJUSTMENT, self.adjustments),
            (_INSERT_REMARK, self.remarks),
        ):
            if rows:
                execute_many(connection, statement, rows)
                rows.clear()


def insert_exception(
    connection: Connection,
    *,
    report_id: int,
    remittance_id: int,
    position: int | None,
    kind: str,
    reasons: Iterable[Reason],
    at: datetime,
    echoed_claim_id: str | None = None,
    claim_id: str | None = None,
    amount: Decimal | None = None,
    segments: Sequence[str] | None = None,
) -> int:
    """Keep a claim payment (or a whole remittance) for a person; the exception's id."""
    return int(
        connection.execute(
            insert(remittance_exceptions)
            .values(
                report_id=report_id,
                remittance_id=remittance_id,
                position=position,
                kind=kind,
                echoed_claim_id=echoed_claim_id,
                claim_id=claim_id,
                amount=amount,
                reasons=json.dumps([{"code": r.code, "text": r.text} for r in reasons]),
                segments=json.dumps(list(segments)) if segments else None,
                created_at=at,
            )
            .returning(remittance_exceptions.c.exception_id)
        ).scalar_one()
    )


def open_exceptions(connection: Connection) -> list[Any]:
    """Claim payments and remittances held for a person and not resolved, oldest first."""
    return list(
        connection.execute(
            select(remittance_exceptions, remittances.c.trace_number, remittances.c.payer_id)
            .join(remittances, remittances.c.remittance_id == remittance_exceptions.c.remittance_id)
            .where(remittance_exceptions.c.resolved_at.is_(None))
            .order_by(remittance_exceptions.c.created_at, remittance_exceptions.c.exception_id)
        )
    )


def find_exception(connection: Connection, exception_id: int) -> Any:
    """An exception row, or None."""
    return connection.execute(
        select(remittance_exceptions).where(remittance_exceptions.c.exception_id == exception_id)
    ).first()


def resolve_exception(
    connection: Connection, exception_id: int, by: str | None, note: str, at: datetime
) -> bool:
    """Mark an open exception settled by a person; False when it was settled already."""
    return (
        connection.execute(
            update(remittance_exceptions)
            .where(
                remittance_exceptions.c.exception_id == exception_id,
                remittance_exceptions.c.resolved_at.is_(None),
            )
            .values(resolved_at=at, resolved_by=by, resolution=note[:200])
        ).rowcount
        == 1
    )


def count_open_exceptions(connection: Connection) -> dict[str, int]:
    """Open exceptions per kind."""
    rows = connection.execute(
        select(remittance_exceptions.c.kind, func.count())
        .where(remittance_exceptions.c.resolved_at.is_(None))
        .group_by(remittance_exceptions.c.kind)
    )
    return {kind: int(count) for kind, count in rows}


def record_balance_action(
    connection: Connection,
    claim_id: str,
    action: str,
    amount: Decimal,
    reason: str | None,
    by: str | None,
    at: datetime,
) -> None:
    """Record that billing wrote off, or moved to the patient, part of a claim's balance."""
    connection.execute(
        insert(balance_actions).values(
            claim_id=claim_id, action=action, amount=amount, reason=reason, recorded_by=by, at=at
        )
    )


def ledgers(connection: Connection, claim_ids: Sequence[str] | None = None) -> dict[str, Ledger]:
    """Each claim's ledger: its expected amount and the sums posted on it (all claims if None)."""
    paid = (
        select(
            claim_payments.c.claim_id,
            func.sum(claim_payments.c.paid).label("paid"),
            func.sum(claim_payments.c.patient_responsibility).label("patient"),
        )
        .group_by(claim_payments.c.claim_id)
        .subquery()
    )
    moved = (
        select(balance_actions.c.claim_id, func.sum(balance_actions.c.amount).label("moved"))
        .where(balance_actions.c.action == BILL_PATIENT)
        .group_by(balance_actions.c.claim_id)
        .subquery()
    )
    secondary = (
        select(balance_actions.c.claim_id, func.sum(balance_actions.c.amount).label("handed"))
        .where(balance_actions.c.action == BILL_SECONDARY)
        .group_by(balance_actions.c.claim_id)
        .subquery()
    )
    query = (
        select(claims.c.claim_id, claims.c.expected_allowed, paid.c.paid, paid.c.patient,
               moved.c.moved, secondary.c.handed)
        .select_from(claims)
        .outerjoin(paid, paid.c.claim_id == claims.c.claim_id)
        .outerjoin(moved, moved.c.claim_id == claims.c.claim_id)
        .outerjoin(secondary, secondary.c.claim_id == claims.c.claim_id)
    )  # fmt: skip
    if claim_ids is not None:
        query = query.where(claims.c.claim_id.in_(list(claim_ids)))
    return {
        row.claim_id: Ledger(
            exact(row.expected_allowed), exact(row.paid), exact(row.patient),
            exact(row.moved), exact(row.handed),
        )
        for row in connection.execute(query)
    }


def payments_of(connection: Connection, claim_id: str) -> list[dict[str, Any]]:
    """The 835 payments posted on a claim, oldest first, each with its lines and codes."""
    rows = connection.execute(
        select(claim_payments, remittances.c.trace_number, remittances.c.payment_date,
               remittances.c.payer_id, remittances.c.report_id)
        .join(remittances, remittances.c.remittance_id == claim_payments.c.remittance_id)
        .where(claim_payments.c.claim_id == claim_id)
        .order_by(claim_payments.c.posted_at, claim_payments.c.remittance_id,
                  claim_payments.c.position)
    ).all()  # fmt: skip
    keys = [(row.remittance_id, row.position) for row in rows]
    lines = _by_payment(connection, payment_lines, keys, payment_lines.c.line_number)
    adjustments = _by_payment(connection, payment_adjustments, keys, payment_adjustments.c.id)
    remarks = _by_payment(connection, payment_remarks, keys, payment_remarks.c.id)
    return [
        {
            **row._mapping,
            "lines": [dict(line._mapping) for line in lines.get(key, [])],
            "adjustments": [dict(a._mapping) for a in adjustments.get(key, [])],
            "remarks": [dict(r._mapping) for r in remarks.get(key, [])],
        }
        for row, key in zip(rows, keys, strict=True)
    ]


def _by_payment(
    connection: Connection, table: Any, keys: Sequence[tuple[int, int]], order: Any
) -> Mapping[tuple[int, int], list[Any]]:
    found: dict[tuple[int, int], list[Any]] = {}
    if not keys:
        return found
    remittance_ids = sorted({remittance_id for remittance_id, _ in keys})
    rows = connection.execute(
        select(table).where(table.c.remittance_id.in_(remittance_ids)).order_by(order)
    )
    wanted = set(keys)
    for row in rows:
        key = (row.remittance_id, row.position)
        if key in wanted:
            found.setdefault(key, []).append(row)
    return found
