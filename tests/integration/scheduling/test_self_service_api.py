"""Client self-service over HTTP on SQLite and PostgreSQL: signing in by emailed link or
booking code, one's own visits only, the notice policy, .ics, and the proposed series."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from decimal import Decimal

import icalendar
import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from services.scheduling.app import create_app, migrate
from services.scheduling.config import SchedulingConfig
from shared.config import ConfigurationError
from shared.contact_keys import email_key
from shared.events.contracts.scheduling import APPOINTMENT_CANCELLED, CLIENT_SIGN_IN_LINK
from shared.events.contracts.screening import CLIENT_ENROLLED, CLIENT_SIGN_IN_KEY
from shared.tokens import generate_signing_key, public_jwks
from tests.integration.scheduling.clinic import (
    FRONT_DESK,
    Clinic,
    Clock,
    book,
    deliver,
    eligible_client,
    local,
    outbox_events,
    settings_for,
)

TUESDAY_10 = local(2026, 3, 3, 10)
WEDNESDAY_10 = local(2026, 3, 4, 10)


def with_email(engine: Engine, email: str, **referral: object) -> str:
    """An eligible client whose contact (email) scheduling learnt from screening."""
    client_id = eligible_client(engine, referral=referral or None)
    deliver(engine, CLIENT_SIGN_IN_KEY, {"client_id": client_id, "version": 1,
                                         "email_sha256": email_key(email)})
    return client_id


def signed_in(http: FlaskClient, engine: Engine, email: str) -> dict[str, str]:
    """Ask for a link, follow it as the email would, and return the token's header."""
    before = len(outbox_events(engine, CLIENT_SIGN_IN_LINK.topic))
    asked = http.post("/widget/api/sign-in", json={"email": email})
    assert asked.status_code == 202
    links = outbox_events(engine, CLIENT_SIGN_IN_LINK.topic)
    assert len(links) == before + 1
    secret = links[-1].data["link"].split("#sign-in=")[1]
    session = http.post("/widget/api/sessions", json={"sign_in": secret})
    assert session.status_code == 201, session.json
    return {"Authorization": f"Bearer {session.json['token']}"}


def own_book(http: FlaskClient, clinic: Clinic, token: dict, start: datetime):
    return http.post("/widget/api/me/appointments", headers=token, json={
        "service_id": clinic.service_id, "therapist_id": clinic.therapist_id,
        "start": start.isoformat()})


def test_an_emailed_link_signs_the_client_in_once(http: FlaskClient, engine: Engine,
                                                  clinic: Clinic):
    email = f"{uuid.uuid4().hex[:8]}@example.org"
    client_id = with_email(engine, email)
    http.post("/widget/api/sign-in", json={"email": email.upper()})
    [link] = outbox_events(engine, CLIENT_SIGN_IN_LINK.topic)
    assert link.data["client_id"] == client_id
    assert "/widget/account.html#sign-in=" in link.data["link"]
    secret = link.data["link"].split("#sign-in=")[1]
    first = http.post("/widget/api/sessions", json={"sign_in": secret})
    assert first.status_code == 201
    again = http.post("/widget/api/sessions", json={"sign_in": secret})
    assert again.status_code == 401 and again.json["reasons"] == ["sign_in_link_refused"]
    visits = http.get("/widget/api/me/visits",
                      headers={"Authorization": f"Bearer {first.json['token']}"})
    assert visits.status_code == 200 and visits.json["upcoming"] == []


def test_an_unknown_address_gets_the_same_answer_and_no_mail(http: FlaskClient,
                                                             engine: Engine):
    known = http.post("/widget/api/sign-in", json={"email": "nobody@example.org"})
    assert known.status_code == 202
    assert outbox_events(engine, CLIENT_SIGN_IN_LINK.topic) == []


