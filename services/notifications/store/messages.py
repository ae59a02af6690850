"""The message log: one row per message key, claimed with a lease, marked when sent.

Like the outbox (shared/outbox.py): the row is written in the transaction that decided
the message should exist, a sender claims due rows with a lease, sends outside any
transaction and records the outcome only if its claim still holds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select, update

from services.notifications.domain.decisions import WAITING_FOR_CONTACT
from services.notifications.domain.messages import (
    REMINDER,
    SCHEDULED,
    SENDING,
    WITHDRAWN,
    message_id_for,
)
from services.notifications.store.tables import messages
from shared.db import insert_if_absent, utcnow


@dataclass(frozen=True)
class NewMessage:
    """A message to be: its key names it; the rest is what the sender needs later."""

    key: str
    kind: str
    channel: str
    audience: str
    client_id: str
    due_at: datetime
    details: dict[str, Any]
    deadline: datetime | None = None
    appointment_id: str | None = None
    appointment_start: datetime | None = None
    lead_minutes: int | None = None


def queue(connection: Connection, message: NewMessage) -> bool:
    """Add the message unless its key exists; True when it is (again) scheduled.

    A key withdrawn earlier and wanted again (an appointment moved away and back to the
    same time) is scheduled again; a key already sent never is.
    """
    now = utcnow()
    row = {
        "message_id": message_id_for(message.key), "key": message.key, "kind": message.kind,
        "channel": message.channel, "audience": message.audience,
        "client_id": message.client_id, "appointment_id": message.appointment_id,
        "appointment_start": message.appointment_start, "lead_minutes": message.lead_minutes,
        "details": json.dumps(message.details, default=str), "state": SCHEDULED,
        "due_at": message.due_at, "deadline": message.deadline, "attempts": 0,
        "created_at": now, "updated_at": now,
    }
    if insert_if_absent(connection, messages, row):
        return True
    revived = connection.execute(
        update(messages)
        .where(messages.c.key == message.key, messages.c.state == WITHDRAWN)
        .values(state=SCHEDULED, due_at=message.due_at, deadline=message.deadline, reason=None,
                updated_at=now)
        .returning(messages.c.message_id)
    ).first()
    return revived is not None


def withdraw_for_appointment(connection: Connection, appointment_id: str, reason: str,
                             keep_start: datetime | None = None,
                             kinds: Sequence[str] | None = None) -> int:
    """Withdraw the appointment's messages not yet sent (except those about ``keep_start``)."""
    condition = and_(messages.c.appointment_id == appointment_id,
                     messages.c.state == SCHEDULED)
    if keep_start is not None:
        condition = and_(condition, or_(messages.c.appointment_start.is_(None),
                                        messages.c.appointment_start != keep_start))
    if kinds is not None:
        condition = and_(condition, messages.c.kind.in_(kinds))
    result = connection.execute(
        update(messages).where(condition)
        .values(state=WITHDRAWN, reason=reason, updated_at=utcnow())
        .returning(messages.c.message_id))
    return len(result.all())


def withdraw_by_key_prefix(connection: Connection, prefix: str, reason: str) -> int:
    """Withdraw the messages not yet sent whose keys start with ``prefix`` (one offer's)."""
    result = connection.execute(
        update(messages)
        .where(messages.c.key.startswith(prefix, autoescape=True),
               messages.c.state == SCHEDULED)
        .values(state=WITHDRAWN, reason=reason, updated_at=utcnow())
        .returning(messages.c.message_id))
    return len(result.all())


def scheduled_reminders(connection: Connection, client_id: str) -> list[Any]:
    """The client's reminders not yet sent (to re-time when their time zone changes)."""
    return list(connection.execute(select(messages).where(
        messages.c.client_id == client_id, messages.c.kind == REMINDER,
        messages.c.state == SCHEDULED)))


def wake_waiting_for_contact(connection: Connection, client_id: str, now: datetime) -> int:
    """Make the client's messages that wait for contact details due now; how many."""
    result = connection.execute(update(messages).where(
        messages.c.client_id == client_id, messages.c.state == SCHEDULED,
        messages.c.reason == WAITING_FOR_CONTACT, messages.c.due_at > now,
    ).values(due_at=now, updated_at=utcnow()))
    return result.rowcount


def set_due(connection: Connection, message_id: str, due_at: datetime) -> None:
    """Move a scheduled message's due time."""
    connection.execute(update(messages).where(
        messages.c.message_id == message_id, messages.c.state == SCHEDULED
    ).values(due_at=due_at, updated_at=utcnow()))


def claim_due(connection: Connection, now: datetime, lease: timedelta, limit: int) -> list[Any]:
    """Lease up to ``limit`` due messages: scheduled and due, or abandoned mid-send.

    A message still ``sending`` after its lease ran out was claimed by a sender that died
    (SIGKILL, power loss) between claim and record: it is claimed again and sent again,
    with the same Message-ID / provider reference (docs/NOTIFICATIONS.md §Exactly once).
    """
    claimable = or_(
        and_(messages.c.state == SCHEDULED, messages.c.due_at <= now),
        and_(messages.c.state == SENDING, messages.c.lease_until < now),
    )
    ids = select(messages.c.message_id).where(claimable).order_by(
        messages.c.due_at).limit(limit).scalar_subquery()
    # The condition is repeated in the UPDATE: a row another sender claimed meanwhile
    # no longer matches it (PostgreSQL re-checks it on the locked row).
    claimed = connection.execute(
        update(messages).where(messages.c.message_id.in_(ids), claimable)
        .values(state=SENDING, lease_until=now + lease, attempts=messages.c.attempts + 1,
                updated_at=now)
        .returning(*messages.c)
    ).all()
    return sorted(claimed, key=lambda row: row.due_at)


def finish(connection: Connection, claim: Any, state: str, **values: Any) -> bool:
    """Record the outcome of a claimed send; False when the claim was lost meanwhile."""
    result = connection.execute(
        update(messages).where(
            messages.c.message_id == claim.message_id, messages.c.state == SENDING,
            messages.c.attempts == claim.attempts)
        .values(state=state, lease_until=None, updated_at=utcnow(), **values)
        .returning(messages.c.message_id))
    return result.first() is not None


def by_provider_id(connection: Connection, provider_id: str) -> Any:
    """The message the SMS provider knows by ``provider_id``, or None."""
    return connection.execute(
        select(messages).where(messages.c.provider_id == provider_id)).first()


def by_id(connection: Connection, message_id: str) -> Any:
    """One message, or None."""
    return connection.execute(select(messages).where(messages.c.message_id == message_id)).first()


def record_delivery(connection: Connection, message_id: str, state: str, reason: str | None,
                    provider_id: str | None) -> None:
    """Record what the provider reported about a sent message (perhaps before the sender
    recorded it sent: the sender's record then finds its claim gone, which is fine)."""
    values: dict[str, Any] = {"state": state, "reason": reason, "lease_until": None,
                              "updated_at": utcnow()}
    if provider_id:
        values["provider_id"] = provider_id
    connection.execute(update(messages).where(messages.c.message_id == message_id).values(
        **values))


def search(connection: Connection, filters: dict[str, Any], limit: int) -> list[Any]:
    """Messages matching the filters, newest first."""
    query = select(messages)
    for name in ("client_id", "appointment_id", "state", "kind", "channel"):
        if filters.get(name):
            query = query.where(messages.c[name] == filters[name])
    if filters.get("since"):
        query = query.where(messages.c.created_at >= filters["since"])
    return list(connection.execute(
        query.order_by(messages.c.created_at.desc(), messages.c.message_id).limit(limit)))
