"""The lifecycle's steps as commands: one function per step of services/claims/domain/lifecycle.py.

Each moves one claim only when the machine allows it from the claim's state (otherwise
``TransitionRefused``), records the step in the claim's history with the X12 evidence
behind it, and announces it with the step's event, all in the caller's unit of work.
The 835 steps (``pay`` ... ``reverse``) are taken by remittance posting through
``adjudicate``; billing's decisions on a balance (``bill_patient``, ``close``) by
commands/balances.py.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from services.claims.domain import lifecycle
from services.claims.domain.lifecycle import State, Step, TransitionRefused
from services.claims.domain.records import Reason
from services.claims.store import claims as claim_store
from shared.db import utcnow
from shared.events import EVENTS
from shared.outbox import Emission
from shared.uow import UnitOfWork

VOID_FREQUENCY = "8"


class ClaimMovedMeanwhile(RuntimeError):
    """Another transaction changed the claim's state first; the caller's work is undone."""


@dataclass(frozen=True)
class Move:
    """One claim taking one step: what its history records and its event says.

    ``data`` is the payload of the step's event (claim and client ids added). Reasons: the
    given ones, else the claim keeps its own when it stays, and has none when it moves.
    ``values``: other columns the step sets (e.g. the payer's claim control number).
    """

    claim: Any  # a claims row
    step: Step
    data: dict[str, Any] | None = None
    reasons: Sequence[Reason] | None = None
    note: str | None = None
    evidence: dict[str, Any] | None = None
    values: Mapping[str, Any] = field(default_factory=dict)


def take_step(
    uow: UnitOfWork,
    claim: Any,
    step: Step,
    *,
    data: dict[str, Any] | None = None,
    reasons: Sequence[Reason] | None = None,
    note: str | None = None,
    evidence: dict[str, Any] | None = None,
    **values: Any,
) -> State:
    """Take ``step`` for ``claim`` (a claims row); the state it is in afterwards (``Move``)."""
    (target,) = take_steps(uow, [Move(claim, step, data, reasons, note, evidence, values)])
    return target


def take_steps(uow: UnitOfWork, moves: Sequence[Move]) -> list[State]:
    """Take each move's step, for claims all different; the states they are in afterwards.

    One compare-and-set update, one history insert and one outbox insert per event type for
    them all (an 835 moves hundreds of claims at once); any claim that left the state it was
    read in undoes the whole unit of work.
    """
    now = utcnow()
    changes, entries, targets = [], [], []
    announcements: dict[str, list[Emission]] = {}
    for move in moves:
        claim = move.claim
        target = lifecycle.apply(claim.status, move.step)
        if move.reasons is not None:
            reasons = claim_store.reasons_json(move.reasons)
        else:
            reasons = claim.reasons if target == claim.status else "[]"
        changes.append({
            "claim_id": claim.claim_id, "from_status": claim.status, "status": target.value,
            "reasons": reasons, "updated_at": now,
            "status_changed_at": claim.status_changed_at if target == claim.status else now,
            **move.values,
        })  # fmt: skip
        entries.append(claim_store.history_entry(
            claim.claim_id, target, reasons, move.note, now,
            transition=move.step.value, evidence=move.evidence,
        ))  # fmt: skip
        payload = {"claim_id": claim.claim_id, "client_id": claim.client_id, **(move.data or {})}
        for topic in lifecycle.events_of(move.step):
            emission = Emission(claim.client_id, payload, claim.correlation_id)
            announcements.setdefault(topic, []).append(emission)
        targets.append(target)
    if claim_store.change_states(uow.connection, changes) != len(changes):
        raise ClaimMovedMeanwhile("a claim left the state it was read in meanwhile")
    claim_store.record_histories(uow.connection, entries)
    for topic, emissions in announcements.items():
        uow.emit_all(EVENTS[topic], emissions)
    return targets


def note(
    uow: UnitOfWork, claim: Any, text: str, evidence: dict[str, Any] | None = None
) -> None:
    """Record in the claim's history what happened without changing its state."""
    claim_store.record_history(
        uow.connection, claim.claim_id, claim.status, claim.reasons, text, evidence=evidence
    )


# -- the clearinghouse's answer to a submission (999, TA1, refusal) ------------------------


def submit(uow: UnitOfWork, claim: Any, interchange: int, evidence: dict[str, Any]) -> None:
    """The 999 accepted the claim's transaction set."""
    take_steps(uow, [submission(claim, interchange, evidence)])


def submission(claim: Any, interchange: int, evidence: dict[str, Any]) -> Move:
    """``submit`` as a move, so a 999's claims are submitted together (``take_steps``)."""
    return Move(
        claim, Step.SUBMIT, evidence=evidence,
        note=f"999 accepted interchange {interchange:09d}",
        data={"interchange_control_number": f"{interchange:09d}", "submitted_at": utcnow()},
    )  # fmt: skip


def reject_by_clearinghouse(
    uow: UnitOfWork, claim: Any, reasons: Sequence[Reason], note_text: str,
    evidence: dict[str, Any],
) -> None:
    """A 999 (IK5 R), a TA1 (R) or a refusal rejected the claim's interchange."""
    take_steps(uow, [clearinghouse_rejection(claim, reasons, note_text, evidence)])


def clearinghouse_rejection(
    claim: Any, reasons: Sequence[Reason], note_text: str, evidence: dict[str, Any]
) -> Move:
    """``reject_by_clearinghouse`` as a move (an interchange's claims rejected together)."""
    return _rejection(claim, Step.REJECT_BY_CLEARINGHOUSE, "clearinghouse", reasons, note_text,
                      evidence)


# -- the payer's front end (277CA) ---------------------------------------------------------


def receive(
    uow: UnitOfWork, claim: Any, note_text: str, evidence: dict[str, Any],
    payer_claim_control_number: str | None = None,
) -> None:
    """277CA A0/A1: the payer received the claim; no verdict yet."""
    take_steps(uow, [receipt(claim, note_text, evidence, payer_claim_control_number)])


def receipt(
    claim: Any, note_text: str, evidence: dict[str, Any],
    payer_claim_control_number: str | None = None,
) -> Move:
    """``receive`` as a move (a 277CA's claims moved together, ``take_steps``)."""
    return Move(
        claim, Step.RECEIVE, note=note_text, evidence=evidence,
        data={"received_at": utcnow()},
        values={"payer_claim_control_number": payer_claim_control_number
                or claim.payer_claim_control_number},
    )  # fmt: skip


def accept(
    uow: UnitOfWork, claim: Any, note_text: str, evidence: dict[str, Any],
    payer_claim_control_number: str | None = None,
) -> None:
    """277CA A2/A5: accepted into adjudication; the payer's number (REF*1K) is kept.

    Accepting our void (frequency 8) of a claim voids the claim it names.
    """
    take_steps(uow, [acceptance(claim, note_text, evidence, payer_claim_control_number)])
    if voids_another(claim):
        voided = claim_store.get_claim(uow.connection, claim.replaces_claim_id)
        try:
            take_step(
                uow, voided, Step.VOID, evidence=evidence,
                note=f"the payer accepted void claim {claim.claim_id}",
                data={"void_claim_id": claim.claim_id, "voided_at": utcnow()},
            )
        except TransitionRefused:
            note(uow, voided, f"void claim {claim.claim_id} accepted, but this claim is "
                              f"{voided.status}; unchanged", evidence)


def acceptance(
    claim: Any, note_text: str, evidence: dict[str, Any],
    payer_claim_control_number: str | None = None,
) -> Move:
    """``accept`` as a move, without the void it may carry out (``voids_another``): a claim
    that voids another is accepted with ``accept``."""
    number = payer_claim_control_number or claim.payer_claim_control_number
    return Move(
        claim, Step.ACCEPT, note=note_text, evidence=evidence,
        data={"payer_claim_control_number": number, "accepted_at": utcnow()},
        values={"payer_claim_control_number": number},
    )  # fmt: skip


def voids_another(claim: Any) -> bool:
    """Our void (frequency 8) of a claim: accepting it voids the claim it names."""
    return bool(claim.frequency == VOID_FREQUENCY and claim.replaces_claim_id)


def reject_by_payer(
    uow: UnitOfWork, claim: Any, reasons: Sequence[Reason], note_text: str,
    evidence: dict[str, Any],
) -> None:
    """277CA A3/A4/A6/A7/A8: the payer's front end rejected the claim."""
    take_steps(uow, [payer_rejection(claim, reasons, note_text, evidence)])


def payer_rejection(
    claim: Any, reasons: Sequence[Reason], note_text: str, evidence: dict[str, Any]
) -> Move:
    """``reject_by_payer`` as a move (a 277CA's claims moved together)."""
    return _rejection(claim, Step.REJECT_BY_PAYER, "payer", reasons, note_text, evidence)


def _rejection(
    claim: Any, step: Step, by: str, reasons: Sequence[Reason], note_text: str,
    evidence: dict[str, Any],
) -> Move:
    return Move(
        claim, step, reasons=reasons, note=note_text, evidence=evidence,
        values={"rejected_by": by},
        data={
            "reasons": [{"code": r.code, "text": r.text} for r in reasons],
            "rejected_at": utcnow(),
            "rejected_by": by,
        },
    )  # fmt: skip


def time_out(uow: UnitOfWork, claim: Any, now: datetime, days: int) -> None:
    """No acknowledgement for ``days`` days: the claim goes to billing's work queue."""
    since = claim.status_changed_at
    words = f"no acknowledgement for {days} days" + (f" since {since:%Y-%m-%d}" if since else "")
    take_step(
        uow, claim, Step.TIME_OUT,
        reasons=(Reason("no_response", words),),
        note=f"no acknowledgement for {days} days",
        evidence={"waited_days": days, "since": since.isoformat() if since else None},
        data={"waiting_since": since or now, "flagged_at": now},
    )


# -- corrections ---------------------------------------------------------------------------


def supersede(uow: UnitOfWork, claim: Any, step: Step, successor_id: str) -> None:
    """The claim is corrected, replaced or voided by ``successor_id`` (it stays as it is)."""
    words = {Step.CORRECT: "corrected by", Step.REPLACE: "replaced by",
             Step.REQUEST_VOID: "voided by"}[step]
    take_step(uow, claim, step, note=f"{words} {successor_id}", replaced_by_claim_id=successor_id)


# -- remittance (835) and billing's balance decisions -----------------------------------------


def adjudication(
    claim: Any,
    step: Step,
    *,
    evidence: dict[str, Any],
    note_text: str,
    paid_amount: Decimal | None = None,
    patient_responsibility: Decimal | None = None,
    payer_claim_control_number: str | None = None,
    reasons: Sequence[Reason] = (),
) -> Move:
    """An 835 (or billing) decided what the claim is paid: pay, pay_partially, deny,
    bill_patient or reverse, as a move to take (``take_steps``).

    The payer's claim control number (CLP07) is kept: a replacement or void quotes it.
    """
    number = payer_claim_control_number or claim.payer_claim_control_number
    return Move(
        claim, step, reasons=reasons, evidence=evidence, note=note_text,
        values={"payer_claim_control_number": number},
        data={
            "payer_claim_control_number": number,
            "paid_amount": paid_amount,
            "patient_responsibility": patient_responsibility,
            "adjudicated_at": utcnow(),
        },
    )  # fmt: skip


def adjudicate(uow: UnitOfWork, claim: Any, step: Step, **outcome: Any) -> State:
    """Take one ``adjudication`` now; the state the claim is in afterwards."""
    (target,) = take_steps(uow, [adjudication(claim, step, **outcome)])
    return target


def close(
    uow: UnitOfWork, claim: Any, reason: str, note_text: str,
    written_off: Decimal | None = None, evidence: dict[str, Any] | None = None,
) -> None:
    """Nothing is owed any more: ``reason`` is paid_in_full or written_off."""
    take_step(
        uow, claim, Step.CLOSE, evidence=evidence, note=note_text,
        data={"reason": reason, "closed_at": utcnow(), "written_off": written_off},
    )
