"""A therapist reads the screenings and referrals of the clients they treat, and no others.

Who treats whom screening learns from scheduling's appointment events (its care team
projection), never by calling scheduling. Issue #17, finding B: any therapist token read
any client's questionnaire, screening and diagnoses.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from services.screening.app import build
from services.screening.config import ScreeningConfig
from shared.config import KafkaSettings, Settings
from shared.events.contracts.scheduling import (
    APPOINTMENT_BOOKED,
    APPOINTMENT_CANCELLED,
    APPOINTMENT_RESCHEDULED,
)
from shared.kafka.consumer import ConsumerRunner
from tests.integration.screening.builders import (
    BOOKED_AT,
    FRONT_DESK,
    an_appointment,
    deliver,
    refer,
    register,
    screen,
)
from tests.support.http import auth

ANA, BEN = "ana.ruiz", "ben.cole"
PROBLEM = "application/problem+json"


def cancelled(client_id: str, appointment_id: str) -> dict[str, Any]:
    return {"appointment_id": appointment_id, "client_id": client_id, "referral_id": "rf_1",
            "cancelled_at": BOOKED_AT, "late": False, "fee": None}


def records(client_id: str, referral_id: str, screening_id: str) -> list[str]:
    """Every path that shows a client's screenings or referrals (diagnoses included)."""
    base = f"/clients/{client_id}"
    return [f"{base}/screenings", f"{base}/screenings/{screening_id}", f"{base}/referrals",
            f"{base}/referrals/{referral_id}"]


@pytest.fixture
def client_records(http: FlaskClient) -> tuple[str, list[str]]:
    client_id = register(http)["client_id"]
    screening = screen(http, client_id, conditions=["dvt_current"])
    referral = refer(http, client_id)
    return client_id, records(client_id, referral["referral_id"], screening["screening_id"])


def statuses(http: FlaskClient, paths: list[str], headers: dict[str, str]) -> set[int]:
    return {http.get(path, headers=headers).status_code for path in paths}


def test_a_therapist_reads_their_clients_records_and_not_another_therapists(
    app, http, client_records
):
    client_id, paths = client_records
    deliver(app, APPOINTMENT_BOOKED, an_appointment(client_id, ANA))
    assert statuses(http, paths, auth("therapist", ANA)) == {200}
    for path in paths:
        refused = http.get(path, headers=auth("therapist", BEN))
        # As if the client did not exist: Ben learns nothing about them.
        assert refused.status_code == 404, path
        assert refused.content_type == PROBLEM
        assert "M54.50" not in refused.get_data(as_text=True)
    assert statuses(http, paths, auth("therapist", "unlinked")) == {404}


def test_the_front_desk_and_admins_read_by_role_and_billing_reads_referrals(
    http, client_records
):
    _, paths = client_records
    assert statuses(http, paths, FRONT_DESK) == {200}
    assert statuses(http, paths, auth("admin")) == {200}
    assert statuses(http, paths[2:], auth("billing")) == {200}
    assert statuses(http, paths[:2], auth("billing")) == {403}  # screenings: not billing's


def test_a_therapist_with_no_login_on_the_appointment_gains_nothing(app, http, client_records):
    client_id, paths = client_records
    deliver(app, APPOINTMENT_BOOKED, an_appointment(client_id, None))
    assert statuses(http, paths, auth("therapist", ANA)) == {404}


def test_a_cancelled_appointment_ends_the_access_it_gave(app, http, client_records):
    client_id, paths = client_records
    appointment_id = str(uuid.uuid4())
    deliver(app, APPOINTMENT_BOOKED, an_appointment(client_id, ANA, appointment_id))
    deliver(app, APPOINTMENT_CANCELLED, cancelled(client_id, appointment_id),
            BOOKED_AT + timedelta(minutes=5))
    assert statuses(http, paths, auth("therapist", ANA)) == {404}
    # A redelivered or late booking never reopens a cancelled appointment.
    deliver(app, APPOINTMENT_BOOKED, an_appointment(client_id, ANA, appointment_id),
            BOOKED_AT + timedelta(minutes=10))
    assert statuses(http, paths, auth("therapist", ANA)) == {404}


def test_a_visit_moved_to_another_therapist_moves_the_access_with_it(app, http,
                                                                     client_records):
    client_id, paths = client_records
    appointment_id = str(uuid.uuid4())
    deliver(app, APPOINTMENT_BOOKED, an_appointment(client_id, ANA, appointment_id))
    moved = an_appointment(client_id, BEN, appointment_id, previous_start=BOOKED_AT, late=False)
    deliver(app, APPOINTMENT_RESCHEDULED, moved, BOOKED_AT + timedelta(minutes=5))
    assert statuses(http, paths, auth("therapist", BEN)) == {200}
    assert statuses(http, paths, auth("therapist", ANA)) == {404}
    # The booking arriving late (older) does not bring Ana back.
    deliver(app, APPOINTMENT_BOOKED, an_appointment(client_id, ANA, appointment_id))
    assert statuses(http, paths, auth("therapist", ANA)) == {404}


def test_another_appointment_keeps_the_client_a_therapists_own(app, http, client_records):
    client_id, paths = client_records
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    deliver(app, APPOINTMENT_BOOKED, an_appointment(client_id, ANA, first))
    deliver(app, APPOINTMENT_BOOKED, an_appointment(client_id, ANA, second))
    deliver(app, APPOINTMENT_CANCELLED, cancelled(client_id, first),
            BOOKED_AT + timedelta(minutes=1))
    assert statuses(http, paths, auth("therapist", ANA)) == {200}


def test_the_screening_service_runs_a_consumer_group_for_the_care_team(tmp_path):
    settings = Settings(service="screening", database_url=f"sqlite:///{tmp_path / 's.db'}",
                        kafka=KafkaSettings(bootstrap_servers="127.0.0.1:1"))
    service = build(ScreeningConfig.from_settings(settings))
    [runner] = [loop for loop in service.loops if isinstance(loop, ConsumerRunner)]
    assert set(runner.handlers) == {APPOINTMENT_BOOKED.topic, APPOINTMENT_RESCHEDULED.topic,
                                    APPOINTMENT_CANCELLED.topic}
