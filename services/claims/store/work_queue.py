"""Billing's work queue read from the claims database (the rules: domain/work_queue.py).

Claims needing a person (not replaced by another), 835 claim payments and remittances held
at posting (not resolved), interchanges held for unreadable answers, and reports that could
not be read: each with its reasons in words, its age in days since it entered that state,
the money at stake and the actions that apply.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select

from services.claims.domain.balances import Ledger, open_balance
from services.claims.domain.lifecycle import State
from services.claims.domain.work_queue import (
    CLAIM_KINDS,
    Action,
    Kind,
    at_stake,
    claim_actions,
    exception_actions,
    interchange_actions,
    report_actions,
)
from services.claims.store import claims as claim_store
from services.claims.store import interchanges as interchange_store
from services.claims.store import remittances as remittance_store
from services.claims.store import reports as report_store
from services.claims.store.tables import claims, interchanges


def work_queue(connection: Connection, now: datetime, kind: str | None = None) -> list[dict]:
    """Every item needing a person (of one kind when given), oldest first."""
    items = [*_claims(connection, now), *_exceptions(connection, now),
             *_interchanges(connection, now), *_reports(connection, now)]  # fmt: skip
    if kind is not None:
        items = [item for item in items if item["kind"] == kind]
    return sorted(items, key=lambda item: (item["entered_at"], item["kind"]))


def _item(
    kind: Kind,
    entered_at: datetime,
    now: datetime,
    reasons: list[dict[str, str]],
    amount: Decimal | None,
    actions: tuple[Action, ...],
    **subject: Any,
) -> dict[str, Any]:
    return {
        "kind": kind.value,
        "entered_at": entered_at,
        "age_days": max((now - entered_at).days, 0),
        "reasons": reasons,
        "amount_at_stake": amount,
        "actions": [action.__dict__ for action in actions],
        **subject,
    }


def _claims(connection: Connection, now: datetime) -> Iterator[dict[str, Any]]:
    rows = connection.execute(
        select(claims)
        .where(
            claims.c.status.in_([state.value for state in CLAIM_KINDS]),
            claims.c.replaced_by_claim_id.is_(None),
        )
        .order_by(claims.c.status_changed_at, claims.c.claim_id)
    ).all()
    ledgers = remittance_store.ledgers(connection, [row.claim_id for row in rows])
    for row in rows:
        kind = CLAIM_KINDS[State(row.status)]
        balance = open_balance(row.status, ledgers.get(row.claim_id, Ledger(row.expected_allowed)))
        yield _item(
            kind, row.status_changed_at or row.updated_at, now, json.loads(row.reasons),
            at_stake(kind, balance),
            claim_actions(row.claim_id, claim_store.standing_of(row), balance),
            claim_id=row.claim_id, client_id=row.client_id, payer_id=row.payer_id,
            status=row.status,
        )  # fmt: skip


def _exceptions(connection: Connection, now: datetime) -> Iterator[dict[str, Any]]:
    for row in remittance_store.open_exceptions(connection):
        kind = Kind(row.kind)
        yield _item(
            kind, row.created_at, now, json.loads(row.reasons), row.amount,
            exception_actions(row.exception_id, kind),
            exception_id=row.exception_id, report_id=row.report_id, claim_id=row.claim_id,
            payer_id=row.payer_id, trace_number=row.trace_number,
            echoed_claim_id=row.echoed_claim_id,
        )  # fmt: skip


def _interchanges(connection: Connection, now: datetime) -> Iterator[dict[str, Any]]:
    rows = connection.execute(
        select(
            interchanges.c.control_number, interchanges.c.payer_id, interchanges.c.last_error,
            interchanges.c.created_at, interchanges.c.held_at,
            func.count(claims.c.claim_id).label("claims"),
            func.sum(claims.c.expected_allowed).label("expected"),
        )
        .select_from(interchanges)
        .outerjoin(claims, claims.c.interchange_number == interchanges.c.control_number)
        .where(interchanges.c.status == interchange_store.HELD)
        .group_by(interchanges.c.control_number, interchanges.c.payer_id,
                  interchanges.c.last_error, interchanges.c.created_at, interchanges.c.held_at)
    ).all()  # fmt: skip
    for row in rows:
        number = f"{row.control_number:09d}"
        reason = {"code": "interchange_held",
                  "text": f"{row.claims} claim(s) wait: {row.last_error or 'held'}"}  # fmt: skip
        yield _item(
            Kind.HELD_INTERCHANGE, row.held_at or row.created_at, now, [reason],
            claim_store.exact(row.expected), interchange_actions(number),
            interchange_control_number=number, payer_id=row.payer_id,
        )  # fmt: skip


def _reports(connection: Connection, now: datetime) -> Iterator[dict[str, Any]]:
    for row in report_store.held_reports(connection):
        reason = {"code": "report_held", "text": f"{row.kind}: {row.note or 'held'}"}
        yield _item(
            Kind.HELD_REPORT, row.processed_at or row.fetched_at, now, [reason],
            None, report_actions(row.report_id),
            report_id=row.report_id,
        )  # fmt: skip
