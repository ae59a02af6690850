"""The booking widget: its static page at /widget/ and the API it books through.

The page may be framed by the sites the clinic names (SCHEDULING_WIDGET_FRAME_ANCESTORS:
its own site embeds it), by none until then; everything else the service answers
refuses framing. The client is whoever the booking code names:
the API never takes a client id and never shows another client's visit.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Blueprint, Response, g, send_file
from sqlalchemy import Connection

from services.scheduling.api.common import config, now
from services.scheduling.api.widget_schemas import (
    WidgetAppointmentSchema,
    WidgetBookingInSchema,
    WidgetServicesSchema,
)
from services.scheduling.commands.booking import BookingRequest, book_appointment
from services.scheduling.commands.booking_codes import present_booking_code
from services.scheduling.domain.booking_codes import MAX_MISSES, Verdict
from services.scheduling.domain.errors import NotFound
from services.scheduling.store.appointments import client_visit
from services.scheduling.store.calendar import load_services, load_settings
from shared.uow import UnitOfWork, unit_of_work
from shared.web import Problem, api, load_body, public, reads, respond, service_context, writes
from shared.web.auth import bearer_token

bp = Blueprint("widget", __name__)
View = TypeVar("View", bound=Callable[..., Any])

WIDGET_DIR = Path(__file__).resolve().parent.parent / "widget"
FILES = {
    "index.html": "text/html",
    "widget.js": "text/javascript",
    "widget.css": "text/css",
    "embed.js": "text/javascript",
    # Self-service (issue #14): the client's own visits, after signing in.
    "account.html": "text/html",
    "account.js": "text/javascript",
    # A waitlist offer's answer page (issue #14 item 4): the link's #offer= secret.
    "offer.html": "text/html",
    "offer.js": "text/javascript",
}
PAGES = ("index.html", "account.html", "offer.html")
# The page runs only its own script and style and talks only to this service.
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
               "frame-ancestors {ancestors}")
NO_STORE = {"Cache-Control": "no-store"}


# -- the static widget -------------------------------------------------------------------------


def _widget_file(name: str) -> Response:
    # The file names carry no version, so browsers revalidate (ETag, cheap 304) rather than
    # run a stale script against a newer page.
    response = send_file(WIDGET_DIR / name, mimetype=FILES[name], conditional=True, etag=True)
    # The shared headers keep this page's own policy (and add nosniff); the page's links
    # stay on this origin, so it may tell itself where a request came from.
    response.headers["Referrer-Policy"] = "same-origin"
    if name in PAGES:
        # A clinic may narrow who may frame the page, e.g. "https://clinic.example".
        response.headers["Content-Security-Policy"] = PAGE_POLICY.format(
            ancestors=config().widget_frame_ancestors)
    return response


@bp.get("/widget/")
@public
def page() -> Response:
    """The widget page (embed it with embed.js or an iframe)."""
    return _widget_file("index.html")


@bp.get("/widget/<name>")
@public
def asset(name: str) -> Response:
    """The widget's script, style sheet and embedding script."""
    if name not in FILES:
        raise NotFound("widget file")
    return _widget_file(name)


# -- the widget's API ---------------------------------------------------------------------------


def _visit(connection: Connection, appointment_id: str, client_id: str) -> dict[str, Any]:
    """The client's own appointment as the widget shows it; 404 for anyone else's."""
    visit = client_visit(connection, appointment_id, client_id)
    if visit is None:
        raise NotFound("appointment")
    return visit


def _booking_client() -> str:
    """The client whose booking code the request carries; a 401 problem for anything else.

    The code is checked in a transaction of its own, committed whatever the verdict: a
    wrong secret must be counted even though the request is refused. The widget's routes
    are public, so the per-address rate limit also slows down anyone guessing codes.
    """
    code = bearer_token()
    context = service_context()
    with unit_of_work(context.engine, context.settings.service,
                      correlation_id=g.get("correlation_id")) as uow:
        presented = present_booking_code(uow, code, now())
    if presented.verdict in (Verdict.REVOKED, Verdict.LOCKED_OUT):
        raise Problem(401, "Booking code revoked",
                      f"This booking code no longer works ({MAX_MISSES} wrong tries, or the "
                      "clinic revoked it). Please ask the front desk for a new one.",
                      "booking-code-revoked", reasons=["booking_code_revoked"])
    if presented.client_id is None:
        raise Problem(401, "Unauthorized", "The booking code is invalid or expired.",
                      "invalid-booking-code", reasons=["invalid_booking_code"])
    # The client is the caller: the audit trail records their own reads and bookings too.
    g.caller = f"client:{presented.client_id}"
    g.roles = ["client"]
    return presented.client_id


def _booking_code_holder(view: View) -> View:
    """Identify the client by the booking code before anything else (401 without one).

    The view gets the client id after its own first argument. Idempotency keys are scoped
    to the credentials sent, so a replayed answer only ever goes back to the booking code
    that made it.
    """

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return view(_booking_client(), *args, **kwargs)

    return wrapper  # type: ignore[return-value]


@bp.get("/widget/api/services")
@public
@api("Treatments the widget offers, and the clinic's time zone", response=WidgetServicesSchema)
@reads
def services(connection: Connection) -> Response:
    """Every bookable service by name."""
    body = {"time_zone": load_settings(connection).time_zone,
            "services": [{"id": service_id, "name": service.name,
                          "duration_minutes": service.duration_minutes}
                         for service_id, service in load_services(connection).items()]}
    return respond(WidgetServicesSchema, body, headers={"Cache-Control": "no-cache"})


@bp.post("/widget/api/appointments")
@public
@api("Book a slot for the booking code's client (Authorization: Bearer <booking code>)",
     request=WidgetBookingInSchema, response=WidgetAppointmentSchema, status=201,
     errors=(401, 404, 409, 422))
@_booking_code_holder
@writes
def book(uow: UnitOfWork, client_id: str) -> Response:
    """Book like the front desk does, for the code's client only (409 taken, 422 reasons)."""
    data = load_body(WidgetBookingInSchema)
    booking = BookingRequest(client_id=client_id, service_id=data["service_id"],
                             therapist_id=data["therapist_id"], start=data["start"],
                             room_id=data["room_id"])
    appointment_id = book_appointment(uow, booking, now())
    return respond(WidgetAppointmentSchema, _visit(uow.connection, appointment_id, client_id),
                   201, headers=NO_STORE)


@bp.get("/widget/api/appointments/<appointment_id>")
@public
@api("The booking code's client's own appointment", response=WidgetAppointmentSchema,
     errors=(401, 404))
@_booking_code_holder
@reads
def own_appointment(connection: Connection, client_id: str, appointment_id: str) -> Response:
    """One of the client's appointments; anyone else's is 404, as if it did not exist."""
    return respond(WidgetAppointmentSchema, _visit(connection, appointment_id, client_id),
                   headers=NO_STORE)
