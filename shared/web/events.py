"""Emitting an event from a request: source is the service, correlation id the request's."""

from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy import Connection

from shared.events.envelope import Event
from shared.events.registry import EventType
from shared.outbox import emit
from shared.web.app import service_context


def emit_from_request(
    connection: Connection, event_type: EventType, client_id: str, data: dict[str, Any]
) -> Event:
    """Queue an event caused by the current request, in the request's transaction."""
    return emit(connection, event_type, source=service_context().settings.service,
                subject=client_id, data=data, correlation_id=g.get("correlation_id"))
