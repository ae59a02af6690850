"""Post the 835s kept from the report mailbox: each claim payment to our claim, or to a person.

docs/DOMAIN.md §Acknowledgements (835 remittance), docs/CLAIM_LIFECYCLE.md. One report is
posted in one unit of work, every transaction set (remittance) in it in file order:

- a remittance whose TRN trace the same payer sent before (in this report or another) is the
  same payment again and posts nothing; a report already posted is not taken again;
- the pure rules (domain/remittance.py) give each claim payment its posting plan or the
  reason it is refused, one at a time (a large 835's plans are not all held at once); when
  BPR02 is not the claims' payments less the provider adjustments, the money cannot be
  trusted: the whole remittance is held and no claim changes;
- a plan is stored (claim payment, lines, adjustments, remarks), moves the claim through the
  lifecycle (domain/remittance_steps.py) and is announced with claim.adjusted; a refusal, or a
  plan the claim's state cannot take, is kept for billing's work queue (an exception) and
  announced with claims.remittance.held;
- a report that is not a readable 835 is held, like an unreadable 277CA;
- an 835 paying a claim whose interchange has no recorded 999 yet (a process died between
  sending it and recording the answer, so another resends it) waits, as a 277CA does, and
  is posted once the 999 and the 277CAs before it have moved the claim: posted earlier, it
  would find the claim still submitted and go to a person for nothing.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from services.claims.commands import coordination, transitions
from services.claims.domain.coordination import crosses_over, primary_decision
from services.claims.domain.records import Reason
from services.claims.domain.remittance import (
    Outcome,
    PostingPlan,
    PostingRefusal,
    each_posting,
    provider_adjustments_in_words,
)
from services.claims.domain.remittance_amounts import two_places
from services.claims.domain.remittance_balancing import (
    REMITTANCE_UNBALANCED,
    ZERO,
    remittance_imbalance,
)
from services.claims.domain.remittance_matching import SentClaim
from services.claims.domain.remittance_steps import decide
from services.claims.domain.work_queue import Kind
from services.claims.store import claims as claim_store
from services.claims.store import interchanges, reports
from services.claims.store import remittances as remittance_store
from services.claims.store.remittances import PaymentRows
from services.claims.x12.remittance import (
    ClaimPayment,
    Remittance,
    UnreadableClaim,
    parse_835,
)
from services.claims.x12.syntax import X12SyntaxError
from shared.db import utcnow
from shared.events.contracts.claims import CLAIM_ADJUSTED, REMITTANCE_HELD
from shared.outbox import Emission
from shared.uow import UnitOfWork

log = logging.getLogger("services.claims.remittances")
UNREADABLE_REMITTANCE = "unreadable_remittance"  # the 835 itself: a held report
DUPLICATE = "duplicate"
DEFERRED = "deferred"  # the 835 waits for a 999 (see above)
WRITE_EVERY = 100  # claim payments posted between two writes


def reports_to_post(uow: UnitOfWork) -> list[int]:
    """Ids of the 835s kept from the mailbox and not posted yet, in mailbox order."""
    return reports.reports_awaiting_posting(uow.connection)


def post_report(uow: UnitOfWork, report_id: int) -> Counter[str] | None:
    """Post one stored 835; what became of its claim payments, or None when already posted."""
    row = reports.take_report(uow.connection, report_id, (reports.AWAITING_POSTING,))
    if row is None:
        return None
    try:
        remittances = parse_835(row.x12)
    except X12SyntaxError as error:
        _hold_report(uow, report_id, f"unreadable 835: {error}")
        return Counter({"held report": 1})
    echoes = {p.claim_id for r in remittances for p in r.claims if p.claim_id is not None}
    waiting = interchanges.awaiting_answer(uow.connection, echoes)
    if waiting:
        numbers = ", ".join(f"{number:09d}" for number in waiting)
        reports.finish_report(uow.connection, report_id, reports.DEFERRED,
                              f"pays claims of interchange {numbers}: waits for its 999")
        log.info("835 waits for a 999", extra={"report_id": report_id, "interchanges": numbers})
        return Counter({DEFERRED: 1})
    counts: Counter[str] = Counter()
    for remittance in remittances:
        counts += _post_remittance(uow, report_id, remittance)
    summary = ", ".join(f"{what}: {count}" for what, count in sorted(counts.items()))
    reports.finish_report(uow.connection, report_id, reports.POSTED, summary or "no claims")
    log.info("835 posted", extra={"report_id": report_id, "summary": summary})
    return counts


@dataclass
class _Posting:
    """One remittance being posted: where it came from, for its evidence and its holds."""

    uow: UnitOfWork
    report_id: int
    remittance: Remittance
    remittance_id: int
    at: datetime

    def evidence(self, position: int, payment: ClaimPayment) -> dict[str, Any]:
        """The X12 behind a step or note, for the claim's history."""
        return {
            "remittance": "835",
            "report_id": self.report_id,
            "remittance_id": self.remittance_id,
            "trace_number": self.remittance.trace_number,
            "control_number": self.remittance.interchange_control_number,
            "transaction": self.remittance.transaction_control_number,
            "position": position,
            "echo": payment.claim_id,
            "status": payment.status.value,
            "charge": two_places(payment.charge),
            "paid": two_places(payment.paid),
            "patient_responsibility": two_places(payment.patient_responsibility),
            "payer_claim_control_number": payment.payer_claim_control_number,
        }

    def hold(
        self,
        kind: Kind,
        reasons: tuple[Reason, ...],
        position: int | None = None,
        payment: ClaimPayment | UnreadableClaim | None = None,
        claim_id: str | None = None,
    ) -> None:
        """Keep a claim payment (or, without a position, the remittance) for a person."""
        amount = self.remittance.payment.signed_amount if payment is None else payment.paid
        segments = payment.segments if isinstance(payment, UnreadableClaim) else None
        remittance_store.insert_exception(
            self.uow.connection, report_id=self.report_id, remittance_id=self.remittance_id,
            position=position, kind=kind.value, reasons=reasons, at=self.at,
            echoed_claim_id=payment.claim_id if payment is not None else None,
            claim_id=claim_id, amount=amount, segments=segments,
        )
        _announce_hold(self.uow, self.report_id, kind.value, reasons[0].text, self.remittance,
                       claim_id, amount)


