"""Registering and correcting clients, and handing them a booking code."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from services.screening.commands.events import client_data
from services.screening.domain import DuplicateClient, client_identity_key, name_search_key
from services.screening.store import clients
from shared.db import utcnow
from shared.events.contracts.screening import CLIENT_REGISTERED, CLIENT_UPDATED
from shared.uow import UnitOfWork
from shared.web.auth import issue_booking_token

log = logging.getLogger("services.screening.commands")
# Long enough for a plan of care to be booked online, short enough to limit a leaked code.
BOOKING_CODE_DAYS = 30


def register_client(uow: UnitOfWork, details: dict[str, Any]) -> dict[str, Any]:
    """Register a new client; the same person twice is refused with the existing id."""
    now = utcnow()
    client = {**details, **_keys(details), "client_id": clients.new_client_id(), "version": 1,
              "created_at": now, "updated_at": now}
    existing = clients.find_by_identity(uow.connection, client["identity_key"])
    if existing is None:
        existing = clients.add(uow.connection, client)  # None unless a concurrent twin won
    if existing:
        raise DuplicateClient(existing)
    uow.emit(CLIENT_REGISTERED, client["client_id"], client_data(client))
    log.info("client registered", extra={"client_id": client["client_id"]})
    return client


def update_client(uow: UnitOfWork, client_id: str, details: dict[str, Any]) -> dict[str, Any]:
    """Replace a client's details; only a real change is a new version and an event."""
    current = clients.require(uow.connection, client_id, lock=True)
    if all(current[name] == value for name, value in details.items()):
        return current
    client = {**current, **details, **_keys(details), "version": current["version"] + 1,
              "updated_at": utcnow()}
    existing = clients.find_by_identity(uow.connection, client["identity_key"])
    if existing and existing != client_id:
        raise DuplicateClient(existing)
    existing = clients.replace(uow.connection, client, expected_version=current["version"])
    if existing:
        raise DuplicateClient(existing)
    uow.emit(CLIENT_UPDATED, client_id, client_data(client))
    log.info("client updated", extra={"client_id": client_id, "version": client["version"]})
    return client


def issue_booking_code(uow: UnitOfWork, client_id: str, secret: str) -> dict[str, Any]:
    """A short-lived code that lets this client, and only this client, book online."""
    clients.require(uow.connection, client_id)
    ttl = timedelta(days=BOOKING_CODE_DAYS)
    code = issue_booking_token(secret, client_id, ttl)
    log.info("booking code issued", extra={"client_id": client_id})
    return {"client_id": client_id, "booking_code": code, "expires_at": utcnow() + ttl}


def _keys(details: dict[str, Any]) -> dict[str, str]:
    member_id = details["coverage"]["member_id"] if details["coverage"] else None
    return {
        "identity_key": client_identity_key(
            details["last_name"], details["first_name"], details["birth_date"], member_id
        ),
        "last_name_key": name_search_key(details["last_name"]),
    }
