"""Intake keeps only what a claim can carry (issue #13), over HTTP on SQLite and PostgreSQL.

Each finding of the issue that starts at intake is here as the request that used to be
accepted: a control character or a non-ASCII letter in a member id, the retired M54.5,
"Anna Smith MD" split into last name "MD".
"""

from __future__ import annotations

from typing import Any

import pytest

from shared.events.contracts.screening import (
    CLIENT_CONTACT,
    CLIENT_REGISTERED,
    CLIENT_UPDATED,
    REFERRAL_AMENDED,
    REFERRAL_RECORDED,
)
from shared.x12_text import transliterate
from tests.integration.screening.builders import (
    FRONT_DESK,
    a_client,
    a_coverage,
    a_referral,
    an_address,
    payload_of,
    queued_events,
    register,
)

PROBLEM = "application/problem+json"


def not_billable(response: Any, *path: str) -> list[str]:
    """The messages of a 422 not-billable problem at the field ``path``."""
    assert response.status_code == 422, (response.status_code, response.get_data()[:400])
    assert response.content_type == PROBLEM
    body = response.json
    assert body["type"] == "/problems/not-billable"
    errors = body["errors"]
    for step in path:
        errors = errors[step]
    return errors


# -- identifiers ------------------------------------------------------------------------------


@pytest.mark.parametrize("member_id", ["W1234\x1d5678", "W1234\x00", "WÉ12345678",
                                       "W123~ISA*00", "W123:45"])
def test_a_member_id_x12_cannot_carry_is_refused_with_422_naming_it_and_nothing_is_stored(
        http, app, member_id):
    response = http.post("/clients", json=a_client(coverage=a_coverage(member_id=member_id)),
                         headers=FRONT_DESK)

    assert not_billable(response, "coverage", "member_id")
    assert queued_events(app) == []
    assert http.get("/clients?last_name=Lopez", headers=FRONT_DESK).json["clients"] == []


@pytest.mark.parametrize(("field", "value"), [("group_number", "GRP\x1e1"),
                                              ("group_number", "G" * 51),
                                              ("payer_id", "60054\u202e")])
def test_group_numbers_and_payer_ids_are_refused_the_same_way(sqlite_http, field, value):
    response = sqlite_http.post("/clients", json=a_client(coverage=a_coverage(**{field: value})),
                                headers=FRONT_DESK)

    assert not_billable(response, "coverage", field)


def test_identifiers_are_kept_in_capitals_and_names_in_the_persons_own_spelling(http, app):
    created = register(http, first_name="Zoë", last_name="Ångström",
                       address=an_address(line1="7 Rue Sainte-Catherine", city="Montréal"),
                       coverage=a_coverage(member_id="w123abc", group_number="grp 7"))

    fetched = http.get(f"/clients/{created['client_id']}", headers=FRONT_DESK).json
    assert (fetched["first_name"], fetched["last_name"], fetched["address"]["city"]) == (
        "Zoë", "Ångström", "Montréal")
    assert (fetched["coverage"]["member_id"], fetched["coverage"]["group_number"]) == (
        "W123ABC", "GRP 7")
    payload = payload_of(queued_events(app, CLIENT_REGISTERED)[0])
    assert payload["last_name"] == "Ångström"  # transliterated only when the claim is written
    assert transliterate(payload["first_name"] + " " + payload["last_name"]) == "ZOE ANGSTROM"


def test_a_billed_client_named_only_in_another_script_is_asked_for_the_cards_spelling(http):
    response = http.post("/clients", json=a_client(first_name="Анна"), headers=FRONT_DESK)

    assert "insurance card" in not_billable(response, "first_name")[0]


def test_an_authorization_number_x12_cannot_carry_is_refused_with_422(http):
    client = register(http)

    response = http.post(f"/clients/{client['client_id']}/referrals",
                         json=a_referral(authorization_number="AUTH~1\x1d"), headers=FRONT_DESK)

    assert not_billable(response, "authorization_number")


# -- secondary coverage -----------------------------------------------------------------------


def a_secondary(**fields: Any) -> dict[str, Any]:
    return a_coverage(**{"payer_id": "87726", "payer_name": "UnitedHealthcare",
                         "member_id": "U998877", "group_number": None, **fields})


def test_a_client_with_two_payers_keeps_both_and_announces_both(http, app):
    created = register(http, secondary_coverage=a_secondary(member_id="u998877"))

    fetched = http.get(f"/clients/{created['client_id']}", headers=FRONT_DESK).json
    assert fetched["secondary_coverage"]["member_id"] == "U998877"
    payload = payload_of(queued_events(app, CLIENT_REGISTERED)[0])
    assert (payload["coverage"]["payer_id"], payload["secondary_coverage"]["payer_id"]) == (
        "60054", "87726")


