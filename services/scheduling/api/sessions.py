"""Session completion by the therapist, and reading the session back."""

from __future__ import annotations

from flask import Blueprint, Response
from sqlalchemy import Connection

from services.scheduling.api.common import config, now
from services.scheduling.api.schemas import (
    CompletionInSchema,
    PrescriptionViewSchema,
    SessionSchema,
)
from services.scheduling.commands.sessions import VisitDetails, complete_session
from services.scheduling.domain.care import sees_every_note
from services.scheduling.domain.completion import Completer, TechniqueRecord
from services.scheduling.domain.errors import NotFound
from services.scheduling.store.appointments import require_appointment, treats
from services.scheduling.store.eligibility import restrictions_of, screening_of
from services.scheduling.store.sessions import prescribed_regions, session_for
from shared.uow import UnitOfWork
from shared.web import allow, api, load_body, reads, respond, writes
from shared.web.caller import current_caller

bp = Blueprint("sessions", __name__)


@bp.post("/appointments/<appointment_id>/complete")
@allow("therapist")
@api("Record the session given in one of your appointments", request=CompletionInSchema,
     response=SessionSchema, status=201, errors=(404, 409, 422))
@writes
def complete(uow: UnitOfWork, appointment_id: str) -> Response:
    """Minutes per technique and body region, and a SOAP note; counts units (CMS method).

    Only the appointment's own therapist, once it has started; an admin may override
    either with ``admin_override_reason``.
    """
    data = load_body(CompletionInSchema)
    techniques = [
        TechniqueRecord(t["technique"], t["minutes"], tuple(t["body_regions"]), t["pressure"])
        for t in data["techniques"]
    ]
    caller = current_caller()
    completer = Completer(caller.subject, caller.holds("admin"), data["admin_override_reason"])
    details = VisitDetails(data["place_of_service"], data["outside_referral_reason"])
    complete_session(uow, appointment_id, techniques, data["soap_note"], data["override_reason"],
                     completer, config().technique_codes, now(), details)
    return respond(SessionSchema, session_for(uow.connection, appointment_id)._mapping, 201)


@bp.get("/appointments/<appointment_id>/session")
@allow("therapist")
@api("Show the session recorded for an appointment", response=SessionSchema, errors=(404,))
@reads
def show(connection: Connection, appointment_id: str) -> Response:
    """The recorded session, SOAP note included: for a therapist, of a client they treat.

    Any other session is answered as if it did not exist (404).
    """
    session = session_for(connection, appointment_id)
    caller = current_caller()
    if session is None or not (sees_every_note(caller.roles)
                               or treats(connection, caller.subject, session.client_id)):
        raise NotFound("session")
    return respond(SessionSchema, session._mapping)


@bp.get("/appointments/<appointment_id>/prescription")
@allow("therapist")
@api("What to treat in an appointment: the prescribed regions and the precautions",
     response=PrescriptionViewSchema, errors=(404,))
@reads
def prescription(connection: Connection, appointment_id: str) -> Response:
    """Before starting: the body regions the referral prescribes (treating another needs a
    reason) and the client's precautions. Regions only; no diagnosis reaches scheduling.

    For a therapist, of a client they treat; any other is answered as if it did not exist.
    """
    row = require_appointment(connection, appointment_id)
    caller = current_caller()
    if not (sees_every_note(caller.roles) or treats(connection, caller.subject, row.client_id)):
        raise NotFound("appointment")
    restrictions = restrictions_of(screening_of(connection, row.client_id))
    regions = prescribed_regions(connection, row.referral_id)
    return respond(PrescriptionViewSchema, {
        "appointment_id": row.id,
        "referral_id": row.referral_id,
        "prescribed_regions": sorted(regions) if regions is not None else None,
        "restricted_regions": sorted(restrictions.restricted_regions),
        "restricted_techniques": sorted(restrictions.restricted_techniques),
        "pressure_limit": restrictions.pressure_limit,
    })
