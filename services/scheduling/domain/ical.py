"""A therapist's appointments as an iCalendar feed (RFC 5545), with no client names."""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from services.scheduling.domain.calendar import Appointment, Therapist
from shared.errors import InvalidInput

PRODUCT_ID = "-//medmassage//scheduling//EN"
MAX_LINE_OCTETS = 75  # RFC 5545 §3.1, not counting the CRLF
SHORT_ID_LENGTH = 8
# What a feed covers unless asked otherwise, and the most it covers when asked.
FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=180)
MAX_FEED_SPAN = timedelta(days=366)


def feed_window(
    now: datetime, window_from: datetime | None = None, window_to: datetime | None = None
) -> tuple[datetime, datetime]:
    """The span a feed covers: the one asked for, by default the last 30 days and next 180.

    A span that ends before it starts or lasts more than ``MAX_FEED_SPAN`` is refused,
    naming the bound the caller gave ("to" when they gave both).
    """
    start = window_from if window_from is not None else now - FEED_PAST
    end = window_to if window_to is not None else now + FEED_AHEAD
    named = "from" if window_to is None else "to"
    if end <= start:
        raise InvalidInput.field(named, "The feed would end before it starts.")
    if end - start > MAX_FEED_SPAN:
        raise InvalidInput.field(named, f"A feed covers at most {MAX_FEED_SPAN.days} days.")
    return start, end


def render_therapist_calendar(
    therapist: Therapist, appointments: Iterable[Appointment], stamp: datetime
) -> str:
    """The therapist's appointments as VCALENDAR text; `stamp` is when it was rendered."""
    own = sorted(
        (a for a in appointments if a.therapist_id == therapist.id),
        key=lambda a: (a.start, a.id),
    )
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODUCT_ID}", "CALSCALE:GREGORIAN"]
    for appointment in own:
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_escape(appointment.id)}@medmassage",
            f"DTSTAMP:{_utc(stamp)}",
            f"DTSTART:{_utc(appointment.start)}",
            f"DTEND:{_utc(appointment.end)}",
            # Calendars leak to phones and shared screens: no client name, only a short id.
            f"SUMMARY:{_escape(f'Medical massage — client {short_id(appointment.client_id)}')}",
            f"STATUS:{'CANCELLED' if appointment.status == 'cancelled' else 'CONFIRMED'}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + "\r\n" for line in lines)


def short_id(client_id: str) -> str:
    """The first characters of a client id, enough for a therapist to tell clients apart."""
    return client_id[:SHORT_ID_LENGTH]


def fold_line(line: str) -> str:
    """Fold a content line into pieces of at most 75 octets joined by CRLF + space.

    Never splits a UTF-8 character; each continuation's leading space counts as one octet.
    """
    pieces = []
    current, size, limit = [], 0, MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, MAX_LINE_OCTETS - 1
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _escape(text: str) -> str:
    # RFC 5545 §3.3.11 TEXT: backslash first, then the separators and newlines.
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )
