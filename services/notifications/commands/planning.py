"""From consumed events to planned messages: projections first, then one row per message.

Each handler keeps the newest state (save_if_newer), and plans messages only when the event
it applies is the newest news: a duplicate, a stale booking after a cancellation or a
booking older than a reschedule plans nothing (docs/NOTIFICATIONS.md §Events).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from services.notifications.config import NotificationsConfig
from services.notifications.domain.messages import (
    BOOKED,
    CANCELLED,
    CHANNELS,
    CLIENT,
    CLINIC,
    EMAIL,
    INTAKE_WAITING,
    REFERRAL_EXHAUSTED,
    REFERRAL_EXPIRING,
    REMINDER,
    RENEWAL_REQUEST,
    RESCHEDULED,
    SIGN_IN,
    WAITLIST_OFFER,
    event_key,
    reminder_key,
)
from services.notifications.domain.timing import lead_name, plan_reminder, zone_of
from services.notifications.store import messages, projections
from services.notifications.store.messages import NewMessage
from shared.uow import UnitOfWork


def _zone(uow: UnitOfWork, config: NotificationsConfig, client_id: str) -> ZoneInfo:
    contact = projections.contact_of(uow.connection, client_id)
    return zone_of(contact and contact["time_zone"], config.clinic_time_zone)


def appointment_booked(uow: UnitOfWork, config: NotificationsConfig, data: dict[str, Any],
                       changed_at: datetime, now: datetime, kind: str = BOOKED) -> bool:
    """Confirm the booking (or the move) and plan its reminders; False when stale news."""
    appointment_id, client_id, start = data["appointment_id"], data["client_id"], data["start"]
    if not projections.save_booking(uow.connection, appointment_id, client_id, start, changed_at):
        return False
    # Moved: what was planned for the old time goes (docs/NOTIFICATIONS.md §Stale).
    messages.withdraw_for_appointment(uow.connection, appointment_id, "moved", keep_start=start)
    if start <= now:
        return True
    extra = (start.isoformat(),) if kind == RESCHEDULED else ()
    for channel in CHANNELS:
        messages.queue(uow.connection, NewMessage(
            key=event_key(kind, appointment_id, channel, *extra), kind=kind, channel=channel,
            audience=CLIENT, client_id=client_id, due_at=now, deadline=start,
            appointment_id=appointment_id, appointment_start=start,
            details={"visit_at": start.isoformat()}))
    zone = _zone(uow, config, client_id)
    for lead in config.reminder_leads:
        due = plan_reminder(start, lead, zone, config.quiet_hours)
        if due is None or due <= now:
            continue  # booked too late for this reminder: the confirmation says when
        for channel in CHANNELS:
            messages.queue(uow.connection, NewMessage(
                key=reminder_key(appointment_id, start, lead_name(lead), channel),
                kind=REMINDER, channel=channel, audience=CLIENT, client_id=client_id,
                due_at=due, deadline=start, appointment_id=appointment_id,
                appointment_start=start, lead_minutes=int(lead.total_seconds() // 60),
                details={"visit_at": start.isoformat()}))
    return True


def appointment_cancelled(uow: UnitOfWork, data: dict[str, Any], changed_at: datetime,
                          now: datetime) -> bool:
    """Withdraw what was planned and tell the client; False when already known cancelled."""
    appointment_id, client_id = data["appointment_id"], data["client_id"]
    if not projections.save_cancellation(uow.connection, appointment_id, client_id, changed_at):
        return False
    messages.withdraw_for_appointment(uow.connection, appointment_id, "cancelled")
    known = projections.appointment(uow.connection, appointment_id)
    start = known.start if known is not None else None
    if start is None or start <= now:
        return True  # never confirmed by us, or already past: nothing to tell
    for channel in CHANNELS:
        messages.queue(uow.connection, NewMessage(
            key=event_key(CANCELLED, appointment_id, channel), kind=CANCELLED, channel=channel,
            audience=CLIENT, client_id=client_id, due_at=now, deadline=start,
            appointment_id=appointment_id, appointment_start=start,
            details={"visit_at": start.isoformat()}))
    return True


def contact_changed(uow: UnitOfWork, config: NotificationsConfig, data: dict[str, Any],
                    now: datetime) -> bool:
    """Keep the newest contact; send what waited for it; re-time the client's reminders if
    their zone changed."""
    if not projections.save_contact(uow.connection, data):
        return False
    # A booking's event may overtake the contact's (another topic): its confirmation waits
    # for the address and goes as soon as it is known, not at the next retry.
    messages.wake_waiting_for_contact(uow.connection, data["client_id"], now)
    zone = zone_of(data.get("time_zone"), config.clinic_time_zone)
    for row in messages.scheduled_reminders(uow.connection, data["client_id"]):
        lead = timedelta(minutes=row.lead_minutes)
        due = plan_reminder(row.appointment_start, lead, zone, config.quiet_hours)
        if due is not None and due > now and due != row.due_at:
            messages.set_due(uow.connection, row.message_id, due)
    return True


def waitlist_offered(uow: UnitOfWork, data: dict[str, Any], now: datetime) -> None:
    """Tell the client about the freed slot, while it is held for them."""
    for channel in CHANNELS:
        messages.queue(uow.connection, NewMessage(
            key=event_key(WAITLIST_OFFER, data["offer_id"], channel), kind=WAITLIST_OFFER,
            channel=channel, audience=CLIENT, client_id=data["client_id"], due_at=now,
            deadline=data["hold_until"],
            details={"visit_at": data["start"].isoformat(),
                     "hold_until": data["hold_until"].isoformat(),
                     # The client's accept/decline link (single-use, dies with the hold).
                     "link": data.get("respond_url")}))


def sign_in_link_requested(uow: UnitOfWork, event_id: str, data: dict[str, Any],
                           now: datetime) -> None:
    """Email the client the sign-in link they asked for, while it works (one per request)."""
    messages.queue(uow.connection, NewMessage(
        key=event_key(SIGN_IN, event_id, EMAIL), kind=SIGN_IN, channel=EMAIL, audience=CLIENT,
        client_id=data["client_id"], due_at=now, deadline=data["expires_at"],
        details={"link": data["link"], "link_until": data["expires_at"].isoformat()}))


def intake_submitted(uow: UnitOfWork, data: dict[str, Any], now: datetime) -> None:
    """Tell the front desk a new client's intake waits for them to confirm it."""
    submission_id = data["submission_id"]
    messages.queue(uow.connection, NewMessage(
        key=event_key(INTAKE_WAITING, submission_id, EMAIL), kind=INTAKE_WAITING,
        channel=EMAIL, audience=CLINIC, client_id=data["client_id"], due_at=now,
        details={"submission_id": submission_id}))


