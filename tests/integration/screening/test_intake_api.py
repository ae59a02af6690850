"""Online intake over HTTP on SQLite and PostgreSQL: invitations, pending screenings that
staff confirm, answers refused field by field, and referral documents kept as files."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.screening.app import create_app, migrate
from services.screening.config import IntakeSettings, ScreeningConfig
from services.screening.store.tables import intake_invitations
from shared.config import ConfigurationError, Settings
from shared.contact_keys import email_key
from shared.events.contracts.screening import (
    CLIENT_CONTACT,
    CLIENT_REGISTERED,
    CLIENT_SIGN_IN_KEY,
    INTAKE_SUBMITTED,
    SCREENING_COMPLETED,
)
from shared.tokens import generate_signing_key, public_jwks
from tests.integration.screening.builders import (
    FRONT_DESK,
    a_client,
    a_coverage,
    a_questionnaire,
    queued_events,
)

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
MAX_DOCUMENT = 2_000


def intake_app(database_url: str, documents: Path, **intake: Any) -> Flask:
    settings = IntakeSettings(documents_dir=documents, max_document_bytes=MAX_DOCUMENT,
                              **intake)
    config = ScreeningConfig.from_settings(Settings(service="screening",
                                                    database_url=database_url))
    config = dataclasses.replace(config, intake=settings)
    migrate(config)
    return create_app(config)


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Flask:
    return intake_app(database_url, tmp_path / "documents")


@pytest.fixture
def http(app: Flask) -> FlaskClient:
    return app.test_client()


def an_intake(http: FlaskClient, **fields: Any) -> dict[str, Any]:
    """A complete intake body with the consent version the page would have shown."""
    consent = http.get("/intake/api/form").json["consent"]
    body = {"invitation": None, "client": a_client(), "secondary_coverage": None,
            "questionnaire": a_questionnaire(),
            "consent": {"version": consent["version"], "signature": "Maria Lopez",
                        "agreed": True}}
    return body | fields


def invitation_token(http: FlaskClient) -> str:
    response = http.post("/intake-invitations", headers=FRONT_DESK,
                         json={"email": "new@example.org"})
    assert response.status_code == 201, response.json
    assert "#invitation=" in response.json["link"]
    return response.json["link"].split("#invitation=")[1]


def test_the_form_asks_every_condition_of_the_rules_table(http: FlaskClient):
    form = http.get("/intake/api/form").json
    conditions = {q["code"] for q in form["questions"] if q["kind"] == "condition"}
    rules = http.get("/screening-rules").json
    assert conditions == {c["code"] for c in rules["conditions"]}
    asked_by = {code for q in form["questions"] for code in q["rule_codes"]}
    assert asked_by == {r["code"] for r in rules["rules"]}
    assert form["consent"]["text"] and form["consent"]["version"]


def test_an_invited_client_sends_intake_and_it_waits_for_staff(app: Flask, http: FlaskClient):
    token = invitation_token(http)
    body = an_intake(http, invitation=token,
                     secondary_coverage=a_coverage(payer_id="87726", payer_name="UHC",
                                                   member_id="U99"))
    response = http.post("/intake/api/submissions", json=body,
                         environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert response.status_code == 201, response.json
    receipt = response.json
    assert receipt["status"] == "pending" and receipt["bookable_after_review"] is True
    assert not queued_events(app, SCREENING_COMPLETED)  # nobody books on their own word
    [registered] = queued_events(app, CLIENT_REGISTERED)
    # The secondary payer is on the client's record, for claims to bill it.
    assert registered.data["secondary_coverage"]["member_id"] == "U99"
    assert http.get(f"/clients/{registered.data['client_id']}", headers=FRONT_DESK).json[
        "secondary_coverage"]["payer_id"] == "87726"
    [contact] = queued_events(app, CLIENT_CONTACT)  # once: register_client's
    assert contact.data["email"] == "maria@example.org"
    assert contact.data["phone"] == "+15185550100"
    [key] = queued_events(app, CLIENT_SIGN_IN_KEY)
    assert key.data["email_sha256"] == email_key("maria@example.org")
    [submitted] = queued_events(app, INTAKE_SUBMITTED)
    assert submitted.data["client_id"] == registered.data["client_id"]

    [pending] = http.get("/intake-submissions", headers=FRONT_DESK).json["submissions"]
    assert pending["submission_id"] == receipt["submission_id"]
    assert pending["signature"] == "Maria Lopez" and pending["signed_from"] == "203.0.113.7"
    assert pending["secondary_coverage"]["member_id"] == "U99"
    assert pending["first_name"] == "Maria"

    again = http.post("/intake/api/submissions", json=an_intake(
        http, invitation=token, client=a_client(first_name="Other")))
    assert again.status_code == 422
    assert again.json["reasons"] == ["intake_link_used"]


def test_staff_confirm_a_pending_intake_into_the_clients_screening(app: Flask,
                                                                   http: FlaskClient):
    receipt = http.post("/intake/api/submissions", json=an_intake(http)).json
    confirmed = http.post(f"/intake-submissions/{receipt['submission_id']}/confirm",
                          headers=FRONT_DESK)
    assert confirmed.status_code == 201, confirmed.json
    assert confirmed.json["outcome"] == "cleared"
    [event] = queued_events(app, SCREENING_COMPLETED)
    assert event.data["screening_id"] == confirmed.json["screening_id"]
    assert http.get("/intake-submissions", headers=FRONT_DESK).json["submissions"] == []
    twice = http.post(f"/intake-submissions/{receipt['submission_id']}/confirm",
                      headers=FRONT_DESK)
    assert twice.status_code == 409
    shown = http.get(f"/intake-submissions/{receipt['submission_id']}", headers=FRONT_DESK)
    assert shown.json["status"] == "confirmed"
    assert shown.json["screening_id"] == confirmed.json["screening_id"]


def test_a_client_with_a_dvt_is_told_to_see_their_physician_and_stays_unbookable(
    app: Flask, http: FlaskClient
):
    body = an_intake(http, questionnaire=a_questionnaire(conditions=["dvt_suspected"]))
    receipt = http.post("/intake/api/submissions", json=body).json
    assert receipt["preliminary_outcome"] == "not_eligible"
    assert receipt["bookable_after_review"] is False
    assert "physician" in receipt["next_step"]["text"]
    assert any("deep vein thrombosis" in reason for reason in receipt["reasons"])
    confirmed = http.post(f"/intake-submissions/{receipt['submission_id']}/confirm",
                          headers=FRONT_DESK).json
    assert confirmed["outcome"] == "not_eligible"


def test_a_client_on_a_blood_thinner_is_asked_for_a_clearance(http: FlaskClient):
    body = an_intake(http, questionnaire=a_questionnaire(medications=["Eliquis 5 mg"]))
    receipt = http.post("/intake/api/submissions", json=body).json
    assert receipt["preliminary_outcome"] == "needs_clearance"
    assert receipt["next_step"]["heading"] == "Please ask your physician for a clearance"


def test_every_bad_answer_comes_back_beside_its_field(http: FlaskClient):
    body = an_intake(http)
    body["client"] = a_client(email=None, address={"line1": "", "city": "Albany",
                                                   "state": "New York", "postal_code": "1"})
    body["questionnaire"] = a_questionnaire(injuries=[{"kind": "sprain", "body_region": "x",
                                                       "healed": False}])
    body["consent"] = {"version": body["consent"]["version"], "signature": " ",
                       "agreed": False}
    response = http.post("/intake/api/submissions", json=body)
    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    errors = response.json["errors"]
    assert set(errors["client"]["address"]) == {"line1", "state", "postal_code"}
    assert "email" in errors["client"]
    assert set(errors["questionnaire"]["injuries"]["0"]) == {"kind", "body_region"}
    assert set(errors["consent"]) == {"signature", "agreed"}


def test_an_unknown_condition_is_named_under_the_questionnaire(http: FlaskClient):
    body = an_intake(http, questionnaire=a_questionnaire(conditions=["gout"]))
    response = http.post("/intake/api/submissions", json=body)
    assert response.status_code == 400
    assert "questionnaire.conditions" in response.json["errors"]


def test_a_consent_signed_on_an_older_text_is_refused(http: FlaskClient):
    body = an_intake(http)
    body["consent"]["version"] = "1999.1"
    response = http.post("/intake/api/submissions", json=body)
    assert response.status_code == 409
    assert "consent.version" in response.json["errors"]


def test_a_forged_or_expired_invitation_is_refused(database_url: str, tmp_path: Path):
    http = intake_app(database_url, tmp_path, open_to_all=False).test_client()
    forged = http.post("/intake/api/submissions", json=an_intake(http, invitation="abc.def"))
    assert forged.status_code == 422 and forged.json["reasons"] == ["intake_link_invalid"]
    missing = http.post("/intake/api/submissions", json=an_intake(http))
    assert missing.json["reasons"] == ["intake_invitation_required"]
    token = invitation_token(http)
    other_key = intake_app(database_url, tmp_path, link_key="another-key-" + "x" * 30)
    refused = other_key.test_client().post(
        "/intake/api/submissions", json=an_intake(http, invitation=token))
    assert refused.json["reasons"] == ["intake_link_invalid"]


def test_the_same_person_twice_is_told_to_call_without_learning_any_id(http: FlaskClient):
    assert http.post("/intake/api/submissions", json=an_intake(http)).status_code == 201
    again = http.post("/intake/api/submissions", json=an_intake(http))
    assert again.status_code == 409
    assert again.json["reasons"] == ["already_registered"]
    assert "existing_client_id" not in again.json


def upload(http: FlaskClient, token: str, content: bytes, kind: str = "application/pdf"):
    return http.post("/intake/api/documents", data=content,
                     headers={"Authorization": f"Bearer {token}", "Content-Type": kind})


def test_a_referral_pdf_is_kept_outside_the_database_under_its_hash(
    app: Flask, http: FlaskClient, tmp_path: Path
):
    receipt = http.post("/intake/api/submissions", json=an_intake(http)).json
    stored = upload(http, receipt["upload_token"], PDF)
    assert stored.status_code == 201, stored.json
    digest = hashlib.sha256(PDF).hexdigest()
    assert stored.json["sha256"] == digest and stored.json["content_type"] == "application/pdf"
    assert (tmp_path / "documents" / f"{digest}.pdf").read_bytes() == PDF
    assert upload(http, receipt["upload_token"], PDF).json["document_id"] == (
        stored.json["document_id"])  # the same scan twice is one document
    image = upload(http, receipt["upload_token"], PNG, "image/png")
    assert image.json["content_type"] == "image/png"
    shown = http.get(f"/intake-submissions/{receipt['submission_id']}", headers=FRONT_DESK)
    assert [d["sha256"] for d in shown.json["documents"]] == [digest,
                                                              hashlib.sha256(PNG).hexdigest()]


def test_uploads_are_checked_by_content_and_size(http: FlaskClient):
    token = http.post("/intake/api/submissions", json=an_intake(http)).json["upload_token"]
    script = upload(http, token, b"#!/bin/sh\nrm -rf /\n", "application/pdf")
    assert script.status_code == 400
    assert script.json["errors"]["document"] == ["Only PDF, PNG and JPEG files are accepted."]
    large = upload(http, token, PDF + b"0" * MAX_DOCUMENT)
    assert large.status_code == 400 and "larger than" in large.json["errors"]["document"][0]
    assert upload(http, token, b"").status_code == 400
    assert upload(http, "not-a-token", PDF).status_code == 422
    invite = invitation_token(http)  # an invitation is no upload token
    assert upload(http, invite, PDF).json["reasons"] == ["intake_link_invalid"]


def test_the_virus_scan_command_refuses_an_infected_file(database_url: str, tmp_path: Path):
    scanner = tmp_path / "scan.py"
    # A stand-in scanner with clamscan's exit codes: 1 when the file holds the EICAR marker.
    scanner.write_text("import sys\nsys.exit(1 if b'EICAR' in open(sys.argv[1], 'rb').read() "
                       "else 0)\n")
    http = intake_app(database_url, tmp_path / "documents",
                      virus_scan_command=f"{sys.executable} {scanner} {{path}}").test_client()
    token = http.post("/intake/api/submissions", json=an_intake(http)).json["upload_token"]
    infected = upload(http, token, PDF + b"EICAR")
    assert infected.status_code == 400
    assert infected.json["errors"]["document"] == ["The file did not pass the virus check."]
    assert list((tmp_path / "documents").iterdir()) == []
    assert upload(http, token, PDF).status_code == 201


def test_an_invitation_past_its_days_is_expired(database_url: str, tmp_path: Path):
    app = intake_app(database_url, tmp_path, open_to_all=False, invitation_days=1)
    http = app.test_client()
    token = invitation_token(http)
    with app.extensions["medmassage"].engine.begin() as connection:
        row = connection.execute(intake_invitations.select()).first()
        connection.execute(intake_invitations.update().values(
            expires_at=row.created_at - timedelta(seconds=1)))
    refused = http.post("/intake/api/submissions", json=an_intake(http, invitation=token))
    assert refused.json["reasons"] == ["intake_link_expired"]


def test_production_refuses_to_sign_intake_links_with_the_development_key(tmp_path: Path):
    own_keys = json.dumps(public_jwks(generate_signing_key("clinic-2026-01")))
    settings = Settings(service="screening", database_url=f"sqlite:///{tmp_path / 's.db'}",
                        mode="production", jwt_public_keys=own_keys)
    with pytest.raises(ConfigurationError, match="SCREENING_INTAKE_LINK_KEY"):
        create_app(ScreeningConfig.from_settings(settings))
    config = dataclasses.replace(ScreeningConfig.from_settings(settings),
                                 intake=IntakeSettings(link_key="k" * 40))
    migrate(config)
    assert create_app(config).test_client().get("/intake/api/form").status_code == 200
