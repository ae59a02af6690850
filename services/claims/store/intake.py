"""What a batch of new claims is built from, read with a few queries for the whole batch.

Making a claim reads its client, its referral, whether its session already has a claim,
the sessions billed against the referral and the units billed to the client that day: five
statements per claim, each costing more in SQLAlchemy and the driver than in the database
(docs/PERFORMANCE.md, "Claims"). Here each is one query per few hundred sessions, with the
same conditions as the per-claim statements in store/claims.py and store/projections.py.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, select

from services.claims.domain.billed_counts import BilledLine
from services.claims.store.claims import BILLED_STATUSES, VOID_FREQUENCY
from services.claims.store.tables import claim_lines, claims, clients, referrals

_IDS_PER_QUERY = 500  # values bound in one IN (...): well under SQLite's variable limit

_CLIENT_PAYLOADS = select(clients.c.client_id, clients.c.payload).where(
    clients.c.client_id.in_(bindparam("ids", expanding=True))
)
_REFERRALS = select(referrals.c.referral_id, referrals.c.payload, referrals.c.closed_on).where(
    referrals.c.referral_id.in_(bindparam("ids", expanding=True))
)
_CLAIMED = select(claims.c.session_id).where(
    claims.c.session_id.in_(bindparam("ids", expanding=True)),
    claims.c.attempt == bindparam("attempt"),
)
# store/claims.py _VISITS_BILLED, for many referrals: the sessions, counted by the caller.
_BILLED_SESSIONS = (
    select(claims.c.referral_id, claims.c.session_id)
    .where(
        claims.c.referral_id.in_(bindparam("ids", expanding=True)),
        claims.c.status.in_(BILLED_STATUSES),
    )
    .distinct()
)
# store/claims.py _UNITS_SAME_DAY, for many clients: the lines, added up by the caller.
_LINES_BILLED = (
    select(claims.c.client_id, claims.c.date_of_service, claims.c.session_id,
           claim_lines.c.code, claim_lines.c.units)
    .join(claims, claims.c.claim_id == claim_lines.c.claim_id)
    .where(
        claims.c.client_id.in_(bindparam("ids", expanding=True)),
        claims.c.date_of_service.in_(bindparam("days", expanding=True)),
        claims.c.status.in_(BILLED_STATUSES),
        claims.c.replaced_by_claim_id.is_(None),
        claims.c.frequency != VOID_FREQUENCY,
    )
)  # fmt: skip


def _chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    ordered = sorted(set(values))
    for start in range(0, len(ordered), _IDS_PER_QUERY):
        yield ordered[start : start + _IDS_PER_QUERY]


def client_payload_texts(connection: Connection, client_ids: Iterable[str]) -> dict[str, str]:
    """The stored client payloads (JSON text) of these clients, by id; absent when none."""
    found: dict[str, str] = {}
    for ids in _chunks(client_ids):
        for client_id, payload in connection.execute(_CLIENT_PAYLOADS, {"ids": ids}):
            found[client_id] = payload
    return found


def referral_rows(
    connection: Connection, referral_ids: Iterable[str]
) -> dict[str, tuple[str | None, date | None]]:
    """(payload text, closed on) of these referrals, by id; absent when no row."""
    found: dict[str, tuple[str | None, date | None]] = {}
    for ids in _chunks(referral_ids):
        for referral_id, payload, closed_on in connection.execute(_REFERRALS, {"ids": ids}):
            found[referral_id] = (payload, closed_on)
    return found


def sessions_claimed(
    connection: Connection, session_ids: Iterable[str], attempt: int
) -> set[str]:
    """Which of these sessions already have a claim of this attempt."""
    found: set[str] = set()
    for ids in _chunks(session_ids):
        found.update(connection.execute(_CLAIMED, {"ids": ids, "attempt": attempt}).scalars())
    return found


def sessions_billed(connection: Connection, referral_ids: Iterable[str]) -> dict[str, set[str]]:
    """The sessions billed (or about to be) against each of these referrals."""
    wanted = set(referral_ids)
    found: dict[str, set[str]] = {referral_id: set() for referral_id in wanted}
    for ids in _chunks(wanted):
        for referral_id, session_id in connection.execute(_BILLED_SESSIONS, {"ids": ids}):
            found[referral_id].add(session_id)
    return found


def lines_billed(
    connection: Connection, days: Sequence[tuple[str, date]]
) -> dict[tuple[str, date], list[BilledLine]]:
    """The lines billed (or about to be) that count towards each client's units that day."""
    wanted = set(days)
    found: dict[tuple[str, date], list[BilledLine]] = {key: [] for key in wanted}
    on_days = sorted({day for _, day in wanted})
    for ids in _chunks(client_id for client_id, _ in wanted):
        rows = connection.execute(_LINES_BILLED, {"ids": ids, "days": on_days})
        for client_id, day, session_id, code, units in rows:
            lines = found.get((client_id, day))  # another client's day: not asked for
            if lines is not None:
                lines.append(BilledLine(session_id, code, int(units)))
    return found
