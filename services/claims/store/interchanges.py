"""Interchanges: the stored 837P text, its control number, and where it is in submission."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from services.claims.store.tables import claims, control_numbers, interchanges
from shared.db import utcnow

PENDING = "pending"  # stored, not yet answered by the clearinghouse
ACCEPTED = "accepted"  # the 999 accepted it; 277CAs come through the report mailbox
REJECTED = "rejected"  # the 999 or a TA1 rejected it
REFUSED = "refused"  # the clearinghouse refused the request (4xx)
HELD = "held"  # its answers could not be read or matched: a person decides
STATUSES = (PENDING, ACCEPTED, REJECTED, REFUSED, HELD)


class ControlNumbersExhausted(RuntimeError):
    """ISA13 has nine digits; the counter reached the end."""


def next_control_number(connection: Connection) -> int:
    """Take the next interchange control number; a committed number is never handed out again."""
    # The UPDATE locks the counter row until commit (PostgreSQL), and SQLite write
    # transactions are serialised, so two batchers never get the same number.
    connection.execute(
        update(control_numbers)
        .where(control_numbers.c.name == "interchange")
        .values(last_value=control_numbers.c.last_value + 1)
    )
    number = connection.execute(
        select(control_numbers.c.last_value).where(control_numbers.c.name == "interchange")
    ).scalar_one()
    if number > 999_999_999:
        raise ControlNumbersExhausted(str(number))
    return int(number)


# Built once: the batcher asks this many times a second when its rest is short, and
# building the statement costs more than SQLite takes to answer it from its index.
_READY_BY_PAYER = (
    select(claims.c.payer_id, func.count().label("waiting"), func.min(claims.c.ready_at))
    .where(claims.c.status == "ready", claims.c.interchange_number.is_(None))
    .group_by(claims.c.payer_id)
    .order_by(claims.c.payer_id)
)


def ready_claims_by_payer(connection: Connection) -> list[Any]:
    """(payer_id, how many, oldest ready_at) for ready claims not yet in an interchange."""
    return list(connection.execute(_READY_BY_PAYER))


def oldest_ready_claims(connection: Connection, payer_id: str, limit: int) -> list[Any]:
    """A payer's ready claims not yet in an interchange, oldest first: the id and the
    snapshot (with the 837P claim to send) of each, not the whole row."""
    return list(
        connection.execute(
            select(claims.c.claim_id, claims.c.snapshot)
            .where(
                claims.c.status == "ready",
                claims.c.interchange_number.is_(None),
                claims.c.payer_id == payer_id,
            )
            .order_by(claims.c.ready_at, claims.c.claim_id)
            .limit(limit)
        )
    )


def store_interchange(
    connection: Connection, control_number: int, payer_id: str, sender_id: str, x12: str
) -> None:
    """Keep a rendered interchange, ready for its first submission."""
    now = utcnow()
    connection.execute(
        insert(interchanges).values(
            control_number=control_number,
            payer_id=payer_id,
            sender_id=sender_id,
            x12=x12,
            status=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )


def put_claims_in(connection: Connection, control_number: int, claim_ids: Sequence[str]) -> bool:
    """Assign claims to an interchange; False when another batcher took any of them first."""
    taken = connection.execute(
        update(claims)
        .where(claims.c.claim_id.in_(list(claim_ids)), claims.c.interchange_number.is_(None))
        .values(interchange_number=control_number, updated_at=utcnow())
    ).rowcount
    return taken == len(claim_ids)


def lease_due(connection: Connection, status: str, lease: timedelta, limit: int = 20) -> list[Any]:
    """Interchanges in ``status`` whose next attempt is due, leased to this caller.

    The lease keeps a second worker process off an interchange while the first one is
    talking to the clearinghouse about it; a crashed worker's lease simply runs out.
    """
    now = utcnow()
    due = connection.execute(
        select(interchanges.c.control_number)
        .where(
            interchanges.c.status == status,
            interchanges.c.next_attempt_at <= now,
            or_(interchanges.c.lease_until.is_(None), interchanges.c.lease_until < now),
        )
        .order_by(interchanges.c.next_attempt_at, interchanges.c.control_number)
        .limit(limit)
    ).scalars()
    leased = []
    for number in list(due):
        taken = connection.execute(
            update(interchanges)
            .where(
                interchanges.c.control_number == number,
                interchanges.c.status == status,
                or_(interchanges.c.lease_until.is_(None), interchanges.c.lease_until < now),
            )
            .values(lease_until=now + lease)
        ).rowcount
        if taken:
            leased.append(find_interchange(connection, number))
    return leased


def find_interchange(connection: Connection, control_number: int) -> Any:
    """An interchange row, or None."""
    return connection.execute(
        select(interchanges).where(interchanges.c.control_number == control_number)
    ).first()


def update_interchange(connection: Connection, control_number: int, **values: Any) -> None:
    """Change an interchange and release its lease."""
    connection.execute(
        update(interchanges)
        .where(interchanges.c.control_number == control_number)
        .values(lease_until=None, **values)
    )


def retry_later(connection: Connection, control_number: int, at: datetime, error: str) -> None:
    """Count a failed attempt and schedule the next one (same stored text, same number)."""
    connection.execute(
        update(interchanges)
        .where(interchanges.c.control_number == control_number)
        .values(
            attempts=interchanges.c.attempts + 1,
            next_attempt_at=at,
            last_error=error[:500],
            lease_until=None,
        )
    )


def count_unreadable(
    connection: Connection, control_number: int, at: datetime, problem: str
) -> int:
    """Count an answer that could not be read or matched and schedule the next attempt.

    Returns how many such answers came in a row, this one included.
    """
    connection.execute(
        update(interchanges)
        .where(interchanges.c.control_number == control_number)
        .values(
            attempts=interchanges.c.attempts + 1,
            unreadable_answers=interchanges.c.unreadable_answers + 1,
            next_attempt_at=at,
            last_error=problem[:500],
            lease_until=None,
        )
    )
    return int(
        connection.execute(
            select(interchanges.c.unreadable_answers).where(
                interchanges.c.control_number == control_number
            )
        ).scalar_one()
    )


def release(connection: Connection, control_number: int) -> bool:
    """Send a held interchange again at once, its count of unreadable answers reset."""
    return (
        connection.execute(
            update(interchanges)
            .where(interchanges.c.control_number == control_number, interchanges.c.status == HELD)
            .values(status=PENDING, unreadable_answers=0, next_attempt_at=utcnow(),
                    lease_until=None)
        ).rowcount
        == 1
    )


def list_interchanges(connection: Connection, status: str | None, limit: int) -> list[Any]:
    """Interchanges (newest first), of one status when given, without their text."""
    query = (
        select(
            interchanges.c.control_number,
            interchanges.c.payer_id,
            interchanges.c.status,
            interchanges.c.attempts,
            interchanges.c.unreadable_answers,
            interchanges.c.last_error,
            interchanges.c.created_at,
            interchanges.c.submitted_at,
        )
        .order_by(interchanges.c.control_number.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(interchanges.c.status == status)
    return list(connection.execute(query))


def claim_ids_by_interchange(
    connection: Connection, numbers: Sequence[int]
) -> dict[int, list[str]]:
    """The claim ids in each of the interchanges ``numbers``."""
    found: dict[int, list[str]] = {number: [] for number in numbers}
    rows = connection.execute(
        select(claims.c.interchange_number, claims.c.claim_id)
        .where(claims.c.interchange_number.in_(list(numbers)))
        .order_by(claims.c.claim_id)
    )
    for number, claim_id in rows:
        found[number].append(claim_id)
    return found


def count_held(connection: Connection) -> int:
    """How many interchanges wait for a person."""
    return int(
        connection.execute(
            select(func.count()).select_from(interchanges).where(interchanges.c.status == HELD)
        ).scalar_one()
    )


def awaiting_answer(connection: Connection, claim_ids: Iterable[str]) -> list[int]:
    """The interchanges holding any of these claims whose 999 is not recorded yet.

    Pending (being sent, or sent by a process that died before it recorded the answer) or
    held for a person: what the clearinghouse says about their claims waits for it.
    """
    wanted = sorted(set(claim_ids))
    found: set[int] = set()
    for start in range(0, len(wanted), 500):
        found.update(connection.execute(
            select(interchanges.c.control_number)
            .join(claims, claims.c.interchange_number == interchanges.c.control_number)
            .where(claims.c.claim_id.in_(wanted[start : start + 500]),
                   interchanges.c.status.in_((PENDING, HELD)))
            .distinct()
        ).scalars())
    return sorted(found)
