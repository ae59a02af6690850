"""Hostile input gets a 4xx problem document from the HTTP base, never a 500 or an HTML page.

Deep JSON, oversized bodies, hidden characters in text, and requests the HTTP server
itself refuses (oversized request line or headers) — with and without a token.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shared.runtime import http_server
from shared.web.limits import MAX_JSON_DEPTH
from tests.support.http import auth
from tests.support.webapp import make_app

PROBLEM = "application/problem+json"
FRONT_DESK = auth("front_desk")


@pytest.fixture
def app(tmp_path, monkeypatch) -> Flask:  # type: ignore[no-untyped-def]
    """The test web app on SQLite, with a 4 KiB body limit."""
    monkeypatch.setenv("MEDMASSAGE_MAX_BODY_BYTES", "4096")
    return make_app(f"sqlite:///{tmp_path / 'notes.db'}")


@pytest.fixture
def http(app: Flask) -> FlaskClient:
    return app.test_client()


def nested(depth: int) -> str:
    """A JSON object whose ``text`` is a list nested ``depth`` deep."""
    return '{"text": ' + "[" * depth + "]" * depth + "}"


def assert_problem(response, status: int, slug: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["type"] == f"/problems/{slug}"
    return body


def test_json_nested_a_thousand_deep_is_a_400_not_a_recursion_error(http):
    response = http.post("/notes", data=nested(1000),
                         headers={**FRONT_DESK, "Content-Type": "application/json"})
    body = assert_problem(response, 400, "json-too-deep")
    assert str(MAX_JSON_DEPTH) in body["detail"]


def test_json_nested_up_to_the_limit_reaches_the_schema(http):
    response = http.post("/notes", data=nested(MAX_JSON_DEPTH - 1),
                         headers={**FRONT_DESK, "Content-Type": "application/json"})
    assert_problem(response, 400, "validation-error")


@pytest.mark.parametrize("headers", [FRONT_DESK, {}], ids=["staff", "no token"])
def test_a_body_over_the_limit_is_refused_with_413_before_anything_reads_it(http, headers):
    response = http.post("/notes", data=json.dumps({"text": "x" * 5000}),
                         headers={**headers, "Content-Type": "application/json"})
    body = assert_problem(response, 413, "body-too-large")
    assert body["max_body_bytes"] == 4096


def test_a_public_endpoint_refuses_a_large_body_it_would_never_read(http):
    assert_problem(http.post("/boom", data=b"x" * 5000), 413, "body-too-large")


@pytest.mark.parametrize("bad", ["Ann\x00", "Ann\u202eb", "Ann\u2066", "Ann\x1b[2J", "Ann\x85",
                                 "Ann\n", "Ann\ud800"])
def test_hidden_characters_in_a_text_field_are_refused_with_field_errors(http, bad):
    response = http.post("/notes", json={"text": bad}, headers=FRONT_DESK)
    assert set(assert_problem(response, 400, "validation-error")["errors"]) == {"text"}


def test_a_multi_line_field_keeps_line_breaks_but_not_nul(http):
    kept = http.post("/notes", json={"text": "ok", "remark": "one\ntwo"}, headers=FRONT_DESK)
    assert kept.status_code == 201
    refused = http.post("/notes", json={"text": "ok", "remark": "one\x00"}, headers=FRONT_DESK)
    assert set(assert_problem(refused, 400, "validation-error")["errors"]) == {"remark"}


def test_hidden_characters_in_a_search_are_refused(http):
    for term in ("%00", "%E2%80%AE", "%0A"):
        response = http.get(f"/notes?text=Ann{term}", headers=FRONT_DESK)
        assert set(assert_problem(response, 400, "validation-error")["errors"]) == {"text"}


# -- the HTTP server of `python -m services.<name> web` ----------------------------------------


@pytest.fixture
def served(app: Flask) -> Iterator[int]:
    """``app`` behind the service runtime's HTTP server; yields its port."""
    server = http_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(timeout=10)


def raw_request(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` as is; return the status, headers and body of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        connection.shutdown(socket.SHUT_WR)  # all sent: the server may read to the end
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip()
               for name, _, value in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize(("request_bytes", "status", "slug"), [
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n",
     431, "request-header-fields-too-large"),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Many: 1\r\n" * 101 + b"\r\n",
     431, "request-header-fields-too-large"),
    (b"GET /notes?text=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
     414, "request-uri-too-long"),
], ids=["header too long", "too many headers", "request line too long"])
def test_requests_the_server_refuses_get_problem_documents_not_html(served, request_bytes,
                                                                    status, slug):
    answer_status, headers, body = raw_request(served, request_bytes)
    assert answer_status == status
    assert headers["content-type"] == PROBLEM
    assert json.loads(body)["type"] == f"/problems/{slug}"
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


def test_a_malformed_request_line_is_neither_echoed_nor_logged(served, caplog):
    with socket.create_connection(("127.0.0.1", served), timeout=10) as connection:
        # Not a version the server can read, so it answers the HTTP/0.9 way: a bare body.
        connection.sendall(b"GET /notes?text=Lopez HTTP/1.1 extra\r\nHost: x\r\n\r\n")
        answer = connection.makefile("rb").read()
    assert json.loads(answer)["type"] == "/problems/bad-request"
    assert b"Lopez" not in answer
    assert "Lopez" not in caplog.text


def test_a_chunked_body_without_length_is_cut_off_at_the_limit(served):
    token = FRONT_DESK["Authorization"].encode()
    chunk = b"x" * 1000
    body = (b'a\r\n{"text": "\r\n' + (b"3e8\r\n" + chunk + b"\r\n") * 10
            + b'2\r\n"}\r\n0\r\n\r\n')
    status, headers, answer = raw_request(served, (
        b"POST /notes HTTP/1.1\r\nHost: x\r\nAuthorization: " + token + b"\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + body))
    assert status == 413
    assert headers["content-type"] == PROBLEM
    assert json.loads(answer)["type"] == "/problems/body-too-large"



def test_a_chunked_body_within_the_limit_reaches_the_view(served):
    token = FRONT_DESK["Authorization"].encode()
    body = b'{"text": "chunked"}'
    status, _, answer = raw_request(served, (
        b"POST /notes HTTP/1.1\r\nHost: x\r\nAuthorization: " + token + b"\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"))
    assert status == 201
    assert json.loads(answer)["text"] == "chunked"


@pytest.mark.parametrize("address", [
    "/notes/abc%00def", "/notes/abc%E2%80%AEdef", "/notes/x?filter=a%00b", "/notes/x?q=%1b[31m"])
def test_control_characters_in_the_path_or_query_are_refused_before_any_view(address,
                                                                             database_url):
    # On PostgreSQL a NUL in an id reached the database and failed there: a 500.
    response = make_app(database_url).test_client().get(address, headers=FRONT_DESK)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"] == "/problems/validation-error"
