"""The one outbound HTTP integration, the clearinghouse's REST API; only the workers call it.

Submit: POST /v1/claims/837 answers a 999 (or a TA1). Reports: GET /v1/reports?after=...
lists 277CAs and 835s with ids that only grow (docs/CLEARINGHOUSE_API.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests
from sqlalchemy import Engine

from services.claims.config import ClaimsConfig
from shared.loops import PeriodicLoop

# Answers that say "not now" rather than "never": worth the same request again later.
RETRYABLE_CLIENT_ERRORS = frozenset({408, 425, 429})


@dataclass(frozen=True)
class Answer:
    """What came back: a status and the body, or no status when the network failed."""

    status: int | None
    body: str
    error: str | None = None

    @property
    def retryable(self) -> bool:
        """Network failures, 5xx and "try again later" answers are retried."""
        return self.status is None or self.status >= 500 or self.status in RETRYABLE_CLIENT_ERRORS


@dataclass(frozen=True)
class ReportPage:
    """One read of the report mailbox: the reports, and the cursor to ask from next."""

    reports: tuple[dict[str, Any], ...]
    next_after: int


class Clearinghouse:
    """Submit 837P interchanges and read the report mailbox."""

    def __init__(self, config: ClaimsConfig) -> None:
        self.base_url = config.clearinghouse_url.rstrip("/")
        self.timeout = (config.connect_timeout, config.submit_timeout)
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {config.clearinghouse_api_key}"

    def submit_837(self, x12: str) -> Answer:
        """POST an interchange; the 999 (or a TA1) comes back in the body."""
        return self._call(
            "POST",
            "/v1/claims/837",
            data=x12.encode(),
            headers={"Content-Type": "application/edi-x12"},
        )

    def reports(self, after: int, limit: int) -> ReportPage | None:
        """The reports listed after id ``after``; None when the mailbox did not answer well."""
        answer = self._call("GET", "/v1/reports", params={"after": after, "limit": limit})
        if answer.status != 200:
            return None
        try:
            return _page(json.loads(answer.body), after)
        except (ValueError, KeyError, TypeError):
            return None

    def _call(self, method: str, path: str, **kwargs: object) -> Answer:
        try:
            response = self.http.request(
                method, self.base_url + path, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            return Answer(status=None, body="", error=f"{exc.__class__.__name__}")
        return Answer(status=response.status_code, body=response.text)


def _page(document: Mapping[str, Any], after: int) -> ReportPage:
    """The mailbox's JSON as reports we can store; a report without its fields spoils the page."""
    reports = []
    for item in document["reports"]:
        number = item.get("interchange_control_number")
        reports.append({
            "id": int(item["id"]),
            "kind": str(item["kind"]),
            "interchange_number": int(number) if number and str(number).isdigit() else None,
            "x12": str(item["x12"]),
            "created_at": item.get("created_at"),
        })
    next_after = document.get("next_after")
    return ReportPage(tuple(reports), int(next_after) if next_after is not None else after)


class ClearinghouseLoop(PeriodicLoop):
    """A claims loop that talks to the clearinghouse: the base of the submission worker and
    the mailbox poller (they differ in what they ask and how often, ``idle_seconds``)."""

    def __init__(
        self, engine: Engine, config: ClaimsConfig, clearinghouse: Clearinghouse | None = None
    ) -> None:
        super().__init__()
        self.engine = engine
        self.config = config
        self.clearinghouse = clearinghouse or Clearinghouse(config)
        self.idle_seconds = self.rest_seconds(config)

    def rest_seconds(self, config: ClaimsConfig) -> float:
        """How long the loop rests after a round that found nothing to do."""
        return config.idle_sleep
