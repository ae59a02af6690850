"""The waitlist on SQLite and PostgreSQL: freed slots offered in order to eligible clients,
held while offered, accepted through booking, declined or expired to the next."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shared.events import EVENTS
from shared.events.contracts.scheduling import WAITLIST_JOINED, WAITLIST_LEFT
from tests.integration.scheduling.clinic import (
    FRONT_DESK,
    THERAPIST,
    Clinic,
    book,
    eligible_client,
    local,
    outbox_events,
    set_up_clinic,
)
from tests.integration.scheduling.waitlist_support import (
    closings,
    join,
    offers,
    slots_at,
    token_of,
    worker,
)

SLOT = local(2026, 3, 3, 10)  # Tuesday 10:00 New York


@pytest.fixture
def clinic(app, http) -> Clinic:  # type: ignore[no-untyped-def]
    """The clinic, with the worker through the openings its new therapists' hours made
    (while nobody waited), as a running worker would be by the time anyone joins."""
    clinic = set_up_clinic(http)
    worker(app).run_round()
    return clinic


def free_the_slot(http, clinic, engine) -> str:  # type: ignore[no-untyped-def]
    """Book SLOT for someone, then cancel it; the cancelled appointment's id."""
    appointment = book(http, clinic, eligible_client(engine), SLOT).json
    response = http.post(f"/appointments/{appointment['id']}/cancel", headers=FRONT_DESK)
    assert response.status_code == 200
    return appointment["id"]


def test_a_cancelled_slot_is_offered_to_the_first_waitlisted_client_and_held(
    app, http, clinic, engine
):
    first = join(http, clinic, eligible_client(engine))
    join(http, clinic, eligible_client(engine))
    free_the_slot(http, clinic, engine)
    assert worker(app).run_round() >= 1

    [offer] = offers(engine)
    assert (offer["entry_id"], offer["start"]) == (first["id"], SLOT)
    assert offer["hold_until"] == app.extensions["medmassage"].config.clock() + timedelta(hours=1)
    assert slots_at(http, clinic, SLOT) == []  # held: the widget does not show it
    taken = book(http, clinic, eligible_client(engine), SLOT)
    assert taken.status_code == 409
    shown = http.get(f"/waitlist/{first['id']}", headers=FRONT_DESK).json
    assert shown["status"] == "offered"
    assert shown["offer"]["id"] == offer["offer_id"]


def test_the_client_accepts_by_link_without_a_token_and_is_booked(app, http, clinic, engine):
    client_id = eligible_client(engine)
    entry = join(http, clinic, client_id)
    free_the_slot(http, clinic, engine)
    worker(app).run_round()
    [offer] = offers(engine)

    shown = http.post("/waitlist/link", json={"token": token_of(offer)})
    assert shown.status_code == 200
    assert shown.json["therapist_name"] == "Ana Ruiz"
    assert shown.headers["Cache-Control"] == "no-store"
    answered = http.post("/waitlist/link/answer",
                         json={"token": token_of(offer), "answer": "accept"})
    assert answered.status_code == 200, answered.json
    appointment_id = answered.json["appointment_id"]
    appointment = http.get(f"/appointments/{appointment_id}", headers=FRONT_DESK).json
    assert (appointment["client_id"], appointment["status"]) == (client_id, "booked")
    [closed] = closings(engine)
    assert (closed["outcome"], closed["appointment_id"]) == ("accepted", appointment_id)
    assert http.get(f"/waitlist/{entry['id']}", headers=FRONT_DESK).json["status"] == "booked"
    # Single use: the link answers once.
    again = http.post("/waitlist/link/answer", json={"token": token_of(offer), "answer": "accept"})
    assert again.status_code == 409
    assert again.json["reasons"] == ["offer_accepted"]


