"""Booking through the API: slots, eligibility reasons, series, cancel, reschedule, no-show."""

from __future__ import annotations

import logging
from datetime import date

import pytest
import sqlalchemy as sa

from services.scheduling.store.eligibility import load_eligibility
from services.scheduling.store.tables import appointments
from shared.events import EVENTS
from shared.events.contracts.screening import REFERRAL_WINDOW, SCREENING_COMPLETED
from tests.integration.scheduling.clinic import (
    ADMIN,
    FRONT_DESK,
    THERAPIST,
    a_referral,
    a_screening,
    book,
    deliver,
    eligible_client,
    local,
    outbox_events,
)
from tests.support.statements import statements_sent

TUESDAY_10 = local(2026, 3, 3, 10)


def visits_used(engine, client_id: str) -> int:
    with engine.connect() as connection:
        view = load_eligibility(connection, client_id)
    return sum(referral["visits_used"] for referral in view.referrals)


def test_front_desk_books_a_slot_and_the_booking_is_announced(http, clinic, engine):
    client_id = eligible_client(engine)
    response = book(http, clinic, client_id, TUESDAY_10)
    assert response.status_code == 201, response.json
    booked = response.json
    assert booked["status"] == "booked"
    assert booked["room_id"] == clinic.room_id  # the first free room by name
    assert booked["end"] == local(2026, 3, 3, 11).isoformat()
    [event] = outbox_events(engine, "scheduling.appointment.booked.v1")
    payload = EVENTS.load_payload(event)
    assert payload["appointment_id"] == booked["id"]
    assert payload["referral_id"] == booked["referral_id"]
    assert payload["start"] == TUESDAY_10
    assert event.subject == client_id
    assert http.get(f"/appointments/{booked['id']}", headers=THERAPIST).json == booked


def test_the_same_slot_cannot_be_booked_twice(http, clinic, engine):
    assert book(http, clinic, eligible_client(engine), TUESDAY_10).status_code == 201
    response = book(http, clinic, eligible_client(engine), TUESDAY_10,
                    room_id=clinic.other_room_id)
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert response.json["type"] == "/problems/slot-taken"


def test_a_client_cannot_be_booked_with_two_therapists_at_overlapping_times(
        http, clinic, engine):
    client_id = eligible_client(engine)
    assert book(http, clinic, client_id, TUESDAY_10).status_code == 201

    overlapping = book(http, clinic, client_id, local(2026, 3, 3, 10, 30),
                       therapist_id=clinic.other_therapist_id)
    right_after = book(http, clinic, client_id, local(2026, 3, 3, 11),
                       therapist_id=clinic.other_therapist_id)

    assert overlapping.status_code == 409
    assert overlapping.content_type == "application/problem+json"
    assert overlapping.json["type"] == "/problems/client-busy"
    assert overlapping.json["reasons"] == ["client_busy"]
    assert right_after.status_code == 201  # back to back is fine for the client
    assert visits_used(engine, client_id) == 2


def test_a_visit_cannot_be_moved_onto_another_visit_of_the_same_client(http, clinic, engine):
    client_id = eligible_client(engine)
    first = book(http, clinic, client_id, TUESDAY_10).json
    second = book(http, clinic, client_id, local(2026, 3, 4, 14),
                  therapist_id=clinic.other_therapist_id).json

    moved = http.post(f"/appointments/{second['id']}/reschedule", headers=FRONT_DESK,
                      json={"start": local(2026, 3, 3, 10, 15).isoformat(),
                            "therapist_id": clinic.other_therapist_id})
    kept_its_own_time = http.post(f"/appointments/{first['id']}/reschedule",
                                  headers=FRONT_DESK,
                                  json={"start": local(2026, 3, 3, 10, 30).isoformat()})

    assert moved.status_code == 409 and moved.json["type"] == "/problems/client-busy"
    assert kept_its_own_time.status_code == 200, kept_its_own_time.json  # not busy with itself


def test_a_plan_of_care_names_the_dates_the_client_is_already_booked(http, clinic, engine):
    client_id = eligible_client(engine)
    taken = local(2026, 3, 10, 10, 30)
    assert book(http, clinic, client_id, taken,
                therapist_id=clinic.other_therapist_id).status_code == 201
    response = http.post("/appointments/series", headers=FRONT_DESK, json={
        "client_id": client_id, "service_id": clinic.service_id,
        "therapist_id": clinic.therapist_id, "first_start": TUESDAY_10.isoformat(),
        "visits_per_week": 2, "weeks": 2,
    })

    assert response.status_code == 422, response.json
    assert response.json["conflicts"] == [
        {"start": local(2026, 3, 10, 10).isoformat(), "reasons": ["client_busy"]}]
    assert visits_used(engine, client_id) == 1