def _post_remittance(uow: UnitOfWork, report_id: int, remittance: Remittance) -> Counter[str]:
    connection = uow.connection
    payer_key = remittance.payer_id or remittance.payer_name
    earlier = remittance_store.trace_posted(connection, payer_key, remittance.trace_number)
    if earlier is not None:
        log.info("835 payment posted before", extra={
            "report_id": report_id, "remittance_id": earlier.remittance_id,
        })
        return Counter({DUPLICATE: len(remittance.claims)})
    problem = remittance_imbalance(remittance)
    unbalanced = problem is not None and problem.code == REMITTANCE_UNBALANCED
    problems = (problem,) if problem is not None else ()
    notes = "; ".join(r.text for r in (*problems, *provider_adjustments_in_words(remittance)))
    at = utcnow()
    remittance_id = remittance_store.insert_remittance(
        connection, report_id, remittance, payer_key,
        remittance_store.HELD if unbalanced else remittance_store.POSTED, notes or None, at,
    )
    work = _Posting(uow, report_id, remittance, remittance_id, at)
    if unbalanced:
        work.hold(Kind.UNBALANCED_REMITTANCE, (*problems, *_claims_held(remittance)))
        return Counter({"held (remittance unbalanced)": len(remittance.claims)})
    ours = _our_claims(uow, remittance)
    postings = each_posting(remittance, lambda echo: ours[echo][1] if echo in ours else None,
                            problem)  # fmt: skip
    rows = PaymentRows(remittance_id, at)
    counts: Counter[str] = Counter()
    steps = _Steps(uow, {row.claim_id: row for row, _ in ours.values()})
    adjusted: list[Emission] = []
    # Coordination of benefits: the primary claims whose client has a secondary payer.
    with_secondary = coordination.claims_with_a_secondary(connection, steps.rows)
    crossing: list[coordination.PrimaryPosting] = []
    for position, (payment, result) in enumerate(
        zip(remittance.claims, postings, strict=True), start=1
    ):
        if isinstance(result, PostingRefusal):
            known = ours.get(payment.claim_id or "")
            work.hold(Kind(result.kind.value), result.reasons, position, payment,
                      known[0].claim_id if known else None)  # fmt: skip
            counts[result.kind.value] += 1
            continue
        assert isinstance(payment, ClaimPayment)  # a plan is made only of a readable payment
        claim = steps.claim(result.claim_id)
        decision = decide(result.outcome, claim.status, claim.frequency)
        if claim.claim_id in with_secondary:  # the patient waits for the secondary's 835
            decision = primary_decision(decision, result, claim.status)
        if decision.conflict is not None:
            work.hold(Kind.CONFLICT, (decision.conflict, *result.reasons), position, payment,
                      claim.claim_id)  # fmt: skip
            counts[Kind.CONFLICT.value] += 1
            continue
        rows.add(position, result)
        evidence = work.evidence(position, payment)
        if decision.step is None:
            transitions.note(uow, claim, f"835 {result.outcome.value} posted; the claim stays "
                                         f"{claim.status}", evidence)  # fmt: skip
        else:
            steps.take(transitions.adjudication(
                claim, decision.step, evidence=evidence, note_text=f"835 {_words(result)}",
                paid_amount=result.paid, patient_responsibility=result.patient_responsibility,
                payer_claim_control_number=result.payer_claim_control_number,
                reasons=result.reasons,
            ))  # fmt: skip
        adjusted.append(Emission(
            claim.client_id, _adjusted(remittance, result, claim.client_id, at),
            claim.correlation_id,
        ))  # fmt: skip
        counts[result.outcome.value] += 1
        if claim.claim_id in with_secondary and crosses_over(result):
            crossing.append(coordination.PrimaryPosting(
                result, remittance.payer_id, remittance.payer_name, remittance.payment.date
            ))  # fmt: skip
        if len(adjusted) == WRITE_EVERY:
            _write(uow, steps, rows, adjusted)
    _write(uow, steps, rows, adjusted)
    counts["secondary claims made"] += len(coordination.bill_secondaries(uow, crossing))
    return counts