def test_an_expired_offer_moves_on_to_the_next_client_who_stays_behind(
    app, http, clinic, engine, clock
):
    first = join(http, clinic, eligible_client(engine))
    second = join(http, clinic, eligible_client(engine))
    free_the_slot(http, clinic, engine)
    worker(app).run_round()
    clock.now += timedelta(minutes=61)
    late = http.post("/waitlist/link/answer",
                     json={"token": token_of(offers(engine)[0]), "answer": "accept"})
    assert late.status_code == 409
    assert late.json["reasons"] == ["offer_expired"]

    worker(app).run_round()
    assert worker(app).run_round() == 0  # idempotent: nothing left to do
    first_offer, second_offer = offers(engine)
    assert (second_offer["entry_id"], second_offer["start"]) == (second["id"], SLOT)
    [expired] = closings(engine)
    assert (expired["offer_id"], expired["outcome"]) == (first_offer["offer_id"], "expired")
    assert http.get(f"/waitlist/{first['id']}", headers=FRONT_DESK).json["status"] == "waiting"


def test_a_declined_slot_goes_to_the_next_client_not_back(app, http, clinic, engine):
    join(http, clinic, eligible_client(engine))
    second = join(http, clinic, eligible_client(engine))
    free_the_slot(http, clinic, engine)
    worker(app).run_round()
    answered = http.post("/waitlist/link/answer",
                         json={"token": token_of(offers(engine)[0]), "answer": "decline"})
    assert answered.status_code == 200
    assert answered.json["status"] == "declined"
    worker(app).run_round()
    assert [o["entry_id"] for o in offers(engine)][1:] == [second["id"]]


def test_a_client_not_eligible_on_that_date_is_skipped(app, http, clinic, engine):
    not_screened = join(http, clinic, "client-without-screening")
    referral_ended = join(http, clinic, eligible_client(
        engine, referral={"end_on": date(2026, 3, 2)}))
    no_visits = join(http, clinic, eligible_client(engine, referral={"authorized_visits": 1}))
    book(http, clinic, http.get(f"/waitlist/{no_visits['id']}", headers=FRONT_DESK)
         .json["client_id"], local(2026, 3, 4, 10))
    eligible = join(http, clinic, eligible_client(engine))
    free_the_slot(http, clinic, engine)
    worker(app).run_round()
    [offer] = offers(engine)
    assert offer["entry_id"] == eligible["id"]
    states = {e["id"]: e["status"] for e in
              http.get("/waitlist", headers=FRONT_DESK).json["entries"]}
    assert states[not_screened["id"]] == states[referral_ended["id"]] == "waiting"


def test_a_client_booked_elsewhere_at_that_time_is_passed_over(app, http, clinic, engine):
    busy_client = eligible_client(engine)
    busy = join(http, clinic, busy_client)
    assert book(http, clinic, busy_client, SLOT,
                therapist_id=clinic.other_therapist_id).status_code == 201
    free = join(http, clinic, eligible_client(engine))
    free_the_slot(http, clinic, engine)

    worker(app).run_round()

    [offer] = offers(engine)
    assert offer["entry_id"] == free["id"]
    assert http.get(f"/waitlist/{busy['id']}", headers=FRONT_DESK).json["status"] == "waiting"


def test_preferences_decide_which_client_a_slot_suits(app, http, clinic, engine):
    join(http, clinic, eligible_client(engine), windows=[(2, "09:00", "17:00")])  # Wednesdays
    join(http, clinic, eligible_client(engine), windows=[(1, "13:00", "17:00")])  # afternoons
    join(http, clinic, eligible_client(engine), therapist_id=clinic.other_therapist_id)
    anyone = join(http, clinic, eligible_client(engine), windows=[], therapist_id=None)
    free_the_slot(http, clinic, engine)
    worker(app).run_round()
    assert [o["entry_id"] for o in offers(engine)] == [anyone["id"]]


