"""Recording, amending, revoking and reading physicians' referrals over HTTP."""

from __future__ import annotations

from datetime import date

import pytest

from shared.events.contracts.screening import (
    REFERRAL_AMENDED,
    REFERRAL_RECORDED,
    REFERRAL_REVOKED,
    REFERRAL_WINDOW,
)
from tests.integration.screening.builders import (
    FRONT_DESK,
    OTHER_VALID_NPI,
    a_referral,
    payload_of,
    queued_events,
    refer,
    register,
    set_today,
    treated_by,
)
from tests.support.http import auth


def test_a_referral_is_recorded_with_canonical_diagnoses_principal_first(http, app):
    client = register(http)

    response = http.post(f"/clients/{client['client_id']}/referrals",
                         json=a_referral(diagnoses=["m62830", "M54.50"]),
                         headers={**FRONT_DESK, "X-Correlation-ID": "corr-ref-1"})

    assert response.status_code == 201
    referral = response.json
    assert referral["referral_id"].startswith("rf_")
    assert referral["diagnoses"] == ["M62.830", "M54.50"]
    assert (referral["version"], referral["status"]) == (1, "recorded")
    [event] = queued_events(app, REFERRAL_RECORDED)
    assert (event.subject, event.correlation_id) == (client["client_id"], "corr-ref-1")
    payload = payload_of(event)
    assert payload["physician"] == {"name": "Ada Okafor, MD", "npi": "1234567893",
                                    "last_name": "Okafor", "first_name": "Ada",
                                    "credential": "MD", "taxonomy": None}
    assert payload["diagnoses"] == ["M62.830", "M54.50"]
    assert payload["end_on"] == date(2026, 3, 31)


def test_replaying_a_referral_with_its_idempotency_key_records_it_once(http, app):
    client = register(http)
    headers = {**FRONT_DESK, "Idempotency-Key": "referral-fax-17"}
    path = f"/clients/{client['client_id']}/referrals"

    first = http.post(path, json=a_referral(), headers=headers)
    replay = http.post(path, json=a_referral(), headers=headers)

    assert replay.status_code == 201
    assert replay.json == first.json
    assert len(http.get(path, headers=FRONT_DESK).json["referrals"]) == 1
    assert len(queued_events(app, REFERRAL_RECORDED)) == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"physician_npi": "1234567890"}, "physician_npi", "not a valid NPI"),
        ({"diagnoses": ["M54.50", "5450"]}, "diagnoses", "not an ICD-10-CM code"),
        ({"diagnoses": ["M54.50", "m5450"]}, "diagnoses", "listed twice"),
        ({"diagnoses": []}, "diagnoses", "At least one diagnosis"),
        ({"codes": ["97110"]}, "codes", "Unknown code"),
        ({"body_regions": ["elbow"]}, "body_regions", "Unknown body region"),
        ({"visits_per_week": 9}, "visits_per_week", "between 1 and 7"),
        ({"end_on": "2026-03-01"}, "end_on", "before the start date"),
        ({"start_on": "March 2"}, "start_on", "Not a valid date"),
        ({"weeks": "four"}, "weeks", "Not a valid integer"),
        ({"physician_first_name": None}, "physician_first_name", "last and first name"),
        ({"physician_last_name": None, "physician_first_name": None}, "physician_last_name",
         "name is required"),
        ({"route": "fax"}, "route", "Unknown field"),
    ],
)
def test_an_invalid_referral_is_answered_with_field_messages(sqlite_http, fields, field, message):
    client = register(sqlite_http)

    response = sqlite_http.post(f"/clients/{client['client_id']}/referrals",
                                json=a_referral(**fields), headers=FRONT_DESK)

    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert any(message in text for text in response.json["errors"][field])


def test_a_referral_for_an_unknown_client_is_404(sqlite_http):
    response = sqlite_http.post("/clients/cl_nobody/referrals", json=a_referral(),
                                headers=FRONT_DESK)

    assert response.status_code == 404


def test_amending_a_referral_raises_its_version_and_announces_the_whole_new_version(http, app):
    client = register(http)
    referral = refer(http, client["client_id"])
    path = f"/clients/{client['client_id']}/referrals/{referral['referral_id']}"

    response = http.put(path, json=a_referral(authorized_visits=12, end_on="2026-04-30",
                                              physician_npi=OTHER_VALID_NPI), headers=FRONT_DESK)

    assert response.status_code == 200
    amended = response.json
    assert (amended["version"], amended["status"]) == (2, "amended")
    assert amended["authorized_visits"] == 12
    assert http.get(path, headers=auth("billing")).json == amended
    [event] = queued_events(app, REFERRAL_AMENDED)
    payload = payload_of(event)
    assert (payload["version"], payload["authorized_visits"]) == (2, 12)
    assert payload["physician"]["npi"] == OTHER_VALID_NPI


def test_an_invalid_amendment_is_answered_with_field_messages_and_changes_nothing(http):
    client = register(http)
    referral = refer(http, client["client_id"])
    path = f"/clients/{client['client_id']}/referrals/{referral['referral_id']}"

    response = http.put(path, json=a_referral(diagnoses=["XYZ"]), headers=FRONT_DESK)

    assert response.status_code == 400
    assert "diagnoses" in response.json["errors"]
    assert http.get(path, headers=FRONT_DESK).json["version"] == 1


