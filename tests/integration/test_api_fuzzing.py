"""Fuzzing every service's API from its OpenAPI document (schemathesis, real SQLite).

Whatever a staff caller sends — valid, odd or malformed — a service never answers 5xx,
and every 4xx is an RFC 9457 problem document.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.support.http import auth
from tests.support.services import SERVICES, service_app


@schemathesis.check
def client_errors_are_problem_documents(ctx, response, case):  # type: ignore[no-untyped-def]
    """A 4xx answer is application/problem+json with type, title and status."""
    if 400 <= response.status_code < 500 and response.status_code != 405:
        headers = {name.lower(): value for name, value in response.headers.items()}
        content_type = headers.get("content-type", [""])
        content_type = content_type[0] if isinstance(content_type, list) else content_type
        assert content_type.startswith("application/problem+json"), content_type
        body = response.json()
        assert {"type", "title", "status"} <= set(body)


def operations(service: str, folder):  # type: ignore[no-untyped-def]
    app = service_app(service, f"sqlite:///{folder / 'db.sqlite'}")
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("service", SERVICES)
def test_no_input_makes_a_service_fail_or_answer_without_a_problem(service, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setenv("MEDMASSAGE_PUBLIC_RATE_PER_MINUTE", "0")
    checks = [schemathesis.checks.not_a_server_error, client_errors_are_problem_documents]
    fuzzed = 0
    for operation in operations(service, tmp_path):

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def fuzz(case):  # type: ignore[no-untyped-def]
            response = case.call(headers=auth("admin"))
            case.validate_response(response, checks=checks)

        fuzz()
        fuzzed += 1
    assert fuzzed > 10