def test_the_front_desk_reorders_offers_by_hand_accepts_on_the_phone_and_removes(
    app, http, clinic, engine
):
    first = join(http, clinic, eligible_client(engine))
    second = join(http, clinic, eligible_client(engine))
    moved = http.post(f"/waitlist/{second['id']}/position", headers=FRONT_DESK,
                      json={"position": 1})
    assert moved.json["position"] == 1
    listed = http.get("/waitlist", headers=FRONT_DESK).json["entries"]
    assert [e["id"] for e in listed] == [second["id"], first["id"]]

    offered = http.post(f"/waitlist/{first['id']}/offer", headers=FRONT_DESK,
                        json={"therapist_id": clinic.therapist_id,
                              "start": local(2026, 3, 5, 14).isoformat()})
    assert offered.status_code == 201, offered.json
    accepted = http.post(f"/waitlist/offers/{offered.json['id']}/accept", headers=FRONT_DESK)
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["status"] == "accepted"
    assert accepted.json["appointment_id"]

    assert http.delete(f"/waitlist/{second['id']}", headers=FRONT_DESK).status_code == 204
    assert http.get("/waitlist", headers=FRONT_DESK).json["entries"] == []
    assert http.delete(f"/waitlist/{second['id']}", headers=FRONT_DESK).status_code == 409
    joined = [EVENTS.load_payload(e)["entry_id"]
              for e in outbox_events(engine, WAITLIST_JOINED.topic)]
    left = [EVENTS.load_payload(e)["entry_id"] for e in outbox_events(engine, WAITLIST_LEFT.topic)]
    assert (joined, left) == ([first["id"], second["id"]], [second["id"]])


def test_leaving_withdraws_the_offer_and_frees_the_slot_for_the_next(app, http, clinic, engine):
    first = join(http, clinic, eligible_client(engine))
    second = join(http, clinic, eligible_client(engine))
    free_the_slot(http, clinic, engine)
    worker(app).run_round()
    assert http.delete(f"/waitlist/{first['id']}", headers=FRONT_DESK).status_code == 204
    assert closings(engine)[0]["outcome"] == "withdrawn"
    worker(app).run_round()
    assert [o["entry_id"] for o in offers(engine)] == [first["id"], second["id"]]


def test_a_reschedule_away_and_new_hours_free_time_for_the_waitlist(app, http, clinic, engine):
    waiting = join(http, clinic, eligible_client(engine))
    appointment = book(http, clinic, eligible_client(engine), SLOT).json
    moved = http.post(f"/appointments/{appointment['id']}/reschedule", headers=FRONT_DESK,
                      json={"start": local(2026, 3, 4, 10).isoformat()})
    assert moved.status_code == 200
    worker(app).run_round()
    assert [(o["entry_id"], o["start"]) for o in offers(engine)] == [(waiting["id"], SLOT)]


def test_the_waitlist_is_the_front_desks_and_answers_bad_input_with_field_errors(
    http, clinic, engine
):
    assert http.get("/waitlist", headers=THERAPIST).status_code == 403
    assert http.get("/waitlist").status_code == 401
    bad = http.post("/waitlist", headers=FRONT_DESK, json={
        "client_id": "c", "service_id": clinic.service_id,
        "windows": [{"weekday": 9, "start": "10:00", "end": "09:00"}]})
    assert bad.status_code == 400
    assert "windows" in bad.json["errors"]
    backwards = http.post("/waitlist", headers=FRONT_DESK, json={
        "client_id": "c", "service_id": clinic.service_id,
        "earliest_on": "2026-04-01", "latest_on": "2026-03-01"})
    assert backwards.status_code == 400
    assert "latest_on" in backwards.json["errors"]
    assert http.post("/waitlist", headers=FRONT_DESK, json={
        "client_id": "c", "service_id": "no-such-service"}).status_code == 404
    entry = join(http, clinic, "twice")
    again = http.post("/waitlist", headers=FRONT_DESK, json={
        "client_id": "twice", "service_id": clinic.service_id})
    assert again.status_code == 409
    assert (again.json["reasons"], again.json["entry_id"]) == (["already_waiting"], entry["id"])
    assert http.post("/waitlist/link", json={"token": "x" * 43}).status_code == 404
    assert http.post("/waitlist/link/answer", json={"token": "x" * 43,
                                                    "answer": "maybe"}).status_code == 400
