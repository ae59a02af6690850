"""The audit trail records refused attempts and search terms, and admins can export it."""

from __future__ import annotations

import csv
import io
import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, text

from tests.support.http import auth
from tests.support.webapp import make_app

ADMIN = auth("admin", "owner")


@pytest.fixture
def app(database_url: str) -> Flask:
    return make_app(database_url)


@pytest.fixture
def http(app: Flask) -> FlaskClient:
    return app.test_client()


def trail(http: FlaskClient, query: str = "") -> list[dict]:
    """The audit entries an admin reads, newest first."""
    response = http.get(f"/audit{query}", headers=ADMIN)
    assert response.status_code == 200
    return response.get_json()["entries"]


def test_a_staff_member_reaching_past_their_role_is_recorded_by_name(http):
    response = http.post("/notes", json={"text": "hi"}, headers=auth("therapist", "mallory"))
    assert response.status_code == 403
    refused = trail(http, "?actor=mallory")
    assert [(e["actor"], e["roles"], e["action"], e["endpoint"], e["path"], e["status"])
            for e in refused] == [("mallory", ["therapist"], "POST", "notes.write_note",
                                   "/notes", 403)]
    assert refused[0]["remote_addr"] and refused[0]["at"] and refused[0]["request_id"]


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Bearer not.a.jwt"},
    {"Authorization": "Basic b3duZXI6aHVudGVyMg=="},
], ids=["no token", "forged token", "not a bearer"])
def test_a_request_without_a_valid_token_is_recorded_as_anonymous(http, headers):
    assert http.get("/notes/n1", headers=headers).status_code == 401
    refused = [e for e in trail(http) if e["status"] == 401]
    assert [(e["actor"], e["roles"], e["path"]) for e in refused] == [
        ("anonymous", [], "/notes/n1")]


def test_a_staff_search_is_recorded_with_its_terms_but_the_access_log_never_has_them(
        http, caplog):
    with caplog.at_level(logging.INFO, logger="shared.web.access"):
        response = http.get("/notes?text=Maria%20Lopez", headers=auth("front_desk", "alice"))
    assert response.status_code == 200
    search = trail(http, "?actor=alice")[0]
    assert (search["path"], search["query"]) == ("/notes", {"text": "Maria Lopez"})
    access = [record for record in caplog.records if record.name == "shared.web.access"]
    assert access and all("Lopez" not in str(vars(record)) for record in access)


def test_a_refused_search_keeps_its_terms_too(http):
    http.get("/notes?text=Maria", headers=auth("billing", "bob"))
    refused = trail(http, "?actor=bob")[0]
    assert (refused["status"], refused["query"]) == (403, {"text": "Maria"})


def test_requests_without_query_terms_record_none(http):
    http.post("/notes", json={"text": "hi"}, headers=auth("front_desk", "alice"))
    assert trail(http, "?actor=alice")[0]["query"] is None


def test_admins_export_the_trail_as_csv_with_the_same_filters(http):
    http.get("/notes?text=Maria", headers=auth("front_desk", "alice"))
    http.get("/notes/n1", headers=auth("billing", "bob"))
    http.get("/notes/n1")

    response = http.get("/audit.csv?actor=alice", headers=ADMIN)

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(row["actor"], row["roles"], row["action"], row["path"], row["status"],
             row["query"]) for row in rows] == [
        ("alice", "front_desk", "GET", "/notes", "200", '{"text": "Maria"}')]
    everything = list(csv.DictReader(io.StringIO(
        http.get("/audit.csv", headers=ADMIN).get_data(as_text=True))))
    assert {row["actor"] for row in everything} >= {"alice", "bob", "anonymous"}


def test_the_csv_export_is_for_admins_only(http):
    assert http.get("/audit.csv").status_code == 401
    for role in ("front_desk", "therapist", "billing", "ops"):
        assert http.get("/audit.csv", headers=auth(role)).status_code == 403


def test_text_the_caller_chose_cannot_become_a_spreadsheet_formula(http):
    http.get("/audit.csv", headers=auth("ops", "=HYPERLINK(\"http://x\")"))
    rows = list(csv.DictReader(io.StringIO(
        http.get("/audit.csv", headers=ADMIN).get_data(as_text=True))))
    assert "'=HYPERLINK(\"http://x\")" in {row["actor"] for row in rows}
    assert not any(value.startswith(("=", "+", "-", "@")) for row in rows
                   for value in row.values())


def notes_stored(app: Flask) -> int:
    with app.extensions["medmassage"].engine.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM notes")).scalar()


def test_a_write_and_its_audit_row_commit_in_one_transaction(app, http):
    commits = []
    event.listen(app.extensions["medmassage"].engine, "commit", lambda _: commits.append(1))
    response = http.post("/notes", json={"text": "hi"}, headers=auth("front_desk", "alice"))
    assert response.status_code == 201
    assert commits == [1]
    assert [(e["actor"], e["path"], e["status"]) for e in trail(http, "?actor=alice")] == [
        ("alice", "/notes", 201)]


def test_a_write_refused_inside_its_transaction_is_still_recorded_once(app, http):
    response = http.post("/notes", json={"text": ""}, headers=auth("front_desk", "alice"))
    assert response.status_code == 400
    assert notes_stored(app) == 0
    assert [(e["actor"], e["path"], e["status"]) for e in trail(http, "?actor=alice")] == [
        ("alice", "/notes", 400)]


def test_a_write_whose_audit_row_cannot_be_written_is_not_kept(app, http, caplog):
    with app.extensions["medmassage"].engine.begin() as connection:
        connection.execute(text("DROP TABLE audit_log"))
    with caplog.at_level(logging.ERROR):
        response = http.post("/notes", json={"text": "hi"}, headers=auth("front_desk", "alice"))
    assert response.status_code == 500
    assert notes_stored(app) == 0  # no change without the record of who made it
    assert "audit record failed" in caplog.text