def test_a_second_request_within_a_minute_sends_no_second_mail(http: FlaskClient,
                                                               engine: Engine, clock: Clock):
    with_email(engine, "twice@example.org")
    http.post("/widget/api/sign-in", json={"email": "twice@example.org"})
    http.post("/widget/api/sign-in", json={"email": "twice@example.org"})
    assert len(outbox_events(engine, CLIENT_SIGN_IN_LINK.topic)) == 1
    clock.now += timedelta(minutes=2)
    http.post("/widget/api/sign-in", json={"email": "twice@example.org"})
    assert len(outbox_events(engine, CLIENT_SIGN_IN_LINK.topic)) == 2


def test_a_client_whose_intake_waits_for_staff_signs_in_but_cannot_book(
    http: FlaskClient, engine: Engine, clinic: Clinic
):
    client_id = str(uuid.uuid4())
    deliver(engine, CLIENT_ENROLLED, {"client_id": client_id, "version": 1})
    deliver(engine, CLIENT_SIGN_IN_KEY, {"client_id": client_id, "version": 1,
                                         "email_sha256": email_key("new@example.org")})
    token = signed_in(http, engine, "new@example.org")
    refused = own_book(http, clinic, token, TUESDAY_10)
    assert refused.status_code == 422
    assert "no_screening" in refused.json["reasons"]


def test_a_booking_code_is_exchanged_for_a_client_token(http: FlaskClient, engine: Engine,
                                                        clinic: Clinic):
    client_id = eligible_client(engine)
    code = http.post(f"/clients/{client_id}/booking-code", headers=FRONT_DESK).json
    session = http.post("/widget/api/sessions", json={"booking_code": code["booking_code"]})
    assert session.status_code == 201
    token = {"Authorization": f"Bearer {session.json['token']}"}
    assert own_book(http, clinic, token, TUESDAY_10).status_code == 201
    wrong = http.post("/widget/api/sessions", json={"booking_code": "ABCD-EFGHJK"})
    assert wrong.status_code == 401


def test_a_client_sees_and_changes_only_their_own_visits(http: FlaskClient, engine: Engine,
                                                         clinic: Clinic):
    with_email(engine, "mine@example.org")
    mine = signed_in(http, engine, "mine@example.org")
    other_id = eligible_client(engine)
    theirs = book(http, clinic, other_id, WEDNESDAY_10).json["id"]
    booked = own_book(http, clinic, mine, TUESDAY_10)
    assert booked.status_code == 201, booked.json
    listed = http.get("/widget/api/me/visits", headers=mine).json
    assert [v["id"] for v in listed["upcoming"]] == [booked.json["id"]]
    for action, body in (("cancel", {}), ("reschedule", {"start": TUESDAY_10.isoformat()})):
        refused = http.post(f"/widget/api/me/visits/{theirs}/{action}", headers=mine, json=body)
        assert refused.status_code == 404
    assert http.get(f"/widget/api/me/visits/{theirs}/calendar.ics",
                    headers=mine).status_code == 404
    assert http.get("/widget/api/me/visits").status_code == 401
    assert http.get("/widget/api/me/visits", headers=FRONT_DESK).status_code == 401
    forged = mine["Authorization"][:-3] + "abc"
    assert http.get("/widget/api/me/visits",
                    headers={"Authorization": forged}).status_code == 401


def test_a_token_expires_after_its_minutes(http: FlaskClient, engine: Engine, clinic: Clinic,
                                           monkeypatch):
    with_email(engine, "late@example.org")
    token = signed_in(http, engine, "late@example.org")
    import itsdangerous.timed  # the signature's clock: the token's age is measured by it

    real = itsdangerous.timed.time.time
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: real() + 31 * 60)
    expired = http.get("/widget/api/me/visits", headers=token)
    assert expired.status_code == 401 and expired.json["reasons"] == ["sign_in_expired"]


