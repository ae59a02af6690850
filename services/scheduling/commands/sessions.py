"""Completing a session: check the therapist's record, count units, store it, announce it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from services.scheduling.domain.completion import (
    Completer,
    TechniqueRecord,
    admin_overrides,
    record_session,
)
from services.scheduling.store.appointments import (
    require_appointment,
    set_status,
    to_appointment,
)
from services.scheduling.store.audit import record_override
from services.scheduling.store.calendar import load_settings, load_therapist, new_id
from services.scheduling.store.eligibility import restrictions_of, screening_of
from services.scheduling.store.sessions import insert_session
from shared.billing.units import CMS
from shared.events.contracts.scheduling import SESSION_COMPLETED
from shared.uow import UnitOfWork

# docs/DOMAIN.md §Edits: place of service 11 (office) is set here and travels to claims.
PLACE_OF_SERVICE_OFFICE = "11"


def complete_session(
    uow: UnitOfWork,
    appointment_id: str,
    techniques: Sequence[TechniqueRecord],
    soap_note: dict[str, str],
    override_reason: str | None,
    completer: Completer,
    technique_codes: Mapping[str, str],
    now: datetime,
) -> str:
    """Record what was done in a booked visit; returns the session id.

    Raises NotFound for another therapist's appointment, ChangeRefused when the visit is
    not booked (completing twice included) or has not started (an admin may override
    these two with a reason), SessionRejected (field errors) when the record breaks a rule.
    """
    connection = uow.connection
    row = require_appointment(connection, appointment_id, lock=True)
    appointment = to_appointment(row)
    therapist = load_therapist(connection, row.therapist_id)
    assert therapist is not None  # appointments reference therapists by foreign key
    overrode = admin_overrides(appointment, therapist.staff_subject, completer, now)
    restrictions = restrictions_of(screening_of(connection, row.client_id))
    # Scheduling counts by the CMS method (docs/DOMAIN.md §Units); claims recounts under
    # each payer's own.
    session = record_session(appointment, techniques, restrictions, override_reason,
                             technique_codes, CMS)
    date_of_service = load_settings(connection).local_day(row.start)
    session_id = new_id()
    insert_session(connection, session_id, session, row.referral_id, date_of_service, soap_note,
                   now, completer.subject, overrode, completer.override_reason)
    if overrode:
        record_override(connection, completer.subject, f"/appointments/{row.id}/complete",
                        "sessions.complete", overrode, completer.override_reason or "")
    set_status(connection, row.id, "completed")
    # The SOAP note and the override reason stay here: claims needs units, not notes.
    uow.emit(SESSION_COMPLETED, row.client_id, {
        "session_id": session_id,
        "appointment_id": row.id,
        "client_id": row.client_id,
        "referral_id": row.referral_id,
        "rendering_provider": {"name": therapist.name, "npi": therapist.npi},
        "date_of_service": date_of_service,
        "place_of_service": PLACE_OF_SERVICE_OFFICE,
        "counting_method": session.counting_method,
        "codes": [{"code": c.code, "minutes": c.minutes, "units": c.units}
                  for c in session.codes],
        "techniques": [{"technique": t.technique, "minutes": t.minutes,
                        "body_regions": list(t.body_regions)}
                       for t in session.techniques],
        "completed_at": now,
    })
    return session_id
