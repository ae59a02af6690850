"""Client self-service: signing in, and the client's own visits (list, cancel, move).

The client id always comes from the client's token (``api/self_service.py``); each
command refuses a visit that is not that client's as if it did not exist (404).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from services.scheduling.commands.booking import cancel_appointment, reschedule_appointment
from services.scheduling.commands.booking_codes import present_booking_code
from services.scheduling.domain import client_access
from services.scheduling.domain.booking import can_cancel, can_reschedule
from services.scheduling.domain.booking_codes import Verdict
from services.scheduling.domain.errors import ChangeRefused, NotFound
from services.scheduling.domain.notice import change_terms, require_fee_accepted
from services.scheduling.store import self_service as store
from services.scheduling.store.appointments import (
    get_appointment,
    list_appointments,
    to_appointment,
)
from services.scheduling.store.calendar import load_services, load_settings, load_therapists
from shared.contact_keys import email_key
from shared.db import utcnow
from shared.events.contracts.scheduling import CLIENT_SIGN_IN_LINK
from shared.uow import UnitOfWork

log = logging.getLogger("services.scheduling.self_service")


def record_sign_in_key(uow: UnitOfWork, key: dict[str, Any]) -> None:
    """Keep the hash of the client's email (the newest version of their record wins)."""
    store.save_contact(uow.connection, {
        "client_id": key["client_id"], "version": key["version"],
        "email_key": key["email_sha256"], "updated_at": utcnow()})


def request_sign_in(uow: UnitOfWork, email: str, now: datetime, minutes: int,
                    link_base: str) -> None:
    """Email the client a single-use sign-in link, if the address is one client's.

    The caller answers the same whatever happened here, so the page cannot be used to
    learn who is a client.
    """
    client_id = store.client_with_email(uow.connection, email_key(email))
    if client_id is None:
        return
    latest = store.latest_link_at(uow.connection, client_id)
    if latest is not None and now - latest < client_access.LINK_INTERVAL:
        return
    secret = client_access.new_link_secret()
    expires_at = now + timedelta(minutes=minutes)
    store.add_link(uow.connection, client_access.link_hash(secret), client_id, now, expires_at)
    uow.emit(CLIENT_SIGN_IN_LINK, client_id, {
        "client_id": client_id, "link": f"{link_base}#sign-in={secret}",
        "expires_at": expires_at})
    log.info("sign-in link sent", extra={"client_id": client_id})


def sign_in(uow: UnitOfWork, *, link_secret: str | None, booking_code: str | None,
            now: datetime) -> tuple[str | None, Verdict | None]:
    """The client a sign-in link or booking code names (None when refused), and the code's
    verdict when a code was presented (a wrong code is counted against it)."""
    if link_secret is not None:
        return store.use_link(uow.connection, client_access.link_hash(link_secret), now), None
    assert booking_code is not None
    presented = present_booking_code(uow, booking_code, now)
    return presented.client_id, presented.verdict


def own_visit(connection: Connection, client_id: str, appointment_id: str,
              lock: bool = False) -> Any:
    """The client's own appointment row; 404 for anyone else's, as if it did not exist."""
    row = get_appointment(connection, appointment_id, lock)
    if row is None or row.client_id != client_id:
        raise NotFound("appointment")
    return row


def visits(connection: Connection, client_id: str, now: datetime) -> dict[str, Any]:
    """The client's upcoming visits (soonest first) and past ones (latest first), with the
    terms on which each upcoming one may be cancelled or moved, and the clinic's policy."""
    settings = load_settings(connection)
    rows = list_appointments(connection, client_id=client_id, limit=500)
    names = {t.id: t.name for t in load_therapists(connection, {r.therapist_id for r in rows})}
    services = load_services(connection)
    upcoming, past = [], []
    for row in rows:
        visit = {"id": row.id, "start": row.start, "end": row.end, "status": row.status,
                 "therapist_id": row.therapist_id, "service_id": row.service_id,
                 "therapist_name": names.get(row.therapist_id, ""),
                 "service_name": services[row.service_id].name
                 if row.service_id in services else "",
                 "late": bool(row.late), "fee": row.fee, "terms": None}
        if row.status == "booked" and row.start > now:
            terms = change_terms(to_appointment(row), now, settings)
            visit["terms"] = {"allowed": terms.allowed, "late": terms.late, "fee": terms.fee,
                              "free_until": terms.free_until}
            upcoming.append(visit)
        else:
            past.append(visit)
    policy = settings.no_show_policy
    return {"upcoming": upcoming, "past": past[::-1], "time_zone": settings.time_zone,
            "policy": {"cancellation_window_hours": settings.cancellation_window_hours,
                       "late_cancellation_fee": policy.late_cancellation_fee,
                       "no_show_fee": policy.no_show_fee}}


def cancel_own(uow: UnitOfWork, client_id: str, appointment_id: str, accept_fee: bool,
               now: datetime) -> None:
    """Cancel the client's visit; a late one only when they accepted the clinic's fee."""
    row = own_visit(uow.connection, client_id, appointment_id, lock=True)
    decision = can_cancel(to_appointment(row), now, load_settings(uow.connection))
    if not decision.allowed:
        raise ChangeRefused(decision.refusals)
    require_fee_accepted(decision, accept_fee)
    cancel_appointment(uow, appointment_id, now)


def reschedule_own(uow: UnitOfWork, client_id: str, appointment_id: str, start: datetime,
                   accept_fee: bool, now: datetime) -> None:
    """Move the client's visit (same therapist); a late move only with the fee accepted."""
    row = own_visit(uow.connection, client_id, appointment_id, lock=True)
    decision = can_reschedule(to_appointment(row), start, now, load_settings(uow.connection))
    if not decision.allowed:
        raise ChangeRefused(decision.refusals)
    require_fee_accepted(decision, accept_fee)
    reschedule_appointment(uow, appointment_id, start, now)