def test_a_room_in_use_cannot_be_given_to_another_therapist(http, clinic, engine):
    assert book(http, clinic, eligible_client(engine), TUESDAY_10,
                room_id=clinic.room_id).status_code == 201
    response = book(http, clinic, eligible_client(engine), TUESDAY_10,
                    therapist_id=clinic.other_therapist_id, room_id=clinic.room_id)
    assert response.status_code == 409


def test_without_a_room_the_next_free_room_is_used(http, clinic, engine):
    assert book(http, clinic, eligible_client(engine), TUESDAY_10).status_code == 201
    response = book(http, clinic, eligible_client(engine), TUESDAY_10,
                    therapist_id=clinic.other_therapist_id)
    assert response.status_code == 201
    assert response.json["room_id"] == clinic.other_room_id


def test_the_buffer_keeps_the_therapist_free_after_a_visit(http, clinic, engine):
    assert book(http, clinic, eligible_client(engine), TUESDAY_10).status_code == 201
    too_soon = book(http, clinic, eligible_client(engine), local(2026, 3, 3, 11))
    assert too_soon.status_code == 409
    after_buffer = book(http, clinic, eligible_client(engine), local(2026, 3, 3, 11, 15))
    assert after_buffer.status_code == 201


@pytest.mark.parametrize(
    "start",
    [local(2026, 3, 3, 7), local(2026, 3, 7, 10), local(2026, 3, 3, 10, 5), local(2026, 3, 2, 8)],
    ids=["before-hours", "saturday", "off-the-grid", "inside-minimum-notice"],
)
def test_a_time_that_is_not_offered_cannot_be_booked(http, clinic, engine, start):
    response = book(http, clinic, eligible_client(engine), start)
    assert response.status_code == 422
    assert response.json["reasons"] == ["slot_not_offered"]


def _no_screening(engine):  # type: ignore[no-untyped-def]
    client_id = "c-" + a_referral("x")["referral_id"]
    deliver(engine, REFERRAL_WINDOW, a_referral(client_id))
    return client_id


def _no_referral(engine):  # type: ignore[no-untyped-def]
    client_id = "c-" + a_referral("x")["referral_id"]
    deliver(engine, SCREENING_COMPLETED, a_screening(client_id))
    return client_id


@pytest.mark.parametrize(
    ("make_client", "reasons"),
    [
        (_no_screening, ["no_screening"]),
        (lambda e: eligible_client(e, screening={"expires_on": date(2026, 3, 3)}),
         ["screening_expired"]),
        (lambda e: eligible_client(e, screening={"outcome": "needs_clearance"}),
         ["needs_clearance"]),
        (lambda e: eligible_client(e, screening={"outcome": "not_eligible"}), ["not_eligible"]),
        (_no_referral, ["no_active_referral"]),
        (lambda e: eligible_client(e, referral={"start_on": date(2026, 4, 1)}),
         ["outside_referral_dates"]),
    ],
    ids=["no-screening", "expired", "needs-clearance", "not-eligible", "no-referral",
         "outside-dates"],
)
def test_an_ineligible_client_is_refused_with_reasons(http, clinic, engine, make_client,
                                                      reasons):
    response = book(http, clinic, make_client(engine), TUESDAY_10)
    assert response.status_code == 422
    assert response.json["type"] == "/problems/not-eligible"
    assert response.json["reasons"] == reasons


def test_a_client_without_visits_left_is_refused(http, clinic, engine):
    client_id = eligible_client(engine, referral={"authorized_visits": 1})
    assert book(http, clinic, client_id, TUESDAY_10).status_code == 201
    response = book(http, clinic, client_id, local(2026, 3, 4, 10))
    assert response.status_code == 422
    assert response.json["reasons"] == ["no_visits_left"]


def test_an_idempotency_key_replays_the_booking_instead_of_booking_again(http, clinic, engine):
    client_id = eligible_client(engine)
    body = {"client_id": client_id, "service_id": clinic.service_id,
            "therapist_id": clinic.therapist_id, "start": TUESDAY_10.isoformat()}
    headers = FRONT_DESK | {"Idempotency-Key": "book-once"}
    first = http.post("/appointments", headers=headers, json=body)
    again = http.post("/appointments", headers=headers, json=body)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert visits_used(engine, client_id) == 1


def test_a_plan_of_care_books_every_visit_at_the_same_local_time(http, clinic, engine):
    client_id = eligible_client(engine)
    response = http.post("/appointments/series", headers=FRONT_DESK, json={
        "client_id": client_id, "service_id": clinic.service_id,
        "therapist_id": clinic.therapist_id, "first_start": TUESDAY_10.isoformat(),
        "visits_per_week": 2, "weeks": 4,
    })
    assert response.status_code == 201, response.json
    visits = response.json["appointments"]
    assert len(visits) == 8
    assert {v["series_id"] for v in visits} == {response.json["series_id"]}
    # Across the March 8 DST change the visit stays at 10:00 New York time.
    assert visits[2]["start"] == local(2026, 3, 10, 10).isoformat()
    assert visits_used(engine, client_id) == 8
    assert len(outbox_events(engine, "scheduling.appointment.booked.v1")) == 8


