"""Session completion: minutes per technique and region, units, precautions, the SOAP note."""

from __future__ import annotations

from datetime import date

from shared.events import EVENTS
from tests.integration.scheduling.clinic import (
    FRONT_DESK,
    THERAPIST,
    book,
    eligible_client,
    local,
    outbox_events,
)
from tests.support.http import auth

SOAP = {"subjective": "Low back stiffness after gardening", "objective": "Tight paraspinals",
        "assessment": "Improving", "plan": "Continue 2x/week"}
TECHNIQUES = [
    {"technique": "myofascial_release", "minutes": 33, "body_regions": ["lower_back"],
     "pressure": "moderate"},
    {"technique": "swedish", "minutes": 7, "body_regions": ["upper_back", "neck"]},
]


def booked_visit(http, clinic, engine, clock, **screening):  # type: ignore[no-untyped-def]
    appointment = book(http, clinic, eligible_client(engine, screening=screening),
                       local(2026, 3, 3, 10)).json
    clock.now = local(2026, 3, 3, 11, 5)
    return appointment


def complete(http, appointment, **overrides):  # type: ignore[no-untyped-def]
    body = {"techniques": TECHNIQUES, "soap_note": SOAP} | overrides
    return http.post(f"/appointments/{appointment['id']}/complete", headers=THERAPIST,
                     json=body)


def test_a_completed_session_announces_units_per_code_without_the_note(http, clinic, engine,
                                                                      clock):
    appointment = booked_visit(http, clinic, engine, clock)
    response = complete(http, appointment)
    assert response.status_code == 201, response.json
    # Pub 100-04 ch.5 §20.2 example 3: 33 + 7 minutes bill 2 + 1 units.
    assert response.json["codes"] == [{"code": "97124", "minutes": 7, "units": 1},
                                      {"code": "97140", "minutes": 33, "units": 2}]
    [event] = outbox_events(engine, "scheduling.session.completed.v2")
    payload = EVENTS.load_payload(event)
    assert payload["appointment_id"] == appointment["id"]
    assert payload["referral_id"] == appointment["referral_id"]
    assert payload["rendering_provider"]["name"] == "Ana Ruiz"
    assert payload["rendering_provider"]["npi"] == "1234567893"
    assert payload["date_of_service"] == date(2026, 3, 3)
    assert payload["place_of_service"] == "11"
    assert payload["counting_method"] == "cms"
    # v2: each technique under the code the clinic's map gave it, so claims never maps.
    assert payload["lines"] == [
        {"code": "97124", "technique": "swedish", "minutes": 7, "units": 1,
         "body_regions": ["neck", "upper_back"]},
        {"code": "97140", "technique": "myofascial_release", "minutes": 33, "units": 2,
         "body_regions": ["lower_back"]},
    ]
    assert payload["regions_outside_referral"] == []
    assert "paraspinals" not in str(event.data) and "soap" not in str(event.data)
    shown = http.get(f"/appointments/{appointment['id']}/session", headers=THERAPIST).json
    assert shown["soap_note"] == SOAP
    assert http.get(f"/appointments/{appointment['id']}", headers=FRONT_DESK
                    ).json["status"] == "completed"


def test_completing_a_session_twice_is_a_conflict(http, clinic, engine, clock):
    appointment = booked_visit(http, clinic, engine, clock)
    assert complete(http, appointment).status_code == 201
    again = complete(http, appointment)
    assert again.status_code == 409
    assert again.json["reasons"] == ["already_completed"]
    assert len(outbox_events(engine, "scheduling.session.completed.v2")) == 1


def test_a_repeated_completion_with_its_idempotency_key_gets_the_first_answer(http, clinic,
                                                                             engine, clock):
    appointment = booked_visit(http, clinic, engine, clock)
    key = {"Idempotency-Key": "complete-once"}
    path = f"/appointments/{appointment['id']}/complete"
    body = {"techniques": TECHNIQUES, "soap_note": SOAP}
    first = http.post(path, headers=THERAPIST | key, json=body)
    again = http.post(path, headers=THERAPIST | key, json=body)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(outbox_events(engine, "scheduling.session.completed.v2")) == 1


def test_a_restricted_technique_needs_an_override_reason(http, clinic, engine, clock):
    appointment = booked_visit(http, clinic, engine, clock,
                               outcome="cleared_with_precautions",
                               restricted_techniques=["swedish"])
    refused = complete(http, appointment)
    assert refused.status_code == 422
    assert "override_reason" in refused.json["errors"]
    accepted = complete(http, appointment, override_reason="Physician approved light work")
    assert accepted.status_code == 201
    assert accepted.json["overridden"] == ["technique swedish"]


