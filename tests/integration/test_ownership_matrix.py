"""The access matrix grown to ownership: behind the role check, a therapist reaches only
their own clients' SOAP notes, screenings and referrals (diagnoses), across services.

Two therapists each treat a client of their own. Screening learns who treats whom only
from scheduling's appointment events, handed over here as the consumers would apply them
(outbox -> handlers, no broker). A record outside a therapist's own work is answered 404,
as if it did not exist, so 403 keeps meaning "your role may not" (test_access_matrix.py)
and a therapist learns nothing about other clients. Issue #17, finding B.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from services.scheduling import app as scheduling_app
from services.scheduling.config import SchedulingConfig
from services.scheduling.handlers import SUBSCRIPTIONS as SCHEDULING_SUBSCRIPTIONS
from services.screening.handlers import SUBSCRIPTIONS as SCREENING_SUBSCRIPTIONS
from shared.events import EVENTS, decode
from shared.kafka.consumer import Subscription
from shared.outbox import outbox
from shared.uow import unit_of_work
from tests.integration.scheduling.clinic import (
    ANA_LOGIN,
    BEN_LOGIN,
    Clock,
    local,
    set_up_clinic,
    settings_for,
)
from tests.integration.screening.builders import FRONT_DESK, refer, register, screen
from tests.support.http import auth
from tests.support.services import service_app

LOGINS = (ANA_LOGIN, BEN_LOGIN)  # set_up_clinic links them to its two therapists
SOAP = {"subjective": "s", "objective": "o", "assessment": "a", "plan": "p"}


def hand_over(source: Flask, target: Flask, subscriptions: list[Subscription],
              consumer: str) -> None:
    """Apply the source's queued events to the target as its consumer group would."""
    handlers = {s.event_type.topic: s.handler for s in subscriptions}
    with source.extensions["medmassage"].engine.connect() as connection:
        payloads = connection.execute(select(outbox.c.payload).order_by(outbox.c.id)).scalars()
        events = [decode(payload.encode()) for payload in payloads]
    for event in events:
        if event.type not in handlers:
            continue
        with unit_of_work(target.extensions["medmassage"].engine, consumer,
                          correlation_id=event.id) as uow:
            if uow.mark_processed(consumer, event.id):
                handlers[event.type](uow, event, EVENTS.load_payload(event))


@dataclass(frozen=True)
class Records:
    """One client's records in both services, as paths of the API that shows them."""

    soap_note: str
    screening: str
    referral: str


@dataclass(frozen=True)
class Clinic:
    scheduling: FlaskClient
    screening: FlaskClient
    records: dict[str, Records]  # by the login of the therapist who treats the client


@pytest.fixture(scope="module")
def clinic(tmp_path_factory) -> Clinic:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("ownership")
    screening = service_app("screening", f"sqlite:///{folder / 'screening.db'}")
    clock = Clock(local(2026, 3, 2, 8))
    config = SchedulingConfig(settings_for(f"sqlite:///{folder / 'scheduling.db'}"),
                              clock=clock)
    scheduling_app.migrate(config)
    scheduling = scheduling_app.create_app(config)
    on_screening, on_scheduling = screening.test_client(), scheduling.test_client()

    calendar = set_up_clinic(on_scheduling)
    therapist_ids = [calendar.therapist_id, calendar.other_therapist_id]
    clients = {}
    for login in LOGINS:
        client_id = register(on_screening, last_name=f"Client of {login}",
                             coverage=None)["client_id"]
        clients[login] = (client_id, screen(on_screening, client_id)["screening_id"],
                          refer(on_screening, client_id)["referral_id"])
    hand_over(screening, scheduling, SCHEDULING_SUBSCRIPTIONS, "scheduling")

    appointments = {}
    for hour, (login, therapist_id) in enumerate(zip(LOGINS, therapist_ids, strict=True)):
        booked = on_scheduling.post("/appointments", headers=auth("front_desk"), json={
            "client_id": clients[login][0], "service_id": calendar.service_id,
            "therapist_id": therapist_id, "start": local(2026, 3, 3, 10 + 2 * hour).isoformat()})
        assert booked.status_code == 201, booked.json
        appointments[login] = booked.json["id"]
    clock.now = local(2026, 3, 3, 17)
    for login, appointment_id in appointments.items():
        completed = on_scheduling.post(
            f"/appointments/{appointment_id}/complete", headers=auth("therapist", login),
            json={"techniques": [{"technique": "myofascial_release", "minutes": 30,
                                  "body_regions": ["lower_back"]}], "soap_note": SOAP})
        assert completed.status_code == 201, completed.json
    hand_over(scheduling, screening, SCREENING_SUBSCRIPTIONS, "screening")

    records = {
        login: Records(f"/appointments/{appointments[login]}/session",
                       f"/clients/{client_id}/screenings/{screening_id}",
                       f"/clients/{client_id}/referrals/{referral_id}")
        for login, (client_id, screening_id, referral_id) in clients.items()
    }
    return Clinic(on_scheduling, on_screening, records)


@pytest.mark.parametrize("record", ["soap_note", "screening", "referral"])
@pytest.mark.parametrize("reader", LOGINS)
@pytest.mark.parametrize("owner", LOGINS)
def test_a_therapist_reads_their_own_clients_records_and_no_one_elses(clinic, owner, reader,
                                                                      record):
    path = getattr(clinic.records[owner], record)
    http = clinic.scheduling if record == "soap_note" else clinic.screening
    response = http.get(path, headers=auth("therapist", reader))
    if owner == reader:
        assert response.status_code == 200, (path, response.json)
    else:
        assert response.status_code == 404, path
        assert response.content_type == "application/problem+json"


@pytest.mark.parametrize("owner", LOGINS)
def test_the_front_desk_reads_screenings_and_referrals_by_role(clinic, owner):
    records = clinic.records[owner]
    for path in (records.screening, records.referral):
        assert clinic.screening.get(path, headers=FRONT_DESK).status_code == 200
    assert clinic.screening.get(records.referral, headers=auth("billing")).status_code == 200
    # SOAP notes are for the therapists who treat the client (and admins) only.
    assert clinic.scheduling.get(records.soap_note, headers=FRONT_DESK).status_code == 403
    assert clinic.scheduling.get(records.soap_note, headers=auth("admin")).status_code == 200