def test_a_secondary_payer_added_later_is_a_new_version_with_both(http, app):
    created = register(http)

    response = http.put(f"/clients/{created['client_id']}",
                        json=a_client(secondary_coverage=a_secondary()), headers=FRONT_DESK)

    assert response.status_code == 200 and response.json["version"] == 2
    [update] = [payload_of(e) for e in queued_events(app, CLIENT_UPDATED)]
    assert update["secondary_coverage"]["member_id"] == "U998877"


def test_a_secondary_payer_without_a_primary_is_refused(sqlite_http):
    response = sqlite_http.post("/clients", json=a_client(coverage=None,
                                                          secondary_coverage=a_secondary()),
                                headers=FRONT_DESK)

    assert "needs a primary" in not_billable(response, "secondary_coverage")[0]


def test_the_same_payer_twice_is_refused(sqlite_http):
    response = sqlite_http.post(
        "/clients", json=a_client(secondary_coverage=a_secondary(payer_id="60054")),
        headers=FRONT_DESK)

    assert not_billable(response, "secondary_coverage", "payer_id")


def test_a_secondary_payers_identifiers_are_held_to_x12_too(sqlite_http):
    response = sqlite_http.post(
        "/clients", json=a_client(secondary_coverage=a_secondary(member_id="U99\x0b")),
        headers=FRONT_DESK)

    assert not_billable(response, "secondary_coverage", "member_id")


# -- contact for notifications ----------------------------------------------------------------


def test_each_registration_and_correction_announces_how_to_reach_the_client(http, app):
    created = register(http, phone="(518) 555-0100", time_zone="America/Chicago")
    http.put(f"/clients/{created['client_id']}",
             json=a_client(phone="+44 20 7946 0958", email="m.lopez@example.org",
                           time_zone=None), headers=FRONT_DESK)

    contacts = queued_events(app, CLIENT_CONTACT)
    assert [e.subject for e in contacts] == [created["client_id"]] * 2
    assert [payload_of(e) for e in contacts] == [
        {"client_id": created["client_id"], "version": 1, "first_name": "Maria",
         "email": "maria@example.org", "phone": "+15185550100", "time_zone": "America/Chicago"},
        {"client_id": created["client_id"], "version": 2, "first_name": "Maria",
         "email": "m.lopez@example.org", "phone": "+442079460958", "time_zone": None},
    ]
    assert created["phone"] == "+15185550100"


@pytest.mark.parametrize(("fields", "field"), [
    ({"time_zone": "Eastern"}, "time_zone"), ({"time_zone": "America/Springfield"}, "time_zone"),
    ({"phone": "555 0100"}, "phone"), ({"email": "maria@"}, "email"),
])
def test_contact_details_that_cannot_reach_anyone_are_refused_with_400(sqlite_http, fields,
                                                                        field):
    response = sqlite_http.post("/clients", json=a_client(**fields), headers=FRONT_DESK)

    assert response.status_code == 400 and field in response.json["errors"]


# -- referrals: diagnoses, physician, regions ------------------------------------------------


def test_the_retired_m54_5_is_refused_with_422_naming_the_code(http, app):
    client = register(http)

    response = http.post(f"/clients/{client['client_id']}/referrals",
                         json=a_referral(diagnoses=["M54.5"]), headers=FRONT_DESK)

    [message] = not_billable(response, "diagnoses")
    assert "M54.5 is a category" in message and "M54.50, M54.51, M54.59" in message
    assert queued_events(app, REFERRAL_RECORDED) == []


def test_a_code_the_code_set_does_not_have_is_refused_with_422(sqlite_http):
    client = register(sqlite_http)

    response = sqlite_http.post(f"/clients/{client['client_id']}/referrals",
                                json=a_referral(diagnoses=["M54.50", "Z99.999"]),
                                headers=FRONT_DESK)

    assert "Z99.999 is not a code" in not_billable(response, "diagnoses")[0]


def test_the_physician_is_recorded_and_announced_in_parts(http, app):
    client = register(http)

    referral = http.post(f"/clients/{client['client_id']}/referrals", headers=FRONT_DESK,
                         json=a_referral(physician_last_name="de la Cruz",
                                         physician_first_name="María",
                                         physician_credential="DO")).json

    assert (referral["physician_last_name"], referral["physician_first_name"],
            referral["physician_credential"], referral["physician_name"]) == (
        "de la Cruz", "María", "DO", "María de la Cruz, DO")
    physician = payload_of(queued_events(app, REFERRAL_RECORDED)[0])["physician"]
    assert (physician["last_name"], physician["first_name"], physician["credential"],
            physician["name"]) == ("de la Cruz", "María", "DO", "María de la Cruz, DO")


