"""What every screening view needs: the service's config, the caller, and 404s."""

from __future__ import annotations

from typing import Any

from flask import g
from sqlalchemy import Connection

from services.screening.config import ScreeningConfig
from services.screening.store import clients
from shared.web import Problem, service_context

CONFIG_KEY = "screening"


def config() -> ScreeningConfig:
    """The screening config of the running app."""
    return service_context().extras[CONFIG_KEY]


def caller() -> str:
    """Who is making the request (the token's subject)."""
    return g.get("caller", "anonymous")


def invalid_field(field: str, message: str) -> Problem:
    """A 400 answer for one field a schema cannot judge alone (it needs the rules or clock)."""
    return Problem(400, "Invalid request", "Some fields are missing or wrong; see errors.",
                   "validation-error", errors={field: [message]})


def client_not_found(client_id: str) -> Problem:
    """The 404 answer for a client id nobody registered."""
    return Problem(404, "Client not found", f"No client {client_id}.", "client-not-found")


def require_client(connection: Connection, client_id: str, *, lock: bool = False) -> dict[str, Any]:
    """The client, or a 404 answer; ``lock`` serialises writes about this client."""
    client = clients.get(connection, client_id, lock=lock)
    if client is None:
        raise client_not_found(client_id)
    return client
