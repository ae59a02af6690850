"""Booking codes: issued and revoked by the front desk, stored hashed, guessing made hopeless."""

from __future__ import annotations

import re
from datetime import timedelta

import jwt
import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from services.scheduling.app import create_app, migrate
from services.scheduling.config import SchedulingConfig
from services.scheduling.domain.booking_codes import ALPHABET, MAX_MISSES
from services.scheduling.store.tables import booking_codes
from tests.integration.scheduling.clinic import (
    FRONT_DESK,
    THERAPIST,
    eligible_client,
    settings_for,
)
from tests.integration.scheduling.conftest import MONDAY_MORNING
from tests.support.http import staff_token

CODE = re.compile(rf"^[{ALPHABET}]{{4}}-[{ALPHABET}]{{6}}$")
# The secret the screening service once signed booking codes with (HS256 JWTs).
OLD_BOOKING_SECRET = "medmassage-dev-only-secret-change-me-0000"


@pytest.fixture
def client_id(engine) -> str:  # type: ignore[no-untyped-def]
    return eligible_client(engine)


def issue(http: FlaskClient, client_id: str) -> str:
    response = http.post(f"/clients/{client_id}/booking-code", headers=FRONT_DESK)
    assert response.status_code == 201, response.json
    return response.json["booking_code"]


def present(http: FlaskClient, code: str) -> tuple[int, str]:
    """What the widget's own-appointment read answers to ``code`` (404: the code was fine)."""
    response = http.get("/widget/api/appointments/none-such",
                        headers={"Authorization": f"Bearer {code}"})
    return response.status_code, response.json["type"]


ACCEPTED = (404, "/problems/not-found")
INVALID = (401, "/problems/invalid-booking-code")
REVOKED = (401, "/problems/booking-code-revoked")


def wrong_secret(code: str, n: int = 0) -> str:
    """The same lookup id with another secret."""
    lookup, secret = code.split("-")
    other = secret
    while other == secret:
        other = "".join(ALPHABET[(ALPHABET.index(c) + 1 + n) % len(ALPHABET)] for c in secret)
        n += 1
    return f"{lookup}-{other}"


def test_the_front_desk_gets_a_code_to_read_out_with_its_expiry_and_a_link(http, client_id):
    response = http.post(f"/clients/{client_id}/booking-code", headers=FRONT_DESK)
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json
    assert CODE.match(body["booking_code"])
    assert body["client_id"] == client_id
    assert body["expires_at"] == (MONDAY_MORNING + timedelta(days=30)).isoformat()
    assert body["widget_link"] == f"http://localhost/widget/#code={body['booking_code']}"
    assert present(http, body["booking_code"]) == ACCEPTED


def test_the_code_is_never_stored_only_its_lookup_id_and_a_hash_of_its_secret(http, engine,
                                                                              client_id):
    code = issue(http, client_id)
    lookup, secret = code.split("-")
    with engine.connect() as connection:
        row = connection.execute(sa.select(booking_codes)).one()
    assert row.lookup == lookup
    assert len(row.secret_hash) == 64 and secret not in row.secret_hash
    assert not any(secret in str(value) for value in row)
    assert present(http, code) == ACCEPTED
    with engine.connect() as connection:  # nor anywhere else in the database
        for table in sa.inspect(connection).get_table_names():
            for stored in connection.execute(sa.text(f'SELECT * FROM "{table}"')):
                assert not any(secret in str(value) for value in stored), table


@pytest.mark.parametrize("typed", ["{lookup}{secret}", "{lower}", " {lookup} - {secret} ",
                                   "{lookup} {secret}", "{lookup}-{secret}"])
def test_case_spaces_and_dashes_do_not_matter_when_a_code_is_typed(http, client_id, typed):
    code = issue(http, client_id)
    lookup, secret = code.split("-")
    text = typed.format(lookup=lookup, secret=secret, lower=code.lower())
    assert present(http, text) == ACCEPTED


def test_issuing_again_replaces_the_code_and_the_old_one_stops_working(http, client_id):
    first = issue(http, client_id)
    second = issue(http, client_id)
    assert first != second
    assert present(http, first) == INVALID
    assert present(http, second) == ACCEPTED


def test_the_front_desk_revokes_a_code_at_once(http, client_id):
    code = issue(http, client_id)
    response = http.delete(f"/clients/{client_id}/booking-code", headers=FRONT_DESK)
    assert response.status_code == 204
    status, kind = present(http, code)
    assert (status, kind) == REVOKED
    assert http.delete(f"/clients/{client_id}/booking-code", headers=FRONT_DESK).status_code == 404
    assert present(http, issue(http, client_id)) == ACCEPTED  # a new code works again