def test_anna_smith_md_written_on_one_line_is_recorded_as_last_name_smith(http, app):
    client = register(http)
    body = {key: value for key, value in a_referral(physician_name="Anna Smith MD").items()
            if key not in ("physician_last_name", "physician_first_name",
                           "physician_credential")}

    response = http.post(f"/clients/{client['client_id']}/referrals", json=body,
                         headers=FRONT_DESK)

    assert response.status_code == 201, response.json
    physician = payload_of(queued_events(app, REFERRAL_RECORDED)[0])["physician"]
    assert (physician["last_name"], physician["first_name"], physician["credential"]) == (
        "Smith", "Anna", "MD")


def test_a_one_line_name_that_splits_more_than_one_way_is_refused_asking_for_the_parts(
        sqlite_http):
    client = register(sqlite_http)
    body = {key: value for key, value in a_referral(physician_name="Maria de la Cruz").items()
            if key not in ("physician_last_name", "physician_first_name")}

    response = sqlite_http.post(f"/clients/{client['client_id']}/referrals", json=body,
                                headers=FRONT_DESK)

    assert "physician_last_name" in not_billable(response, "physician_name")[0]


NECK_AND_BACK = {"diagnoses": ["M54.2", "M54.50"], "body_regions": ["neck", "lower_back"]}


def test_each_diagnosis_is_stored_and_announced_with_the_regions_it_covers(http, app):
    client = register(http)
    path = f"/clients/{client['client_id']}/referrals"
    regions = [{"diagnosis": "m5450", "body_regions": ["lower_back"]},
               {"diagnosis": "M54.2", "body_regions": ["neck"]}]

    referral = http.post(path, json=a_referral(**NECK_AND_BACK, diagnosis_regions=regions),
                         headers=FRONT_DESK).json
    amended = http.put(f"{path}/{referral['referral_id']}", headers=FRONT_DESK, json=a_referral(
        **NECK_AND_BACK, diagnosis_regions=[
            {"diagnosis": "M54.2", "body_regions": ["neck", "lower_back"]},
            {"diagnosis": "M54.50", "body_regions": ["lower_back"]}])).json

    expected = [{"diagnosis": "M54.2", "body_regions": ["neck"]},
                {"diagnosis": "M54.50", "body_regions": ["lower_back"]}]
    assert referral["diagnosis_regions"] == expected
    assert http.get(f"{path}/{referral['referral_id']}",
                    headers=FRONT_DESK).json["diagnosis_regions"] == amended["diagnosis_regions"]
    assert payload_of(queued_events(app, REFERRAL_RECORDED)[0])["diagnosis_regions"] == expected
    assert payload_of(queued_events(app, REFERRAL_AMENDED)[0])["diagnosis_regions"] == [
        {"diagnosis": "M54.2", "body_regions": ["lower_back", "neck"]},
        {"diagnosis": "M54.50", "body_regions": ["lower_back"]}]


@pytest.mark.parametrize("regions", [
    None,
    [{"diagnosis": "M54.2", "body_regions": ["neck"]}],
    [{"diagnosis": "M54.2", "body_regions": ["neck"]},
     {"diagnosis": "M54.50", "body_regions": ["left_knee"]}],
], ids=["left out", "a diagnosis unmapped", "a region not prescribed"])
def test_a_map_that_does_not_cover_the_referral_both_ways_is_refused_with_422(sqlite_http,
                                                                               regions):
    client = register(sqlite_http)

    response = sqlite_http.post(f"/clients/{client['client_id']}/referrals",
                                json=a_referral(**NECK_AND_BACK, diagnosis_regions=regions),
                                headers=FRONT_DESK)

    assert not_billable(response, "diagnosis_regions")


def test_a_referral_dated_outside_the_shipped_code_set_release_is_recorded_with_a_warning(
        sqlite_http, caplog):
    client = register(sqlite_http)
    path = f"/clients/{client['client_id']}/referrals"

    inside = sqlite_http.post(path, json=a_referral(start_on="2026-04-06", end_on="2026-05-29"),
                              headers=FRONT_DESK)
    warned_inside = [r for r in caplog.records if "code set release" in r.getMessage()]
    outside = sqlite_http.post(path, json=a_referral(start_on="2026-09-14", end_on="2026-11-30"),
                               headers=FRONT_DESK)

    assert (inside.status_code, outside.status_code) == (201, 201)
    assert warned_inside == []
    [warning] = [r for r in caplog.records if "code set release" in r.getMessage()]
    assert warning.referral_id == outside.json["referral_id"]
    assert warning.release == "ICD-10-CM FY2026 (April 1, 2026 update)"
