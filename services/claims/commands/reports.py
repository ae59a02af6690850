"""Reports from the clearinghouse's mailbox: kept once each, then read claim by claim.

A page of reports is stored (keyed by the mailbox's report id) and the cursor moved in one
transaction, so a page read twice changes nothing. Each report is then processed in a unit
of work of its own, in mailbox order, so 277CAs about one claim apply in the order they
came (A1, then A2 or A7; docs/DOMAIN.md §Acknowledgements). A 277CA that cannot be read
is held for a person; a claim loop that cannot be read only leaves its own claim as it was.
835s are kept, untouched, for remittance posting.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from services.claims.commands import transitions
from services.claims.domain import lifecycle
from services.claims.domain.answers import claim_answer
from services.claims.domain.claim_ids import echo_key, echoes
from services.claims.domain.lifecycle import Step
from services.claims.store import claims as claim_store
from services.claims.store import interchanges, reports
from services.claims.x12.acknowledgements import (
    ClaimAcknowledgement,
    ClaimAcknowledgementReport,
    parse_277ca,
)
from services.claims.x12.syntax import X12SyntaxError
from shared.db import utcnow
from shared.events.contracts.claims import INTERCHANGE_HELD
from shared.uow import UnitOfWork

log = logging.getLogger("services.claims.reports")
CLAIM_ACKNOWLEDGEMENT = "277CA"
REMITTANCE = "835"
# A 277CA about an interchange whose own answer is not recorded waits for it.
_NOT_ANSWERED_YET = (interchanges.PENDING, interchanges.HELD)


def mailbox_cursor(uow: UnitOfWork) -> int:
    """The id of the last report read from the mailbox (0: none yet)."""
    return reports.cursor(uow.connection)


def store_page(uow: UnitOfWork, page: Sequence[Mapping[str, Any]], next_after: int) -> int:
    """Keep each listed report once and move the cursor past them; how many were new."""
    new = sum(reports.store_report(uow.connection, report) for report in page)
    reports.advance_cursor(uow.connection, max([next_after, *(r["id"] for r in page)]))
    return new


def due_reports(uow: UnitOfWork) -> list[int]:
    """Ids of the stored reports still to process, in mailbox order."""
    return reports.due_reports(uow.connection)


def process_report(uow: UnitOfWork, report_id: int) -> bool:
    """Process one stored report; False when another worker already did."""
    row = reports.take_report(uow.connection, report_id)
    if row is None:
        return False
    if row.kind == REMITTANCE:
        reports.finish_report(
            uow.connection, report_id, reports.AWAITING_POSTING, "kept for remittance posting"
        )
    elif row.kind == CLAIM_ACKNOWLEDGEMENT:
        _process_277ca(uow, row)
    else:
        _hold(uow, row, None, f"a report of unknown kind {row.kind!r}")
    return True


def _process_277ca(uow: UnitOfWork, row: Any) -> None:
    try:
        report = parse_277ca(row.x12)
    except X12SyntaxError as error:
        _hold(uow, row, row.interchange_number, f"unreadable 277CA: {error}")
        return
    number = row.interchange_number or _number(report.batch_reference)
    interchange = interchanges.find_interchange(uow.connection, number) if number else None
    if interchange is not None and interchange.status in _NOT_ANSWERED_YET:
        reports.finish_report(
            uow.connection, row.report_id, reports.DEFERRED,
            f"interchange {number:09d} is {interchange.status}: waits for its 999",
        )
        return
    scope = interchange.control_number if interchange is not None else None
    counts: Counter[str] = Counter()
    claims = _ClaimsOfInterchange(uow, scope)
    for ack in report.claims:
        counts[_answer_claim(uow, row, report, ack, scope, claims)] += 1
    claims.take_steps()
    if report.unidentified_loops:
        counts["loop without TRN"] += report.unidentified_loops
    summary = ", ".join(f"{what}: {count}" for what, count in sorted(counts.items()))
    reports.finish_report(uow.connection, row.report_id, reports.PROCESSED, summary or "empty")
    log.info("277CA processed", extra={"report_id": row.report_id, "summary": summary})


class _ClaimsOfInterchange:
    """The claims a 277CA's loops name, read once per report rather than once per loop.

    Within a known interchange, a loop names the claims whose id, upper-cased and cut to
    20 characters, is the echo's key and that ``echoes`` accepts: the same match as
    ``claims_echoed`` (domain/claim_ids.py), over the interchange's claims read in one
    query. A claim a loop of this report already moved is read again, so a second loop
    about it sees its new state. Without an interchange every loop asks the database.

    The loops' steps are kept (``move``) and taken together (``take_steps``: one
    compare-and-set, one history insert, one outbox insert for them all), and always
    before the database is asked about a claim again, so every read sees the steps
    of the loops before it.
    """

    def __init__(self, uow: UnitOfWork, interchange: int | None) -> None:
        self.uow, self.connection, self.interchange = uow, uow.connection, interchange
        self.moves: list[transitions.Move] = []
        self.by_key: dict[str, list[Any]] = {}
        if interchange is not None:
            for claim in claim_store.claims_in_interchange(self.connection, interchange):
                self.by_key.setdefault(echo_key(claim.claim_id), []).append(claim)
        self.answered: set[str] = set()

    def named(self, echo: str) -> list[Any]:
        """The claims ``echo`` names (one, or none or several for a person to sort out)."""
        if self.interchange is None:
            self.take_steps()
            return claim_store.claims_echoed(self.connection, echo)
        matches = [c for c in self.by_key.get(echo_key(echo), ()) if echoes(c.claim_id, echo)]
        if any(claim.claim_id in self.answered for claim in matches):
            self.take_steps()
            return claim_store.claims_echoed(self.connection, echo, self.interchange)
        self.answered.update(claim.claim_id for claim in matches)
        return matches

    def move(self, move: transitions.Move) -> None:
        """A loop's step, taken with the others (``take_steps``)."""
        self.moves.append(move)

    def take_steps(self) -> None:
        """Take the steps kept so far."""
        if self.moves:
            transitions.take_steps(self.uow, self.moves)
            self.moves = []


