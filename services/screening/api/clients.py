"""Registering, correcting and finding clients."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response

from services.screening.api.common import require_client
from services.screening.domain import client_identity_key, name_search_key
from services.screening.publishing import client_data
from services.screening.schemas.clients import (
    BookingCodeSchema,
    ClientListSchema,
    ClientOutSchema,
    ClientSchema,
    ClientSearchSchema,
)
from services.screening.store import clients
from shared.db import read_only, utcnow
from shared.events.contracts.screening import CLIENT_REGISTERED, CLIENT_UPDATED
from shared.web import (
    Problem,
    allow,
    api,
    idempotent,
    load_body,
    load_query,
    respond,
    service_context,
    unit_of_work,
)
from shared.web.auth import issue_booking_token
from shared.web.events import emit_from_request

bp = Blueprint("clients", __name__)
log = logging.getLogger("services.screening.api")
# Long enough for a plan of care to be booked online, short enough to limit a leaked code.
BOOKING_CODE_DAYS = 30


def _duplicate(existing_client_id: str) -> Problem:
    return Problem(
        409,
        "Client already registered",
        "A client with this name, birth date and member id exists.",
        "duplicate-client",
        existing_client_id=existing_client_id,
    )


def _keys(data: dict[str, Any]) -> dict[str, str]:
    member_id = data["coverage"]["member_id"] if data["coverage"] else None
    return {
        "identity_key": client_identity_key(
            data["last_name"], data["first_name"], data["birth_date"], member_id
        ),
        "last_name_key": name_search_key(data["last_name"]),
    }


@bp.post("/clients")
@allow("front_desk")
@api("Register a client", request=ClientSchema, response=ClientOutSchema, status=201,
     errors=(409,))
@idempotent
def register_client() -> Response:
    """Register a new client; the same person twice answers 409 with the existing id."""
    data = load_body(ClientSchema)
    now = utcnow()
    client = {**data, **_keys(data), "client_id": clients.new_client_id(), "version": 1,
              "created_at": now, "updated_at": now}
    with unit_of_work() as connection:
        existing = clients.find_by_identity(connection, client["identity_key"])
        if existing is None:
            existing = clients.add(connection, client)  # None unless a concurrent twin won
        if existing:
            raise _duplicate(existing)
        emit_from_request(connection, CLIENT_REGISTERED, client["client_id"], client_data(client))
    log.info("client registered", extra={"client_id": client["client_id"]})
    return respond(ClientOutSchema, client, 201,
                   headers={"Location": f"/clients/{client['client_id']}"})


@bp.put("/clients/<client_id>")
@allow("front_desk")
@api("Correct a client's record (the whole record)", request=ClientSchema,
     response=ClientOutSchema, errors=(404, 409))
def update_client(client_id: str) -> Response:
    """Replace a client's details; a real change is a new version and an event."""
    data = load_body(ClientSchema)
    with unit_of_work() as connection:
        current = require_client(connection, client_id, lock=True)
        if all(current[name] == value for name, value in data.items()):
            return respond(ClientOutSchema, current)
        client = {**current, **data, **_keys(data), "version": current["version"] + 1,
                  "updated_at": utcnow()}
        existing = clients.find_by_identity(connection, client["identity_key"])
        if existing and existing != client_id:
            raise _duplicate(existing)
        existing = clients.replace(connection, client, expected_version=current["version"])
        if existing:
            raise _duplicate(existing)
        emit_from_request(connection, CLIENT_UPDATED, client_id, client_data(client))
    log.info("client updated", extra={"client_id": client_id, "version": client["version"]})
    return respond(ClientOutSchema, client)


@bp.get("/clients/<client_id>")
@allow("front_desk", "billing")
@api("A client's record", response=ClientOutSchema, errors=(404,))
def get_client(client_id: str) -> Response:
    """One client's record."""
    with read_only(service_context().engine) as connection:
        client = require_client(connection, client_id)
    return respond(ClientOutSchema, client)


@bp.get("/clients")
@allow("front_desk", "billing")
@api("Find clients by last name (prefix) and/or birth date", query=ClientSearchSchema,
     response=ClientListSchema)
def search_clients() -> Response:
    """The front desk's client search."""
    query = load_query(ClientSearchSchema)
    last_name = query.get("last_name")
    with read_only(service_context().engine) as connection:
        found = clients.search(
            connection,
            name_search_key(last_name) if last_name else None,
            query.get("birth_date"),
            query["limit"],
        )
    return respond(ClientListSchema, {"clients": found})


@bp.post("/clients/<client_id>/booking-code")
@allow("front_desk")
@api("Issue the client's booking code for the website widget", response=BookingCodeSchema,
     status=201, errors=(404,))
def issue_booking_code(client_id: str) -> Response:
    """A short-lived code that lets this client, and only this client, book online."""
    with read_only(service_context().engine) as connection:
        require_client(connection, client_id)
    ttl = timedelta(days=BOOKING_CODE_DAYS)
    code = issue_booking_token(service_context().settings.jwt_secret, client_id, ttl)
    log.info("booking code issued", extra={"client_id": client_id})
    return respond(BookingCodeSchema,
                   {"client_id": client_id, "booking_code": code, "expires_at": utcnow() + ttl},
                   201)
