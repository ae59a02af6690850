"""Screening a client from the questionnaire, and a physician's clearance, over HTTP."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from shared.events.contracts.screening import SCREENING_COMPLETED
from tests.integration.screening.builders import (
    FRONT_DESK,
    OTHER_VALID_NPI,
    a_clearance,
    a_questionnaire,
    payload_of,
    queued_events,
    register,
    screen,
    set_today,
    treated_by,
)
from tests.support.http import auth

THERAPIST_LOGIN = "tester"
THERAPIST = auth("therapist", THERAPIST_LOGIN)


def test_a_client_with_nothing_to_report_is_cleared_for_a_year(http, app):
    set_today(app, date(2026, 3, 2))
    client = register(http)

    screening = screen(http, client["client_id"])

    assert screening["outcome"] == "cleared"
    assert screening["reasons"] == []
    assert screening["screened_on"] == "2026-03-02"
    assert screening["expires_on"] == "2027-03-02"
    assert screening["rules_version"] == "2026.1"
    assert screening["cleared_by_physician"] is False
    assert screening["clearance"] is None


def test_a_client_on_warfarin_needs_clearance_and_the_event_carries_reason_codes_only(http, app):
    client = register(http)

    screening = screen(http, client["client_id"], medications=["Coumadin 5 mg daily"],
                       notes="bruises easily")

    assert screening["outcome"] == "needs_clearance"
    assert [r["code"] for r in screening["reasons"]] == ["bleeding_risk"]
    assert "Coumadin" in screening["reasons"][0]["text"]
    assert screening["restricted_techniques"] == ["deep_tissue", "trigger_point"]
    [event] = queued_events(app, SCREENING_COMPLETED)
    assert event.subject == client["client_id"]
    payload = payload_of(event)
    assert payload["reason_codes"] == ["bleeding_risk"]
    assert payload["outcome"] == "needs_clearance"
    assert "Coumadin" not in str(event.data) and "bruises" not in str(event.data)


def test_an_unhealed_fracture_restricts_its_body_region(http):
    client = register(http)

    screening = screen(http, client["client_id"], injuries=[
        {"kind": "fracture", "body_region": "left_arm", "healed": False},
        {"kind": "wound", "body_region": "right_knee", "healed": True},
    ])

    assert screening["outcome"] == "cleared_with_precautions"
    assert screening["restricted_regions"] == ["left_arm"]
    assert screening["questionnaire"]["injuries"][1]["healed"] is True


def test_a_clients_screenings_are_listed_newest_first_and_read_one_by_one(app, http):
    client = register(http)
    first = screen(http, client["client_id"], conditions=["dvt_suspected"])
    second = screen(http, client["client_id"])
    treated_by(app, client["client_id"], THERAPIST_LOGIN)  # the therapist reads their clients

    listed = http.get(f"/clients/{client['client_id']}/screenings", headers=THERAPIST)
    one = http.get(f"/clients/{client['client_id']}/screenings/{first['screening_id']}",
                   headers=THERAPIST)

    assert [s["screening_id"] for s in listed.json["screenings"]] == [
        second["screening_id"], first["screening_id"]]
    assert one.json == first


def test_replaying_a_screening_with_its_idempotency_key_records_it_once(http, app):
    client = register(http)
    headers = {**FRONT_DESK, "Idempotency-Key": "screen-1"}
    path = f"/clients/{client['client_id']}/screenings"

    first = http.post(path, json=a_questionnaire(), headers=headers)
    replay = http.post(path, json=a_questionnaire(), headers=headers)

    assert replay.json == first.json
    assert len(http.get(path, headers=FRONT_DESK).json["screenings"]) == 1
    assert len(queued_events(app, SCREENING_COMPLETED)) == 1


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"conditions": ["hiccups"]}, "conditions"),
        ({"conditions": "dvt_current"}, "conditions"),
        ({"injuries": [{"kind": "sprain", "body_region": "neck", "healed": False}]}, "injuries"),
        ({"injuries": [{"kind": "burn", "body_region": "tail", "healed": False}]}, "injuries"),
        ({"injuries": [{"kind": "burn", "body_region": "neck"}]}, "injuries"),
        ({"platelet_count": -5}, "platelet_count"),
        ({"medications": [""]}, "medications"),
        ({"mood": "fine"}, "mood"),
    ],
)
def test_bad_questionnaire_answers_are_field_errors(sqlite_http, answers, field):
    client = register(sqlite_http)

    response = sqlite_http.post(f"/clients/{client['client_id']}/screenings",
                                json=a_questionnaire(**answers), headers=FRONT_DESK)

    assert response.status_code == 400
    assert field in response.json["errors"]


def test_screening_an_unknown_client_or_reading_an_unknown_screening_is_404(sqlite_http):
    client = register(sqlite_http)

    unknown_client = sqlite_http.post("/clients/cl_nobody/screenings", json=a_questionnaire(),
                                      headers=FRONT_DESK)
    unknown_screening = sqlite_http.get(f"/clients/{client['client_id']}/screenings/sc_nothing",
                                        headers=FRONT_DESK)
    unknown_list = sqlite_http.get("/clients/cl_nobody/screenings", headers=FRONT_DESK)

    assert [unknown_client.status_code, unknown_screening.status_code,
            unknown_list.status_code] == [404, 404, 404]
    assert unknown_screening.json["type"] == "/problems/screening-not-found"


def test_the_rules_a_ui_can_offer_are_public(sqlite_http):
    rules = sqlite_http.get("/screening-rules")

    assert rules.status_code == 200
    assert rules.json["version"] == "2026.1"
    assert {"code": "dvt_current", "label": "Current deep vein thrombosis"} in rules.json[
        "conditions"]
    assert rules.json["injury_kinds"] == ["burn", "fracture", "wound"]
    assert rules.json["pressure_levels"] == ["light", "moderate", "deep"]


def test_a_physicians_clearance_of_a_dvt_client_adds_a_cleared_screening(http, app):
    client = register(http)
    waiting = screen(http, client["client_id"], conditions=["dvt_suspected"])

    response = http.post(f"/clients/{client['client_id']}/clearances", json=a_clearance(),
                         headers=FRONT_DESK)

    assert response.status_code == 201
    cleared = response.json
    assert cleared["screening_id"] != waiting["screening_id"]
    assert cleared["outcome"] == "cleared"
    assert cleared["cleared_by_physician"] is True
    assert cleared["clearance"]["clears_screening_id"] == waiting["screening_id"]
    assert cleared["clearance"]["physician_npi"] == a_clearance()["physician_npi"]
    assert cleared["reasons"] == waiting["reasons"]
    assert cleared["expires_on"] == waiting["expires_on"]
    events = [payload_of(e) for e in queued_events(app, SCREENING_COMPLETED)]
    assert [(e["outcome"], e["cleared_by_physician"]) for e in events] == [
        ("not_eligible", False), ("cleared", True)]
    history = http.get(f"/clients/{client['client_id']}/screenings", headers=FRONT_DESK).json
    assert [s["screening_id"] for s in history["screenings"]] == [
        cleared["screening_id"], waiting["screening_id"]]


def test_a_clearance_keeps_the_rules_precautions_and_adds_the_physicians(http):
    client = register(http)
    screen(http, client["client_id"], conditions=["severe_thrombocytopenia"])

    cleared = http.post(f"/clients/{client['client_id']}/clearances",
                        json=a_clearance(restricted_regions=["abdomen"],
                                         physician_npi=OTHER_VALID_NPI),
                        headers=FRONT_DESK).json

    assert cleared["outcome"] == "cleared_with_precautions"
    assert cleared["pressure_limit"] == "light"
    assert cleared["restricted_regions"] == ["abdomen"]


@pytest.mark.parametrize("answers", [None, {}], ids=["never screened", "already cleared"])
def test_a_clearance_with_no_screening_waiting_for_one_is_refused(http, answers):
    client = register(http)
    if answers is not None:
        screen(http, client["client_id"], **answers)

    response = http.post(f"/clients/{client['client_id']}/clearances", json=a_clearance(),
                         headers=FRONT_DESK)

    assert response.status_code == 422
    assert response.json["type"] == "/problems/clearance-not-needed"


def test_a_clearance_cannot_lift_an_expired_screening(sqlite_http, sqlite_app):
    client = register(sqlite_http)
    set_today(sqlite_app, date.today() - timedelta(days=400))
    screen(sqlite_http, client["client_id"], conditions=["dvt_current"])
    set_today(sqlite_app, date.today())

    response = sqlite_http.post(f"/clients/{client['client_id']}/clearances",
                                json=a_clearance(), headers=FRONT_DESK)

    assert response.status_code == 422
    assert "expired" in response.json["detail"]


def test_a_clearance_twice_lifts_the_screening_once(sqlite_http):
    client = register(sqlite_http)
    screen(sqlite_http, client["client_id"], conditions=["dvt_current"])
    path = f"/clients/{client['client_id']}/clearances"

    first = sqlite_http.post(path, json=a_clearance(), headers=FRONT_DESK)
    second = sqlite_http.post(path, json=a_clearance(), headers=FRONT_DESK)

    assert [first.status_code, second.status_code] == [201, 422]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"physician_npi": "1234567890"}, "physician_npi"),
        ({"physician_name": ""}, "physician_name"),
        ({"cleared_on": (date.today() + timedelta(days=2)).isoformat()}, "cleared_on"),
        ({"cleared_on": "yesterday"}, "cleared_on"),
        ({"restricted_techniques": ["cupping"]}, "restricted_techniques"),
        ({"pressure_limit": "firm"}, "pressure_limit"),
    ],
)
def test_bad_clearance_input_is_a_field_error(sqlite_http, fields, field):
    client = register(sqlite_http)
    screen(sqlite_http, client["client_id"], conditions=["dvt_current"])

    response = sqlite_http.post(f"/clients/{client['client_id']}/clearances",
                                json=a_clearance(**fields), headers=FRONT_DESK)

    assert response.status_code == 400
    assert field in response.json["errors"]


def test_clearing_an_unknown_client_is_404(sqlite_http):
    response = sqlite_http.post("/clients/cl_nobody/clearances", json=a_clearance(),
                                headers=FRONT_DESK)

    assert response.status_code == 404
