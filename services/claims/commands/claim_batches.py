"""Claims for a consumer batch of completed sessions: read once for all, written together.

The consumer runner applies a poll batch in one transaction (shared/kafka/consumer.py)
and enters ``claims_batch`` around its handlers. ``create_claim`` then reads what a claim
is built from out of this batch's reads (store/intake.py: a few queries for the whole
batch instead of five per claim) and leaves the new rows and events here, to be written
with one statement per table when the last handler is done. Every claim sees what the
per-claim path would have seen at its moment:

- its client and referral as stored: no handler of a session batch changes projections
  (a poll batch is one partition of one topic);
- the sessions already claimed, the visits billed against its referral and the units
  billed to its client that day as stored plus every claim made earlier in the batch
  (domain/billed_counts.py), so two sessions of one client in a batch count each other
  exactly as one after the other would.

An event applied on its own (the runner's fallback, a retry) takes the per-claim path;
both paths build the same rows and events (tests/integration/claims/
test_claims_from_batches.py). A failure anywhere fails the whole batch, which the runner
then applies one event at a time, as for any other handler.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection

from services.claims.commands.claim_records import (
    Evaluation,
    announcements,
    claim_values,
    keep_assembled,
    log_created,
)
from services.claims.domain.billed_counts import BilledCounts
from services.claims.domain.records import Session
from services.claims.store import claims as claim_store
from services.claims.store import intake
from services.claims.store.projections import referral_state_of
from shared.db import utcnow
from shared.events import EVENTS, Event
from shared.outbox import add_all_to_outbox
from shared.uow import UnitOfWork

ORIGINAL_ATTEMPT = 1  # a session's own claim; replacements take the next numbers


@dataclass(frozen=True)
class SessionKeys:
    """What reading ahead needs of a completed session (its data as published)."""

    session_id: str
    client_id: str
    referral_id: str
    date_of_service: date

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> SessionKeys:
        # The fields session_from_data reads the same way, without building the Session.
        return cls(data["session_id"], data["client_id"], data["referral_id"],
                   date.fromisoformat(data["date_of_service"]))  # fmt: skip


class IntakeBatch:
    """What the claims of one batch are built from, and what they wrote, until its end."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self._client_texts: dict[str, str | None] = {}
        self._referral_rows: dict[str, tuple[str | None, date | None] | None] = {}
        self._claimed: dict[str, bool] = {}  # session id -> has an original claim
        self._billed = BilledCounts()
        self._claims: list[dict[str, Any]] = []
        self._lines: list[dict[str, Any]] = []
        self._history: list[dict[str, Any]] = []
        self._events: list[Event] = []

    # -- reading: what commands/claims.py evaluate() asks of its sources -----------------

    def read_ahead(self, sessions: Sequence[SessionKeys]) -> None:
        """Read for these sessions whatever is not known yet, a few queries for them all."""
        connection = self.connection
        clients = {s.client_id for s in sessions} - self._client_texts.keys()
        found = intake.client_payload_texts(connection, clients)
        self._client_texts.update({client_id: found.get(client_id) for client_id in clients})
        referrals = {s.referral_id for s in sessions} - self._referral_rows.keys()
        rows = intake.referral_rows(connection, referrals)
        self._referral_rows.update({referral: rows.get(referral) for referral in referrals})
        unclaimed = {s.session_id for s in sessions} - self._claimed.keys()
        claimed = intake.sessions_claimed(connection, unclaimed, ORIGINAL_ATTEMPT)
        self._claimed.update({session_id: session_id in claimed for session_id in unclaimed})
        billed = self._billed
        unknown = {s.referral_id for s in sessions if not billed.knows_referral(s.referral_id)}
        for referral_id, sessions_billed in intake.sessions_billed(connection, unknown).items():
            billed.know_referral(referral_id, sessions_billed)
        days = {(s.client_id, s.date_of_service) for s in sessions
                if not billed.knows_day(s.client_id, s.date_of_service)}  # fmt: skip
        for (client_id, day), lines in intake.lines_billed(connection, sorted(days)).items():
            billed.know_day(client_id, day, lines)

    def client_payload(self, client_id: str) -> dict[str, Any] | None:
        """As store/projections.py client_payload: parsed anew for every claim."""
        if client_id not in self._client_texts:
            found = intake.client_payload_texts(self.connection, [client_id])
            self._client_texts[client_id] = found.get(client_id)
        text = self._client_texts[client_id]
        return json.loads(text) if text else None

    def referral_state(self, referral_id: str) -> dict[str, Any] | None:
        """As store/projections.py referral_state."""
        if referral_id not in self._referral_rows:
            self._referral_rows[referral_id] = intake.referral_rows(
                self.connection, [referral_id]
            ).get(referral_id)
        row = self._referral_rows[referral_id]
        return None if row is None else referral_state_of(*row)

    def visits_billed(self, referral_id: str, except_session: str) -> int:
        """As store/claims.py visits_billed, this batch's claims included."""
        self._know_referral(referral_id)
        return self._billed.visits_billed(referral_id, except_session)

    def units_billed_on(self, client_id: str, day: date, except_session: str) -> dict[str, int]:
        """As store/claims.py units_billed_on, this batch's claims included."""
        self._know_day(client_id, day)
        return self._billed.units_billed_on(client_id, day, except_session)

    def _know_referral(self, referral_id: str) -> None:
        if not self._billed.knows_referral(referral_id):
            found = intake.sessions_billed(self.connection, [referral_id])
            self._billed.know_referral(referral_id, found[referral_id])

    def _know_day(self, client_id: str, day: date) -> None:
        if not self._billed.knows_day(client_id, day):
            found = intake.lines_billed(self.connection, [(client_id, day)])
            self._billed.know_day(client_id, day, found[(client_id, day)])

    # -- writing: what commands/claim_records.py insert() does, held until the end -------

    def insert(
        self,
        uow: UnitOfWork,
        claim_id: str,
        session: Session,
        session_data: dict[str, Any],
        evaluation: Evaluation,
    ) -> bool:
        """Keep a session's original claim and its announcements for the batch's end;
        False when the session already has one (stored, or made earlier in the batch)."""
        session_id = session.session_id
        if session_id not in self._claimed:
            self._claimed[session_id] = session_id in intake.sessions_claimed(
                self.connection, [session_id], ORIGINAL_ATTEMPT
            )
        if self._claimed[session_id]:
            return False
        self._claimed[session_id] = True
        prepared = evaluation.prepared
        values = claim_values(uow, claim_id, session, session_data, evaluation, ORIGINAL_ATTEMPT)
        claim, lines, history = claim_store.new_claim_rows(values, prepared.lines, utcnow())
        self._claims.append(claim)
        self._lines.extend(lines)
        self._history.append(history)
        self._know_referral(session.referral_id)
        self._know_day(session.client_id, session.date_of_service)
        self._billed.count(session_id, session.referral_id, session.client_id,
                           session.date_of_service, values["status"], prepared.lines)  # fmt: skip
        # Kept before the batch is written: should it roll back, no stored snapshot will
        # ever be this claim's text with another 837P (x12/assembled.py).
        keep_assembled(values, evaluation)
        log_created(values)
        # What uow.emit does, but written with the batch's other events at its end.
        self._events.extend(
            EVENTS.build(event_type, source=uow.source, subject=session.client_id, data=data,
                         correlation_id=uow.correlation_id)
            for event_type, data in announcements(values, session, prepared)
        )  # fmt: skip
        return True

    def write(self) -> None:
        """Store the batch's claims, then queue their events, in the order they were made."""
        claim_store.write_new_claims(self.connection, self._claims, self._lines, self._history)
        add_all_to_outbox(self.connection, self._events)
        self._claims, self._lines, self._history, self._events = [], [], [], []


_CURRENT: ContextVar[IntakeBatch | None] = ContextVar("claims_intake_batch", default=None)


@contextmanager
def claims_batch(connection: Connection, events: list[Event]) -> Iterator[IntakeBatch]:
    """The consumer's batch scope for session.completed (v1 or v2): read ahead for the
    batch's sessions, let its handlers build claims, write them all when they are done.

    A second scope on the same connection (both versions in one transaction) joins the
    first, which writes for both.
    """
    current = _CURRENT.get()
    sessions = [SessionKeys.of(event.data) for event in events]
    if current is not None and current.connection is connection:
        current.read_ahead(sessions)
        yield current
        return
    batch = IntakeBatch(connection)
    batch.read_ahead(sessions)
    token = _CURRENT.set(batch)
    try:
        yield batch
    finally:
        _CURRENT.reset(token)
    batch.write()  # only when every handler succeeded: an exception skips this


def batch_of(uow: UnitOfWork) -> IntakeBatch | None:
    """The batch the unit of work's event is applied in, if it is applied in one."""
    batch = _CURRENT.get()
    return batch if batch is not None and batch.connection is uow.connection else None
