"""What each message says, by email and by SMS: the minimum necessary, nothing clinical.

HIPAA's minimum-necessary standard (45 CFR 164.502(b)) applied to reminders: a message
names the client by first name, says when, and gives the clinic's name and phone. It never
carries a diagnosis, a procedure code, the service booked, the therapist or any note: a
message may be read by whoever holds the phone or the mailbox. Templates are filled only
from ``MessageContext``, which has no field that could hold such things.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.notifications.domain.messages import (
    BOOKED,
    CANCELLED,
    CLINIC_KINDS,
    EMAIL,
    INTAKE_WAITING,
    REFERRAL_EXHAUSTED,
    REFERRAL_EXPIRING,
    REMINDER,
    RENEWAL_REQUEST,
    RESCHEDULED,
    SIGN_IN,
    WAITLIST_OFFER,
)


@dataclass(frozen=True)
class MessageContext:
    """Everything a template may use; deliberately nothing clinical."""

    first_name: str
    clinic_name: str
    clinic_phone: str
    zone: ZoneInfo
    visit_at: datetime | None = None
    hold_until: datetime | None = None
    end_on: date | None = None
    visits_left: int | None = None
    unsubscribe_url: str | None = None
    client_id: str | None = None  # messages to the clinic only
    referral_id: str | None = None  # renewal requests to the clinic only
    submission_id: str | None = None  # intake notices to the clinic only
    link: str | None = None  # the sign-in link, or the waitlist offer's answer link
    link_until: datetime | None = None  # when the sign-in link stops working


@dataclass(frozen=True)
class Rendered:
    """A message ready to send: a subject (email only) and its text."""

    subject: str
    body: str


def when(moment: datetime, zone: ZoneInfo) -> str:
    """``Tuesday, March 10 at 10:00 AM EDT`` in the client's zone."""
    local = moment.astimezone(zone)
    hour = local.hour % 12 or 12
    return (f"{local:%A}, {local:%B} {local.day} at {hour}:{local:%M} "
            f"{'AM' if local.hour < 12 else 'PM'} {local.tzname()}")


def day(value: date) -> str:
    """``March 10, 2027``."""
    return f"{value:%B} {value.day}, {value.year}"


def _lines(kind: str, c: MessageContext) -> tuple[str, str, str]:
    """(subject, the sentence that matters, what to do) for one kind."""
    clinic, phone = c.clinic_name, c.clinic_phone
    visit = when(c.visit_at, c.zone) if c.visit_at else ""
    if kind == REMINDER:
        return (f"Reminder: your appointment at {clinic}",
                f"this is a reminder of your appointment at {clinic} on {visit}.",
                f"To change it, call us at {phone}.")
    if kind == BOOKED:
        return (f"Your appointment at {clinic} is booked",
                f"your appointment at {clinic} is booked for {visit}.",
                f"To change it, call us at {phone}.")
    if kind == RESCHEDULED:
        return (f"Your appointment at {clinic} has moved",
                f"your appointment at {clinic} is now on {visit}.",
                f"Questions? Call us at {phone}.")
    if kind == CANCELLED:
        return (f"Your appointment at {clinic} is cancelled",
                f"your appointment at {clinic} on {visit} is cancelled.",
                f"To book again, call us at {phone}.")
    if kind == WAITLIST_OFFER:
        hold = when(c.hold_until, c.zone) if c.hold_until else ""
        action = (f"To take it or let it go, open {c.link} or call us at {phone}." if c.link
                  else f"To take it, book it in the clinic's booking page or call us at {phone}.")
        return (f"A time opened up at {clinic}",
                f"a time you were waiting for opened up at {clinic}: {visit}. "
                f"We hold it for you until {hold}.", action)
    if kind == SIGN_IN:
        until = when(c.link_until, c.zone) if c.link_until else ""
        return (f"Your sign-in link for {clinic}",
                f"here is your link to see and change your visits at {clinic}: {c.link}\n"
                f"It works once, until {until}.",
                f"If you did not ask for it, ignore this email; questions: {phone}.")
    if kind == INTAKE_WAITING:
        return ("New client intake to confirm",
                f"client {c.client_id} sent their intake (submission {c.submission_id}).",
                "Please review and confirm it so they can book.")
    if kind == REFERRAL_EXPIRING:
        ends = day(c.end_on) if c.end_on else ""
        return (f"Your prescription for {clinic} ends soon",
                f"the prescription for your visits at {clinic} ends on {ends}.",
                f"To keep coming, ask your physician for a renewal; questions: {phone}.")
    if kind == REFERRAL_EXHAUSTED:
        left = c.visits_left or 0
        visits = "no visits" if left == 0 else ("1 visit" if left == 1 else f"{left} visits")
        return (f"Your prescription for {clinic} is almost used",
                f"your prescription for visits at {clinic} has {visits} left.",
                f"To keep coming, ask your physician for a renewal; questions: {phone}.")
    if kind == RENEWAL_REQUEST:
        return ("Referral renewal needed",
                f"referral {c.referral_id} of client {c.client_id} ends soon or is almost used.",
                "Please ask the client's physician for a renewal.")
    raise ValueError(f"no template for {kind!r}")


def render(kind: str, channel: str, context: MessageContext) -> Rendered:
    """The message of ``kind`` for ``channel`` (email: with the unsubscribe link)."""
    subject, news, action = _lines(kind, context)
    greeting = "Hello" if kind in CLINIC_KINDS else f"Hi {context.first_name}"
    if channel != EMAIL:
        return Rendered(subject, f"{greeting}, {news} {action} Reply STOP to opt out.")
    body = f"{greeting},\n\n{news[0].upper()}{news[1:]}\n{action}\n\n{context.clinic_name}\n"
    if context.unsubscribe_url:
        body += ("\nTo stop receiving these emails, open this link: "
                 f"{context.unsubscribe_url}\n")
    return Rendered(subject, body)