def test_minutes_must_fit_the_appointment(http, clinic, engine, clock):
    appointment = booked_visit(http, clinic, engine, clock)
    response = complete(http, appointment, techniques=[
        {"technique": "deep_tissue", "minutes": 50, "body_regions": ["lower_back"]},
        {"technique": "trigger_point", "minutes": 20, "body_regions": ["neck"]},
    ])
    assert response.status_code == 422
    assert "techniques" in response.json["errors"]


def test_a_cancelled_visit_cannot_be_completed(http, clinic, engine, clock):
    appointment = book(http, clinic, eligible_client(engine), local(2026, 3, 3, 10)).json
    http.post(f"/appointments/{appointment['id']}/cancel", headers=FRONT_DESK)
    response = complete(http, appointment)
    assert response.status_code == 409
    assert response.json["reasons"] == ["not_booked"]


def test_bad_session_records_get_field_messages(http, clinic, engine, clock):
    appointment = booked_visit(http, clinic, engine, clock)
    for body, field in [
        ({"techniques": [], "soap_note": SOAP}, "techniques"),
        ({"techniques": [{"technique": "reiki", "minutes": 10, "body_regions": ["neck"]}],
          "soap_note": SOAP}, "techniques"),
        ({"techniques": TECHNIQUES}, "soap_note"),
    ]:
        response = http.post(f"/appointments/{appointment['id']}/complete",
                             headers=THERAPIST, json=body)
        assert response.status_code == 400
        assert field in response.json["errors"]
    assert http.post("/appointments/none/complete", headers=THERAPIST,
                     json={"techniques": TECHNIQUES, "soap_note": SOAP}).status_code == 404


def test_only_therapists_complete_sessions(http, clinic, engine, clock):
    appointment = booked_visit(http, clinic, engine, clock)
    response = http.post(f"/appointments/{appointment['id']}/complete", headers=FRONT_DESK,
                         json={"techniques": TECHNIQUES, "soap_note": SOAP})
    assert response.status_code == 403


def test_the_therapist_calendar_feed_shows_visits_without_client_names(http, clinic, engine):
    client_id = eligible_client(engine)
    appointment = book(http, clinic, client_id, local(2026, 3, 3, 10)).json
    response = http.get(f"/therapists/{clinic.therapist_id}/calendar.ics", headers=THERAPIST)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    text = response.get_data(as_text=True)
    assert f"UID:{appointment['id']}@medmassage" in text
    assert "DTSTART:20260303T150000Z" in text
    assert f"client {client_id[:8]}" in text
    assert http.get("/therapists/nobody/calendar.ics", headers=THERAPIST).status_code == 404
    bad = http.get(f"/therapists/{clinic.therapist_id}/calendar.ics", headers=THERAPIST,
                   query_string={"from": "yesterday"})
    assert bad.status_code == 400


# -- issue #13: place, date, and the referral's prescribed regions ----------------------------


def test_place_of_service_00_is_refused_with_the_field_named(http, clinic, engine, clock):
    appointment = booked_visit(http, clinic, engine, clock)

    answer = complete(http, appointment, place_of_service="00")

    assert answer.status_code == 422
    assert "place_of_service" in answer.json["errors"]
    assert outbox_events(engine, "scheduling.session.completed.v2") == []


def test_a_session_on_a_region_the_referral_does_not_prescribe_needs_a_reason_and_is_flagged(
    http, clinic, engine, clock
):
    client_id = eligible_client(engine, referral={"body_regions": ["lower_back", "neck"]})
    appointment = book(http, clinic, client_id, local(2026, 3, 3, 10)).json
    clock.now = local(2026, 3, 3, 11, 5)

    shown = http.get(f"/appointments/{appointment['id']}/prescription", headers=THERAPIST).json
    assert shown["prescribed_regions"] == ["lower_back", "neck"]

    without = complete(http, appointment)  # Swedish on the upper back, too
    assert without.status_code == 422
    assert "upper_back" in without.json["errors"]["outside_referral_reason"][0]

    reason = "Trapezius guarding from the neck; physician informed"
    completed = complete(http, appointment, outside_referral_reason=reason)
    assert completed.status_code == 201, completed.json
    assert completed.json["regions_outside_referral"] == ["upper_back"]
    [event] = outbox_events(engine, "scheduling.session.completed.v2")
    payload = EVENTS.load_payload(event)
    assert payload["regions_outside_referral"] == ["upper_back"]
    assert payload["outside_referral_reason"] == reason


def test_another_therapists_client_prescription_is_not_shown(http, clinic, engine, clock):
    appointment = booked_visit(http, clinic, engine, clock)

    answer = http.get(f"/appointments/{appointment['id']}/prescription",
                      headers=auth("therapist", "someone-else"))

    assert answer.status_code == 404
