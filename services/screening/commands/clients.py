"""Registering and correcting clients."""

from __future__ import annotations

import logging
from typing import Any

from services.screening.commands.events import (
    client_data,
    contact_data,
    enrolled_data,
    sign_in_key_data,
)
from services.screening.domain import (
    DuplicateClient,
    billable_client,
    client_identity_key,
    name_search_key,
)
from services.screening.store import clients
from shared.db import utcnow
from shared.events.contracts.screening import (
    CLIENT_CONTACT,
    CLIENT_ENROLLED,
    CLIENT_REGISTERED,
    CLIENT_SIGN_IN_KEY,
    CLIENT_UPDATED,
)
from shared.uow import UnitOfWork

log = logging.getLogger("services.screening.commands")


def register_client(uow: UnitOfWork, details: dict[str, Any]) -> dict[str, Any]:
    """Register a new client; the same person twice is refused with the existing id.

    Identifiers a claim could not carry are refused (NotBillable) before anything is stored.
    """
    details = billable_client(details)
    now = utcnow()
    client = {**details, **_keys(details), "client_id": clients.new_client_id(), "version": 1,
              "created_at": now, "updated_at": now}
    existing = clients.find_by_identity(uow.connection, client["identity_key"])
    if existing is None:
        existing = clients.add(uow.connection, client)  # None unless a concurrent twin won
    if existing:
        raise DuplicateClient(existing)
    uow.emit(CLIENT_REGISTERED, client["client_id"], client_data(client))
    uow.emit(CLIENT_ENROLLED, client["client_id"], enrolled_data(client))
    uow.emit(CLIENT_SIGN_IN_KEY, client["client_id"], sign_in_key_data(client))
    uow.emit(CLIENT_CONTACT, client["client_id"], contact_data(client))
    log.info("client registered", extra={"client_id": client["client_id"]})
    return client


def update_client(uow: UnitOfWork, client_id: str, details: dict[str, Any]) -> dict[str, Any]:
    """Replace a client's details; only a real change is a new version and an event."""
    details = billable_client(details)
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
    uow.emit(CLIENT_ENROLLED, client_id, enrolled_data(client))
    uow.emit(CLIENT_SIGN_IN_KEY, client_id, sign_in_key_data(client))
    uow.emit(CLIENT_CONTACT, client_id, contact_data(client))
    log.info("client updated", extra={"client_id": client_id, "version": client["version"]})
    return client


def _keys(details: dict[str, Any]) -> dict[str, str]:
    member_id = details["coverage"]["member_id"] if details["coverage"] else None
    return {
        "identity_key": client_identity_key(
            details["last_name"], details["first_name"], details["birth_date"], member_id
        ),
        "last_name_key": name_search_key(details["last_name"]),
    }
