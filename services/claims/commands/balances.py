"""Billing settles what is left on a claim: writes it off, or moves it to the patient; and
settles a remittance exception it dealt with outside the system.

What is owed and how much may be written off are services/claims/domain/balances.py; the
steps (``close``, ``bill_patient``) are the lifecycle's, so a claim in a state that does not
allow them is refused (``TransitionRefused``). Each action is recorded (who, how much, why)
beside the claim's history.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from services.claims.commands import transitions
from services.claims.domain import lifecycle
from services.claims.domain.balances import write_off_amount
from services.claims.domain.errors import AlreadyResolved, ExceptionNotFound, NothingOwed
from services.claims.domain.lifecycle import State, Step, TransitionRefused
from services.claims.domain.records import Reason
from services.claims.store import accounts
from services.claims.store import claims as claim_store
from services.claims.store import remittances as remittance_store
from shared.db import utcnow
from shared.uow import UnitOfWork

WRITTEN_OFF = "written_off"
MAX_ID_DIGITS = 9  # exception ids are 32-bit integers


def write_off(uow: UnitOfWork, claim_id: str, reason: str, amount: Decimal | None) -> Decimal:
    """Write off the claim's open balance (or ``amount`` of it) and close it; the amount."""
    claim = claim_store.get_claim(uow.connection, claim_id)
    _may(claim, Step.CLOSE)
    balance = accounts.balance_of(uow.connection, claim)
    written_off = write_off_amount(balance, amount)
    remittance_store.record_balance_action(
        uow.connection, claim_id, remittance_store.WRITE_OFF, written_off, reason, uow.actor,
        utcnow(),
    )
    transitions.close(
        uow, claim, WRITTEN_OFF, f"written off {written_off:.2f}: {reason}",
        written_off=written_off,
        evidence={"billing": "write_off", "amount": f"{written_off:.2f}",
                  "open_balance": f"{balance.total:.2f}", "by": uow.actor},
    )  # fmt: skip
    return written_off


def bill_patient(uow: UnitOfWork, claim_id: str) -> Decimal:
    """Move what the payer did not pay to the patient; the amount moved."""
    claim = claim_store.get_claim(uow.connection, claim_id)
    _may(claim, Step.BILL_PATIENT)
    ledger = accounts.ledger_of(uow.connection, claim)
    balance = accounts.balance_of(uow.connection, claim)
    if balance.payer <= 0:
        raise NothingOwed("The payer owes nothing more on the claim: nothing to move.")
    remittance_store.record_balance_action(
        uow.connection, claim_id, remittance_store.BILL_PATIENT, balance.payer, None, uow.actor,
        utcnow(),
    )
    words = f"{balance.payer:.2f} the payer did not pay moved to the patient by billing"
    kept = tuple(Reason(r["code"], r["text"]) for r in json.loads(claim.reasons))
    transitions.adjudicate(
        uow, claim, Step.BILL_PATIENT, note_text=words,
        evidence={"billing": "bill_patient", "amount": f"{balance.payer:.2f}", "by": uow.actor},
        paid_amount=ledger.paid, patient_responsibility=balance.patient + balance.payer,
        reasons=(Reason("billed_to_patient", words), *kept),
    )  # fmt: skip
    return balance.payer


def resolve_exception(uow: UnitOfWork, exception_id: str, note: str) -> None:
    """A person settled a claim payment or remittance held at posting; it leaves the queue."""
    row = (
        remittance_store.find_exception(uow.connection, int(exception_id))
        if exception_id.isdigit() and len(exception_id) <= MAX_ID_DIGITS
        else None
    )
    if row is None:
        raise ExceptionNotFound(exception_id)
    if not remittance_store.resolve_exception(
        uow.connection, row.exception_id, uow.actor, note, utcnow()
    ):
        raise AlreadyResolved(row.exception_id)


def _may(claim: Any, step: Step) -> None:
    state = State(claim.status)
    if not lifecycle.allowed(state, step):
        raise TransitionRefused(state, step)
