"""Events as the other services publish them, applied the way the consumer applies them,
and a clock the test moves."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from services.notifications.config import NotificationsConfig
from services.notifications.handlers import subscriptions
from services.notifications.store.tables import messages
from shared.db import read_only, utcnow
from shared.events import EVENTS, Event
from shared.events.contracts.scheduling import (
    APPOINTMENT_BOOKED,
    APPOINTMENT_CANCELLED,
    APPOINTMENT_RESCHEDULED,
    CLIENT_SIGN_IN_LINK,
    REFERRAL_EXHAUSTED,
    REFERRAL_EXPIRING,
    WAITLIST_OFFER_CLOSED,
    WAITLIST_OFFERED,
)
from shared.events.contracts.screening import CLIENT_CONTACT, INTAKE_SUBMITTED
from shared.uow import unit_of_work


@dataclass
class Clock:
    """``now`` as the test says; starts at the real time so appointments lie ahead."""

    now: datetime

    def __call__(self) -> datetime:
        return self.now

    def move_to(self, moment: datetime) -> None:
        self.now = moment


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def contact_event(client_id: str, version: int = 1, **changes: Any) -> Event:
    data = {"client_id": client_id, "version": version, "first_name": "Ann",
            "email": f"ann.{client_id}@example.com", "phone": "+15551230001",
            "time_zone": "America/New_York", **changes}
    return EVENTS.build(CLIENT_CONTACT, source="screening", subject=client_id, data=data)


def appointment_data(client_id: str, appointment_id: str, start: datetime) -> dict[str, Any]:
    return {"appointment_id": appointment_id, "client_id": client_id, "referral_id": "ref-1",
            "therapist_id": "therapist-1", "room_id": "room-1", "service": "MM60",
            "start": start, "end": start + timedelta(hours=1)}


def booked_event(client_id: str, appointment_id: str, start: datetime) -> Event:
    return EVENTS.build(APPOINTMENT_BOOKED, source="scheduling", subject=client_id,
                        data=appointment_data(client_id, appointment_id, start))


def rescheduled_event(client_id: str, appointment_id: str, start: datetime,
                      previous: datetime) -> Event:
    data = {**appointment_data(client_id, appointment_id, start), "previous_start": previous,
            "late": False}
    return EVENTS.build(APPOINTMENT_RESCHEDULED, source="scheduling", subject=client_id,
                        data=data)


def cancelled_event(client_id: str, appointment_id: str) -> Event:
    data = {"appointment_id": appointment_id, "client_id": client_id, "referral_id": "ref-1",
            "cancelled_at": utcnow(), "late": False, "fee": None}
    return EVENTS.build(APPOINTMENT_CANCELLED, source="scheduling", subject=client_id, data=data)


def offered_event(client_id: str, start: datetime, hold_until: datetime,
                  respond_url: str | None = None) -> Event:
    data = {"offer_id": new_id("offer"), "entry_id": new_id("entry"), "client_id": client_id,
            "therapist_id": "therapist-1", "service": "MM60", "start": start,
            "end": start + timedelta(hours=1), "hold_until": hold_until,
            "respond_url": respond_url}
    return EVENTS.build(WAITLIST_OFFERED, source="scheduling", subject=client_id, data=data)


def offer_closed_event(offered: Event, outcome: str) -> Event:
    data = {"offer_id": offered.data["offer_id"], "entry_id": offered.data["entry_id"],
            "client_id": offered.subject, "outcome": outcome, "appointment_id": None,
            "closed_at": utcnow()}
    return EVENTS.build(WAITLIST_OFFER_CLOSED, source="scheduling", subject=offered.subject,
                        data=data)


def sign_in_link_event(client_id: str, link: str, expires_at: datetime) -> Event:
    data = {"client_id": client_id, "link": link, "expires_at": expires_at}
    return EVENTS.build(CLIENT_SIGN_IN_LINK, source="scheduling", subject=client_id, data=data)


def intake_submitted_event(client_id: str, submission_id: str) -> Event:
    data = {"submission_id": submission_id, "client_id": client_id, "invitation_id": None,
            "submitted_at": utcnow()}
    return EVENTS.build(INTAKE_SUBMITTED, source="screening", subject=client_id, data=data)


def expiring_event(client_id: str, referral_id: str, end_on: Any) -> Event:
    data = {"referral_id": referral_id, "client_id": client_id, "end_on": end_on,
            "days_left": 10}
    return EVENTS.build(REFERRAL_EXPIRING, source="scheduling", subject=client_id, data=data)


def exhausted_event(client_id: str, referral_id: str, left: int) -> Event:
    data = {"referral_id": referral_id, "client_id": client_id, "authorized_visits": 8,
            "visits_used": 8 - left, "visits_left": left}
    return EVENTS.build(REFERRAL_EXHAUSTED, source="scheduling", subject=client_id, data=data)


def at(event: Event, moment: datetime) -> Event:
    """The same event as if published at ``moment`` (to play events out of order)."""
    return replace(event, time=moment)


def again(event: Event) -> Event:
    """The same news under a new event id (a producer that published twice)."""
    return replace(event, id=str(uuid.uuid4()))


def deliver(engine: Engine, config: NotificationsConfig, *events: Event) -> None:
    """Apply events as the consumer does: payload checked, id recorded, handler, one commit."""
    handlers = {s.event_type.topic: s.handler for s in subscriptions(config)}
    for event in events:
        payload = EVENTS.load_payload(event)
        with unit_of_work(engine, "notifications") as uow:
            if uow.mark_processed("notifications", event.id):
                handlers[event.type](uow, event, payload)


def rows_for(engine: Engine, client_id: str) -> list[Any]:
    """The client's messages, oldest first."""
    with read_only(engine) as connection:
        return list(connection.execute(select(messages).where(
            messages.c.client_id == client_id).order_by(messages.c.due_at, messages.c.key)))
