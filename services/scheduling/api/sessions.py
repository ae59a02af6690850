"""Session completion by the therapist, and reading the session back."""

from __future__ import annotations

from flask import Blueprint, Response
from sqlalchemy import Connection

from services.scheduling.api.common import config, now
from services.scheduling.api.schemas import CompletionInSchema, SessionSchema
from services.scheduling.commands.sessions import complete_session
from services.scheduling.domain.completion import TechniqueRecord
from services.scheduling.domain.errors import NotFound
from services.scheduling.store.sessions import session_for
from shared.uow import UnitOfWork
from shared.web import allow, api, load_body, reads, respond, writes

bp = Blueprint("sessions", __name__)


@bp.post("/appointments/<appointment_id>/complete")
@allow("therapist")
@api("Record the session given in an appointment", request=CompletionInSchema,
     response=SessionSchema, status=201, errors=(404, 409, 422))
@writes
def complete(uow: UnitOfWork, appointment_id: str) -> Response:
    """Minutes per technique and body region, and a SOAP note; counts units (CMS method)."""
    data = load_body(CompletionInSchema)
    techniques = [
        TechniqueRecord(t["technique"], t["minutes"], tuple(t["body_regions"]), t["pressure"])
        for t in data["techniques"]
    ]
    complete_session(uow, appointment_id, techniques, data["soap_note"], data["override_reason"],
                     config().technique_codes, now())
    return respond(SessionSchema, session_for(uow.connection, appointment_id)._mapping, 201)


@bp.get("/appointments/<appointment_id>/session")
@allow("therapist")
@api("Show the session recorded for an appointment", response=SessionSchema, errors=(404,))
@reads
def show(connection: Connection, appointment_id: str) -> Response:
    """The recorded session, SOAP note included (therapists only)."""
    session = session_for(connection, appointment_id)
    if session is None:
        raise NotFound("session")
    return respond(SessionSchema, session._mapping)
