"""A therapist completes only their own sessions, once started, and reads only their own
clients' notes; an admin may override with a reason that the session and the audit keep.

Issue #17, finding B: any therapist token could complete any therapist's appointment, days
ahead (so the claim carried a date of service still to come), and read any SOAP note.
"""

from __future__ import annotations

import json

from tests.integration.scheduling.clinic import (
    ADMIN,
    ANA_LOGIN,
    FRONT_DESK,
    NPI,
    OTHER_THERAPIST,
    THERAPIST,
    add_therapist,
    book,
    eligible_client,
    local,
    outbox_events,
)
from tests.support.http import auth

SOAP = {"subjective": "Neck stiffness", "objective": "Tight trapezius",
        "assessment": "Improving", "plan": "Continue weekly"}
TECHNIQUES = [{"technique": "swedish", "minutes": 40, "body_regions": ["neck"]}]
TUESDAY_10 = local(2026, 3, 3, 10)
PROBLEM = "application/problem+json"


def complete(http, appointment_id, headers, **extra):  # type: ignore[no-untyped-def]
    return http.post(f"/appointments/{appointment_id}/complete", headers=headers,
                     json={"techniques": TECHNIQUES, "soap_note": SOAP} | extra)


def anas_visit(http, clinic, engine, clock) -> str:  # type: ignore[no-untyped-def]
    """A visit booked with Ana on Tuesday at 10, the clock already past its start."""
    appointment = book(http, clinic, eligible_client(engine), TUESDAY_10)
    assert appointment.status_code == 201, appointment.json
    clock.now = local(2026, 3, 3, 10, 50)
    return appointment.json["id"]


def test_a_therapist_cannot_complete_another_therapists_appointment(http, clinic, engine,
                                                                    clock):
    appointment_id = anas_visit(http, clinic, engine, clock)
    refused = complete(http, appointment_id, OTHER_THERAPIST)
    # As if it did not exist, like every record outside a therapist's own work.
    assert refused.status_code == 404
    assert refused.content_type == PROBLEM
    assert outbox_events(engine, "scheduling.session.completed.v2") == []
    assert complete(http, appointment_id, THERAPIST).status_code == 201


def test_a_therapist_without_a_linked_login_completes_nothing(http, clinic, engine, clock):
    appointment_id = anas_visit(http, clinic, engine, clock)
    assert complete(http, appointment_id, auth("therapist", "not-linked")).status_code == 404


def test_a_session_cannot_be_completed_before_it_starts(http, clinic, engine, clock):
    appointment_id = book(http, clinic, eligible_client(engine), TUESDAY_10).json["id"]
    clock.now = local(2026, 3, 3, 9, 59)
    early = complete(http, appointment_id, THERAPIST)
    assert early.status_code == 409
    assert early.json["reasons"] == ["not_started"]
    assert outbox_events(engine, "scheduling.session.completed.v2") == []
    clock.now = TUESDAY_10
    completed = complete(http, appointment_id, THERAPIST)
    assert completed.status_code == 201
    assert completed.json["date_of_service"] == "2026-03-03"
    assert completed.json["completed_by"] == ANA_LOGIN
    assert completed.json["admin_overrode"] is None


def test_only_an_admin_may_override_and_only_with_a_reason(http, clinic, engine, clock):
    appointment_id = book(http, clinic, eligible_client(engine), TUESDAY_10).json["id"]
    clock.now = local(2026, 3, 3, 8)  # the same morning, before it starts
    therapist = complete(http, appointment_id, THERAPIST, admin_override_reason="trust me")
    assert therapist.status_code == 400
    assert "admin_override_reason" in therapist.json["errors"]
    without_reason = complete(http, appointment_id, ADMIN)
    assert without_reason.status_code == 409
    assert without_reason.json["reasons"] == ["not_own_appointment", "not_started"]

    reason = "Paper chart entered late; Ana is on leave"
    overridden = complete(http, appointment_id, auth("admin", "owner"),
                          admin_override_reason=reason)
    assert overridden.status_code == 201, overridden.json
    assert overridden.json["completed_by"] == "owner"
    assert overridden.json["admin_overrode"] == ["not_own_appointment", "not_started"]
    assert overridden.json["admin_override_reason"] == reason
    shown = http.get(f"/appointments/{appointment_id}/session", headers=ADMIN).json
    assert shown["admin_override_reason"] == reason
    # The reason stays in scheduling: the event claims reads does not carry it.
    [event] = outbox_events(engine, "scheduling.session.completed.v2")
    assert "leave" not in json.dumps(event.data)

    trail = http.get("/audit", headers=ADMIN, query_string={"actor": "owner"}).json["entries"]
    [override] = [entry for entry in trail if entry["action"] == "OVERRIDE"]
    assert override["path"] == f"/appointments/{appointment_id}/complete"
    assert override["query"] == {"admin_overrode": ["not_own_appointment", "not_started"],
                                 "reason": reason}


