"""Request bodies and API steps for screening API tests: valid unless told otherwise."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from services.screening.handlers import SUBSCRIPTIONS
from shared.events import EVENTS, Event, EventType, decode
from shared.events.contracts.scheduling import APPOINTMENT_BOOKED
from shared.outbox import outbox
from shared.uow import unit_of_work
from tests.support.http import auth

VALID_NPI = "1234567893"
OTHER_VALID_NPI = "1245319599"
FRONT_DESK = auth("front_desk")


def an_address(**fields: Any) -> dict[str, Any]:
    """A New York address."""
    return {"line1": "12 Elm St", "line2": None, "city": "Albany", "state": "NY",
            "postal_code": "12207", **fields}


def a_coverage(**fields: Any) -> dict[str, Any]:
    """Coverage where the client is the subscriber."""
    return {"payer_id": "60054", "payer_name": "Aetna", "member_id": "W123456789",
            "group_number": "GRP-1", "relationship_to_subscriber": "self", "subscriber": None,
            **fields}


def a_client(**fields: Any) -> dict[str, Any]:
    """A client body for POST /clients or PUT /clients/<id>."""
    return {"first_name": "Maria", "last_name": "Lopez", "birth_date": "1980-04-12", "sex": "F",
            "address": an_address(), "phone": "+15185550100", "email": "maria@example.org",
            "time_zone": "America/New_York", "coverage": a_coverage(),
            "secondary_coverage": None, **fields}


def a_questionnaire(**answers: Any) -> dict[str, Any]:
    """A questionnaire with nothing to report unless told otherwise."""
    return {"conditions": [], "medications": [], "injuries": [], "platelet_count": None,
            "notes": "", **answers}


def a_clearance(**fields: Any) -> dict[str, Any]:
    """A clearance by a physician with a valid NPI, adding no restriction of its own."""
    return {"physician_name": "Dr. Ada Okafor", "physician_npi": VALID_NPI,
            "cleared_on": date.today().isoformat(), **fields}


def a_referral(**fields: Any) -> dict[str, Any]:
    """A referral for low back pain, 2x/week for 4 weeks (one region: the map is implied)."""
    return {"physician_last_name": "Okafor", "physician_first_name": "Ada",
            "physician_credential": "MD", "physician_npi": VALID_NPI,
            "diagnoses": ["M54.50", "M62.830"], "codes": ["97124", "97140"],
            "techniques": ["myofascial_release"], "body_regions": ["lower_back"],
            "visits_per_week": 2, "weeks": 4, "authorized_visits": 8,
            "authorization_number": None, "start_on": "2026-03-02", "end_on": "2026-03-31",
            **fields}


def register(http: FlaskClient, **fields: Any) -> dict[str, Any]:
    """Register a client (unique member id unless given) and return the answer."""
    body = a_client(**fields)
    response = http.post("/clients", json=body, headers=FRONT_DESK)
    assert response.status_code == 201, response.json
    return response.json


def screen(http: FlaskClient, client_id: str, **answers: Any) -> dict[str, Any]:
    """Screen a client and return the screening."""
    response = http.post(f"/clients/{client_id}/screenings", json=a_questionnaire(**answers),
                         headers=FRONT_DESK)
    assert response.status_code == 201, response.json
    return response.json


def refer(
    http: FlaskClient, client_id: str, correlation_id: str | None = None, **fields: Any
) -> dict[str, Any]:
    """Record a referral (in the flow ``correlation_id`` if given) and return it."""
    headers = {**FRONT_DESK, **({"X-Correlation-ID": correlation_id} if correlation_id else {})}
    response = http.post(f"/clients/{client_id}/referrals", json=a_referral(**fields),
                         headers=headers)
    assert response.status_code == 201, response.json
    return response.json


def set_today(app: Flask, day: date) -> None:
    """Make the app's clinic calendar say ``day``."""
    context = app.extensions["medmassage"]
    context.config = dataclasses.replace(context.config, today=lambda: day)


# -- scheduling's appointment events, applied as screening's consumer applies them -----------

HANDLERS = {s.event_type.topic: s.handler for s in SUBSCRIPTIONS}
BOOKED_AT = datetime(2026, 3, 2, 13, tzinfo=UTC)


def deliver(app: Flask, event_type: EventType, data: dict[str, Any],
            at: datetime = BOOKED_AT) -> None:
    """Apply one scheduling event (through its contract) as if it happened ``at``."""
    event = dataclasses.replace(
        EVENTS.build(event_type, source="scheduling", subject=data["client_id"], data=data),
        time=at)
    with unit_of_work(app.extensions["medmassage"].engine, "screening",
                      correlation_id=event.id) as uow:
        HANDLERS[event_type.topic](uow, event, EVENTS.load_payload(event))


def an_appointment(client_id: str, staff_subject: str | None,
                   appointment_id: str | None = None, **fields: Any) -> dict[str, Any]:
    """An appointment.booked payload naming the therapist's staff login."""
    start = BOOKED_AT + timedelta(days=1)
    return {"appointment_id": appointment_id or str(uuid.uuid4()), "client_id": client_id,
            "referral_id": "rf_1", "therapist_id": "t-1", "room_id": "r-1", "service": "s-1",
            "start": start, "end": start + timedelta(hours=1), "series_id": None,
            "therapist_staff_subject": staff_subject, **fields}


def treated_by(app: Flask, client_id: str, staff_subject: str) -> None:
    """Book the client with the therapist who has this login (screening's care team)."""
    deliver(app, APPOINTMENT_BOOKED, an_appointment(client_id, staff_subject))


def queued_events(app: Flask, event_type: Any = None) -> list[Event]:
    """The events in the app's outbox, oldest first (optionally of one type)."""
    with app.extensions["medmassage"].engine.connect() as connection:
        rows = connection.execute(select(outbox.c.payload).order_by(outbox.c.id)).scalars()
        events = [decode(row.encode()) for row in rows]
    return [e for e in events if event_type is None or e.type == event_type.topic]


def payload_of(event: Event) -> dict[str, Any]:
    """The event's payload, loaded through its contract."""
    return EVENTS.load_payload(event)
