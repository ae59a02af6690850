"""Registering, correcting and finding clients."""

from __future__ import annotations

from flask import Blueprint, Response
from sqlalchemy import Connection

from services.screening.api.schemas.clients import (
    ClientIdentitySchema,
    ClientListSchema,
    ClientOutSchema,
    ClientSchema,
    ClientSearchSchema,
)
from services.screening.commands import clients as commands
from services.screening.domain import name_search_key
from services.screening.store import clients
from shared.uow import UnitOfWork
from shared.web import allow, api, load_body, load_query, reads, respond, writes

bp = Blueprint("clients", __name__)


@bp.post("/clients")
@allow("front_desk")
@api("Register a client", request=ClientSchema, response=ClientOutSchema, status=201,
     errors=(409,))
@writes
def register_client(uow: UnitOfWork) -> Response:
    """Register a new client; the same person twice answers 409 with the existing id."""
    client = commands.register_client(uow, load_body(ClientSchema))
    return respond(ClientOutSchema, client, 201,
                   headers={"Location": f"/clients/{client['client_id']}"})


@bp.put("/clients/<client_id>")
@allow("front_desk")
@api("Correct a client's record (the whole record)", request=ClientSchema,
     response=ClientOutSchema, errors=(404, 409))
@writes
def update_client(uow: UnitOfWork, client_id: str) -> Response:
    """Replace a client's details; a real change is a new version and an event."""
    return respond(ClientOutSchema,
                   commands.update_client(uow, client_id, load_body(ClientSchema)))


@bp.get("/clients/<client_id>")
@allow("front_desk", "billing")
@api("A client's record", response=ClientOutSchema, errors=(404,))
@reads
def get_client(connection: Connection, client_id: str) -> Response:
    """One client's record."""
    return respond(ClientOutSchema, clients.require(connection, client_id))


@bp.get("/clients/<client_id>/identity")
@allow("front_desk", "therapist", "billing")
@api("A client's name and birth date", response=ClientIdentitySchema, errors=(404,))
@reads
def get_identity(connection: Connection, client_id: str) -> Response:
    """Name and birth date only: the two identifiers a therapist confirms before treating,
    without the coverage and contact details of the whole record (minimum necessary)."""
    return respond(ClientIdentitySchema, clients.require(connection, client_id))


@bp.get("/clients")
@allow("front_desk", "billing")
@api("Find clients by last name (prefix) and/or birth date", query=ClientSearchSchema,
     response=ClientListSchema)
@reads
def search_clients(connection: Connection) -> Response:
    """The front desk's client search."""
    query = load_query(ClientSearchSchema)
    last_name = query.get("last_name")
    found = clients.search(connection, name_search_key(last_name) if last_name else None,
                           query.get("birth_date"), query["limit"])
    return respond(ClientListSchema, {"clients": found})
