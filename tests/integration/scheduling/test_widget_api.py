"""The booking widget: its files at /widget/ and the API it books through with a booking code."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from services.scheduling.app import create_app, migrate
from services.scheduling.config import SchedulingConfig
from services.scheduling.domain.booking import ClientEligibility, Referral, check_eligibility
from shared.events import EVENTS
from shared.events.contracts.screening import SCREENING_COMPLETED
from tests.integration.scheduling.clinic import (
    FRONT_DESK,
    Clinic,
    a_screening,
    deliver,
    eligible_client,
    local,
    outbox_events,
    settings_for,
)
from tests.support.http import auth

TUESDAY_10 = local(2026, 3, 3, 10)
WIDGET_FILES = {"": "text/html", "widget.js": "text/javascript", "widget.css": "text/css",
                "embed.js": "text/javascript", "offer.html": "text/html",
                "offer.js": "text/javascript"}


def code_for(http: FlaskClient, client_id: str) -> dict[str, str]:
    """The Authorization header the widget sends with a code the front desk just issued."""
    issued = http.post(f"/clients/{client_id}/booking-code", headers=FRONT_DESK)
    assert issued.status_code == 201, issued.json
    return {"Authorization": f"Bearer {issued.json['booking_code']}"}


def widget_book(http: FlaskClient, clinic: Clinic, caller: str, start: datetime = TUESDAY_10,
                headers: dict | None = None, **overrides: str) -> TestResponse:
    """What widget.js sends to book a slot for the booking code's client."""
    body = {"service_id": clinic.service_id, "therapist_id": clinic.therapist_id,
            "start": start.isoformat()} | overrides
    return http.post("/widget/api/appointments", json=body,
                     headers=code_for(http, caller) | (headers or {}))


def appointments_of(http: FlaskClient, client_id: str) -> list[dict]:
    return http.get(f"/appointments?client_id={client_id}", headers=FRONT_DESK).json


# -- files, codes and input, where storage plays no part: SQLite only --------------------------


def widget_http(tmp_path, **environment: str) -> FlaskClient:  # type: ignore[no-untyped-def]
    """A scheduling app on SQLite with an empty calendar, configured from ``environment``."""
    settings = settings_for(f"sqlite:///{tmp_path / 'w.db'}").with_overrides(extra=environment)
    config = SchedulingConfig.from_settings(settings)
    migrate(config)
    return create_app(config).test_client()


@pytest.fixture
def files(tmp_path) -> FlaskClient:  # type: ignore[no-untyped-def]
    """A scheduling app on SQLite with an empty calendar."""
    return widget_http(tmp_path)


def a_code(http: FlaskClient) -> dict[str, str]:
    """A valid booking code of a client the (empty) clinic knows."""
    return code_for(http, eligible_client(http.application.extensions["medmassage"].engine))


def test_the_widget_page_runs_only_its_own_script_and_no_site_frames_it_until_configured(files):
    response = files.get("/widget/")
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    page = response.get_data(as_text=True)
    assert '<script src="widget.js"></script>' in page
    assert not re.search(r"<script>|<script [^>]*>[^<]+</script>|\son[a-z]+=", page)
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing from a CDN


def test_the_waitlist_offer_page_runs_only_its_own_script_and_sends_no_referrer(files):
    response = files.get("/widget/offer.html")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    page = response.get_data(as_text=True)
    assert '<script src="offer.js"></script>' in page
    assert '<meta name="referrer" content="no-referrer">' in page  # the secret is no one's
    assert not re.search(r"<script>|<script [^>]*>[^<]+</script>|\son[a-z]+=", page)
    assert not re.search(r"(src|href)=\"(https?:)?//", page)


@pytest.mark.parametrize("name", sorted(WIDGET_FILES))
def test_each_widget_file_has_its_content_type_and_is_revalidated(files, name):
    response = files.get(f"/widget/{name}")
    assert response.status_code == 200
    assert response.mimetype == WIDGET_FILES[name]
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    unchanged = files.get(f"/widget/{name}", headers={"If-None-Match": response.headers["ETag"]})
    assert unchanged.status_code == 304


def test_an_unknown_widget_file_is_not_found(files):
    response = files.get("/widget/app.py")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"


def test_the_widget_address_without_its_slash_redirects_with_the_query(files):
    response = files.get("/widget?service=abc&theme=dark")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/widget/?service=abc&theme=dark")


def test_the_rest_of_the_service_refuses_to_be_framed(files):
    assert files.get("/healthz").headers["X-Frame-Options"] == "DENY"
    assert files.get("/openapi.json").headers["X-Frame-Options"] == "DENY"


def test_a_clinic_may_say_which_site_frames_the_widget(tmp_path):
    http = widget_http(tmp_path, SCHEDULING_WIDGET_FRAME_ANCESTORS="https://clinic.example")
    response = http.get("/widget/")
    assert "frame-ancestors https://clinic.example" in response.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in response.headers  # it would forbid what the CSP allows


