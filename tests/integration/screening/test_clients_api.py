"""Registering, correcting and finding clients over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from shared.events.contracts.screening import CLIENT_ENROLLED, CLIENT_REGISTERED, CLIENT_UPDATED
from tests.integration.screening.builders import (
    FRONT_DESK,
    a_client,
    a_coverage,
    an_address,
    payload_of,
    queued_events,
    register,
)
from tests.support.http import auth


def test_front_desk_registers_a_client_and_reads_it_back(http):
    response = http.post("/clients", json=a_client(), headers=FRONT_DESK)

    assert response.status_code == 201
    created = response.json
    assert created["client_id"].startswith("cl_")
    assert created["version"] == 1
    assert response.headers["Location"] == f"/clients/{created['client_id']}"
    fetched = http.get(f"/clients/{created['client_id']}", headers=auth("billing"))
    assert fetched.status_code == 200
    assert fetched.json == created
    assert {k: created[k] for k in a_client()} == a_client()


def test_registration_queues_client_registered_keyed_by_client_with_the_correlation_id(http, app):
    created = http.post("/clients", json=a_client(),
                        headers={**FRONT_DESK, "X-Correlation-ID": "corr-intake-1"}).json

    [event] = queued_events(app, CLIENT_REGISTERED)
    assert event.subject == created["client_id"]
    assert event.correlation_id == "corr-intake-1"
    payload = payload_of(event)
    assert payload["client_id"] == created["client_id"]
    assert payload["version"] == 1
    assert payload["coverage"]["member_id"] == "W123456789"
    assert "email" not in event.data and "phone" not in event.data


def test_a_client_covered_through_a_spouse_keeps_the_subscriber(http, app):
    spouse = {"first_name": "Carlos", "last_name": "Lopez", "birth_date": "1978-09-30",
              "sex": "M", "address": an_address()}
    coverage = a_coverage(relationship_to_subscriber="spouse", subscriber=spouse)

    created = register(http, coverage=coverage)

    fetched = http.get(f"/clients/{created['client_id']}", headers=FRONT_DESK).json
    assert fetched["coverage"]["subscriber"] == spouse
    payload = payload_of(queued_events(app, CLIENT_REGISTERED)[0])
    assert payload["coverage"]["subscriber"]["birth_date"].isoformat() == "1978-09-30"


def test_registering_the_same_person_twice_answers_409_with_the_existing_client_id(http, app):
    first = register(http)
    again = a_client(first_name="  MARIA ", last_name="lopez",
                     coverage=a_coverage(member_id="w123 456 789"))

    response = http.post("/clients", json=again, headers=FRONT_DESK)

    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert response.json["existing_client_id"] == first["client_id"]
    assert len(queued_events(app, CLIENT_REGISTERED)) == 1


def test_the_same_name_and_birth_date_with_another_member_id_is_another_client(http):
    first = register(http)
    second = register(http, coverage=a_coverage(member_id="OTHER-1"))

    assert first["client_id"] != second["client_id"]


def test_replaying_an_idempotency_key_answers_the_first_response_and_registers_once(http, app):
    headers = {**FRONT_DESK, "Idempotency-Key": "intake-42"}

    first = http.post("/clients", json=a_client(), headers=headers)
    replay = http.post("/clients", json=a_client(), headers=headers)

    assert first.status_code == replay.status_code == 201
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json == first.json
    assert len(queued_events(app, CLIENT_REGISTERED)) == 1


def test_an_idempotency_key_reused_for_another_client_is_refused(sqlite_http):
    headers = {**FRONT_DESK, "Idempotency-Key": "intake-43"}
    sqlite_http.post("/clients", json=a_client(), headers=headers)

    response = sqlite_http.post("/clients", json=a_client(first_name="Ana"), headers=headers)

    assert response.status_code == 422
    assert response.json["type"] == "/problems/idempotency-key-reused"


@pytest.mark.parametrize(
    ("body", "field_path"),
    [
        (a_client(last_name=None), ["last_name"]),
        (a_client(first_name="   "), ["first_name"]),
        (a_client(birth_date="1980-13-01"), ["birth_date"]),
        (a_client(birth_date="2999-01-01"), ["birth_date"]),
        (a_client(sex="X"), ["sex"]),
        (a_client(email="not-an-email"), ["email"]),
        (a_client(phone="call me"), ["phone"]),
        (a_client(address=an_address(state="New York")), ["address", "state"]),
        (a_client(address=an_address(postal_code="ABC")), ["address", "postal_code"]),
        (a_client(coverage=a_coverage(relationship_to_subscriber="child")),
         ["coverage", "subscriber"]),
        (a_client(coverage=a_coverage(relationship_to_subscriber="cousin")),
         ["coverage", "relationship_to_subscriber"]),
        (a_client(nickname="Mari"), ["nickname"]),
    ],
)
def test_bad_client_input_is_answered_with_field_messages(sqlite_http, body, field_path):
    response = sqlite_http.post("/clients", json=body, headers=FRONT_DESK)

    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    errors = response.json["errors"]
    for name in field_path:
        errors = errors[name]
    assert errors


def test_a_body_that_is_not_json_is_refused(sqlite_http):
    response = sqlite_http.post("/clients", data="name=Maria", headers=FRONT_DESK,
                                content_type="text/plain")

    assert response.status_code == 415


def test_correcting_a_client_raises_the_version_by_one_and_announces_it(http, app):
    created = register(http)
    moved = a_client(address=an_address(line1="99 Oak Ave"))

    first = http.put(f"/clients/{created['client_id']}", json=moved, headers=FRONT_DESK)
    second = http.put(f"/clients/{created['client_id']}",
                      json={**moved, "phone": "+1 518 555 0199"}, headers=FRONT_DESK)

    assert first.status_code == second.status_code == 200
    assert first.json["address"]["line1"] == "99 Oak Ave"
    assert [first.json["version"], second.json["version"]] == [2, 3]
    updates = [payload_of(e) for e in queued_events(app, CLIENT_UPDATED)]
    assert [u["version"] for u in updates] == [2, 3]
    assert updates[0]["address"]["line1"] == "99 Oak Ave"


def test_readers_needing_no_phi_learn_of_each_version_by_id_alone(http, app):
    created = register(http)
    http.put(f"/clients/{created['client_id']}", json=a_client(address=an_address(line1="9 Elm")),
             headers=FRONT_DESK)

    enrolled = queued_events(app, CLIENT_ENROLLED)
    assert [payload_of(e) for e in enrolled] == [
        {"client_id": created["client_id"], "version": 1},
        {"client_id": created["client_id"], "version": 2},
    ]
    assert all(set(e.data) == {"client_id", "version"} for e in enrolled)  # no PHI at all
    assert all(e.subject == created["client_id"] for e in enrolled)


def test_a_correction_that_changes_nothing_keeps_the_version_and_announces_nothing(http, app):
    created = register(http)

    response = http.put(f"/clients/{created['client_id']}", json=a_client(), headers=FRONT_DESK)

    assert response.status_code == 200
    assert response.json["version"] == 1
    assert queued_events(app, CLIENT_UPDATED) == []


def test_a_correction_into_another_clients_identity_answers_409(http):
    maria = register(http)
    ana = register(http, first_name="Ana")

    response = http.put(f"/clients/{ana['client_id']}", json=a_client(), headers=FRONT_DESK)

    assert response.status_code == 409
    assert response.json["existing_client_id"] == maria["client_id"]


def test_correcting_with_bad_input_is_answered_with_field_messages(sqlite_http):
    created = register(sqlite_http)

    response = sqlite_http.put(f"/clients/{created['client_id']}",
                               json=a_client(sex="female"), headers=FRONT_DESK)

    assert response.status_code == 400
    assert "sex" in response.json["errors"]


def test_an_unknown_client_is_a_404_problem(sqlite_http):
    for response in (
        sqlite_http.get("/clients/cl_missing", headers=FRONT_DESK),
        sqlite_http.put("/clients/cl_missing", json=a_client(), headers=FRONT_DESK),
    ):
        assert response.status_code == 404
        assert response.json["type"] == "/problems/client-not-found"


def test_the_front_desk_finds_clients_by_last_name_prefix_and_birth_date_ignoring_accents(http):
    maria = register(http, last_name="Ōkafor")
    register(http, first_name="Ben", last_name="Okafor", birth_date="1990-01-01")
    register(http, first_name="Zoe", last_name="Oak", coverage=a_coverage(member_id="Z1"))
    register(http, first_name="Lia", last_name="O_neil", coverage=a_coverage(member_id="L1"))

    by_name = http.get("/clients?last_name=oKA", headers=FRONT_DESK).json["clients"]
    by_both = http.get("/clients?last_name=ōka&birth_date=1980-04-12", headers=FRONT_DESK)
    underscore = http.get("/clients?last_name=o_", headers=FRONT_DESK).json["clients"]

    assert [c["first_name"] for c in by_name] == ["Ben", "Maria"]
    assert [c["client_id"] for c in by_both.json["clients"]] == [maria["client_id"]]
    assert [c["first_name"] for c in underscore] == ["Lia"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "last_name"),
        ("?birth_date=12/04/1980", "birth_date"),
        ("?last_name=a&limit=0", "limit"),
    ],
)
def test_a_search_without_usable_criteria_is_a_400(sqlite_http, query, field):
    response = sqlite_http.get(f"/clients{query}", headers=FRONT_DESK)

    assert response.status_code == 400
    assert field in response.json["errors"]


def test_the_same_person_registered_at_once_from_several_desks_gets_one_client(app):
    def attempt(_: int):  # type: ignore[no-untyped-def]
        return app.test_client().post("/clients", json=a_client(), headers=FRONT_DESK)

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(attempt, range(6)))

    created = [a.json for a in answers if a.status_code == 201]
    refused = [a.json for a in answers if a.status_code == 409]
    assert len(created) == 1 and len(refused) == 5
    assert {r["existing_client_id"] for r in refused} == {created[0]["client_id"]}
    assert len(queued_events(app, CLIENT_REGISTERED)) == 1


def test_a_therapist_reads_a_clients_name_and_birth_date_but_not_the_whole_record(http):
    created = register(http)
    therapist = auth("therapist")

    identity = http.get(f"/clients/{created['client_id']}/identity", headers=therapist)
    whole = http.get(f"/clients/{created['client_id']}", headers=therapist)

    assert identity.status_code == 200
    assert identity.json == {"client_id": created["client_id"],
                             "first_name": created["first_name"],
                             "last_name": created["last_name"],
                             "birth_date": created["birth_date"]}
    assert whole.status_code == 403


def test_the_identity_of_a_client_nobody_registered_is_not_found(http):
    answer = http.get("/clients/cl_nobody/identity", headers=auth("therapist"))

    assert answer.status_code == 404
    assert answer.content_type == "application/problem+json"
