"""The booking widget: its static page at /widget/ and the API it books through.

The page may be framed by any site (a clinic embeds it in its own); everything else
the service answers refuses framing. The client is whoever the booking code names:
the API never takes a client id and never shows another client's visit.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from flask import Blueprint, Response, g, request, send_file
from sqlalchemy import Connection

from services.scheduling.api.common import correlation_id, now
from services.scheduling.booking import BookingRequest, book_appointment
from services.scheduling.domain.errors import NotFound
from services.scheduling.store.appointments import get_appointment
from services.scheduling.store.calendar import (
    load_service,
    load_services,
    load_settings,
    load_therapists,
)
from services.scheduling.widget_schemas import (
    WidgetAppointmentSchema,
    WidgetBookingInSchema,
    WidgetServicesSchema,
)
from shared.db import read_only
from shared.web import (
    Problem,
    api,
    idempotent,
    load_body,
    public,
    respond,
    service_context,
    unit_of_work,
)
from shared.web.auth import booking_client

bp = Blueprint("widget", __name__)
View = TypeVar("View", bound=Callable[..., Any])

WIDGET_DIR = Path(__file__).resolve().parent.parent / "widget"
FILES = {
    "index.html": "text/html",
    "widget.js": "text/javascript",
    "widget.css": "text/css",
    "embed.js": "text/javascript",
}
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
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if name == "index.html":
        # A clinic may narrow who may frame the page, e.g. "https://clinic.example".
        ancestors = service_context().settings.extra.get("SCHEDULING_WIDGET_FRAME_ANCESTORS", "*")
        response.headers["Content-Security-Policy"] = PAGE_POLICY.format(ancestors=ancestors)
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
        raise Problem(404, "Not found", "No such widget file.", "not-found")
    return _widget_file(name)


@bp.after_app_request
def _frame_only_the_widget(response: Response) -> Response:
    if not request.path.startswith("/widget/"):
        response.headers.setdefault("X-Frame-Options", "DENY")
    return response


# -- the widget's API ---------------------------------------------------------------------------


def _visit(connection: Connection, appointment_id: str, client_id: str) -> dict[str, Any]:
    """The client's own appointment as the widget shows it; 404 for anyone else's."""
    row = get_appointment(connection, appointment_id)
    if row is None or row.client_id != client_id:
        raise NotFound("appointment")
    [therapist] = load_therapists(connection, [row.therapist_id], row.start, row.end)
    service = load_service(connection, row.service_id)
    assert service is not None  # an appointment's service is never deleted
    return {"id": row.id, "start": row.start, "end": row.end, "therapist_name": therapist.name,
            "service_name": service.name, "status": row.status}


def _booking_code_holder(view: View) -> View:
    """Identify the client by the booking code before anything else (401 without one).

    Idempotency keys are scoped to the credentials sent, so a replayed answer only ever
    goes back to the booking code that made it.
    """

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.booking_client = booking_client()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@bp.get("/widget/api/services")
@public
@api("Treatments the widget offers, and the clinic's time zone", response=WidgetServicesSchema)
def services() -> Response:
    """Every bookable service by name."""
    with read_only(service_context().engine) as connection:
        time_zone = load_settings(connection).time_zone
        offered = load_services(connection)
    body = {"time_zone": time_zone,
            "services": [{"id": service_id, "name": service.name,
                          "duration_minutes": service.duration_minutes}
                         for service_id, service in offered.items()]}
    return respond(WidgetServicesSchema, body, headers={"Cache-Control": "no-cache"})


@bp.post("/widget/api/appointments")
@public
@api("Book a slot for the booking code's client (Authorization: Bearer <booking code>)",
     request=WidgetBookingInSchema, response=WidgetAppointmentSchema, status=201,
     errors=(401, 404, 409, 422))
@_booking_code_holder
@idempotent
def book() -> Response:
    """Book like the front desk does, for the code's client only (409 taken, 422 reasons)."""
    data = load_body(WidgetBookingInSchema)
    booking = BookingRequest(client_id=g.booking_client, service_id=data["service_id"],
                             therapist_id=data["therapist_id"], start=data["start"],
                             room_id=data["room_id"])
    with unit_of_work() as connection:
        appointment_id = book_appointment(connection, booking, now(), correlation_id())
        visit = _visit(connection, appointment_id, g.booking_client)
    return respond(WidgetAppointmentSchema, visit, 201, headers=NO_STORE)


@bp.get("/widget/api/appointments/<appointment_id>")
@public
@api("The booking code's client's own appointment", response=WidgetAppointmentSchema,
     errors=(401, 404))
def own_appointment(appointment_id: str) -> Response:
    """One of the client's appointments; anyone else's is 404, as if it did not exist."""
    client_id = booking_client()
    with read_only(service_context().engine) as connection:
        visit = _visit(connection, appointment_id, client_id)
    return respond(WidgetAppointmentSchema, visit, headers=NO_STORE)
