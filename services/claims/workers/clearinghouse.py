"""The one outbound HTTP integration, the clearinghouse's REST API; only the workers call it."""

from __future__ import annotations

from dataclasses import dataclass

import requests

from services.claims.config import ClaimsConfig

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


class Clearinghouse:
    """Submit 837P interchanges and fetch their 277CA acknowledgements."""

    def __init__(self, config: ClaimsConfig) -> None:
        self.base_url = config.clearinghouse_url.rstrip("/")
        self.timeout = (config.connect_timeout, config.submit_timeout)
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {config.clearinghouse_api_key}"

    def submit_837(self, x12: str) -> Answer:
        """POST an interchange; the 999 comes back in the body."""
        return self._call(
            "POST",
            "/v1/claims/837",
            data=x12.encode(),
            headers={"Content-Type": "application/edi-x12"},
        )

    def claim_acknowledgement(self, control_number: int, sender_id: str) -> Answer:
        """GET the 277CA for an interchange (404 while the payer has not answered)."""
        return self._call(
            "GET",
            "/v1/claims/277ca",
            params={"interchange": f"{control_number:09d}", "sender": sender_id},
        )

    def _call(self, method: str, path: str, **kwargs: object) -> Answer:
        try:
            response = self.http.request(
                method, self.base_url + path, timeout=self.timeout, **kwargs
            )
        except requests.RequestException as exc:
            return Answer(status=None, body="", error=f"{exc.__class__.__name__}")
        return Answer(status=response.status_code, body=response.text)
