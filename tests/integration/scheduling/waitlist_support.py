"""Builders for waitlist tests: joining through the API, the worker run by hand, offers read
from the outbox as the notifications service would read them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from services.scheduling.workers.waitlist import WaitlistWorker
from shared.events import EVENTS
from shared.events.contracts.scheduling import WAITLIST_OFFER_CLOSED, WAITLIST_OFFERED
from tests.integration.scheduling.clinic import FRONT_DESK, Clinic, outbox_events

TUESDAY = (1, "09:00", "17:00")


def join(http: FlaskClient, clinic: Clinic, client_id: str, windows=(TUESDAY,),
         **overrides: Any) -> dict:  # type: ignore[no-untyped-def]
    """POST /waitlist for the clinic's first therapist and service; the entry."""
    body = {"client_id": client_id, "service_id": clinic.service_id,
            "therapist_id": clinic.therapist_id,
            "windows": [{"weekday": d, "start": s, "end": e} for d, s, e in windows]}
    response = http.post("/waitlist", headers=FRONT_DESK, json=body | overrides)
    assert response.status_code == 201, response.json
    return response.json


def worker(app: Flask) -> WaitlistWorker:
    """The app's waitlist worker, on its clock and offer policy."""
    config = app.extensions["medmassage"].config
    return WaitlistWorker(app.extensions["medmassage"].engine, config.clock,
                          config.offer_policy, interval_seconds=1)


def offers(engine: Engine) -> list[dict]:
    """Every waitlist.offered payload in the outbox, oldest first (contract-checked)."""
    return [EVENTS.load_payload(event) for event in outbox_events(engine, WAITLIST_OFFERED.topic)]


def closings(engine: Engine) -> list[dict]:
    """Every waitlist.offer_closed payload in the outbox, oldest first."""
    return [EVENTS.load_payload(event)
            for event in outbox_events(engine, WAITLIST_OFFER_CLOSED.topic)]


def token_of(offer: dict) -> str:
    """The secret in an offer's link, as the client's browser would read it."""
    return offer["respond_url"].split("#offer=", 1)[1]


def slots_at(http: FlaskClient, clinic: Clinic, start: datetime) -> list[dict]:
    """Open slots the widget would show for the first therapist starting at ``start``."""
    day_from = start.replace(hour=0, minute=0)
    response = http.get("/availability", query_string={
        "service": clinic.service_id, "therapist": clinic.therapist_id,
        "from": day_from.isoformat(), "to": (day_from.replace(hour=23)).isoformat()})
    assert response.status_code == 200, response.json
    return [slot for slot in response.json["slots"]
            if datetime.fromisoformat(slot["start"]) == start]
