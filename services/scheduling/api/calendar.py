"""Calendar data: therapists and their time off, rooms, services, clinic settings."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from sqlalchemy import Connection

from services.scheduling.api.schemas import (
    RoomInSchema,
    RoomSchema,
    ServiceInSchema,
    ServiceSchema,
    SettingsSchema,
    TherapistInSchema,
    TherapistSchema,
    TimeOffInSchema,
    TimeOffSchema,
)
from services.scheduling.commands import calendar as commands
from services.scheduling.domain.calendar import (
    ClinicSettings,
    NoShowPolicy,
    Room,
    Service,
    Therapist,
    WeeklyHours,
)
from services.scheduling.store import calendar as store
from shared.uow import UnitOfWork
from shared.web import allow, api, load_body, reads, respond, writes

bp = Blueprint("calendar", __name__)
STAFF = ("front_desk", "therapist")


def _therapist_view(therapist: Therapist) -> dict:
    return {
        "id": therapist.id,
        "name": therapist.name,
        "npi": therapist.npi,
        "credentials": therapist.credentials,
        "staff_subject": therapist.staff_subject,
        "weekly_hours": [
            {"weekday": day, "start": start, "end": end}
            for day, shifts in sorted(therapist.weekly_hours.items())
            for start, end in shifts
        ],
    }


def _weekly_hours(data: dict[str, Any]) -> WeeklyHours:
    hours: dict[int, list] = {}
    for shift in data["weekly_hours"]:
        hours.setdefault(shift["weekday"], []).append((shift["start"], shift["end"]))
    return {day: tuple(sorted(shifts)) for day, shifts in hours.items()}


@bp.post("/therapists")
@allow("admin")
@api("Add a therapist", request=TherapistInSchema, response=TherapistSchema, status=201,
     errors=(409,))
@writes
def add_therapist(uow: UnitOfWork) -> Response:
    """Add a therapist with weekly working hours (local clinic time)."""
    data = load_body(TherapistInSchema)
    therapist = commands.add_therapist(uow, data["name"], data["npi"], data["credentials"],
                                       _weekly_hours(data), data["staff_subject"])
    return respond(TherapistSchema, _therapist_view(therapist), 201)


@bp.get("/therapists")
@allow(*STAFF)
@api("List therapists", response=TherapistSchema(many=True))
@reads
def list_therapists(connection: Connection) -> Response:
    """Every therapist with their weekly hours."""
    therapists = store.load_therapists(connection)
    return respond(TherapistSchema(many=True), [_therapist_view(t) for t in therapists])


@bp.get("/therapists/<therapist_id>")
@allow(*STAFF)
@api("Show a therapist", response=TherapistSchema, errors=(404,))
@reads
def show_therapist(connection: Connection, therapist_id: str) -> Response:
    """One therapist."""
    return respond(TherapistSchema,
                   _therapist_view(store.require_therapist(connection, therapist_id)))


@bp.put("/therapists/<therapist_id>")
@allow("admin")
@api("Change a therapist", request=TherapistInSchema, response=TherapistSchema,
     errors=(404, 409))
@writes
def change_therapist(uow: UnitOfWork, therapist_id: str) -> Response:
    """Replace a therapist's name, NPI, credentials, weekly hours and staff login."""
    data = load_body(TherapistInSchema)
    therapist = Therapist(id=therapist_id, name=data["name"], npi=data["npi"],
                          credentials=data["credentials"], weekly_hours=_weekly_hours(data),
                          staff_subject=data["staff_subject"])
    commands.change_therapist(uow, therapist)
    return respond(TherapistSchema, _therapist_view(therapist))


@bp.post("/therapists/<therapist_id>/time-off")
@allow("admin")
@api("Add time off", request=TimeOffInSchema, response=TimeOffSchema, status=201,
     errors=(404,))
@writes
def add_time_off(uow: UnitOfWork, therapist_id: str) -> Response:
    """Block a span of a therapist's time (stored in UTC)."""
    data = load_body(TimeOffInSchema)
    off_id = commands.add_time_off(uow, therapist_id, data["start"], data["end"])
    return respond(TimeOffSchema, {"id": off_id, "therapist_id": therapist_id, **data}, 201)


@bp.get("/therapists/<therapist_id>/time-off")
@allow(*STAFF)
@api("List time off", response=TimeOffSchema(many=True), errors=(404,))
@reads
def list_time_off(connection: Connection, therapist_id: str) -> Response:
    """A therapist's time off, earliest first."""
    store.require_therapist(connection, therapist_id)
    return respond(TimeOffSchema(many=True), store.list_time_off(connection, therapist_id))


