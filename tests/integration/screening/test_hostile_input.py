"""Hostile input to the screening API gets a 4xx problem document, never a 500 or a stored row.

Deep JSON, oversized bodies, and hidden characters (NUL and other controls, bidi overrides,
lone surrogates, line breaks in one-line fields) in every free-text field of every request
schema; plus the security headers, the referral form's own policy, and the audit of
searches and refused attempts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shared.web.settings import ONE_MIB
from tests.integration.screening.builders import (
    FRONT_DESK,
    a_clearance,
    a_client,
    a_coverage,
    a_questionnaire,
    a_referral,
    an_address,
    register,
)
from tests.integration.screening.conftest import migrated_app
from tests.support.http import auth

PROBLEM = "application/problem+json"
# Each is refused in a one-line field; line feed is allowed in notes, the rest nowhere.
HIDDEN = {"NUL": "\x00", "ESC": "\x1b", "C1 NEL": "\x85", "RLO": "\u202e", "LRE": "\u202a",
          "RLI": "\u2067", "PDI": "\u2069", "line feed": "\n", "line separator": "\u2028",
          "lone surrogate": "\ud800"}
IN_NOTES = {name: char for name, char in HIDDEN.items()
            if name not in ("line feed", "line separator")}


@pytest.fixture(scope="module")
def http(tmp_path_factory) -> Iterator[FlaskClient]:
    """One screening app on SQLite for the whole module (nothing here needs a fresh one)."""
    app = migrated_app(f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'screening.db'}")
    yield app.test_client()


def a_dependant() -> dict[str, Any]:
    """A client covered through their spouse, so the subscriber's fields are checked too."""
    subscriber = {"first_name": "Luis", "last_name": "Lopez", "birth_date": "1978-01-02",
                  "sex": "M", "address": an_address()}
    return a_client(coverage=a_coverage(relationship_to_subscriber="spouse",
                                        subscriber=subscriber))


Body = Callable[[], dict[str, Any]]
# (method, path, a valid body, the field's path in it, how the field is spoilt)
FIELDS: list[tuple[str, str, Body, tuple[Any, ...]]] = [
    ("post", "/clients", a_client, ("first_name",)),
    ("post", "/clients", a_client, ("last_name",)),
    ("post", "/clients", a_client, ("address", "line1")),
    ("post", "/clients", a_client, ("address", "city")),
    ("post", "/clients", a_client, ("address", "state")),
    ("post", "/clients", a_client, ("address", "postal_code")),
    ("post", "/clients", a_client, ("phone",)),
    ("post", "/clients", a_client, ("coverage", "payer_name")),
    ("post", "/clients", a_client, ("time_zone",)),
    ("post", "/clients", a_dependant, ("coverage", "subscriber", "first_name")),
    ("post", "/clients", a_dependant, ("coverage", "subscriber", "address", "line1")),
    ("put", "/clients/cl_x", a_client, ("last_name",)),
    ("post", "/clients/cl_x/screenings", lambda: a_questionnaire(medications=["ibuprofen"]),
     ("medications", 0)),
    ("post", "/clients/cl_x/screenings", lambda: a_questionnaire(conditions=["pregnancy"]),
     ("conditions", 0)),
    ("post", "/clients/cl_x/clearances", a_clearance, ("physician_name",)),
    ("post", "/clients/cl_x/clearances", a_clearance, ("physician_npi",)),
    ("post", "/clients/cl_x/referrals", a_referral, ("physician_last_name",)),
    ("post", "/clients/cl_x/referrals", a_referral, ("physician_first_name",)),
    ("post", "/clients/cl_x/referrals", a_referral, ("physician_credential",)),
    ("post", "/clients/cl_x/referrals", lambda: a_referral(physician_name="Ada Okafor"),
     ("physician_name",)),
    ("post", "/clients/cl_x/referrals", a_referral, ("physician_npi",)),
    ("post", "/clients/cl_x/referrals", a_referral, ("diagnoses", 0)),
    ("post", "/clients/cl_x/referrals", a_referral, ("codes", 0)),
    ("post", "/clients/cl_x/referrals", a_referral, ("techniques", 0)),
    ("post", "/clients/cl_x/referrals", a_referral, ("body_regions", 0)),
    ("put", "/clients/cl_x/referrals/rf_x", a_referral, ("physician_last_name",)),
]
NOTES: list[tuple[str, str, Body, tuple[Any, ...]]] = [
    ("post", "/clients/cl_x/screenings", a_questionnaire, ("notes",)),
    ("post", "/clients/cl_x/clearances", lambda: a_clearance(note="seen"), ("note",)),
    ("post", "/clients/cl_x/referrals/rf_x/revoke", lambda: {"reason": "moved"}, ("reason",)),
]


