"""Builders for scheduling API tests: a clinic set up through the API, clients through events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from services.scheduling.handlers import SUBSCRIPTIONS
from shared.config import KafkaSettings, Settings
from shared.events import EVENTS, Event, EventType, decode
from shared.events.contracts.screening import REFERRAL_WINDOW, SCREENING_COMPLETED
from shared.outbox import outbox
from shared.uow import unit_of_work
from tests.support.http import auth

NEW_YORK = ZoneInfo("America/New_York")
ADMIN = auth("admin")
FRONT_DESK = auth("front_desk")
# The staff logins of the clinic's two therapists (set_up_clinic links them).
ANA_LOGIN, BEN_LOGIN = "ana.ruiz", "ben.cole"
THERAPIST = auth("therapist", ANA_LOGIN)  # Ana: the clinic's first therapist
OTHER_THERAPIST = auth("therapist", BEN_LOGIN)
NPI = "1234567893"
HANDLERS = {s.event_type.topic: s.handler for s in SUBSCRIPTIONS}


def settings_for(database_url: str) -> Settings:
    """Scheduling's settings on ``database_url``, with no broker behind them."""
    return Settings(service="scheduling", database_url=database_url,
                    kafka=KafkaSettings(bootstrap_servers="127.0.0.1:1"))


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A New York wall-clock time as a UTC datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK).astimezone(UTC)


class Clock:
    """A settable clock the app reads instead of the real time."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Clinic:
    """Ids of what a test clinic was set up with."""

    therapist_id: str
    room_id: str
    service_id: str
    other_therapist_id: str
    other_room_id: str


def add_therapist(http: FlaskClient, name: str = "Ana Ruiz", weekdays=range(5),
                  start: str = "09:00", end: str = "17:00",
                  staff_subject: str | None = None) -> str:
    """A therapist working the given weekdays, linked to a staff login; returns the id."""
    response = http.post("/therapists", headers=ADMIN, json={
        "name": name, "npi": NPI, "credentials": "LMT",
        "weekly_hours": [{"weekday": d, "start": start, "end": end} for d in weekdays],
        "staff_subject": staff_subject,
    })
    assert response.status_code == 201, response.json
    return response.json["id"]


def add_room(http: FlaskClient, name: str) -> str:
    response = http.post("/rooms", headers=ADMIN, json={"name": name})
    assert response.status_code == 201, response.json
    return response.json["id"]


def add_service(http: FlaskClient, minutes: int = 60) -> str:
    response = http.post("/services", headers=ADMIN, json={
        "name": f"Medical massage {minutes} min", "duration_minutes": minutes,
        "default_techniques": ["myofascial_release"],
    })
    assert response.status_code == 201, response.json
    return response.json["id"]


def set_up_clinic(http: FlaskClient, **settings: Any) -> Clinic:
    """Two therapists (Mon-Fri 9-17 New York; Ana and Ben logins), two rooms, a 60-minute
    service, settings."""
    values = {"time_zone": "America/New_York", "buffer_minutes": 15,
              "minimum_notice_minutes": 60, "booking_horizon_days": 90,
              "cancellation_window_hours": 24, "no_show_fee": "50.00",
              "late_cancellation_fee": "25.00"} | settings
    assert http.put("/settings", headers=ADMIN, json=values).status_code == 200
    return Clinic(
        therapist_id=add_therapist(http, "Ana Ruiz", staff_subject=ANA_LOGIN),
        room_id=add_room(http, "Room A"),
        service_id=add_service(http, 60),
        other_therapist_id=add_therapist(http, "Ben Cole", staff_subject=BEN_LOGIN),
        other_room_id=add_room(http, "Room B"),
    )


# -- clients, through the projection's own handlers -----------------------------------------


def deliver(engine: Engine, event_type: EventType, data: dict[str, Any]) -> None:
    """Apply one screening event as the consumer would (payload through its contract)."""
    event = EVENTS.build(event_type, source="screening", subject=data["client_id"], data=data)
    payload = EVENTS.load_payload(event)
    with unit_of_work(engine, "scheduling", correlation_id=event.id) as uow:
        HANDLERS[event_type.topic](uow, event, payload)


def a_screening(client_id: str, **overrides: Any) -> dict[str, Any]:
    values = {
        "screening_id": str(uuid.uuid4()), "client_id": client_id, "outcome": "cleared",
        "reason_codes": [], "restricted_techniques": [], "restricted_regions": [],
        "pressure_limit": None, "screened_on": date(2026, 2, 1),
        "expires_on": date(2027, 2, 1), "rules_version": "1",
        "cleared_by_physician": False, "recorded_at": datetime(2026, 2, 1, 15, tzinfo=UTC),
    }
    return values | overrides


def a_referral(client_id: str, **overrides: Any) -> dict[str, Any]:
    """An active referral as scheduling learns of it: its window (screening.referral.window)."""
    values = {
        "referral_id": str(uuid.uuid4()), "client_id": client_id, "version": 1,
        "status": "active", "start_on": date(2026, 2, 15), "end_on": date(2026, 6, 30),
        "authorized_visits": 8, "closed_on": None,
    }
    return values | overrides


def eligible_client(engine: Engine, screening: dict | None = None,
                    referral: dict | None = None) -> str:
    """A client cleared by screening with an active referral (8 visits); returns the id."""
    client_id = str(uuid.uuid4())
    deliver(engine, SCREENING_COMPLETED, a_screening(client_id, **(screening or {})))
    deliver(engine, REFERRAL_WINDOW, a_referral(client_id, **(referral or {})))
    return client_id


def book(http: FlaskClient, clinic: Clinic, client_id: str, start: datetime,
         **overrides: Any):  # type: ignore[no-untyped-def]
    """POST /appointments for the clinic's first therapist and service."""
    body = {"client_id": client_id, "service_id": clinic.service_id,
            "therapist_id": clinic.therapist_id, "start": start.isoformat()} | overrides
    return http.post("/appointments", headers=FRONT_DESK, json=body)


def outbox_events(engine: Engine, topic: str) -> list[Event]:
    """Events queued in the outbox for a topic, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(outbox.c.payload).where(outbox.c.topic == topic).order_by(outbox.c.id)
        ).all()
    return [decode(row.payload.encode()) for row in rows]