@bp.delete("/therapists/<therapist_id>/time-off/<off_id>")
@allow("admin")
@api("Remove time off", status=204, errors=(404,))
@writes
def remove_time_off(uow: UnitOfWork, therapist_id: str, off_id: str) -> Response:
    """Give a span of time off back to the calendar."""
    commands.remove_time_off(uow, therapist_id, off_id)
    return Response(status=204)


@bp.post("/rooms")
@allow("admin")
@api("Add a room", request=RoomInSchema, response=RoomSchema, status=201)
@writes
def add_room(uow: UnitOfWork) -> Response:
    """Add a treatment room."""
    room = commands.add_room(uow, load_body(RoomInSchema)["name"])
    return respond(RoomSchema, room, 201)


@bp.get("/rooms")
@allow(*STAFF)
@api("List rooms", response=RoomSchema(many=True))
@reads
def list_rooms(connection: Connection) -> Response:
    """Every treatment room."""
    return respond(RoomSchema(many=True), store.load_rooms(connection))


@bp.put("/rooms/<room_id>")
@allow("admin")
@api("Rename a room", request=RoomInSchema, response=RoomSchema, errors=(404,))
@writes
def rename_room(uow: UnitOfWork, room_id: str) -> Response:
    """Rename a treatment room."""
    room = Room(id=room_id, name=load_body(RoomInSchema)["name"])
    commands.rename_room(uow, room)
    return respond(RoomSchema, room)


def _service_view(service_id: str, service: Service) -> dict:
    return {"id": service_id, "name": service.name, "duration_minutes": service.duration_minutes,
            "default_techniques": list(service.default_techniques)}


def _service_from(data: dict[str, Any]) -> Service:
    return Service(data["name"], data["duration_minutes"], tuple(data["default_techniques"]))


@bp.post("/services")
@allow("admin")
@api("Add a service", request=ServiceInSchema, response=ServiceSchema, status=201)
@writes
def add_service(uow: UnitOfWork) -> Response:
    """Add a bookable service (30, 45, 60 or 90 minutes)."""
    service = _service_from(load_body(ServiceInSchema))
    service_id = commands.add_service(uow, service)
    return respond(ServiceSchema, _service_view(service_id, service), 201)


@bp.get("/services")
@allow(*STAFF)
@api("List services", response=ServiceSchema(many=True))
@reads
def list_services(connection: Connection) -> Response:
    """Every bookable service."""
    services = store.load_services(connection)
    return respond(ServiceSchema(many=True),
                   [_service_view(service_id, s) for service_id, s in services.items()])


@bp.put("/services/<service_id>")
@allow("admin")
@api("Change a service", request=ServiceInSchema, response=ServiceSchema, errors=(404,))
@writes
def change_service(uow: UnitOfWork, service_id: str) -> Response:
    """Replace a service's name, duration and default techniques."""
    service = _service_from(load_body(ServiceInSchema))
    commands.change_service(uow, service_id, service)
    return respond(ServiceSchema, _service_view(service_id, service))


def _settings_view(settings: ClinicSettings) -> dict:
    return {
        "time_zone": settings.time_zone,
        "buffer_minutes": settings.buffer_minutes,
        "minimum_notice_minutes": settings.minimum_notice_minutes,
        "booking_horizon_days": settings.booking_horizon_days,
        "cancellation_window_hours": settings.cancellation_window_hours,
        "no_show_fee": settings.no_show_policy.no_show_fee,
        "late_cancellation_fee": settings.no_show_policy.late_cancellation_fee,
    }


@bp.get("/settings")
@allow(*STAFF)
@api("Show the clinic's booking settings", response=SettingsSchema)
@reads
def show_settings(connection: Connection) -> Response:
    """Time zone, buffer, notice, horizon, cancellation window and fees."""
    return respond(SettingsSchema, _settings_view(store.load_settings(connection)))


@bp.put("/settings")
@allow("admin")
@api("Change the clinic's booking settings", request=SettingsSchema, response=SettingsSchema)
@writes
def change_settings(uow: UnitOfWork) -> Response:
    """Replace the clinic's booking settings."""
    data = load_body(SettingsSchema)
    settings = ClinicSettings(
        time_zone=data["time_zone"],
        buffer_minutes=data["buffer_minutes"],
        minimum_notice_minutes=data["minimum_notice_minutes"],
        booking_horizon_days=data["booking_horizon_days"],
        cancellation_window_hours=data["cancellation_window_hours"],
        no_show_policy=NoShowPolicy(data["no_show_fee"], data["late_cancellation_fee"]),
    )
    commands.change_settings(uow, settings)
    return respond(SettingsSchema, _settings_view(settings))