def spoilt(body: dict[str, Any], path: tuple[Any, ...], char: str) -> dict[str, Any]:
    """``body`` with ``char`` added to the end of the value at ``path``."""
    holder: Any = body
    for step in path[:-1]:
        holder = holder[step]
    holder[path[-1]] = f"{holder[path[-1]] or 'x'}{char}"
    return body


def field_errors(response, path: tuple[Any, ...]) -> Any:  # type: ignore[no-untyped-def]
    """The field messages of a 400 validation problem at ``path``."""
    assert response.status_code == 400, (path, response.status_code, response.get_data()[:300])
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["type"] == "/problems/validation-error"
    errors = body["errors"]
    for step in path:
        errors = errors[str(step)]
    return errors


def ids(cases: list[tuple[str, str, Body, tuple[Any, ...]]]) -> list[str]:
    return [f"{method} {path} {'.'.join(map(str, field))}" for method, path, _, field in cases]


@pytest.mark.parametrize(("method", "path", "body", "field"), FIELDS, ids=ids(FIELDS))
def test_every_one_line_text_field_refuses_hidden_characters(http, method, path, body, field):
    for name, char in HIDDEN.items():
        response = getattr(http, method)(path, json=spoilt(body(), field, char),
                                         headers=FRONT_DESK)
        assert field_errors(response, field), name


# Identifiers a claim carries: judged by what X12 can carry, so every hidden character is
# a 422 not-billable answer naming the field, like any other character X12 cannot carry.
IDENTIFIERS: list[tuple[str, str, Body, tuple[Any, ...]]] = [
    ("post", "/clients", a_client, ("coverage", "payer_id")),
    ("post", "/clients", a_client, ("coverage", "member_id")),
    ("post", "/clients", a_client, ("coverage", "group_number")),
    ("put", "/clients/cl_x", a_client, ("coverage", "member_id")),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), IDENTIFIERS, ids=ids(IDENTIFIERS))
def test_every_identifier_refuses_hidden_characters_as_not_billable(http, method, path, body,
                                                                     field):
    for name, char in HIDDEN.items():
        response = getattr(http, method)(path, json=spoilt(body(), field, char),
                                         headers=FRONT_DESK)
        assert response.status_code == 422, (name, response.get_data()[:300])
        errors = response.get_json()["errors"]
        for step in field:
            errors = errors[step]
        assert errors, name


def test_a_referrals_authorization_number_refuses_hidden_characters_as_not_billable(http):
    client = register(http, coverage=a_coverage(member_id="W-AUTH-1"))
    for name, char in HIDDEN.items():
        response = http.post(f"/clients/{client['client_id']}/referrals",
                             json=a_referral(authorization_number=f"AUTH{char}1"),
                             headers=FRONT_DESK)
        assert response.status_code == 422, (name, response.get_data()[:300])
        assert response.get_json()["errors"]["authorization_number"], name


@pytest.mark.parametrize(("method", "path", "body", "field"), NOTES, ids=ids(NOTES))
def test_notes_keep_line_breaks_but_refuse_other_hidden_characters(http, method, path, body,
                                                                   field):
    for name, char in IN_NOTES.items():
        response = getattr(http, method)(path, json=spoilt(body(), field, char),
                                         headers=FRONT_DESK)
        assert field_errors(response, field), name
    kept = getattr(http, method)(path, json=spoilt(body(), field, "\r\n\tsecond line"),
                                 headers=FRONT_DESK)
    # Past the schema: the unknown client answers, not the note.
    assert kept.get_json()["type"] != "/problems/validation-error"


def test_an_email_domain_cannot_hide_a_bidi_override(http):
    response = http.post("/clients", json=a_client(email="maria@exa\u202emple.org"),
                         headers=FRONT_DESK)
    assert field_errors(response, ("email",))


@pytest.mark.parametrize(("path", "field"), [
    ("/clients?last_name=Lo%00pez", "last_name"),
    ("/clients?last_name=Lo%E2%80%AEpez", "last_name"),
    ("/diagnoses?q=M54%0A", "q"),
])
def test_searches_refuse_hidden_characters(http, path, field):
    assert field_errors(http.get(path, headers=FRONT_DESK), (field,))


