"""Staff tokens at a real app's door: every bad token is a 401 problem, never a 500 or a pass."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from sqlalchemy import func, select

from shared.tokens import SigningKey, development_signing_key, generate_signing_key, public_jwks
from tests.support.http import auth, staff_token
from tests.support.webapp import make_app, notes

# The HS256 key that signed staff tokens and booking codes alike before issue #17.
OLD_SHARED_SECRET = "medmassage-dev-only-secret-change-me-0000"


@pytest.fixture
def database(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'notes.db'}"


@pytest.fixture
def app(database):  # type: ignore[no-untyped-def]
    return make_app(database)


@pytest.fixture
def http(app):  # type: ignore[no-untyped-def]
    return app.test_client()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def signed(key: SigningKey, **claims: Any) -> str:
    """A token signed by ``key`` whose claims are whatever the test says."""
    now = int(datetime.now(UTC).timestamp())
    payload = {"iss": "medmassage", "sub": "mallory", "iat": now, "exp": now + 3600, **claims}
    return jwt.encode(payload, key.key, algorithm="EdDSA", headers={"kid": key.kid})


def notes_written(app) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["medmassage"].engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(notes)).scalar()


def assert_unauthorized(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["type"].endswith("unauthorized")


@pytest.mark.parametrize(
    "roles",
    [7, {"front_desk": True}, {"roles": ["front_desk"]}, [["front_desk"]], ["front_desk", ["x"]],
     ["root"], [], "front_desk", True],
    ids=["number", "dict", "nested-dict", "nested-list", "mixed", "unknown", "empty", "string",
         "boolean"],
)
def test_a_roles_claim_of_the_wrong_shape_is_a_401_problem_and_grants_nothing(app, http, roles):
    response = http.post("/notes", json={"text": "hi"},
                         headers=bearer(signed(development_signing_key(), roles=roles)))
    assert_unauthorized(response)
    assert notes_written(app) == 0


@pytest.mark.parametrize("missing", ["iat", "exp", "sub"])
def test_a_token_missing_a_required_claim_is_a_401_problem(http, missing):
    token = signed(development_signing_key(), roles=["front_desk"], **{missing: None})
    assert_unauthorized(http.post("/notes", json={"text": "hi"}, headers=bearer(token)))


def test_a_token_without_a_kid_is_a_401_problem(http):
    now = datetime.now(UTC)
    token = jwt.encode({"iss": "medmassage", "sub": "a", "roles": ["front_desk"], "iat": now,
                        "exp": now + timedelta(hours=1)}, development_signing_key().key,
                       algorithm="EdDSA")
    assert_unauthorized(http.post("/notes", json={"text": "hi"}, headers=bearer(token)))


def test_a_token_living_longer_than_the_maximum_is_a_401_problem(database):
    http = make_app(database, token_max_hours=2).test_client()
    assert http.post("/notes", json={"text": "hi"},
                     headers=bearer(staff_token("a", "front_desk", hours=2))).status_code == 201
    assert_unauthorized(http.post("/notes", json={"text": "hi"},
                                  headers=bearer(staff_token("a", "front_desk", hours=3))))
    a_year = development_signing_key().sign("a", ["admin"], timedelta(days=365))
    assert_unauthorized(http.get("/audit", headers=bearer(a_year)))


def test_the_default_maximum_lifetime_is_twelve_hours(http):
    assert http.post("/notes", json={"text": "hi"},
                     headers=bearer(staff_token("a", "front_desk", hours=12))).status_code == 201
    assert_unauthorized(http.post("/notes", json={"text": "hi"},
                                  headers=bearer(staff_token("a", "front_desk", hours=12.01))))


def test_a_token_of_the_old_shared_secret_or_an_old_booking_code_is_no_staff_token(http):
    now = datetime.now(UTC)
    old_style = jwt.encode({"iss": "medmassage", "sub": "eve", "roles": ["admin"], "iat": now,
                            "exp": now + timedelta(hours=1)}, OLD_SHARED_SECRET, algorithm="HS256")
    old_code = jwt.encode({"iss": "medmassage", "sub": "c-1", "scope": "booking", "iat": now,
                           "exp": now + timedelta(days=30)}, OLD_SHARED_SECRET, algorithm="HS256")
    for token in (old_style, old_code, "ABCD-EFGH23"):
        assert_unauthorized(http.get("/audit", headers=bearer(token)))


def test_a_token_signed_by_a_key_outside_the_set_is_a_401_problem(http):
    stranger = generate_signing_key("development-only")  # even under the set's kid
    assert_unauthorized(http.post("/notes", json={"text": "hi"},
                                  headers=bearer(stranger.sign("a", ["front_desk"],
                                                               timedelta(hours=1)))))


def test_an_empty_key_setting_in_development_falls_back_to_the_development_key(database):
    http = make_app(database, jwt_public_keys="").test_client()
    assert http.post("/notes", json={"text": "hi"}, headers=auth("front_desk")).status_code == 201


def test_both_keys_let_tokens_in_during_a_rollover_and_only_the_new_one_after(database):
    old, new = generate_signing_key("2026-01"), generate_signing_key("2026-07")
    old_token = bearer(old.sign("alice", ["front_desk"], timedelta(hours=8)))
    new_token = bearer(new.sign("bob", ["front_desk"], timedelta(hours=8)))

    during = make_app(database, jwt_public_keys=json.dumps(public_jwks(old, new))).test_client()
    assert during.post("/notes", json={"text": "a"}, headers=old_token).status_code == 201
    assert during.post("/notes", json={"text": "b"}, headers=new_token).status_code == 201

    after = make_app(database, jwt_public_keys=json.dumps(public_jwks(new))).test_client()
    assert after.post("/notes", json={"text": "c"}, headers=new_token).status_code == 201
    assert_unauthorized(after.post("/notes", json={"text": "d"}, headers=old_token))


def test_a_refused_token_is_logged_with_its_reason_but_the_caller_learns_none(http, caplog):
    token = signed(development_signing_key(), roles={"admin": True})
    with caplog.at_level("INFO", logger="shared.web.auth"):
        response = http.get("/audit", headers=bearer(token))
    assert response.get_json()["detail"] == "The token is invalid or expired."
    assert any("roles" in getattr(record, "reason", "") for record in caplog.records)
