"""What a message is: its kind, channel, one key per message, its states and who may get it.

A message's key names it once and for all (docs/NOTIFICATIONS.md §Exactly once): the
reminder of appointment A, for the visit at time T, 48 h ahead, by SMS is one key, and the
database holds one row per key. Its Message-ID (email) and provider reference (SMS) are
derived from the key, so a resend after a crash carries the same identity.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

EMAIL = "email"
SMS = "sms"
CHANNELS = (EMAIL, SMS)

# Kinds of message, and the preference category that governs each.
REMINDER = "reminder"
BOOKED = "booked"
RESCHEDULED = "rescheduled"
CANCELLED = "cancelled"
WAITLIST_OFFER = "waitlist_offer"
REFERRAL_EXPIRING = "referral_expiring"
REFERRAL_EXHAUSTED = "referral_exhausted"
RENEWAL_REQUEST = "renewal_request"  # to the clinic: ask the physician for a renewal
INTAKE_WAITING = "intake_waiting"  # to the clinic: a new client's intake waits for staff
# The client's self-service sign-in link: a credential they just asked for. By email only
# (a phone number may be shared or recycled), at once (no quiet hours: they are waiting),
# whatever their notice preferences or unsubscribes (it is not a notice they subscribed to).
SIGN_IN = "sign_in"
KINDS = (REMINDER, BOOKED, RESCHEDULED, CANCELLED, WAITLIST_OFFER, REFERRAL_EXPIRING,
         REFERRAL_EXHAUSTED, RENEWAL_REQUEST, INTAKE_WAITING, SIGN_IN)
CLINIC_KINDS = (RENEWAL_REQUEST, INTAKE_WAITING)
ASKED_FOR = (SIGN_IN,)
# Details that are credentials (a sign-in link, an offer's answer link): kept only until the
# message is sent or given up, never logged, never shown to staff.
SECRET_DETAILS = ("link",)
APPOINTMENT_KINDS = (REMINDER, BOOKED, RESCHEDULED, CANCELLED)

CATEGORY_OF = {
    REMINDER: "reminders",
    BOOKED: "appointment_changes",
    RESCHEDULED: "appointment_changes",
    CANCELLED: "appointment_changes",
    WAITLIST_OFFER: "waitlist",
    REFERRAL_EXPIRING: "referral",
    REFERRAL_EXHAUSTED: "referral",
}
CATEGORIES = ("reminders", "appointment_changes", "waitlist", "referral")

CLIENT = "client"
CLINIC = "clinic"

# States: scheduled -> sending -> sent -> delivered | failed | bounced (provider reports);
# scheduled -> skipped (nobody to send to, opted out, too late) or cancelled (stale).
SCHEDULED = "scheduled"
SENDING = "sending"
SENT = "sent"
DELIVERED = "delivered"
FAILED = "failed"
BOUNCED = "bounced"
SKIPPED = "skipped"
WITHDRAWN = "cancelled"
STATES = (SCHEDULED, SENDING, SENT, DELIVERED, FAILED, BOUNCED, SKIPPED, WITHDRAWN)

_NAMESPACE = uuid.UUID("6f1d7c52-8f0e-4c4b-9a57-2d1c7d1f6a10")


def message_id_for(key: str) -> str:
    """The message's id, the same every time for the same key (uuid5)."""
    return str(uuid.uuid5(_NAMESPACE, key))


def reminder_key(appointment_id: str, start: datetime, lead: str, channel: str) -> str:
    """One reminder per appointment, visit time, lead time and channel."""
    return f"{REMINDER}:{appointment_id}:{start.isoformat()}:{lead}:{channel}"


def event_key(kind: str, subject: str, channel: str, *parts: str) -> str:
    """One notice of ``kind`` about ``subject`` (appointment, offer, referral) per channel."""
    return ":".join((kind, subject, *parts, channel))


@dataclass(frozen=True)
class Recipient:
    """Where one message goes, or why it goes nowhere (``reason``)."""

    address: str | None
    reason: str | None = None


def choose_recipient(
    channel: str,
    contact: dict | None,
    wanted_channels: frozenset[str],
    opted_out: bool,
) -> Recipient:
    """The client's address on ``channel``, unless preferences, opt-out or data say no."""
    if contact is None:
        return Recipient(None, "no_contact")
    if channel not in wanted_channels:
        return Recipient(None, "preference")
    address = contact.get("email") if channel == EMAIL else contact.get("phone")
    if not address:
        return Recipient(None, "no_address")
    if opted_out:
        return Recipient(None, "opted_out")
    return Recipient(address)


STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"})
START_WORDS = frozenset({"START", "UNSTOP", "YES"})


def sms_reply_intent(body: str) -> str | None:
    """``"stop"`` or ``"start"`` for the carriers' keywords (CTIA), else None."""
    word = body.strip().upper().rstrip(".!")
    if word in STOP_WORDS:
        return "stop"
    if word in START_WORDS:
        return "start"
    return None
