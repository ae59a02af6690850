"""Who may call what: 401 without a token, 403 for a role the endpoint does not serve."""

from __future__ import annotations

import pytest

from tests.integration.screening.builders import (
    a_clearance,
    a_client,
    a_questionnaire,
    a_referral,
)
from tests.support.http import auth

CLIENT = "/clients/cl_x"
REFERRAL = "/clients/cl_x/referrals/rf_x"

# (method, path, body, a role that may not call it)
ENDPOINTS = [
    ("post", "/clients", a_client(), "therapist"),
    ("put", CLIENT, a_client(), "billing"),
    ("get", CLIENT, None, "therapist"),
    ("get", "/clients?last_name=Lopez", None, "ops"),
    ("post", f"{CLIENT}/screenings", a_questionnaire(), "therapist"),
    ("get", f"{CLIENT}/screenings", None, "billing"),
    ("get", f"{CLIENT}/screenings/sc_x", None, "billing"),
    ("post", f"{CLIENT}/clearances", a_clearance(), "therapist"),
    ("post", f"{CLIENT}/referrals", a_referral(), "billing"),
    ("put", REFERRAL, a_referral(), "therapist"),
    ("post", f"{REFERRAL}/revoke", {}, "billing"),
    ("get", f"{CLIENT}/referrals", None, "ops"),
    ("get", REFERRAL, None, "ops"),
    ("get", f"{CLIENT}/referral-form", None, "billing"),
]


@pytest.mark.parametrize(("method", "path", "body", "role"), ENDPOINTS)
def test_a_wrong_role_is_forbidden_and_no_token_is_unauthorized(sqlite_http, method, path,
                                                                body, role):
    call = getattr(sqlite_http, method)

    forbidden = call(path, json=body, headers=auth(role))
    anonymous = call(path, json=body)

    assert forbidden.status_code == 403
    assert forbidden.content_type == "application/problem+json"
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("path", "role"),
    [
        (CLIENT, "billing"),
        (f"{CLIENT}/screenings", "therapist"),
        (f"{CLIENT}/referrals", "therapist"),
        (f"{CLIENT}/referrals", "billing"),
        (CLIENT, "admin"),
    ],
)
def test_reading_roles_get_past_the_door(sqlite_http, path, role):
    response = sqlite_http.get(path, headers=auth(role))

    assert response.status_code == 404  # allowed in; the client just does not exist


@pytest.mark.parametrize("path", ["/referral-form", "/screening-rules", "/diagnoses?q=neck",
                                  "/openapi.json", "/healthz"])
def test_reference_pages_are_public(sqlite_http, path):
    assert sqlite_http.get(path).status_code == 200