def test_revoking_a_referral_closes_it_today_and_announces_it(http, app):
    set_today(app, date(2026, 3, 10))
    client = register(http)
    referral = refer(http, client["client_id"])
    path = f"/clients/{client['client_id']}/referrals/{referral['referral_id']}"

    response = http.post(f"{path}/revoke", json={"reason": "physician withdrew it"},
                         headers=FRONT_DESK)

    assert response.status_code == 200
    assert (response.json["status"], response.json["version"]) == ("revoked", 2)
    assert response.json["closed_on"] == "2026-03-10"
    [event] = queued_events(app, REFERRAL_REVOKED)
    assert event.subject == client["client_id"]
    assert payload_of(event) == {"referral_id": referral["referral_id"],
                                 "client_id": client["client_id"], "version": 2,
                                 "closed_on": date(2026, 3, 10)}


def test_booking_learns_each_referral_version_as_its_window_alone(http, app):
    set_today(app, date(2026, 3, 10))
    client = register(http)
    referral = refer(http, client["client_id"], correlation_id="c-record",
                     authorization_number="AUTH-77")
    path = f"/clients/{client['client_id']}/referrals/{referral['referral_id']}"

    def in_flow(step: str) -> dict[str, str]:
        return {**FRONT_DESK, "X-Correlation-ID": step}

    http.put(path, json=a_referral(authorized_visits=12), headers=in_flow("c-amend"))
    refused = http.put(path, json=a_referral(diagnoses=["XYZ"]), headers=in_flow("c-refused"))
    http.post(f"{path}/revoke", json={"reason": "physician withdrew it"},
              headers=in_flow("c-revoke"))

    assert refused.status_code == 400
    windows = queued_events(app, REFERRAL_WINDOW)
    window = {"referral_id": referral["referral_id"], "client_id": client["client_id"],
              "start_on": date(2026, 3, 2), "end_on": date(2026, 3, 31),
              "frequency": "2x/week for 4 weeks",  # for the referral follow-up notice
              "body_regions": ["lower_back"]}  # prescribed regions, for the therapist
    assert [payload_of(e) for e in windows] == [
        window | {"version": 1, "status": "active", "authorized_visits": 8, "closed_on": None},
        window | {"version": 2, "status": "active", "authorized_visits": 12, "closed_on": None},
        window | {"version": 3, "status": "revoked", "authorized_visits": 12,
                  "closed_on": date(2026, 3, 10)},
    ]
    # One window with each full referral event, in its flow; none for the refused change.
    steps = ["c-record", "c-amend", "c-revoke"]
    assert [e.correlation_id for e in windows] == steps
    full = [queued_events(app, event_type)[0]
            for event_type in (REFERRAL_RECORDED, REFERRAL_AMENDED, REFERRAL_REVOKED)]
    assert [e.correlation_id for e in full] == steps
    assert all(e.subject == client["client_id"] for e in windows)
    assert "AUTH-77" not in str([e.data for e in windows])
    assert not {"diagnoses", "physician", "codes", "authorization_number"} & set(
        windows[0].data)


def test_a_revoked_referral_can_be_neither_amended_nor_revoked_again(http):
    client = register(http)
    referral = refer(http, client["client_id"])
    path = f"/clients/{client['client_id']}/referrals/{referral['referral_id']}"
    http.post(f"{path}/revoke", headers=FRONT_DESK)

    amend = http.put(path, json=a_referral(), headers=FRONT_DESK)
    revoke = http.post(f"{path}/revoke", headers=FRONT_DESK)

    assert [amend.status_code, revoke.status_code] == [422, 422]
    assert amend.json["type"] == "/problems/referral-closed"


def test_a_revocation_reason_that_is_not_text_is_a_field_error(sqlite_http):
    client = register(sqlite_http)
    referral = refer(sqlite_http, client["client_id"])

    response = sqlite_http.post(
        f"/clients/{client['client_id']}/referrals/{referral['referral_id']}/revoke",
        json={"reason": 42}, headers=FRONT_DESK)

    assert response.status_code == 400
    assert "reason" in response.json["errors"]


def test_a_clients_referrals_are_listed_and_another_clients_are_not_found(sqlite_app,
                                                                          sqlite_http):
    maria = register(sqlite_http)
    ana = register(sqlite_http, first_name="Ana")
    first = refer(sqlite_http, maria["client_id"])
    second = refer(sqlite_http, maria["client_id"], diagnoses=["M54.2"])
    treated_by(sqlite_app, maria["client_id"], "tester")  # the therapist reads their clients

    listed = sqlite_http.get(f"/clients/{maria['client_id']}/referrals",
                             headers=auth("therapist"))
    elsewhere = sqlite_http.get(f"/clients/{ana['client_id']}/referrals/{first['referral_id']}",
                                headers=FRONT_DESK)
    amend_elsewhere = sqlite_http.put(
        f"/clients/{ana['client_id']}/referrals/{first['referral_id']}", json=a_referral(),
        headers=FRONT_DESK)

    assert [r["referral_id"] for r in listed.json["referrals"]] == [
        second["referral_id"], first["referral_id"]]
    assert [elsewhere.status_code, amend_elsewhere.status_code] == [404, 404]
    assert elsewhere.json["type"] == "/problems/referral-not-found"


def test_common_diagnoses_are_found_by_words_or_by_code_with_or_without_its_dot(sqlite_http):
    by_words = sqlite_http.get("/diagnoses?q=low back").json["diagnoses"]
    by_code = sqlite_http.get("/diagnoses?q=m62830").json["diagnoses"]
    everything = sqlite_http.get("/diagnoses").json["diagnoses"]

    assert {"code": "M54.50", "description": "Low back pain, unspecified"} in by_words
    descriptions = [d["description"].lower() for d in by_words]
    assert all("low" in text and "back" in text for text in descriptions)
    assert [d["code"] for d in by_code] == ["M62.830"]
    assert len(everything) > len(by_words)


def test_a_diagnosis_query_that_is_too_long_is_a_field_error(sqlite_http):
    response = sqlite_http.get("/diagnoses?q=" + "x" * 61)

    assert response.status_code == 400
    assert "q" in response.json["errors"]
