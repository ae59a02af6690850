"""Session completion by the therapist, and reading the session back."""

from __future__ import annotations

from flask import Blueprint, Response

from services.scheduling.api.common import correlation_id, now
from services.scheduling.domain.completion import TechniqueRecord
from services.scheduling.domain.errors import NotFound
from services.scheduling.schemas import CompletionInSchema, SessionSchema
from services.scheduling.sessions import complete_session
from services.scheduling.store.sessions import session_for
from shared.db import read_only
from shared.web import (
    allow,
    api,
    idempotent,
    load_body,
    respond,
    service_context,
    unit_of_work,
)

bp = Blueprint("sessions", __name__)


@bp.post("/appointments/<appointment_id>/complete")
@allow("therapist")
@api("Record the session given in an appointment", request=CompletionInSchema,
     response=SessionSchema, status=201, errors=(404, 409, 422))
@idempotent
def complete(appointment_id: str) -> Response:
    """Minutes per technique and body region, and a SOAP note; counts units (CMS method)."""
    data = load_body(CompletionInSchema)
    techniques = [
        TechniqueRecord(t["technique"], t["minutes"], tuple(t["body_regions"]), t["pressure"])
        for t in data["techniques"]
    ]
    context = service_context()
    with unit_of_work() as connection:
        complete_session(connection, appointment_id, techniques, data["soap_note"],
                         data["override_reason"], context.extras["technique_codes"], now(),
                         correlation_id())
        session = session_for(connection, appointment_id)
    return respond(SessionSchema, session._mapping, 201)


@bp.get("/appointments/<appointment_id>/session")
@allow("therapist")
@api("Show the session recorded for an appointment", response=SessionSchema, errors=(404,))
def show(appointment_id: str) -> Response:
    """The recorded session, SOAP note included (therapists only)."""
    with read_only(service_context().engine) as connection:
        session = session_for(connection, appointment_id)
    if session is None:
        raise NotFound("session")
    return respond(SessionSchema, session._mapping)
