"""SMS through the provider's HTTP API, with retries and backoff inside one send.

Every request carries the message id as ``reference`` and ``Idempotency-Key``: a retry
after a timeout (the provider may have taken the first request) is recognised by the
provider and answered with the first message's id instead of a second text
(docs/NOTIFICATIONS.md §Exactly once). 5xx, 429 and network errors are retried;
any other 4xx is final (a number the provider will not text, a number that said STOP).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import requests

from services.notifications.commands.sending import Outcome, Outgoing
from services.notifications.config import NotificationsConfig
from services.notifications.domain.messages import FAILED
from shared.kafka.retry import RetryPolicy

CONNECT_TIMEOUT = 3.0
BACKOFF = RetryPolicy(initial_backoff=0.5, multiplier=2.0, max_backoff=2.0, jitter=0.2)


class SmsGateway:
    """The adapter in front of one SMS provider."""

    def __init__(self, config: NotificationsConfig, session: requests.Session | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.config = config
        self.session = session or requests.Session()
        self.sleep = sleep

    def send(self, outgoing: Outgoing) -> Outcome:
        """Ask the provider to text the message; its id comes back on success."""
        config = self.config
        message_id = outgoing.claim.message_id
        body = {"to": outgoing.address, "from": config.sms_sender,
                "body": outgoing.rendered.body, "reference": message_id,
                "status_callback": f"{config.public_url}/sms/status"}
        headers = {"Authorization": f"Bearer {config.sms_api_key}",
                   "Idempotency-Key": message_id}
        reason = "not tried"
        for attempt in range(1, config.sms_attempts + 1):
            try:
                answer = self.session.post(f"{config.sms_url}/v1/messages", json=body,
                                           headers=headers,
                                           timeout=(CONNECT_TIMEOUT, config.sms_timeout))
            except requests.RequestException as exc:
                reason = f"{type(exc).__name__}: {str(exc)[:200]}"
            else:
                if answer.status_code in (200, 201):
                    return Outcome(True, provider_id=str(answer.json().get("id")))
                reason = f"HTTP {answer.status_code}: {answer.text[:200]}"
                if answer.status_code != 429 and answer.status_code < 500:
                    return Outcome(False, permanent=True, state=FAILED, reason=reason)
            if attempt < config.sms_attempts:
                self.sleep(BACKOFF.backoff(attempt))
        return Outcome(False, reason=reason)
