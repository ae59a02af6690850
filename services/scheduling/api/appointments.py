"""Booking, series for a plan of care, cancel, reschedule, no-show, and reading appointments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Blueprint, Response
from sqlalchemy import Connection

from services.scheduling.api.common import now
from services.scheduling.api.schemas import (
    AppointmentSchema,
    AppointmentsQuery,
    BookingInSchema,
    RescheduleInSchema,
    SeriesInSchema,
    SeriesSchema,
)
from services.scheduling.commands.booking import (
    BookingRequest,
    SeriesRequest,
    VisitPlan,
    book_series,
    book_visit,
    cancel_appointment,
    mark_no_show,
    plan_visit,
    reschedule_appointment,
)
from services.scheduling.store.appointments import list_appointments, require_appointment
from shared.uow import UnitOfWork
from shared.web import Answer, allow, api, load_body, load_query, reads, respond, writes
from shared.web.context import service_context

bp = Blueprint("appointments", __name__)


def _shown(connection: Connection, appointment_id: str) -> Any:
    return require_appointment(connection, appointment_id)._mapping


def _planned_booking() -> tuple[BookingRequest, datetime, VisitPlan | None]:
    """The booking asked for, the moment it is decided at, and on SQLite its plan: read
    before the write lock, which then only re-checks it (commands/booking.py)."""
    data = load_body(BookingInSchema)
    request = BookingRequest(client_id=data["client_id"], service_id=data["service_id"],
                             therapist_id=data["therapist_id"], start=data["start"],
                             room_id=data["room_id"])
    moment = now()
    return request, moment, plan_visit(service_context().engine, request, moment)


@bp.post("/appointments")
@allow("front_desk")
@api("Book a slot", request=BookingInSchema, response=AppointmentSchema, status=201,
     errors=(404, 409, 422))
@writes(before=_planned_booking, inserts_with_commit=True)
def book(uow: UnitOfWork, planned: tuple[BookingRequest, datetime, VisitPlan | None]) -> Answer:
    """Book a client into a slot (409 when taken, 422 with reasons when not eligible)."""
    request, moment, plan = planned
    # The row as stored, without reading it back (one statement fewer per booking), dumped
    # after the commit.
    return Answer(AppointmentSchema, book_visit(uow, request, moment, plan), 201)


@bp.post("/appointments/series")
@allow("front_desk")
@api("Book a plan of care (all visits or none)", request=SeriesInSchema, response=SeriesSchema,
     status=201, errors=(404, 409, 422))
@writes
def book_plan(uow: UnitOfWork) -> Response:
    """Book e.g. 2x/week for 4 weeks at the same local time; refused dates are listed."""
    data = load_body(SeriesInSchema)
    request = SeriesRequest(
        client_id=data["client_id"], service_id=data["service_id"],
        therapist_id=data["therapist_id"], first_start=data["first_start"],
        visits_per_week=data["visits_per_week"], weeks=data["weeks"],
        weekdays=tuple(data["weekdays"]) if data["weekdays"] is not None else None,
        room_id=data["room_id"],
    )
    ids = book_series(uow, request, now())
    appointments = [_shown(uow.connection, appointment_id) for appointment_id in ids]
    body = {"series_id": appointments[0]["series_id"], "appointments": appointments}
    return respond(SeriesSchema, body, 201)


@bp.get("/appointments")
@allow("front_desk", "therapist")
@api("List appointments", query=AppointmentsQuery, response=AppointmentSchema(many=True))
@reads
def list_all(connection: Connection) -> Response:
    """Appointments by client, therapist and time window, earliest first."""
    query = load_query(AppointmentsQuery)
    rows = list_appointments(connection, query.get("client_id"), query.get("therapist_id"),
                             query.get("from_"), query.get("to"), query["limit"])
    return respond(AppointmentSchema(many=True), [row._mapping for row in rows])


@bp.get("/appointments/<appointment_id>")
@allow("front_desk", "therapist")
@api("Show an appointment", response=AppointmentSchema, errors=(404,))
@reads
def show(connection: Connection, appointment_id: str) -> Response:
    """One appointment."""
    return respond(AppointmentSchema, _shown(connection, appointment_id))


@bp.post("/appointments/<appointment_id>/cancel")
@allow("front_desk")
@api("Cancel an appointment", response=AppointmentSchema, errors=(404, 409))
@writes
def cancel(uow: UnitOfWork, appointment_id: str) -> Response:
    """Cancel; inside the cancellation window it is late and the clinic's fee applies."""
    cancel_appointment(uow, appointment_id, now())
    return respond(AppointmentSchema, _shown(uow.connection, appointment_id))


@bp.post("/appointments/<appointment_id>/reschedule")
@allow("front_desk")
@api("Move an appointment", request=RescheduleInSchema, response=AppointmentSchema,
     errors=(404, 409, 422))
@writes
def reschedule(uow: UnitOfWork, appointment_id: str) -> Response:
    """Move to another start (and optionally therapist or room) if that slot is free."""
    data = load_body(RescheduleInSchema)
    reschedule_appointment(uow, appointment_id, data["start"], now(), data["therapist_id"],
                           data["room_id"])
    return respond(AppointmentSchema, _shown(uow.connection, appointment_id))


@bp.post("/appointments/<appointment_id>/no-show")
@allow("front_desk")
@api("Record a no-show", response=AppointmentSchema, errors=(404, 409))
@writes
def no_show(uow: UnitOfWork, appointment_id: str) -> Response:
    """The client did not come; the clinic's no-show fee applies."""
    mark_no_show(uow, appointment_id, now())
    return respond(AppointmentSchema, _shown(uow.connection, appointment_id))