def test_a_plan_of_care_books_nothing_when_one_date_is_taken(http, clinic, engine):
    taken = local(2026, 3, 10, 10)
    assert book(http, clinic, eligible_client(engine), taken,
                room_id=clinic.room_id).status_code == 201
    client_id = eligible_client(engine)
    response = http.post("/appointments/series", headers=FRONT_DESK, json={
        "client_id": client_id, "service_id": clinic.service_id,
        "therapist_id": clinic.therapist_id, "first_start": TUESDAY_10.isoformat(),
        "visits_per_week": 2, "weeks": 4,
    })
    assert response.status_code == 409
    assert response.json["conflicts"] == [
        {"start": taken.isoformat(), "reasons": ["slot_taken"]}
    ]
    assert visits_used(engine, client_id) == 0


def test_a_plan_of_care_past_the_authorized_visits_is_refused(http, clinic, engine):
    client_id = eligible_client(engine, referral={"authorized_visits": 6})
    response = http.post("/appointments/series", headers=FRONT_DESK, json={
        "client_id": client_id, "service_id": clinic.service_id,
        "therapist_id": clinic.therapist_id, "first_start": TUESDAY_10.isoformat(),
        "visits_per_week": 2, "weeks": 4, "weekdays": [1, 3],
    })
    assert response.status_code == 422
    assert [c["reasons"] for c in response.json["conflicts"]] == [["no_visits_left"]] * 2
    assert visits_used(engine, client_id) == 0


def test_cancelling_early_is_free_and_gives_the_visit_back(http, clinic, engine):
    client_id = eligible_client(engine)
    appointment = book(http, clinic, client_id, TUESDAY_10).json
    response = http.post(f"/appointments/{appointment['id']}/cancel", headers=FRONT_DESK)
    assert response.status_code == 200
    assert response.json["status"] == "cancelled"
    assert response.json["late"] is False
    assert visits_used(engine, client_id) == 0
    [event] = outbox_events(engine, "scheduling.appointment.cancelled.v1")
    assert event.data["late"] is False and event.data["fee"] is None
    # The slot is free again.
    assert book(http, clinic, eligible_client(engine), TUESDAY_10).status_code == 201


def test_cancelling_inside_the_window_is_late_and_charges_the_fee(http, clinic, engine,
                                                                    clock):
    appointment = book(http, clinic, eligible_client(engine), TUESDAY_10).json
    clock.now = local(2026, 3, 2, 12)  # 22 hours ahead of the visit
    response = http.post(f"/appointments/{appointment['id']}/cancel", headers=FRONT_DESK)
    assert response.json["late"] is True
    assert response.json["fee"] == "25.00"
    again = http.post(f"/appointments/{appointment['id']}/cancel", headers=FRONT_DESK)
    assert again.status_code == 409
    assert again.json["reasons"] == ["not_booked"]


def test_rescheduling_moves_the_visit_and_frees_the_old_slot(http, clinic, engine):
    appointment = book(http, clinic, eligible_client(engine), TUESDAY_10).json
    new_start = local(2026, 3, 4, 14)
    response = http.post(f"/appointments/{appointment['id']}/reschedule", headers=FRONT_DESK,
                         json={"start": new_start.isoformat()})
    assert response.status_code == 200, response.json
    assert response.json["start"] == new_start.isoformat()
    [event] = outbox_events(engine, "scheduling.appointment.rescheduled.v1")
    assert event.data["previous_start"] == TUESDAY_10.isoformat()
    assert book(http, clinic, eligible_client(engine), TUESDAY_10).status_code == 201


def test_rescheduling_into_a_taken_slot_is_refused(http, clinic, engine):
    appointment = book(http, clinic, eligible_client(engine), TUESDAY_10).json
    other = book(http, clinic, eligible_client(engine), local(2026, 3, 4, 14)).json
    response = http.post(f"/appointments/{appointment['id']}/reschedule", headers=FRONT_DESK,
                         json={"start": other["start"]})
    assert response.status_code == 409


def test_a_no_show_is_recorded_after_the_start_with_the_fee(http, clinic, engine, clock):
    appointment = book(http, clinic, eligible_client(engine), TUESDAY_10).json
    early = http.post(f"/appointments/{appointment['id']}/no-show", headers=FRONT_DESK)
    assert early.status_code == 409
    assert early.json["reasons"] == ["not_started"]
    clock.now = local(2026, 3, 3, 10, 20)
    response = http.post(f"/appointments/{appointment['id']}/no-show", headers=FRONT_DESK)
    assert response.status_code == 200
    assert (response.json["status"], response.json["fee"]) == ("no_show", "50.00")
    [event] = outbox_events(engine, "scheduling.appointment.no_show.v1")
    assert event.data["fee"] == "50.00"


