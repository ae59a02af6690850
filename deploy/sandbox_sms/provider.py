"""The provider's state: messages taken, their delivery, numbers that said STOP."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import logging
import re
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import requests

log = logging.getLogger(__name__)
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
MAX_BODY = 1600  # characters: ten concatenated segments, as carriers allow
STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"}
START_WORDS = {"START", "UNSTOP"}


class Refused(ValueError):
    """A message the provider will not send (bad number, body, or a number that said STOP)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Text:
    """One message as the provider keeps it."""

    id: str
    to: str
    sender: str
    body: str
    reference: str | None
    status: str
    status_callback: str | None
    created_at: str
    statuses: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["from"] = data.pop("sender")
        return data


class Provider:
    """Takes, delivers and reports messages; thread-safe."""

    def __init__(self, callback_secret: str, inbound_url: str | None = None,
                 undeliverable: frozenset[str] = frozenset()) -> None:
        self.callback_secret = callback_secret
        self.inbound_url = inbound_url
        self.undeliverable = undeliverable
        self._lock = threading.Lock()
        self._texts: dict[str, Text] = {}
        self._by_key: dict[str, str] = {}
        self._stopped: set[str] = set()
        self._ids = itertools.count(1)

    def take(self, body: dict[str, Any], idempotency_key: str | None) -> tuple[Text, bool]:
        """Accept a message (or find the one this key already made); (text, created)."""
        to, text = body.get("to"), body.get("body")
        if not isinstance(to, str) or not E164.match(to):
            raise Refused("invalid_number", "to must be an E.164 number like +15551234567")
        if not isinstance(text, str) or not text or len(text) > MAX_BODY:
            raise Refused("invalid_body", f"body must be 1-{MAX_BODY} characters")
        key = idempotency_key or body.get("reference")
        with self._lock:
            if key and key in self._by_key:
                return self._texts[self._by_key[key]], False
            if to in self._stopped:
                raise Refused("opted_out", f"{to} replied STOP; it gets no more messages")
            message = Text(
                id=f"SM{next(self._ids):08d}", to=to, sender=str(body.get("from") or ""),
                body=text, reference=body.get("reference"), status="queued",
                status_callback=body.get("status_callback"),
                created_at=datetime.now(UTC).isoformat(), statuses=["queued"])
            self._texts[message.id] = message
            if key:
                self._by_key[key] = message.id
        threading.Thread(target=self._deliver, args=(message,), daemon=True).start()
        return message, True

    def _deliver(self, message: Text) -> None:
        outcome = "undelivered" if message.to in self.undeliverable else "delivered"
        for status in ("sent", outcome):
            with self._lock:
                message.status = status
                message.statuses.append(status)
            self._callback(message.status_callback, {
                "id": message.id, "reference": message.reference, "status": status,
                "error": "30003 unreachable handset" if status == "undelivered" else None})

    def reply(self, phone: str, body: str) -> None:
        """A phone texts the clinic's number: STOP is honoured here and forwarded."""
        word = body.strip().upper()
        with self._lock:
            if word in STOP_WORDS:
                self._stopped.add(phone)
            elif word in START_WORDS:
                self._stopped.discard(phone)
        self._callback(self.inbound_url, {"from": phone, "to": None, "body": body})

    def _callback(self, url: str | None, payload: dict[str, Any]) -> None:
        if not url:
            return
        data = json.dumps(payload).encode()
        signature = hmac.new(self.callback_secret.encode(), data, hashlib.sha256).hexdigest()
        try:
            requests.post(url, data=data, timeout=5, headers={
                "Content-Type": "application/json", "X-Sandbox-Signature": signature})
        except requests.RequestException as exc:
            # A real provider retries for a while; the sandbox only says so.
            log.info("callback to %s failed: %s", url, exc)

    def texts(self) -> list[Text]:
        """Every message taken, oldest first."""
        with self._lock:
            return list(self._texts.values())

    def text(self, message_id: str) -> Text | None:
        """One message, or None."""
        with self._lock:
            return self._texts.get(message_id)