def test_cancelling_early_is_free_and_late_needs_the_fee_accepted(
    http: FlaskClient, engine: Engine, clinic: Clinic, clock: Clock
):
    with_email(engine, "cancel@example.org")
    token = signed_in(http, engine, "cancel@example.org")
    early = own_book(http, clinic, token, TUESDAY_10).json
    assert early["terms"] == {"allowed": True, "late": False, "fee": "0.00",
                              "free_until": local(2026, 3, 2, 10).isoformat()}
    cancelled = http.post(f"/widget/api/me/visits/{early['id']}/cancel", headers=token, json={})
    assert cancelled.status_code == 200
    assert cancelled.json["status"] == "cancelled" and cancelled.json["late"] is False

    late = own_book(http, clinic, token, TUESDAY_10).json
    clock.now = local(2026, 3, 2, 16)  # 18 hours ahead: inside the 24-hour window
    listed = http.get("/widget/api/me/visits", headers=token).json
    assert listed["upcoming"][0]["terms"]["late"] is True
    assert listed["policy"]["late_cancellation_fee"] == "25.00"
    refused = http.post(f"/widget/api/me/visits/{late['id']}/cancel", headers=token, json={})
    assert refused.status_code == 409 and refused.json["reasons"] == ["late_fee_not_accepted"]
    paid = http.post(f"/widget/api/me/visits/{late['id']}/cancel", headers=token,
                     json={"accept_fee": True})
    assert paid.json["late"] is True and paid.json["fee"] == "25.00"
    event = outbox_events(engine, APPOINTMENT_CANCELLED.topic)[-1]
    assert event.data["late"] is True and Decimal(event.data["fee"]) == Decimal("25.00")
    past = http.get("/widget/api/me/visits", headers=token).json["past"]
    assert {v["id"] for v in past} == {early["id"], late["id"]}


def test_a_client_moves_their_visit_to_another_free_time(http: FlaskClient, engine: Engine,
                                                         clinic: Clinic):
    with_email(engine, "move@example.org")
    token = signed_in(http, engine, "move@example.org")
    visit = own_book(http, clinic, token, TUESDAY_10).json
    moved = http.post(f"/widget/api/me/visits/{visit['id']}/reschedule", headers=token,
                      json={"start": WEDNESDAY_10.isoformat()})
    assert moved.status_code == 200, moved.json
    assert datetime.fromisoformat(moved.json["start"]) == WEDNESDAY_10
    sunday = http.post(f"/widget/api/me/visits/{visit['id']}/reschedule", headers=token,
                       json={"start": local(2026, 3, 8, 10).isoformat()})
    assert sunday.status_code == 422


def test_a_visit_downloads_as_an_icalendar_event(http: FlaskClient, engine: Engine,
                                                 clinic: Clinic):
    with_email(engine, "ics@example.org")
    token = signed_in(http, engine, "ics@example.org")
    visit = own_book(http, clinic, token, TUESDAY_10).json
    response = http.get(f"/widget/api/me/visits/{visit['id']}/calendar.ics", headers=token)
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    [event] = icalendar.Calendar.from_ical(response.data).walk("VEVENT")
    assert event.decoded("dtstart") == TUESDAY_10
    assert event.decoded("dtend") == TUESDAY_10 + timedelta(hours=1)
    assert str(event["summary"]) == "Medical massage 60 min with Ana Ruiz"
    assert str(event["uid"]) == f"{visit['id']}@medmassage"


PLAN = "2x/week for 4 weeks, then weekly for 4 weeks"


