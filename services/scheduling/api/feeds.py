"""A therapist's calendar as an iCalendar feed (no client names, only short ids).

Staff read it with their token; a calendar app, which cannot send one, subscribes to the
therapist's secret URL (``/feeds/<secret>.ics``: public, rate-limited like every public
view, revocable; ``domain/feeds.py``).
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, request
from marshmallow import Schema, fields
from sqlalchemy import Connection

from services.scheduling.api.booking_codes import _no_idempotency_key
from services.scheduling.api.common import now
from services.scheduling.api.schemas import CalendarQuery
from services.scheduling.commands.feeds import issue_feed_secret, revoke_feed_secret
from services.scheduling.domain.calendar import Therapist
from services.scheduling.domain.care import is_own, sees_every_calendar
from services.scheduling.domain.errors import NotFound
from services.scheduling.domain.feeds import feed_secret_hash
from services.scheduling.domain.ical import feed_window, render_therapist_calendar
from services.scheduling.store.appointments import list_appointments, to_appointment
from services.scheduling.store.calendar import load_settings, load_therapist, require_therapist
from services.scheduling.store.feeds import therapist_of_feed
from shared.uow import UnitOfWork
from shared.web import allow, api, load_query, public, reads, respond, writes
from shared.web.caller import current_caller

bp = Blueprint("feeds", __name__)
# A feed answer names visits: no shared cache keeps it, no page it links to learns the URL.
PRIVATE = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer"}


class FeedSubscriptionSchema(Schema):
    therapist_id = fields.String(required=True)
    feed_url = fields.String(required=True, metadata={
        "description": "Shown once: subscribe a calendar app to it; creating again rotates it"})


def _own_or_every(therapist: Therapist) -> None:
    caller = current_caller()
    if not (sees_every_calendar(caller.roles) or is_own(therapist.staff_subject, caller.subject)):
        raise NotFound("therapist")


def _calendar(connection: Connection, therapist: Therapist, stamp: datetime,
              window: tuple[datetime, datetime]) -> Response:
    rows = list_appointments(connection, therapist_id=therapist.id, window_from=window[0],
                             window_to=window[1], limit=1000)
    text = render_therapist_calendar(therapist, [to_appointment(row) for row in rows], stamp,
                                     load_settings(connection).time_zone)
    return Response(text, mimetype="text/calendar", headers=PRIVATE)


@bp.get("/therapists/<therapist_id>/calendar.ics")
@allow("therapist", "front_desk")
@api("A therapist's appointments as iCalendar (a therapist reads their own)",
     query=CalendarQuery, content_type="text/calendar", errors=(400, 404))
@reads
def calendar_feed(connection: Connection, therapist_id: str) -> Response:
    """VCALENDAR text; by default the last 30 days and the next 180, at most 366 days."""
    query = load_query(CalendarQuery)
    stamp = now()
    window = feed_window(stamp, query.get("from_"), query.get("to"))
    therapist = require_therapist(connection, therapist_id)
    _own_or_every(therapist)
    return _calendar(connection, therapist, stamp, window)


@bp.post("/therapists/<therapist_id>/feed")
@allow("therapist", "front_desk")
@api("Create or rotate a therapist's secret calendar-subscription URL (shown once)",
     response=FeedSubscriptionSchema, status=201, errors=(400, 404))
@_no_idempotency_key
@writes
def create_subscription(uow: UnitOfWork, therapist_id: str) -> Response:
    """A URL a calendar app subscribes to without a token; any earlier URL stops working."""
    _own_or_every(require_therapist(uow.connection, therapist_id))
    secret = issue_feed_secret(uow, therapist_id, now())
    body = {"therapist_id": therapist_id, "feed_url": f"{request.url_root}feeds/{secret}.ics"}
    return respond(FeedSubscriptionSchema, body, 201, headers={"Cache-Control": "no-store"})


@bp.delete("/therapists/<therapist_id>/feed")
@allow("therapist", "front_desk")
@api("Revoke a therapist's calendar-subscription URL", status=204, errors=(404,))
@writes
def revoke_subscription(uow: UnitOfWork, therapist_id: str) -> Response:
    """The URL stops working at once (a lost phone, a URL shared by mistake)."""
    _own_or_every(require_therapist(uow.connection, therapist_id))
    revoke_feed_secret(uow, therapist_id)
    return Response(status=204)


@bp.get("/feeds/<secret>.ics")
@public
@api("A therapist's calendar by its secret subscription URL (no token)",
     content_type="text/calendar", errors=(404,))
@reads
def subscription(connection: Connection, secret: str) -> Response:
    """The last 30 days and the next 180; 404 for a revoked, rotated or unknown secret."""
    therapist_id = therapist_of_feed(connection, feed_secret_hash(secret))
    therapist = load_therapist(connection, therapist_id) if therapist_id else None
    if therapist is None:
        raise NotFound("calendar feed")
    stamp = now()
    return _calendar(connection, therapist, stamp, feed_window(stamp))
