"""A therapist's appointments as an iCalendar feed (RFC 5545), with no client names.

Built with the ``icalendar`` library, which escapes TEXT values and folds lines at 75
octets without splitting a UTF-8 character. Times are in UTC; the calendar names the
clinic's zone (X-WR-TIMEZONE) so calendar apps show the clinic's day.

Minimum necessary (docs/DOMAIN.md, and the feeds reach phones and shared screens):
scheduling holds no client names at all, so an event names its client by the first
characters of their id only; never a diagnosis, a name or a note.
"""

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, Event

from services.scheduling.domain.calendar import Appointment, Therapist
from shared.errors import InvalidInput

PRODUCT_ID = "-//medmassage//scheduling//EN"
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
    therapist: Therapist, appointments: Iterable[Appointment], stamp: datetime,
    time_zone: str | None = None,
) -> str:
    """The therapist's appointments as VCALENDAR text; `stamp` is when it was rendered.

    ``time_zone`` (the clinic's) is named on the calendar; the events stay in UTC.
    """
    own = sorted(
        (a for a in appointments if a.therapist_id == therapist.id),
        key=lambda a: (a.start, a.id),
    )
    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("calscale", "GREGORIAN")
    if time_zone is not None:
        calendar.add("x-wr-timezone", time_zone)
    for appointment in own:
        event = Event()
        event.add("uid", f"{appointment.id}@medmassage")
        event.add("dtstamp", stamp.astimezone(UTC))
        event.add("dtstart", appointment.start.astimezone(UTC))
        event.add("dtend", appointment.end.astimezone(UTC))
        # Calendars leak to phones and shared screens: no client name, only a short id.
        event.add("summary", f"Medical massage — client {short_id(appointment.client_id)}")
        event.add("status", "CANCELLED" if appointment.status == "cancelled" else "CONFIRMED")
        calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")


def short_id(client_id: str) -> str:
    """The first characters of a client id, enough for a therapist to tell clients apart."""
    return client_id[:SHORT_ID_LENGTH]
