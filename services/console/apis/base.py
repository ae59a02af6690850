"""Calling a service's API on behalf of the signed-in person, and reading its problems."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests


@dataclass
class ApiProblem(Exception):
    """A service refused a request (problem+json) or could not be reached."""

    status: int
    title: str
    detail: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    body: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message

    @property
    def message(self) -> str:
        """One sentence for the top of the page."""
        return self.detail or self.title

    def field_errors(self) -> dict[str, list[str]]:
        """Messages per form field; nested service fields become dotted names."""
        return self.errors


def _flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """{"coverage": {"member_id": ["..."]}} -> {"coverage.member_id": ["..."]}."""
    if isinstance(errors, list) and all(isinstance(item, str) for item in errors):
        return {prefix or "_": list(errors)}
    if isinstance(errors, dict):
        flat: dict[str, list[str]] = {}
        for key, value in errors.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(_flatten(value, name))
        return flat
    if isinstance(errors, list):
        flat = {}
        for index, value in enumerate(errors):
            flat.update(_flatten(value, f"{prefix}.{index}" if prefix else str(index)))
        return flat
    return {prefix or "_": [str(errors)]}


def _reasons(body: dict[str, Any]) -> list[str]:
    """Plain-words reasons a service gives for a refusal (lists of strings or of objects)."""
    found = []
    for item in body.get("reasons") or []:
        if isinstance(item, str):
            found.append(item)
        elif isinstance(item, dict):
            found.append(str(item.get("text") or item.get("message") or item.get("detail")
                             or item.get("reason")
                             or item.get("code") or item))
    return found


def problem_of(response: requests.Response) -> ApiProblem:
    """The ApiProblem a non-2xx answer stands for."""
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    return ApiProblem(
        status=response.status_code,
        title=str(body.get("title") or response.reason or "Error"),
        detail=str(body.get("detail") or ""),
        errors=_flatten(body.get("errors") or {}),
        reasons=_reasons(body),
        body=body,
    )


class ServiceApi:
    """JSON over HTTP to one service with a fresh staff token per request."""

    def __init__(self, name: str, base_url: str, token: Callable[[], str],
                 timeout: float) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def call(self, method: str, path: str, body: Any = None,
             params: dict[str, Any] | None = None, idempotency_key: str | None = None) -> Any:
        """The decoded answer; raises ApiProblem for any refusal or an unreachable service."""
        response = self._send(method, path, body, params, idempotency_key)
        if not response.content:
            return None
        if "json" not in response.headers.get("Content-Type", ""):
            return response.text
        return response.json()

    def document(self, path: str, **params: Any) -> tuple[bytes, str]:
        """GET a document (a PDF) as it is: its bytes and content type."""
        response = self._send("GET", path, None, params, None, accept="application/pdf, */*")
        return response.content, response.headers.get("Content-Type", "application/octet-stream")

    def _send(self, method: str, path: str, body: Any, params: dict[str, Any] | None,
              idempotency_key: str | None, accept: str = "application/json"
              ) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token()}", "Accept": accept}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        try:
            response = requests.request(method, self.base_url + path, json=body, params=clean,
                                        headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ApiProblem(503, f"The {self.name} service cannot be reached",
                             "Try again in a moment; if it persists, tell operations.") from exc
        if response.status_code >= 400:
            raise problem_of(response)
        return response

    def get(self, path: str, **params: Any) -> Any:
        """GET ``path`` with query ``params``."""
        return self.call("GET", path, params=params)

    def text(self, path: str) -> str:
        """GET a non-JSON document (an 837P) as text."""
        answer = self.call("GET", path)
        return answer if isinstance(answer, str) else str(answer)

    def post(self, path: str, body: Any = None, idempotency_key: str | None = None) -> Any:
        """POST a JSON body."""
        return self.call("POST", path, body, idempotency_key=idempotency_key)

    def put(self, path: str, body: Any) -> Any:
        """PUT a JSON body."""
        return self.call("PUT", path, body)