def waitlist_offer_closed(uow: UnitOfWork, data: dict[str, Any]) -> None:
    """An offer taken, declined, expired or withdrawn before we told the client: say nothing."""
    messages.withdraw_by_key_prefix(uow.connection, f"{WAITLIST_OFFER}:{data['offer_id']}:",
                                    data["outcome"])


def referral_expiring(uow: UnitOfWork, data: dict[str, Any], now: datetime) -> None:
    """Tell the client their prescription ends soon, and the clinic to ask for a renewal."""
    end_on = data["end_on"].isoformat()
    _referral_notices(uow, data, now, REFERRAL_EXPIRING, ("ends", end_on), {"end_on": end_on})


def referral_exhausted(uow: UnitOfWork, data: dict[str, Any], now: datetime) -> None:
    """Tell the client their visits are (nearly) used, and the clinic to ask for a renewal."""
    left = data["visits_left"]
    _referral_notices(uow, data, now, REFERRAL_EXHAUSTED, ("left", str(left)),
                      {"visits_left": left})


def _referral_notices(uow: UnitOfWork, data: dict[str, Any], now: datetime, kind: str,
                      parts: tuple[str, ...], details: dict[str, Any]) -> None:
    referral_id, client_id = data["referral_id"], data["client_id"]
    for channel in CHANNELS:
        messages.queue(uow.connection, NewMessage(
            key=event_key(kind, referral_id, channel, *parts), kind=kind, channel=channel,
            audience=CLIENT, client_id=client_id, due_at=now, details=details))
    messages.queue(uow.connection, NewMessage(
        key=event_key(RENEWAL_REQUEST, referral_id, EMAIL, kind, *parts), kind=RENEWAL_REQUEST,
        channel=EMAIL, audience=CLINIC, client_id=client_id, due_at=now,
        details={"referral_id": referral_id, **details}))
