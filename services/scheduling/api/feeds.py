"""A therapist's calendar as an iCalendar feed (no client names, only short ids)."""

from __future__ import annotations

from flask import Blueprint, Response
from sqlalchemy import Connection

from services.scheduling.api.common import now
from services.scheduling.api.schemas import CalendarQuery
from services.scheduling.domain.care import is_own, sees_every_calendar
from services.scheduling.domain.errors import NotFound
from services.scheduling.domain.ical import feed_window, render_therapist_calendar
from services.scheduling.store.appointments import list_appointments, to_appointment
from services.scheduling.store.calendar import require_therapist
from shared.web import allow, api, load_query, reads
from shared.web.caller import current_caller

bp = Blueprint("feeds", __name__)


@bp.get("/therapists/<therapist_id>/calendar.ics")
@allow("therapist", "front_desk")
@api("A therapist's appointments as iCalendar (a therapist reads their own)",
     query=CalendarQuery, content_type="text/calendar", errors=(400, 404))
@reads
def calendar_feed(connection: Connection, therapist_id: str) -> Response:
    """VCALENDAR text; by default the last 30 days and the next 180, at most 366 days."""
    query = load_query(CalendarQuery)
    stamp = now()
    window_from, window_to = feed_window(stamp, query.get("from_"), query.get("to"))
    therapist = require_therapist(connection, therapist_id)
    caller = current_caller()
    if not (sees_every_calendar(caller.roles) or is_own(therapist.staff_subject, caller.subject)):
        raise NotFound("therapist")
    rows = list_appointments(connection, therapist_id=therapist_id, window_from=window_from,
                             window_to=window_to, limit=1000)
    text = render_therapist_calendar(therapist, [to_appointment(row) for row in rows], stamp)
    return Response(text, mimetype="text/calendar")
