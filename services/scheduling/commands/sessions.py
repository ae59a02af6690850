"""Completing a session: check the therapist's record, count units, store it, announce it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from services.scheduling.domain.completion import (
    Completer,
    TechniqueRecord,
    VisitFacts,
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
from services.scheduling.store.sessions import insert_session, prescribed_regions
from shared.billing.place_of_service import OFFICE
from shared.billing.units import CMS
from shared.events.contracts.scheduling import SESSION_COMPLETED_V2
from shared.uow import UnitOfWork


@dataclass(frozen=True)
class VisitDetails:
    """What the therapist says of the visit besides its techniques: where it was given
    (CMS place of service, 11 office by default: docs/DOMAIN.md §Edits) and why regions the
    referral does not prescribe were treated."""

    place_of_service: str = OFFICE
    outside_referral_reason: str | None = None


def complete_session(
    uow: UnitOfWork,
    appointment_id: str,
    techniques: Sequence[TechniqueRecord],
    soap_note: dict[str, str],
    override_reason: str | None,
    completer: Completer,
    technique_codes: Mapping[str, str],
    now: datetime,
    details: VisitDetails | None = None,
) -> str:
    """Record what was done in a booked visit; returns the session id.

    Raises NotFound for another therapist's appointment, ChangeRefused when the visit is
    not booked (completing twice included) or has not started (an admin may override
    these two with a reason), SessionRejected (field errors) when the record breaks a rule:
    a place not on the CMS list, a day still to come (no override), a region outside the
    referral without a reason.
    """
    details = details or VisitDetails()
    connection = uow.connection
    row = require_appointment(connection, appointment_id, lock=True)
    appointment = to_appointment(row)
    therapist = load_therapist(connection, row.therapist_id)
    assert therapist is not None  # appointments reference therapists by foreign key
    overrode = admin_overrides(appointment, therapist.staff_subject, completer, now)
    restrictions = restrictions_of(screening_of(connection, row.client_id))
    settings = load_settings(connection)
    date_of_service = settings.local_day(row.start)
    visit = VisitFacts(
        date_of_service=date_of_service,
        today=settings.local_day(now),
        place_of_service=details.place_of_service,
        prescribed_regions=prescribed_regions(connection, row.referral_id),
        outside_referral_reason=details.outside_referral_reason,
    )
    # Scheduling counts by the CMS method (docs/DOMAIN.md §Units); claims recounts under
    # each payer's own.
    session = record_session(appointment, techniques, restrictions, override_reason,
                             technique_codes, CMS, visit)
    session_id = new_id()
    insert_session(connection, session_id, session, row.referral_id, date_of_service, soap_note,
                   now, completer.subject, overrode, completer.override_reason)
    if overrode:
        record_override(connection, completer.subject, f"/appointments/{row.id}/complete",
                        "sessions.complete", overrode, completer.override_reason or "")
    set_status(connection, row.id, "completed")
    # The SOAP note and the override reason stay here: claims needs units, not notes. v2
    # names each technique's code, so claims never maps techniques itself.
    provider = {"name": therapist.name, "npi": therapist.npi}
    uow.emit(SESSION_COMPLETED_V2, row.client_id, {
        "session_id": session_id,
        "appointment_id": row.id,
        "client_id": row.client_id,
        "referral_id": row.referral_id,
        "rendering_provider": provider,
        "date_of_service": date_of_service,
        "place_of_service": session.place_of_service,
        "counting_method": session.counting_method,
        "lines": [{"code": line.code, "technique": line.technique, "minutes": line.minutes,
                   "units": line.units, "body_regions": list(line.body_regions)}
                  for line in session.lines],
        "regions_outside_referral": list(session.regions_outside_referral),
        "outside_referral_reason": session.outside_referral_reason,
        "completed_at": now,
    })
    return session_id
