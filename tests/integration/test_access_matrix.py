"""Every route of every service, called with every role: exactly the declared roles get in.

The OpenAPI documents list each operation's roles (``x-roles``); the test checks that
the running app enforces them, that the policy itself says what the clinic expects
(a therapist can't read claims, billing can't edit screenings, ops see no records), and
that no route answers 5xx to an empty request.
"""

from __future__ import annotations

import re

import pytest

from shared.web.auth import ROLES
from tests.support.http import auth
from tests.support.services import SERVICES, service_app

# Public routes that identify the caller by a client's booking code instead of a role.
BOOKING_CODE_ROUTES = {"/widget/api/appointments", "/widget/api/appointments/x",
                       # Issue #14: a client token (self-service), an upload token (intake).
                       "/widget/api/me/visits", "/widget/api/me/visits/x/calendar.ics",
                       "/widget/api/me/visits/x/cancel", "/widget/api/me/visits/x/reschedule",
                       "/widget/api/me/appointments", "/widget/api/me/series/proposal",
                       "/widget/api/me/series", "/intake/api/documents"}


@pytest.fixture(scope="module")
def apps(tmp_path_factory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("access")
    return {name: service_app(name, f"sqlite:///{folder / name}.db") for name in SERVICES}


def operations(app):  # type: ignore[no-untyped-def]
    document = app.test_client().get("/openapi.json").get_json()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield re.sub(r"\{[^}]+\}", "x", path), method.upper(), operation.get("x-roles")


def call(client, method, path, headers):  # type: ignore[no-untyped-def]
    return client.open(path, method=method, json={}, headers=headers)


@pytest.fixture(autouse=True)
def no_rate_limit(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MEDMASSAGE_PUBLIC_RATE_PER_MINUTE", "0")


@pytest.mark.parametrize("service", SERVICES)
def test_each_route_admits_exactly_its_declared_roles(apps, service):
    app = apps[service]
    client = app.test_client()
    checked = 0
    for path, method, roles in operations(app):
        anonymous = call(client, method, path, {})
        if roles is None:
            expected = {401} if path in BOOKING_CODE_ROUTES else set()
            assert anonymous.status_code not in {401, 403} - expected, (method, path)
            assert anonymous.status_code < 500, (method, path)
            continue
        assert anonymous.status_code == 401, (method, path)
        for role in ROLES:
            status = call(client, method, path, auth(role)).status_code
            assert (status == 403) == (role not in roles), (method, path, role, status)
            assert status < 500, (method, path, role, status)
            checked += 1
    assert checked > 0


def roles_of(apps, service: str, method: str, path: str) -> set[str]:  # type: ignore[no-untyped-def]
    for candidate, verb, roles in operations(apps[service]):
        if candidate == path and verb == method:
            return set(roles or ())
    raise AssertionError(f"{method} {path} not in {service}'s OpenAPI")


def test_a_therapist_cannot_read_claims_or_billing_setup(apps):
    for _, _, roles in operations(apps["claims"]):
        if roles is not None:
            assert "therapist" not in roles


def test_billing_cannot_record_screenings_clearances_or_referrals(apps):
    for path in ("/clients/x/screenings", "/clients/x/clearances", "/clients/x/referrals"):
        assert "billing" not in roles_of(apps, "screening", "POST", path)


def test_ops_reach_no_client_record(apps):
    for service in SERVICES:
        for path, _, roles in operations(apps[service]):
            if roles is not None and path != "/audit":
                assert "ops" not in roles, (service, path)


def test_only_admins_read_the_audit_trail(apps):
    for service in SERVICES:
        assert roles_of(apps, service, "GET", "/audit") == {"admin"}