def _answer_claim(
    uow: UnitOfWork,
    row: Any,
    report: ClaimAcknowledgementReport,
    ack: ClaimAcknowledgement,
    interchange: int | None,
    claims: _ClaimsOfInterchange,
) -> str:
    """Apply one claim loop to the claim it names; what became of it, in a word or two."""
    matches = claims.named(ack.claim_id)
    if len(matches) != 1:
        log.warning(
            "277CA claim loop matches no single claim",
            extra={"report_id": row.report_id, "echo": ack.claim_id, "matches": len(matches)},
        )
        return "unmatched" if not matches else "ambiguous"
    claim = matches[0]
    evidence = {
        "acknowledgement": CLAIM_ACKNOWLEDGEMENT,
        "report_id": row.report_id,
        "interchange": f"{interchange:09d}" if interchange else None,
        "control_number": report.interchange_control_number,
        "group": report.group_control_number,
        "transaction": report.transaction_control_number,
        "echo": ack.claim_id,
        "segments": list(ack.evidence),
    }
    answer = claim_answer(ack)
    if answer.step is None:
        transitions.note(uow, claim, answer.note, evidence)
        return "noted"
    if lifecycle.TRANSITIONS[answer.step].target == claim.status:
        return "repeated"  # the same verdict again (a report listed twice, a resend)
    if not lifecycle.allowed(claim.status, answer.step):
        transitions.note(uow, claim, f"{answer.note} ignored: the claim is {claim.status}",
                         evidence)
        return "ignored"
    number = ack.payer_claim_control_number
    if answer.step is Step.RECEIVE:
        claims.move(transitions.receipt(claim, answer.note, evidence, number))
    elif answer.step is Step.ACCEPT and transitions.voids_another(claim):
        claims.take_steps()  # the void reads and moves the claim it names: in order
        transitions.accept(uow, claim, answer.note, evidence, number)
    elif answer.step is Step.ACCEPT:
        claims.move(transitions.acceptance(claim, answer.note, evidence, number))
    else:
        claims.move(transitions.payer_rejection(claim, answer.reasons, answer.note, evidence))
    return answer.step.value


def _hold(uow: UnitOfWork, row: Any, number: int | None, reason: str) -> None:
    """Keep a report that cannot be read for a person: an ops alert, nothing else changes."""
    reports.finish_report(uow.connection, row.report_id, reports.HELD, reason)
    uow.emit(
        INTERCHANGE_HELD,
        f"report-{row.report_id}",
        {
            "interchange_control_number": f"{number:09d}" if number else None,
            "report_id": row.report_id,
            "acknowledgement": CLAIM_ACKNOWLEDGEMENT,
            "reason": reason[:500],
            "held_at": utcnow(),
        },
    )
    log.error("report held for a person", extra={"report_id": row.report_id, "reason": reason})


def _number(reference: str | None) -> int | None:
    """Our ISA13 from a 277CA's batch reference (our BHT03), when it is one."""
    return int(reference) if reference and reference.isdigit() else None
