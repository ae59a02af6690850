"""The CloudEvents 1.0 envelope every message travels in (structured JSON mode)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.json_text import dumps_compact

SPEC_VERSION = "1.0"


@dataclass(frozen=True)
class Event:
    """One domain event: CloudEvents attributes plus the payload in ``data``.

    ``subject`` is the client id, which is also the Kafka message key, so that one
    client's events stay in order. ``id`` is the idempotency key consumers record.
    """

    type: str
    source: str
    subject: str
    data: dict[str, Any]
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: datetime = field(default_factory=lambda: datetime.now(UTC))
    correlation_id: str | None = None


_REQUIRED_TEXT = ("id", "source", "type", "subject")


def _check_envelope(body: dict[str, Any]) -> datetime:
    """Check the CloudEvents attributes we rely on; return the parsed ``time``.

    Hand-written rather than a marshmallow schema: it runs for every consumed message,
    and this is the consumer's hottest path.
    """
    if body.get("specversion") != SPEC_VERSION:
        raise MalformedEvent("specversion must be 1.0")
    for name in _REQUIRED_TEXT:
        value = body.get(name)
        if not isinstance(value, str) or not value:
            raise MalformedEvent(f"attribute {name!r} missing or not a string")
    if len(body["id"]) > 64 or len(body["subject"]) > 200:
        raise MalformedEvent("id or subject too long")
    if not isinstance(body.get("data"), dict):
        raise MalformedEvent("data must be a JSON object")
    correlation = body.get("correlationid")
    if correlation is not None and not isinstance(correlation, str):
        raise MalformedEvent("correlationid must be a string")
    try:
        time = datetime.fromisoformat(body["time"])
    except (KeyError, TypeError, ValueError) as exc:
        raise MalformedEvent("time missing or not RFC 3339") from exc
    if time.tzinfo is None:
        raise MalformedEvent("time has no offset")
    return time


class MalformedEvent(ValueError):
    """A message that is not a valid event; it can never be processed, only dead-lettered."""


def encode(event: Event) -> bytes:
    """Serialise an event as a structured-mode CloudEvent (JSON)."""
    body: dict[str, Any] = {
        "specversion": SPEC_VERSION,
        "id": event.id,
        "source": event.source,
        "type": event.type,
        "subject": event.subject,
        "time": event.time.isoformat(),
        "datacontenttype": "application/json",
        "data": event.data,
    }
    if event.correlation_id:
        body["correlationid"] = event.correlation_id
    return dumps_compact(body).encode()


def decode(raw: bytes | None) -> Event:
    """Parse and check the envelope (not the payload); raise MalformedEvent when invalid."""
    if raw is None:
        raise MalformedEvent("empty message")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedEvent(f"not JSON: {exc.__class__.__name__}") from exc
    if not isinstance(body, dict):
        raise MalformedEvent("not a JSON object")
    time = _check_envelope(body)
    return Event(
        id=body["id"],
        type=body["type"],
        source=body["source"],
        subject=body["subject"],
        time=time,
        data=body["data"],
        correlation_id=body.get("correlationid"),
    )
