"""The HTTP base every service gets: problems, auth, idempotency, health, metrics, OpenAPI."""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Blueprint, Flask
from sqlalchemy import func, select

from shared.config import KafkaSettings, Settings
from shared.db import make_engine
from shared.web import init_app
from shared.web.context import ServiceContext
from tests.support.http import auth
from tests.support.webapp import make_app, notes


@pytest.fixture
def app(database_url):  # type: ignore[no-untyped-def]
    return make_app(database_url)


@pytest.fixture
def http(app):  # type: ignore[no-untyped-def]
    return app.test_client()


def count_notes(app) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["medmassage"].engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(notes)).scalar()


def test_invalid_fields_get_a_problem_document_naming_each_field(http):
    response = http.post("/notes", json={"text": "", "stars": 9}, headers=auth("front_desk"))
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"] == "/problems/validation-error"
    assert set(body["errors"]) == {"text", "stars"}
    assert body["instance"] == "/notes"
    assert body["request_id"] == response.headers["X-Request-ID"]


def test_a_body_that_is_not_json_is_refused_clearly(http):
    response = http.post(
        "/notes",
        data="text=hi",
        headers={**auth("front_desk"), "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"
    broken = http.post(
        "/notes", data="{oops", headers={**auth("front_desk"), "Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.get_json()["type"] == "/problems/malformed-json"


def test_unknown_routes_and_methods_answer_with_problems(http):
    missing = http.get("/nothing-here")
    assert (missing.status_code, missing.mimetype) == (404, "application/problem+json")
    wrong_method = http.delete("/notes")
    assert wrong_method.status_code == 405
    assert "POST" in wrong_method.headers["Allow"]


def test_no_token_is_401_and_the_wrong_role_is_403(http):
    anonymous = http.post("/notes", json={"text": "hi"})
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    therapist = http.post("/notes", json={"text": "hi"}, headers=auth("therapist"))
    assert therapist.status_code == 403
    assert "front_desk" in therapist.get_json()["allowed_roles"]
    forged = http.post(
        "/notes", json={"text": "hi"}, headers={"Authorization": "Bearer not.a.jwt"}
    )
    assert forged.status_code == 401


def test_admin_may_use_any_staff_endpoint(http):
    assert http.post("/notes", json={"text": "hi"}, headers=auth("admin")).status_code == 201


def test_an_unexpected_error_is_a_500_problem_that_leaks_nothing(http, caplog):
    with caplog.at_level(logging.ERROR):
        response = http.get("/boom")
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert "Jane" not in response.get_data(as_text=True)
    assert "request_id" in response.get_json()


def test_a_repeated_idempotency_key_replays_the_first_answer(app, http):
    headers = {**auth("front_desk"), "Idempotency-Key": "key-1"}
    first = http.post("/notes", json={"text": "hello"}, headers=headers)
    second = http.post("/notes", json={"text": "hello"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert count_notes(app) == 1


def test_a_write_can_parse_before_its_transaction_and_answer_after_its_commit(app, http):
    response = http.post("/prepared-notes", json={"text": "hello"}, headers=auth("front_desk"))
    assert response.status_code == 201, response.get_json()
    note = response.get_json()
    assert (note["text"], note["prepared_with"], note["dumped_with"]) == ("hello", 0, 0)
    assert count_notes(app) == 1
    trail = http.get("/audit", headers=auth("admin")).get_json()["entries"]
    assert (trail[0]["path"], trail[0]["status"]) == ("/prepared-notes", 201)  # newest first
    invalid = http.post("/prepared-notes", json={"text": ""}, headers=auth("front_desk"))
    assert invalid.status_code == 400
    assert count_notes(app) == 1


def test_an_answer_dumped_after_the_commit_is_the_one_an_idempotency_key_replays(app, http):
    headers = {**auth("front_desk"), "Idempotency-Key": "key-prepared"}
    first = http.post("/prepared-notes", json={"text": "hello"}, headers=headers)
    second = http.post("/prepared-notes", json={"text": "hello"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert count_notes(app) == 1


def test_an_idempotency_key_reused_for_another_request_is_refused(http):
    headers = {**auth("front_desk"), "Idempotency-Key": "key-2"}
    http.post("/notes", json={"text": "one"}, headers=headers)
    response = http.post("/notes", json={"text": "two"}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["type"] == "/problems/idempotency-key-reused"


def test_concurrent_requests_with_one_idempotency_key_create_one_thing(app):
    headers = {**auth("front_desk"), "Idempotency-Key": "key-race"}

    def post(_: int) -> int:
        return app.test_client().post("/notes", json={"text": "race"}, headers=headers).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(post, range(8)))
    assert count_notes(app) == 1
    assert set(statuses) <= {201, 409}
    assert 201 in statuses


def test_health_is_alive_and_readiness_checks_database_and_broker(database_url, kafka_settings):
    ready_app = make_app(database_url, kafka_settings.bootstrap_servers).test_client()
    assert ready_app.get("/healthz").get_json() == {"status": "ok"}
    ready = ready_app.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": True, "broker": True}
    no_broker = make_app(database_url, "127.0.0.1:1").test_client().get("/readyz")
    assert no_broker.status_code == 503
    assert no_broker.get_json()["checks"]["broker"] is False


def test_metrics_count_requests_by_endpoint_and_status(http):
    http.get("/notes/missing", headers=auth("billing"))
    text = http.get("/metrics").get_data(as_text=True)
    assert (
        'http_requests_total{endpoint="notes.read_note",method="GET",service="notes",status="404"}'
        in text
    )


def test_openapi_describes_schemas_roles_and_problem_answers(http):
    document = http.get("/openapi.json").get_json()
    post = document["paths"]["/notes"]["post"]
    assert post["x-roles"] == ["admin", "front_desk"]
    assert set(post["responses"]) >= {"201", "400", "401", "403"}
    assert "NoteIn" in json.dumps(post["requestBody"])
    get = document["paths"]["/notes/{note_id}"]["get"]
    assert get["parameters"][0]["name"] == "note_id"


def test_request_and_correlation_ids_are_echoed(http):
    response = http.get("/healthz", headers={"X-Correlation-ID": "flow-42"})
    assert response.headers["X-Correlation-ID"] == "flow-42"
    assert response.headers["X-Request-ID"]


def test_an_app_with_an_undeclared_route_refuses_to_start(tmp_path):
    blueprint = Blueprint("open", __name__)
    blueprint.add_url_rule("/open", view_func=lambda: "oops")
    app = Flask("t")
    app.register_blueprint(blueprint)
    settings = Settings(
        service="t", database_url=f"sqlite:///{tmp_path / 't.db'}", kafka=KafkaSettings()
    )
    context = ServiceContext(settings, make_engine(settings.database_url), "T")
    with pytest.raises(RuntimeError, match="/open"):
        init_app(app, context)


def test_every_staff_request_lands_in_the_audit_trail_that_admins_can_read(http):
    created = http.post("/notes", json={"text": "hi"}, headers=auth("front_desk", "alice"))
    note_id = created.get_json()["id"]
    http.get(f"/notes/{note_id}", headers=auth("billing", "bob"))
    http.get("/healthz")
    trail = http.get("/audit", headers=auth("admin", "owner")).get_json()["entries"]
    seen = [(e["actor"], e["roles"], e["action"], e["path"], e["status"]) for e in trail]
    assert ("bob", ["billing"], "GET", f"/notes/{note_id}", 200) in seen
    assert ("alice", ["front_desk"], "POST", "/notes", 201) in seen
    assert not any(e["path"] == "/healthz" for e in trail)
    assert all(e["remote_addr"] for e in trail)
    only_bob = http.get("/audit?actor=bob", headers=auth("admin")).get_json()["entries"]
    assert {e["actor"] for e in only_bob} == {"bob"}


def test_the_audit_trail_is_for_admins_and_cannot_be_edited(http):
    assert http.get("/audit", headers=auth("ops")).status_code == 403
    assert http.delete("/audit", headers=auth("admin")).status_code == 405
    assert http.post("/audit", json={}, headers=auth("admin")).status_code == 405


def test_public_endpoints_are_rate_limited_per_caller(database_url, monkeypatch):
    monkeypatch.setenv("MEDMASSAGE_PUBLIC_RATE_PER_MINUTE", "3")
    limited = make_app(database_url).test_client()
    answers = [limited.get("/boom").status_code for _ in range(4)]
    assert answers[:3] == [500, 500, 500]
    assert answers[3] == 429
    throttled = limited.get("/boom")
    assert throttled.mimetype == "application/problem+json"
    assert int(throttled.headers["Retry-After"]) >= 1
    assert limited.get("/healthz").status_code == 200


def test_idempotency_keys_are_private_to_the_caller(app, http):
    body = {"text": "same key, same body"}
    first = http.post("/notes", json=body,
                        headers={**auth("front_desk", "alice"), "Idempotency-Key": "k"})
    second = http.post("/notes", json=body,
                         headers={**auth("front_desk", "carol"), "Idempotency-Key": "k"})
    assert first.status_code == second.status_code == 201
    assert "Idempotent-Replayed" not in second.headers
    assert first.get_json()["id"] != second.get_json()["id"]


@pytest.mark.parametrize(("kind", "status", "slug"), [
    ("invalid", 400, "validation-error"),
    ("missing", 404, "not-found"),
    ("locked", 409, "note-locked"),
    ("refused", 422, "refused"),
])
def test_each_kind_of_domain_refusal_answers_with_its_status_as_a_problem(http, kind, status,
                                                                          slug):
    response = http.get(f"/refusals/{kind}")
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"] == f"/problems/{slug}"
    assert body["status"] == status


def test_a_domain_refusal_keeps_its_detail_reasons_and_field_errors(http):
    locked = http.get("/refusals/locked").get_json()
    assert (locked["title"], locked["detail"], locked["reasons"]) == (
        "Note locked", "Someone is editing it.", ["being_edited"])
    assert http.get("/refusals/invalid").get_json()["errors"] == {"text": ["Too cheerful."]}