def texts(value: Any) -> Iterator[str]:
    """Every string in a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict | list):
        for item in value.values() if isinstance(value, dict) else value:
            yield from texts(item)


def test_a_refused_registration_stores_nothing(http):
    register(http, coverage=a_coverage(member_id="W-CLEAN-1"))
    for number, char in enumerate(HIDDEN.values()):
        http.post("/clients", json=a_client(last_name=f"Lopez{char}",
                                            coverage=a_coverage(member_id=f"W-HIDDEN-{number}")),
                  headers=FRONT_DESK)
    found = http.get("/clients?last_name=Lopez&limit=100", headers=FRONT_DESK).get_json()
    hidden = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u202a-\u202e\u2066-\u2069]")
    assert found["clients"]
    assert not any(hidden.search(text) for text in texts(found["clients"]))


def deep_json(depth: int) -> str:
    return '{"first_name": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize(("headers", "status", "slug"), [
    (FRONT_DESK, 400, "json-too-deep"),
    ({}, 401, "unauthorized"),
], ids=["staff", "no token"])
def test_json_nested_a_thousand_deep_is_a_4xx_not_a_recursion_error(http, headers, status,
                                                                     slug):
    for path in ("/clients", "/clients/cl_x/screenings", "/clients/cl_x/referrals"):
        response = http.post(path, data=deep_json(1000),
                             headers={**headers, "Content-Type": "application/json"})
        assert (response.status_code, response.mimetype) == (status, PROBLEM), path
        assert response.get_json()["type"] == f"/problems/{slug}"


@pytest.mark.parametrize("headers", [FRONT_DESK, {}], ids=["staff", "no token"])
def test_a_body_over_a_mebibyte_is_refused_with_413(http, headers):
    body = a_client(first_name="x" * ONE_MIB)
    response = http.post("/clients", json=body, headers=headers)
    assert (response.status_code, response.mimetype) == (413, PROBLEM)
    assert response.get_json()["type"] == "/problems/body-too-large"


# -- headers -----------------------------------------------------------------------------------


def test_json_answers_refuse_framing_sniffing_and_referrers(http):
    for response in (http.get("/clients?last_name=Lopez", headers=FRONT_DESK),
                     http.get("/clients/cl_nobody", headers=FRONT_DESK),
                     http.get("/screening-rules")):
        assert response.headers["X-Frame-Options"] == "DENY"
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "Strict-Transport-Security" not in response.headers
    secure = http.get("/screening-rules", base_url="https://screening.clinic.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize("prefilled", [False, True], ids=["blank", "prefilled"])
def test_the_referral_form_may_use_only_its_own_style_and_is_never_framed(http, prefilled):
    if prefilled:
        client = register(http, coverage=a_coverage(member_id="W-FORM-1"))
        response = http.get(f"/clients/{client['client_id']}/referral-form", headers=FRONT_DESK)
    else:
        response = http.get("/referral-form")
    assert response.status_code == 200
    policy = dict(directive.strip().split(" ", 1)
                  for directive in response.headers["Content-Security-Policy"].split(";"))
    nonce = re.fullmatch(r"'nonce-([A-Za-z0-9_-]{16,})'", policy["style-src"]).group(1)
    assert (policy["default-src"], policy["frame-ancestors"], policy["base-uri"],
            policy["form-action"]) == ("'none'", "'none'", "'none'", "'none'")
    assert "script-src" not in policy and "unsafe-inline" not in str(policy)
    assert response.headers["X-Frame-Options"] == "DENY"
    page = response.get_data(as_text=True)
    assert re.findall(r"<style[^>]*>", page) == [f'<style nonce="{nonce}">']
    again = http.get("/referral-form").headers["Content-Security-Policy"]
    assert nonce not in again  # a fresh nonce each time


# -- the audit trail ---------------------------------------------------------------------------


def audit_of(app: Flask, actor: str) -> list[dict[str, Any]]:
    response = app.test_client().get(f"/audit?actor={actor}", headers=auth("admin"))
    return response.get_json()["entries"]


@pytest.fixture
def app(sqlite_app: Flask) -> Flask:
    return sqlite_app


def test_a_client_search_is_audited_with_its_terms_and_not_logged(app, caplog):
    http = app.test_client()
    response = http.get("/clients?last_name=Lopez&birth_date=1980-04-12",
                        headers=auth("front_desk", "alice"))
    assert response.status_code == 200
    [search] = audit_of(app, "alice")
    assert (search["endpoint"], search["query"]) == (
        "clients.search_clients", {"last_name": "Lopez", "birth_date": "1980-04-12"})
    assert "Lopez" not in caplog.text and "1980-04-12" not in caplog.text


def test_an_attempt_past_ones_role_is_audited(app):
    http = app.test_client()
    assert http.get("/clients?last_name=Lopez", headers=auth("ops", "eve")).status_code == 403
    assert http.get("/clients/cl_x").status_code == 401
    [refused] = audit_of(app, "eve")
    assert (refused["roles"], refused["path"], refused["status"], refused["query"]) == (
        ["ops"], "/clients", 403, {"last_name": "Lopez"})
    [anonymous] = audit_of(app, "anonymous")
    assert (anonymous["path"], anonymous["status"]) == ("/clients/cl_x", 401)