def test_the_referrals_frequency_becomes_a_series_with_each_refused_date_explained(
    http: FlaskClient, engine: Engine, clinic: Clinic
):
    with_email(engine, "plan@example.org", frequency=PLAN, authorized_visits=10)
    token = signed_in(http, engine, "plan@example.org")
    body = {"service_id": clinic.service_id, "therapist_id": clinic.therapist_id,
            "first_start": TUESDAY_10.isoformat()}
    proposal = http.post("/widget/api/me/series/proposal", headers=token, json=body)
    assert proposal.status_code == 200, proposal.json
    assert proposal.json["frequency"] == PLAN
    dates = proposal.json["dates"]
    assert len(dates) == 12
    assert [d["bookable"] for d in dates] == [True] * 10 + [False] * 2
    assert dates[-1]["reasons"] == ["no_visits_left"]
    assert [datetime.fromisoformat(d["start"]) for d in dates[:3]] == [
        TUESDAY_10, local(2026, 3, 6, 10), local(2026, 3, 10, 10)]
    assert datetime.fromisoformat(dates[8]["start"]) == local(2026, 3, 31, 10)  # weekly now

    starts = [d["start"] for d in dates if d["bookable"]]
    booked = http.post("/widget/api/me/series", headers=token, json={
        "service_id": clinic.service_id, "therapist_id": clinic.therapist_id, "starts": starts})
    assert booked.status_code == 201, booked.json
    assert len(booked.json["appointments"]) == 10
    again = http.post("/widget/api/me/series/proposal", headers=token, json=body).json
    assert not any(d["bookable"] for d in again["dates"])
    # The visits are the client's own now: busy, and the therapist too.
    assert again["dates"][0]["reasons"] == ["no_visits_left", "client_busy", "slot_taken"]


def test_a_series_is_booked_whole_or_not_at_all(http: FlaskClient, engine: Engine,
                                                clinic: Clinic):
    with_email(engine, "whole@example.org")
    token = signed_in(http, engine, "whole@example.org")
    taken = local(2026, 3, 6, 10)
    assert book(http, clinic, eligible_client(engine), taken).status_code == 201
    refused = http.post("/widget/api/me/series", headers=token, json={
        "service_id": clinic.service_id, "therapist_id": clinic.therapist_id,
        "starts": [TUESDAY_10.isoformat(), taken.isoformat()]})
    assert refused.status_code == 409
    assert refused.json["conflicts"] == [{"start": taken.isoformat(),
                                          "reasons": ["slot_taken"]}]
    assert http.get("/widget/api/me/visits", headers=token).json["upcoming"] == []


def test_the_front_desk_proposes_a_typed_frequency_outside_the_referral_window(
    http: FlaskClient, engine: Engine, clinic: Clinic
):
    client_id = eligible_client(engine, referral={"end_on": local(2026, 3, 12).date()})
    body = {"client_id": client_id, "service_id": clinic.service_id,
            "therapist_id": clinic.therapist_id, "first_start": TUESDAY_10.isoformat(),
            "frequency": "twice a week for 2 weeks"}
    proposal = http.post("/appointments/series/proposal", headers=FRONT_DESK, json=body)
    assert proposal.status_code == 200, proposal.json
    assert [d["reasons"] for d in proposal.json["dates"]] == [
        [], [], [], ["outside_referral_dates"]]
    unreadable = http.post("/appointments/series/proposal", headers=FRONT_DESK,
                           json=body | {"frequency": "as needed"})
    assert unreadable.status_code == 400 and "frequency" in unreadable.json["errors"]
    no_plan = http.post("/appointments/series/proposal", headers=FRONT_DESK,
                        json={k: v for k, v in body.items() if k != "frequency"})
    assert no_plan.status_code == 400 and "frequency" in no_plan.json["errors"]
    booked = http.post("/appointments/series/dates", headers=FRONT_DESK, json={
        "client_id": client_id, "service_id": clinic.service_id,
        "therapist_id": clinic.therapist_id,
        "starts": [d["start"] for d in proposal.json["dates"][:3]]})
    assert booked.status_code == 201 and len(booked.json["appointments"]) == 3


def test_production_refuses_to_sign_client_tokens_with_the_development_key(tmp_path):
    own_keys = json.dumps(public_jwks(generate_signing_key("clinic-2026-01")))
    settings = settings_for(f"sqlite:///{tmp_path / 's.db'}").with_overrides(
        mode="production", jwt_public_keys=own_keys)
    with pytest.raises(ConfigurationError, match="SCHEDULING_CLIENT_TOKEN_KEY"):
        create_app(SchedulingConfig(settings))
    config = SchedulingConfig(settings, client_token_key="k" * 40)
    migrate(config)
    assert create_app(config).test_client().get("/widget/api/clinic").status_code == 200
