"""A therapist's appointments as an iCalendar feed (RFC 5545), with no client names."""

from collections.abc import Iterable
from datetime import UTC, datetime

from services.scheduling.domain.calendar import Appointment, Therapist

PRODUCT_ID = "-//medmassage//scheduling//EN"
MAX_LINE_OCTETS = 75  # RFC 5545 §3.1, not counting the CRLF
SHORT_ID_LENGTH = 8


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