def _write(
    uow: UnitOfWork, steps: _Steps, rows: PaymentRows, adjusted: list[Emission]
) -> None:
    """Take the pending steps, store the payments and announce them; nothing stays pending.

    Done every few hundred claim payments rather than once per 835: what is written is let
    go, so a large 835 keeps few objects alive (Python's collector scans every live one).
    """
    steps.flush()
    rows.write(uow.connection)
    uow.emit_all(CLAIM_ADJUSTED, adjusted)
    adjusted.clear()


@dataclass
class _Steps:
    """The lifecycle steps of one remittance, taken together (``transitions.take_steps``).

    A claim named again (a reversal, then the corrected payment) first has its earlier step
    taken, and is read again, so its second payment is decided on the state it is in now.
    """

    uow: UnitOfWork
    rows: dict[str, Any]  # our claims as they are, by id
    moves: list[transitions.Move] = field(default_factory=list)

    def claim(self, claim_id: str) -> Any:
        """The claim as it is now, its pending step taken first."""
        if claim_id not in self.rows:
            self.flush()
            self.rows[claim_id] = claim_store.get_claim(self.uow.connection, claim_id)
        return self.rows[claim_id]

    def take(self, move: transitions.Move) -> None:
        """Take ``move`` with the others; the claim is read again before it is used again."""
        self.moves.append(move)
        del self.rows[move.claim.claim_id]

    def flush(self) -> None:
        """Take every pending step now."""
        if self.moves:
            transitions.take_steps(self.uow, self.moves)
            self.moves.clear()


def _our_claims(uow: UnitOfWork, remittance: Remittance) -> dict[str, tuple[Any, SentClaim]]:
    """Our claims each readable CLP01 names, as billed, by the echo.

    New claim ids are 20 characters, so a whole or truncated echo is the id itself (found by
    key, a query per few hundred claims); an echo that is not (an id of the former 38
    characters cut to 20, or upper-cased) is looked up by the echo rule, and must name one
    claim only.
    """
    echoes = {p.claim_id for p in remittance.claims if p.claim_id is not None}
    ours = claim_store.claims_as_billed(uow.connection, echoes)
    for echo in echoes - ours.keys():
        matches = claim_store.claims_echoed(uow.connection, echo)
        if len(matches) == 1:
            claim_id = matches[0].claim_id
            ours[echo] = claim_store.claims_as_billed(uow.connection, [claim_id])[claim_id]
        elif matches:
            log.warning("835 claim id matches several claims", extra={"echo": echo})
    return ours


def _claims_held(remittance: Remittance) -> tuple[Reason, ...]:
    return tuple(
        Reason("claim_held", f"claim payment {p.claim_id or '(no CLP01)'}: "
                             f"{p.paid if p.paid is not None else 'unreadable'} not posted")
        for p in remittance.claims
    )


def _words(plan: PostingPlan) -> str:
    if plan.outcome is Outcome.REVERSAL:
        return f"reversal: {two_places(-plan.paid)} taken back"
    return (
        f"{plan.outcome.value.replace('_', ' ')}: paid {two_places(plan.paid)}, patient owes "
        f"{two_places(plan.patient_responsibility)}"
    )


def _adjusted(
    remittance: Remittance, plan: PostingPlan, client_id: str, at: datetime
) -> dict[str, Any]:
    """What claim.adjusted says: the payment, the adjustments per group and CARC (claim and
    lines together, e.g. {"CO-45": 39.11, "PR-1": 20.00}) and what the patient owes."""
    totals: dict[str, Decimal] = {}
    every = (*plan.claim_adjustments, *(a for line in plan.lines for a in line.adjustments))
    for adjustment in every:
        code = f"{adjustment.group}-{adjustment.reason}"
        totals[code] = totals.get(code, ZERO) + adjustment.amount
    return {
        "claim_id": plan.claim_id,
        "client_id": client_id,
        "trace_number": remittance.trace_number,
        "outcome": plan.outcome.value,
        "paid": plan.paid,
        "patient_responsibility": plan.patient_responsibility,
        "adjustments": totals,
        "posted_at": at,
    }


def _hold_report(uow: UnitOfWork, report_id: int, reason: str) -> None:
    reports.finish_report(uow.connection, report_id, reports.HELD, reason)
    _announce_hold(uow, report_id, UNREADABLE_REMITTANCE, reason, None, None, None)
    log.error("835 held for a person", extra={"report_id": report_id, "reason": reason})


def _announce_hold(
    uow: UnitOfWork,
    report_id: int,
    kind: str,
    reason: str,
    remittance: Remittance | None,
    claim_id: str | None,
    amount: Decimal | None,
) -> None:
    uow.emit(REMITTANCE_HELD, f"report-{report_id}", {
        "report_id": report_id,
        "trace_number": remittance.trace_number if remittance else None,
        "payer_id": remittance.payer_id if remittance else None,
        "kind": kind,
        "claim_id": claim_id,
        "amount": amount,
        "reason": reason[:500],
        "held_at": utcnow(),
    })
