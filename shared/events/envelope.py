"""The CloudEvents 1.0 envelope every message travels in (structured JSON mode)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/cloudevents+json"


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


class _EnvelopeSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    specversion = fields.String(required=True, validate=validate.Equal(SPEC_VERSION))
    id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    source = fields.String(required=True, validate=validate.Length(min=1))
    type = fields.String(required=True, validate=validate.Length(min=1))
    subject = fields.String(required=True, validate=validate.Length(min=1, max=200))
    time = fields.AwareDateTime(required=True)
    datacontenttype = fields.String(load_default="application/json")
    correlationid = fields.String(load_default=None, allow_none=True)
    data = fields.Dict(required=True)


_ENVELOPE = _EnvelopeSchema()


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
    return json.dumps(body, separators=(",", ":")).encode()


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
    try:
        loaded = _ENVELOPE.load(body)
    except ValidationError as exc:
        raise MalformedEvent(f"invalid envelope: fields {sorted(exc.messages_dict)}") from exc
    return Event(
        id=loaded["id"],
        type=loaded["type"],
        source=loaded["source"],
        subject=loaded["subject"],
        time=loaded["time"],
        data=loaded["data"],
        correlation_id=loaded["correlationid"],
    )
