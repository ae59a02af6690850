"""One visit as an iCalendar file (RFC 5545) for the client's own calendar, via ``icalendar``."""

from __future__ import annotations

from datetime import datetime

from icalendar import Calendar, Event

PRODUCT_ID = "-//medmassage//self-service//EN"


def visit_calendar(visit_id: str, start: datetime, end: datetime, service_name: str,
                   therapist_name: str, status: str, stamp: datetime) -> bytes:
    """A VCALENDAR with the visit's VEVENT; a cancelled visit is STATUS:CANCELLED."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    # The same UID every download, so a calendar app updates the visit rather than adding it.
    event.add("uid", f"{visit_id}@medmassage")
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", f"{service_name} with {therapist_name}")
    event.add("status", "CANCELLED" if status == "cancelled" else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
