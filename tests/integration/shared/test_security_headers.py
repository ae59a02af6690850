"""Every answer refuses framing and sniffing and sends no referrer; HSTS when TLS was used."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from shared.web.headers import API_POLICY
from tests.support.http import auth
from tests.support.webapp import make_app


def notes_app(tmp_path, monkeypatch, **environment: str) -> Flask:  # type: ignore[no-untyped-def]
    """The test web app on SQLite, configured from ``environment``."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return make_app(f"sqlite:///{tmp_path / 'notes.db'}")


@pytest.fixture
def http(tmp_path, monkeypatch) -> FlaskClient:  # type: ignore[no-untyped-def]
    return notes_app(tmp_path, monkeypatch, MEDMASSAGE_PUBLIC_RATE_PER_MINUTE="1").test_client()


@pytest.mark.parametrize(("method", "path", "headers", "status"), [
    ("get", "/healthz", {}, 200),
    ("get", "/openapi.json", {}, 200),
    ("post", "/notes", auth("front_desk"), 201),
    ("get", "/notes/missing", auth("billing"), 404),
    ("post", "/notes", {}, 401),
    ("post", "/notes", auth("therapist"), 403),
    ("delete", "/notes", {}, 405),
    ("get", "/boom", {}, 500),
    ("get", "/nothing-here", {}, 404),
])
def test_every_answer_carries_the_security_headers(http, method, path, headers, status):
    response = getattr(http, method)(path, json={"text": "hi"}, headers=headers)
    assert response.status_code == status
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Content-Security-Policy"] == API_POLICY
    assert "frame-ancestors 'none'" in API_POLICY and "default-src 'none'" in API_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in response.headers


def test_limits_answered_before_any_view_carry_them_too(http):
    http.get("/boom")
    throttled = http.get("/boom")
    assert throttled.status_code == 429
    assert throttled.headers["X-Frame-Options"] == "DENY"


def test_hsts_is_sent_over_tls(http):
    response = http.get("/healthz", base_url="https://notes.example")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_a_forwarded_proto_is_trusted_only_from_a_configured_proxy(tmp_path, monkeypatch):
    https = {"X-Forwarded-Proto": "https"}
    untrusted = notes_app(tmp_path, monkeypatch).test_client()
    assert "Strict-Transport-Security" not in untrusted.get("/healthz", headers=https).headers
    trusted = notes_app(tmp_path, monkeypatch,
                        MEDMASSAGE_TRUSTED_PROXY_HEADER="X-Forwarded-For").test_client()
    assert "Strict-Transport-Security" in trusted.get("/healthz", headers=https).headers


def test_a_page_that_says_who_may_frame_it_keeps_its_policy_and_gets_no_frame_denial(http):
    response = http.get("/pages/framed")
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'self'; frame-ancestors https://clinic.example")
    assert "X-Frame-Options" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_a_page_policy_silent_on_framing_is_made_to_refuse_it(http):
    response = http.get("/pages/silent")
    assert response.headers["Content-Security-Policy"] == (
        "default-src 'self'; frame-ancestors 'none'")
    assert response.headers["X-Frame-Options"] == "DENY"
