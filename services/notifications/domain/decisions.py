"""At the moment of sending: send now, later, or not at all — and why.

Decided again just before every send, from what is known then, so a message planned
before the client's contact details arrived, before a cancellation, or before an opt-out
still does the right thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.notifications.domain.messages import (
    ASKED_FOR,
    CANCELLED,
    CLINIC,
    SKIPPED,
    WITHDRAWN,
    Recipient,
)
from services.notifications.domain.timing import QuietHours, outside_quiet_hours

SEND = "send"
LATER = "later"
WAITING_FOR_CONTACT = "waiting_for_contact"  # a LATER's reason: woken when the contact comes
CONTACT_RETRY = timedelta(minutes=1)  # how often a message waiting for contact details looks


@dataclass(frozen=True)
class Decision:
    """``send`` to ``address``; ``later`` at ``at``; or a final state (skipped, cancelled)."""

    action: str
    reason: str | None = None
    at: datetime | None = None
    address: str | None = None


@dataclass(frozen=True)
class Situation:
    """What is known about one claimed message when it is about to go."""

    kind: str
    audience: str
    due_at: datetime
    deadline: datetime | None
    appointment_start: datetime | None
    appointment_status: str | None  # booked | cancelled | None (not an appointment's)
    current_start: datetime | None  # the appointment's start as last known
    recipient: Recipient
    zone: ZoneInfo


def decide(situation: Situation, now: datetime, quiet: QuietHours | None,
           contact_grace: timedelta) -> Decision:
    """The decision for one message at ``now``."""
    s = situation
    if s.deadline is not None and now >= s.deadline:
        return Decision(SKIPPED, "too_late")
    if s.appointment_start is not None and s.kind != CANCELLED and (
        s.appointment_status != "booked" or s.current_start != s.appointment_start
    ):
        # docs/NOTIFICATIONS.md §Stale: a cancelled or moved visit gets no old reminder.
        return Decision(WITHDRAWN, "stale")
    if s.recipient.address is None:
        if s.recipient.reason == "no_contact" and s.audience != CLINIC:
            give_up = s.due_at + contact_grace
            if s.deadline is not None:
                give_up = min(give_up, s.deadline)
            if now < give_up:
                return Decision(LATER, WAITING_FOR_CONTACT, min(now + CONTACT_RETRY, give_up))
        return Decision(SKIPPED, s.recipient.reason)
    if s.kind in ASKED_FOR:
        return Decision(SEND, address=s.recipient.address)  # they are waiting for it now
    allowed = outside_quiet_hours(now, s.zone, quiet, s.deadline, not_before=now)
    if allowed is None:
        return Decision(SKIPPED, "quiet_hours")
    if allowed > now:
        return Decision(LATER, "quiet_hours", allowed)
    return Decision(SEND, address=s.recipient.address)