def test_appointments_are_listed_by_client_therapist_and_window(http, clinic, engine):
    client_id = eligible_client(engine)
    first = book(http, clinic, client_id, TUESDAY_10).json
    second = book(http, clinic, client_id, local(2026, 3, 5, 10)).json
    book(http, clinic, eligible_client(engine), local(2026, 3, 4, 10),
         therapist_id=clinic.other_therapist_id)
    by_client = http.get("/appointments", headers=FRONT_DESK,
                         query_string={"client_id": client_id}).json
    assert [a["id"] for a in by_client] == [first["id"], second["id"]]
    window = http.get("/appointments", headers=FRONT_DESK, query_string={
        "therapist_id": clinic.therapist_id, "from": local(2026, 3, 4).isoformat(),
        "to": local(2026, 3, 6).isoformat()}).json
    assert [a["id"] for a in window] == [second["id"]]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/appointments", {"service_id": "s", "therapist_id": "t",
                           "start": "2026-03-03T10:00:00-05:00"}, "client_id"),
        ("/appointments", {"client_id": "c", "service_id": "s", "therapist_id": "t",
                           "start": "2026-03-03T10:00:00"}, "start"),
        ("/appointments/series", {"client_id": "c", "service_id": "s", "therapist_id": "t",
                                  "first_start": "2026-03-03T15:00:00Z", "visits_per_week": 9,
                                  "weeks": 4}, "visits_per_week"),
        ("/appointments/x/reschedule", {"start": "tomorrow"}, "start"),
    ],
    ids=["missing-client", "naive-start", "too-many-visits", "bad-reschedule-start"],
)
def test_bad_booking_requests_get_field_messages(http, clinic, path, body, field):
    response = http.post(path, headers=FRONT_DESK, json=body)
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert field in response.json["errors"]


def test_series_weekdays_that_miss_the_first_visit_are_a_bad_request(http, clinic, engine):
    response = http.post("/appointments/series", headers=FRONT_DESK, json={
        "client_id": eligible_client(engine), "service_id": clinic.service_id,
        "therapist_id": clinic.therapist_id, "first_start": TUESDAY_10.isoformat(),
        "visits_per_week": 2, "weeks": 4, "weekdays": [0, 3],
    })
    assert response.status_code == 400
    assert "weekdays" in response.json["errors"]


def test_unknown_things_are_404(http, clinic, engine):
    client_id = eligible_client(engine)
    assert book(http, clinic, client_id, TUESDAY_10,
                therapist_id="nobody").status_code == 404
    assert book(http, clinic, client_id, TUESDAY_10, room_id="nowhere").status_code == 404
    assert book(http, clinic, client_id, TUESDAY_10, service_id="nothing").status_code == 404
    for action in ("cancel", "no-show"):
        assert http.post(f"/appointments/none/{action}",
                         headers=FRONT_DESK).status_code == 404
    assert http.get("/appointments/none", headers=FRONT_DESK).status_code == 404


def test_a_therapist_cannot_book(http, clinic, engine):
    response = http.post("/appointments", headers=THERAPIST, json={})
    assert response.status_code == 403


def test_a_booking_ends_with_its_visit_event_and_audit_row_in_one_statement_on_postgresql(
        http, clinic, engine):
    client_id = eligible_client(engine)
    with statements_sent(engine) as sent:
        response = book(http, clinic, client_id, TUESDAY_10)
    inserts = [one.statement for one in sent if "INSERT" in one.statement]
    assert response.status_code == 201, response.json
    # On SQLite each is its own statement (no round trip to save).
    assert len(inserts) == (1 if engine.dialect.name == "postgresql" else 3)
    [booked_event] = outbox_events(engine, "scheduling.appointment.booked.v1")
    assert EVENTS.load_payload(booked_event)["appointment_id"] == response.json["id"]
    trail = http.get("/audit", headers=ADMIN, query_string={"actor": "tester"}).json
    assert [(e["action"], e["status"]) for e in trail["entries"]
            if e["path"] == "/appointments"] == [("POST", 201)]


def test_a_booking_whose_audit_row_cannot_be_written_keeps_neither_visit_nor_event(
        http, clinic, engine, caplog):
    client_id = eligible_client(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE audit_log"))
    with caplog.at_level(logging.ERROR):
        response = book(http, clinic, client_id, TUESDAY_10)
    assert response.status_code == 500
    assert "audit record failed" in caplog.text
    assert outbox_events(engine, "scheduling.appointment.booked.v1") == []
    assert visits_used(engine, client_id) == 0
    with engine.connect() as connection:
        assert connection.execute(sa.select(appointments.c.id)).all() == []