def test_a_code_expires_after_thirty_days(http, client_id, clock):
    code = issue(http, client_id)
    clock.now = MONDAY_MORNING + timedelta(days=30) - timedelta(seconds=1)
    assert present(http, code) == ACCEPTED
    clock.now = MONDAY_MORNING + timedelta(days=30)
    assert present(http, code) == INVALID


def test_a_clinic_sets_how_many_days_a_code_lasts(tmp_path):
    settings = settings_for(f"sqlite:///{tmp_path / 's.db'}").with_overrides(
        extra={"SCHEDULING_BOOKING_CODE_DAYS": "2"})
    config = SchedulingConfig.from_settings(settings)
    assert config.booking_code_days == 2
    with pytest.raises(ValueError, match="SCHEDULING_BOOKING_CODE_DAYS"):
        SchedulingConfig.from_settings(settings.with_overrides(
            extra={"SCHEDULING_BOOKING_CODE_DAYS": "0"}))


def test_only_the_front_desk_issues_and_revokes_codes_and_only_for_known_clients(http,
                                                                                  client_id):
    assert http.post(f"/clients/{client_id}/booking-code", headers=THERAPIST).status_code == 403
    assert http.delete(f"/clients/{client_id}/booking-code", headers=THERAPIST).status_code == 403
    assert http.post(f"/clients/{client_id}/booking-code").status_code == 401
    assert http.post("/clients/nobody/booking-code", headers=FRONT_DESK).status_code == 404


def test_an_idempotency_key_is_refused_so_no_stored_answer_keeps_a_code(http, engine, client_id):
    response = http.post(f"/clients/{client_id}/booking-code",
                         headers={**FRONT_DESK, "Idempotency-Key": "k-1"})
    assert response.status_code == 400
    assert list(response.json["errors"]) == ["Idempotency-Key"]
    with engine.connect() as connection:
        assert connection.execute(sa.select(booking_codes)).first() is None


def test_five_wrong_secrets_revoke_the_code_and_the_answer_says_to_ask_for_a_new_one(http,
                                                                                     client_id):
    code = issue(http, client_id)
    for miss in range(MAX_MISSES - 1):
        assert present(http, wrong_secret(code, miss)) == INVALID
    response = http.get("/widget/api/appointments/x",
                        headers={"Authorization": f"Bearer {wrong_secret(code, 9)}"})
    assert (response.status_code, response.json["type"]) == REVOKED
    assert "front desk for a new one" in response.json["detail"]
    assert response.json["reasons"] == ["booking_code_revoked"]
    assert present(http, code) == REVOKED  # even the right secret, from now on
    assert present(http, issue(http, client_id)) == ACCEPTED


def test_the_right_code_resets_the_count_of_wrong_ones(http, client_id):
    code = issue(http, client_id)
    for _ in range(2):
        for miss in range(MAX_MISSES - 1):
            assert present(http, wrong_secret(code, miss)) == INVALID
        assert present(http, code) == ACCEPTED


def test_wrong_secrets_for_one_code_leave_other_codes_alone(http, engine, client_id):
    victim, bystander = issue(http, client_id), issue(http, eligible_client(engine))
    for miss in range(MAX_MISSES):
        present(http, wrong_secret(victim, miss))
    assert present(http, victim) == REVOKED
    assert present(http, bystander) == ACCEPTED


def test_old_jwt_booking_codes_and_staff_tokens_are_no_booking_codes(http, client_id):
    now = MONDAY_MORNING
    old_style = jwt.encode({"iss": "medmassage", "sub": client_id, "scope": "booking",
                            "iat": now, "exp": now + timedelta(days=30)},
                           OLD_BOOKING_SECRET, algorithm="HS256")
    for token in (old_style, staff_token("desk", "front_desk"), staff_token("boss", "admin")):
        assert present(http, token) == INVALID


def test_the_public_rate_limit_applies_to_code_attempts(tmp_path, monkeypatch, clock):
    monkeypatch.setenv("MEDMASSAGE_PUBLIC_RATE_PER_MINUTE", "3")
    config = SchedulingConfig(settings_for(f"sqlite:///{tmp_path / 'r.db'}"), clock=clock)
    migrate(config)
    http = create_app(config).test_client()
    answers = [http.get("/widget/api/appointments/x",
                        headers={"Authorization": f"Bearer ABCD-EFGH{n:02d}"}).status_code
               for n in range(22, 27)]
    assert answers[:3] == [401, 401, 401]
    assert set(answers[3:]) == {429}
