"""Booking, series for a plan of care, cancel, reschedule, no-show, and reading appointments."""

from __future__ import annotations

from flask import Blueprint, Response

from services.scheduling.api.common import correlation_id, now
from services.scheduling.booking import (
    BookingRequest,
    SeriesRequest,
    book_appointment,
    book_series,
    cancel_appointment,
    mark_no_show,
    reschedule_appointment,
)
from services.scheduling.domain.errors import NotFound
from services.scheduling.schemas import (
    AppointmentSchema,
    AppointmentsQuery,
    BookingInSchema,
    RescheduleInSchema,
    SeriesInSchema,
    SeriesSchema,
)
from services.scheduling.store.appointments import get_appointment, list_appointments
from shared.db import read_only
from shared.web import (
    allow,
    api,
    idempotent,
    load_body,
    load_query,
    respond,
    service_context,
    unit_of_work,
)

bp = Blueprint("appointments", __name__)


def _stored(connection, appointment_id: str):  # type: ignore[no-untyped-def]
    row = get_appointment(connection, appointment_id)
    if row is None:
        raise NotFound("appointment")
    return row._mapping


@bp.post("/appointments")
@allow("front_desk")
@api("Book a slot", request=BookingInSchema, response=AppointmentSchema, status=201,
     errors=(404, 409, 422))
@idempotent
def book() -> Response:
    """Book a client into a slot (409 when taken, 422 with reasons when not eligible)."""
    data = load_body(BookingInSchema)
    request = BookingRequest(client_id=data["client_id"], service_id=data["service_id"],
                             therapist_id=data["therapist_id"], start=data["start"],
                             room_id=data["room_id"])
    with unit_of_work() as connection:
        appointment_id = book_appointment(connection, request, now(), correlation_id())
        appointment = _stored(connection, appointment_id)
    return respond(AppointmentSchema, appointment, 201)


@bp.post("/appointments/series")
@allow("front_desk")
@api("Book a plan of care (all visits or none)", request=SeriesInSchema, response=SeriesSchema,
     status=201, errors=(404, 409, 422))
@idempotent
def book_plan() -> Response:
    """Book e.g. 2x/week for 4 weeks at the same local time; refused dates are listed."""
    data = load_body(SeriesInSchema)
    request = SeriesRequest(
        client_id=data["client_id"], service_id=data["service_id"],
        therapist_id=data["therapist_id"], first_start=data["first_start"],
        visits_per_week=data["visits_per_week"], weeks=data["weeks"],
        weekdays=tuple(data["weekdays"]) if data["weekdays"] is not None else None,
        room_id=data["room_id"],
    )
    with unit_of_work() as connection:
        ids = book_series(connection, request, now(), correlation_id())
        appointments = [_stored(connection, appointment_id) for appointment_id in ids]
    body = {"series_id": appointments[0]["series_id"], "appointments": appointments}
    return respond(SeriesSchema, body, 201)


@bp.get("/appointments")
@allow("front_desk", "therapist")
@api("List appointments", query=AppointmentsQuery, response=AppointmentSchema(many=True))
def list_all() -> Response:
    """Appointments by client, therapist and time window, earliest first."""
    query = load_query(AppointmentsQuery)
    with read_only(service_context().engine) as connection:
        rows = list_appointments(connection, query.get("client_id"), query.get("therapist_id"),
                                 query.get("from_"), query.get("to"), query["limit"])
    return respond(AppointmentSchema(many=True), [row._mapping for row in rows])


@bp.get("/appointments/<appointment_id>")
@allow("front_desk", "therapist")
@api("Show an appointment", response=AppointmentSchema, errors=(404,))
def show(appointment_id: str) -> Response:
    """One appointment."""
    with read_only(service_context().engine) as connection:
        appointment = _stored(connection, appointment_id)
    return respond(AppointmentSchema, appointment)


@bp.post("/appointments/<appointment_id>/cancel")
@allow("front_desk")
@api("Cancel an appointment", response=AppointmentSchema, errors=(404, 409))
def cancel(appointment_id: str) -> Response:
    """Cancel; inside the cancellation window it is late and the clinic's fee applies."""
    with unit_of_work() as connection:
        cancel_appointment(connection, appointment_id, now(), correlation_id())
        appointment = _stored(connection, appointment_id)
    return respond(AppointmentSchema, appointment)


@bp.post("/appointments/<appointment_id>/reschedule")
@allow("front_desk")
@api("Move an appointment", request=RescheduleInSchema, response=AppointmentSchema,
     errors=(404, 409, 422))
def reschedule(appointment_id: str) -> Response:
    """Move to another start (and optionally therapist or room) if that slot is free."""
    data = load_body(RescheduleInSchema)
    with unit_of_work() as connection:
        reschedule_appointment(connection, appointment_id, data["start"], now(),
                               data["therapist_id"], data["room_id"], correlation_id())
        appointment = _stored(connection, appointment_id)
    return respond(AppointmentSchema, appointment)


@bp.post("/appointments/<appointment_id>/no-show")
@allow("front_desk")
@api("Record a no-show", response=AppointmentSchema, errors=(404, 409))
def no_show(appointment_id: str) -> Response:
    """The client did not come; the clinic's no-show fee applies."""
    with unit_of_work() as connection:
        mark_no_show(connection, appointment_id, now(), correlation_id())
        appointment = _stored(connection, appointment_id)
    return respond(AppointmentSchema, appointment)