def test_an_admin_linked_to_the_therapist_completes_their_own_started_visit_plainly(
    http, clinic, engine, clock
):
    appointment_id = anas_visit(http, clinic, engine, clock)
    ana_as_admin = auth("admin", ANA_LOGIN)
    completed = complete(http, appointment_id, ana_as_admin)
    assert completed.status_code == 201
    assert completed.json["admin_overrode"] is None


def test_a_therapist_reads_the_notes_of_clients_they_treat_and_no_others(http, clinic, engine,
                                                                         clock):
    client_id = eligible_client(engine)
    anas = book(http, clinic, client_id, TUESDAY_10).json["id"]
    clock.now = local(2026, 3, 3, 11)
    assert complete(http, anas, THERAPIST).status_code == 201
    path = f"/appointments/{anas}/session"

    assert http.get(path, headers=THERAPIST).json["soap_note"] == SOAP
    refused = http.get(path, headers=OTHER_THERAPIST)
    assert refused.status_code == 404
    assert refused.content_type == PROBLEM
    assert "trapezius" not in refused.get_data(as_text=True)
    assert http.get(path, headers=ADMIN).status_code == 200

    # Once Ben has the client booked too, he treats them and may read their notes.
    bens = book(http, clinic, client_id, local(2026, 3, 5, 10),
                therapist_id=clinic.other_therapist_id)
    assert bens.status_code == 201
    assert http.get(path, headers=OTHER_THERAPIST).status_code == 200
    # A cancelled visit is no care: his access goes with it.
    assert http.post(f"/appointments/{bens.json['id']}/cancel",
                     headers=FRONT_DESK).status_code == 200
    assert http.get(path, headers=OTHER_THERAPIST).status_code == 404


def test_a_therapist_reads_only_their_own_calendar_feed(http, clinic):
    own = f"/therapists/{clinic.therapist_id}/calendar.ics"
    other = f"/therapists/{clinic.other_therapist_id}/calendar.ics"
    assert http.get(own, headers=THERAPIST).status_code == 200
    assert http.get(other, headers=THERAPIST).status_code == 404
    assert http.get(other, headers=FRONT_DESK).status_code == 200


def test_appointment_events_carry_the_therapists_login_for_screenings_care_team(
    http, clinic, engine
):
    client_id = eligible_client(engine)
    appointment = book(http, clinic, client_id, TUESDAY_10).json
    moved = http.post(f"/appointments/{appointment['id']}/reschedule", headers=FRONT_DESK,
                      json={"start": local(2026, 3, 4, 10).isoformat(),
                            "therapist_id": clinic.other_therapist_id})
    assert moved.status_code == 200, moved.json
    [booked] = outbox_events(engine, "scheduling.appointment.booked.v1")
    [rescheduled] = outbox_events(engine, "scheduling.appointment.rescheduled.v1")
    assert booked.data["therapist_staff_subject"] == ANA_LOGIN
    assert rescheduled.data["therapist_staff_subject"] == "ben.cole"


def test_an_admin_links_one_login_to_one_therapist(http, clinic):
    body = {"name": "Cara Diaz", "npi": NPI, "credentials": "LMT", "weekly_hours": [],
            "staff_subject": ANA_LOGIN}
    taken = http.post("/therapists", headers=ADMIN, json=body)
    assert taken.status_code == 409
    assert "staff_subject" in taken.json["errors"]
    cara = add_therapist(http, "Cara Diaz", staff_subject="cara.diaz")
    assert http.get(f"/therapists/{cara}", headers=FRONT_DESK).json["staff_subject"] == \
        "cara.diaz"
    moved = http.put(f"/therapists/{clinic.therapist_id}", headers=ADMIN,
                     json=body | {"name": "Ana Ruiz", "staff_subject": "cara.diaz"})
    assert moved.status_code == 409
    unlinked = http.put(f"/therapists/{cara}", headers=ADMIN, json=body | {"staff_subject": None})
    assert unlinked.status_code == 200
    assert unlinked.json["staff_subject"] is None
    # Linking a login grants clinical records: not the front desk's to hand out.
    assert http.put(f"/therapists/{cara}", headers=FRONT_DESK, json=body).status_code == 403
    assert http.post("/therapists", headers=FRONT_DESK, json=body).status_code == 403


def test_no_one_completes_a_visit_on_a_day_still_to_come_not_even_an_admin(
    http, clinic, engine, clock
):
    appointment_id = book(http, clinic, eligible_client(engine), TUESDAY_10).json["id"]
    clock.now = local(2026, 3, 2, 16)  # the day before

    answer = complete(http, appointment_id, auth("admin", "owner"),
                      admin_override_reason="Entering it ahead")

    assert answer.status_code == 422
    assert "date_of_service" in answer.json["errors"]
    assert outbox_events(engine, "scheduling.session.completed.v2") == []