def test_the_widget_explains_every_reason_booking_gives(files):
    script = files.get("/widget/widget.js").get_data(as_text=True)
    explained = set(re.findall(r"^\s+(\w+): \"", script.split("var REASONS = {")[1].split("};")[0],
                               re.MULTILINE))
    today = date(2026, 3, 3)
    referral = Referral("r", today, today + timedelta(days=30), authorized_visits=8,
                        visits_used=0)
    cases = [
        ClientEligibility("c"),
        ClientEligibility("c", "cleared", today),
        ClientEligibility("c", "needs_clearance", today + timedelta(days=1), referrals=(
            Referral("r", today + timedelta(days=1), today + timedelta(days=2), 8, 0),)),
        ClientEligibility("c", "not_eligible", today + timedelta(days=1), referrals=(
            Referral("r", today - timedelta(days=9), today - timedelta(days=1), 8, 0),)),
        ClientEligibility("c", "cleared", today + timedelta(days=1), referrals=(
            Referral("r", today, today, 1, 1),)),
        ClientEligibility("c", "cleared", today + timedelta(days=1), referrals=(referral,)),
    ]
    given = {reason for case in cases for reason in check_eligibility(case, today)}
    assert given == {"no_screening", "screening_expired", "needs_clearance", "not_eligible",
                     "no_active_referral", "outside_referral_dates", "no_visits_left"}
    assert given | {"slot_not_offered", "slot_taken", "invalid_booking_code",
                    "booking_code_revoked", "too_many_tries"} <= explained


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-code", "Basic abc", "Bearer ABCD-EFGH23", "Bearer ABCD-EFGH2"],
    ids=["missing", "garbage", "not-bearer", "nobodys-code", "too-short"],
)
def test_booking_without_a_valid_booking_code_is_unauthorized(files, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = files.post("/widget/api/appointments", headers=headers, json={
        "service_id": "s", "therapist_id": "t", "start": TUESDAY_10.isoformat()})
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert response.json["type"] in ("/problems/invalid-booking-code", "/problems/unauthorized")


@pytest.mark.parametrize(
    ("body", "field"),
    [({"therapist_id": "t", "start": "2026-03-03T15:00:00+00:00"}, "service_id"),
     ({"service_id": "s", "start": "2026-03-03T15:00:00+00:00"}, "therapist_id"),
     ({"service_id": "s", "therapist_id": "t"}, "start"),
     ({"service_id": "s", "therapist_id": "t", "start": "2026-03-03T15:00:00"}, "start"),
     ({"service_id": "s", "therapist_id": "t", "start": "tuesday"}, "start"),
     ({"service_id": "", "therapist_id": "t", "start": "2026-03-03T15:00:00Z"}, "service_id"),
     ({"service_id": "s", "therapist_id": "t", "room_id": "r" * 65,
       "start": "2026-03-03T15:00:00Z"}, "room_id")],
    ids=["no-service", "no-therapist", "no-start", "naive-start", "not-a-time", "empty-id",
         "long-room"],
)
def test_bad_booking_input_is_answered_field_by_field(files, body, field):
    response = files.post("/widget/api/appointments", json=body, headers=a_code(files))
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert list(response.json["errors"]) == [field]


def test_a_booking_that_is_not_json_is_refused(files):
    response = files.post("/widget/api/appointments", data="service_id=s",
                          headers=a_code(files),
                          content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415


# -- the widget's API on both databases ---------------------------------------------------------


def test_services_are_listed_with_the_clinic_time_zone_without_any_token(http, clinic):
    response = http.get("/widget/api/services")
    assert response.status_code == 200
    assert response.json == {
        "time_zone": "America/New_York",
        "services": [{"id": clinic.service_id, "name": "Medical massage 60 min",
                      "duration_minutes": 60}],
    }


def test_a_client_books_for_themselves_with_their_booking_code(http, clinic, engine):
    client_id = eligible_client(engine)
    response = widget_book(http, clinic, client_id)
    assert response.status_code == 201, response.json
    assert response.headers["Cache-Control"] == "no-store"
    booked = response.json
    assert booked == {"id": booked["id"], "start": TUESDAY_10.isoformat(),
                      "end": local(2026, 3, 3, 11).isoformat(), "therapist_name": "Ana Ruiz",
                      "service_name": "Medical massage 60 min", "status": "booked"}
    [stored] = appointments_of(http, client_id)
    assert stored["id"] == booked["id"]
    assert stored["room_id"] == clinic.room_id
    [event] = outbox_events(engine, "scheduling.appointment.booked.v1")
    assert event.subject == client_id
    assert EVENTS.load_payload(event)["appointment_id"] == booked["id"]


def test_a_client_may_choose_the_room_the_slot_offered(http, clinic, engine):
    response = widget_book(http, clinic, eligible_client(engine), room_id=clinic.other_room_id)
    assert response.status_code == 201
    assert http.get(f"/appointments/{response.json['id']}",
                    headers=FRONT_DESK).json["room_id"] == clinic.other_room_id


def test_a_staff_token_is_not_a_booking_code(http, clinic, engine):
    eligible = eligible_client(engine)
    response = http.post("/widget/api/appointments", headers=FRONT_DESK, json={
        "client_id": eligible, "service_id": clinic.service_id,
        "therapist_id": clinic.therapist_id, "start": TUESDAY_10.isoformat()})
    assert response.status_code == 401
    assert response.json["type"] == "/problems/invalid-booking-code"
    assert appointments_of(http, eligible) == []


def test_the_body_cannot_name_another_client(http, clinic, engine):
    caller, other = eligible_client(engine), eligible_client(engine)
    response = widget_book(http, clinic, caller, client_id=other)
    assert response.status_code == 400
    assert response.json["errors"] == {"client_id": ["Unknown field."]}
    assert appointments_of(http, caller) == appointments_of(http, other) == []


def test_a_client_without_a_referral_is_told_one_is_needed(http, clinic, engine):
    client_id = str(uuid.uuid4())
    deliver(engine, SCREENING_COMPLETED, a_screening(client_id))
    response = widget_book(http, clinic, client_id)
    assert response.status_code == 422
    assert response.json["type"] == "/problems/not-eligible"
    assert response.json["reasons"] == ["no_active_referral"]
    assert appointments_of(http, client_id) == []


def test_no_code_is_issued_for_a_client_scheduling_never_heard_of(http, clinic):
    response = http.post("/clients/c-unknown/booking-code", headers=FRONT_DESK)
    assert response.status_code == 404
    assert appointments_of(http, "c-unknown") == []


def test_a_taken_slot_is_refused(http, clinic, engine):
    assert widget_book(http, clinic, eligible_client(engine),
                       room_id=clinic.room_id).status_code == 201
    response = widget_book(http, clinic, eligible_client(engine), room_id=clinic.other_room_id)
    assert response.status_code == 409
    assert response.json["type"] == "/problems/slot-taken"


def test_a_time_outside_working_hours_is_not_offered(http, clinic, engine):
    response = widget_book(http, clinic, eligible_client(engine), start=local(2026, 3, 3, 7))
    assert response.status_code == 422
    assert response.json["reasons"] == ["slot_not_offered"]


def test_an_unknown_therapist_is_not_found(http, clinic, engine):
    response = widget_book(http, clinic, eligible_client(engine), therapist_id="nobody")
    assert response.status_code == 404


def test_a_repeated_idempotency_key_replays_the_booking(http, clinic, engine):
    client_id = eligible_client(engine)
    key = {"Idempotency-Key": "widget-attempt-1"}
    first = widget_book(http, clinic, client_id, headers=key)
    again = widget_book(http, clinic, client_id, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(appointments_of(http, client_id)) == 1


def test_another_client_repeating_the_key_learns_nothing_of_the_first_booking(http, clinic,
                                                                             engine):
    key = {"Idempotency-Key": "shared-key"}
    first = widget_book(http, clinic, eligible_client(engine), headers=key)
    assert first.status_code == 201
    stranger = eligible_client(engine)
    response = widget_book(http, clinic, stranger, headers=key)
    assert "Idempotent-Replayed" not in response.headers
    assert response.status_code == 409  # handled as the stranger's own request: slot taken
    assert first.json["id"] not in response.get_data(as_text=True)
    assert appointments_of(http, stranger) == []


def test_a_client_reads_their_own_booking_and_nobody_else_does(http, clinic, engine):
    owner = eligible_client(engine)
    booked = widget_book(http, clinic, owner).json
    path = f"/widget/api/appointments/{booked['id']}"
    mine = http.get(path, headers=code_for(http, owner))
    assert mine.status_code == 200
    assert mine.json == booked
    assert mine.headers["Cache-Control"] == "no-store"
    assert http.get(path, headers=code_for(http, eligible_client(engine))).status_code == 404
    assert http.get(path, headers=FRONT_DESK).status_code == 401
    assert http.get(path).status_code == 401
    assert http.get("/widget/api/appointments/nope",
                    headers=code_for(http, owner)).status_code == 404


def test_a_clients_own_booking_and_reading_are_in_the_audit_trail(http, clinic, engine):
    owner = eligible_client(engine)
    booked = widget_book(http, clinic, owner).json
    http.get(f"/widget/api/appointments/{booked['id']}", headers=code_for(http, owner))
    trail = http.get("/audit", headers=auth("admin")).get_json()["entries"]
    mine = {(e["action"], e["path"]) for e in trail if e["actor"] == f"client:{owner}"}
    assert ("POST", "/widget/api/appointments") in mine
    assert ("GET", f"/widget/api/appointments/{booked['id']}") in mine
    assert all(e["roles"] == ["client"] for e in trail if e["actor"] == f"client:{owner}")
