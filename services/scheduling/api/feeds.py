"""A therapist's calendar as an iCalendar feed (no client names, only short ids)."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response
from sqlalchemy import Connection

from services.scheduling.api.common import now
from services.scheduling.api.schemas import CalendarQuery
from services.scheduling.domain.ical import render_therapist_calendar
from services.scheduling.store.appointments import list_appointments, to_appointment
from services.scheduling.store.calendar import require_therapist
from shared.web import allow, api, load_query, reads

bp = Blueprint("feeds", __name__)
PAST = timedelta(days=30)
AHEAD = timedelta(days=180)


@bp.get("/therapists/<therapist_id>/calendar.ics")
@allow("therapist", "front_desk")
@api("A therapist's appointments as iCalendar", query=CalendarQuery,
     content_type="text/calendar", errors=(404,))
@reads
def calendar_feed(connection: Connection, therapist_id: str) -> Response:
    """VCALENDAR text; by default the last 30 days and the next 180."""
    query = load_query(CalendarQuery)
    stamp = now()
    therapist = require_therapist(connection, therapist_id)
    rows = list_appointments(connection, therapist_id=therapist_id,
                             window_from=query.get("from_", stamp - PAST),
                             window_to=query.get("to", stamp + AHEAD), limit=1000)
    text = render_therapist_calendar(therapist, [to_appointment(row) for row in rows], stamp)
    return Response(text, mimetype="text/calendar")
