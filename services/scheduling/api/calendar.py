"""Calendar data: therapists and their time off, rooms, services, clinic settings."""

from __future__ import annotations

from flask import Blueprint, Response

from services.scheduling.domain.calendar import (
    ClinicSettings,
    NoShowPolicy,
    Room,
    Service,
    Therapist,
)
from services.scheduling.domain.errors import NotFound
from services.scheduling.schemas import (
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
from services.scheduling.store import calendar as store
from shared.db import read_only
from shared.web import allow, api, idempotent, load_body, respond, service_context, unit_of_work

bp = Blueprint("calendar", __name__)
STAFF = ("front_desk", "therapist")


def _therapist_view(therapist: Therapist) -> dict:
    return {
        "id": therapist.id,
        "name": therapist.name,
        "npi": therapist.npi,
        "credentials": therapist.credentials,
        "weekly_hours": [
            {"weekday": day, "start": start, "end": end}
            for day, shifts in sorted(therapist.weekly_hours.items())
            for start, end in shifts
        ],
    }


def _therapist_from(therapist_id: str, data: dict) -> Therapist:
    hours: dict[int, list] = {}
    for shift in data["weekly_hours"]:
        hours.setdefault(shift["weekday"], []).append((shift["start"], shift["end"]))
    return Therapist(
        id=therapist_id,
        name=data["name"],
        npi=data["npi"],
        credentials=data["credentials"],
        weekly_hours={day: tuple(sorted(shifts)) for day, shifts in hours.items()},
    )


def _require_therapist(connection, therapist_id: str) -> Therapist:  # type: ignore[no-untyped-def]
    therapist = store.load_therapist(connection, therapist_id)
    if therapist is None:
        raise NotFound("therapist")
    return therapist


@bp.post("/therapists")
@allow("admin")
@api("Add a therapist", request=TherapistInSchema, response=TherapistSchema, status=201)
@idempotent
def add_therapist() -> Response:
    """Add a therapist with weekly working hours (local clinic time)."""
    therapist = _therapist_from(store.new_id(), load_body(TherapistInSchema))
    with unit_of_work() as connection:
        store.save_therapist(connection, therapist)
    return respond(TherapistSchema, _therapist_view(therapist), 201)


@bp.get("/therapists")
@allow(*STAFF)
@api("List therapists", response=TherapistSchema(many=True))
def list_therapists() -> Response:
    """Every therapist with their weekly hours."""
    with read_only(service_context().engine) as connection:
        therapists = store.load_therapists(connection)
    return respond(TherapistSchema(many=True), [_therapist_view(t) for t in therapists])


@bp.get("/therapists/<therapist_id>")
@allow(*STAFF)
@api("Show a therapist", response=TherapistSchema, errors=(404,))
def show_therapist(therapist_id: str) -> Response:
    """One therapist."""
    with read_only(service_context().engine) as connection:
        therapist = _require_therapist(connection, therapist_id)
    return respond(TherapistSchema, _therapist_view(therapist))


@bp.put("/therapists/<therapist_id>")
@allow("admin")
@api("Change a therapist", request=TherapistInSchema, response=TherapistSchema, errors=(404,))
def change_therapist(therapist_id: str) -> Response:
    """Replace a therapist's name, NPI, credentials and weekly hours."""
    therapist = _therapist_from(therapist_id, load_body(TherapistInSchema))
    with unit_of_work() as connection:
        _require_therapist(connection, therapist_id)
        store.save_therapist(connection, therapist)
    return respond(TherapistSchema, _therapist_view(therapist))


@bp.post("/therapists/<therapist_id>/time-off")
@allow("admin")
@api("Add time off", request=TimeOffInSchema, response=TimeOffSchema, status=201,
     errors=(404,))
@idempotent
def add_time_off(therapist_id: str) -> Response:
    """Block a span of a therapist's time (stored in UTC)."""
    data = load_body(TimeOffInSchema)
    with unit_of_work() as connection:
        _require_therapist(connection, therapist_id)
        off_id = store.add_time_off(connection, therapist_id, data["start"], data["end"])
    return respond(TimeOffSchema, {"id": off_id, "therapist_id": therapist_id, **data}, 201)


@bp.get("/therapists/<therapist_id>/time-off")
@allow(*STAFF)
@api("List time off", response=TimeOffSchema(many=True), errors=(404,))
def list_time_off(therapist_id: str) -> Response:
    """A therapist's time off, earliest first."""
    with read_only(service_context().engine) as connection:
        _require_therapist(connection, therapist_id)
        spans = store.list_time_off(connection, therapist_id)
    return respond(TimeOffSchema(many=True), spans)


@bp.delete("/therapists/<therapist_id>/time-off/<off_id>")
@allow("admin")
@api("Remove time off", status=204, errors=(404,))
def remove_time_off(therapist_id: str, off_id: str) -> Response:
    """Give a span of time off back to the calendar."""
    with unit_of_work() as connection:
        if not store.delete_time_off(connection, therapist_id, off_id):
            raise NotFound("time off")
    return Response(status=204)


@bp.post("/rooms")
@allow("admin")
@api("Add a room", request=RoomInSchema, response=RoomSchema, status=201)
@idempotent
def add_room() -> Response:
    """Add a treatment room."""
    room = Room(id=store.new_id(), name=load_body(RoomInSchema)["name"])
    with unit_of_work() as connection:
        store.save_room(connection, room)
    return respond(RoomSchema, room, 201)


@bp.get("/rooms")
@allow(*STAFF)
@api("List rooms", response=RoomSchema(many=True))
def list_rooms() -> Response:
    """Every treatment room."""
    with read_only(service_context().engine) as connection:
        rooms = store.load_rooms(connection)
    return respond(RoomSchema(many=True), rooms)


@bp.put("/rooms/<room_id>")
@allow("admin")
@api("Rename a room", request=RoomInSchema, response=RoomSchema, errors=(404,))
def rename_room(room_id: str) -> Response:
    """Rename a treatment room."""
    room = Room(id=room_id, name=load_body(RoomInSchema)["name"])
    with unit_of_work() as connection:
        if room_id not in {r.id for r in store.load_rooms(connection)}:
            raise NotFound("room")
        store.save_room(connection, room)
    return respond(RoomSchema, room)


def _service_view(service_id: str, service: Service) -> dict:
    return {"id": service_id, "name": service.name, "duration_minutes": service.duration_minutes,
            "default_techniques": list(service.default_techniques)}


@bp.post("/services")
@allow("admin")
@api("Add a service", request=ServiceInSchema, response=ServiceSchema, status=201)
@idempotent
def add_service() -> Response:
    """Add a bookable service (30, 45, 60 or 90 minutes)."""
    data = load_body(ServiceInSchema)
    service = Service(data["name"], data["duration_minutes"], tuple(data["default_techniques"]))
    service_id = store.new_id()
    with unit_of_work() as connection:
        store.save_service(connection, service_id, service)
    return respond(ServiceSchema, _service_view(service_id, service), 201)


@bp.get("/services")
@allow(*STAFF)
@api("List services", response=ServiceSchema(many=True))
def list_services() -> Response:
    """Every bookable service."""
    with read_only(service_context().engine) as connection:
        services = store.load_services(connection)
    return respond(ServiceSchema(many=True),
                   [_service_view(service_id, s) for service_id, s in services.items()])


@bp.put("/services/<service_id>")
@allow("admin")
@api("Change a service", request=ServiceInSchema, response=ServiceSchema, errors=(404,))
def change_service(service_id: str) -> Response:
    """Replace a service's name, duration and default techniques."""
    data = load_body(ServiceInSchema)
    service = Service(data["name"], data["duration_minutes"], tuple(data["default_techniques"]))
    with unit_of_work() as connection:
        if store.load_service(connection, service_id) is None:
            raise NotFound("service")
        store.save_service(connection, service_id, service)
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
def show_settings() -> Response:
    """Time zone, buffer, notice, horizon, cancellation window and fees."""
    with read_only(service_context().engine) as connection:
        settings = store.load_settings(connection)
    return respond(SettingsSchema, _settings_view(settings))


@bp.put("/settings")
@allow("admin")
@api("Change the clinic's booking settings", request=SettingsSchema, response=SettingsSchema)
def change_settings() -> Response:
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
    with unit_of_work() as connection:
        store.save_settings(connection, settings)
    return respond(SettingsSchema, _settings_view(settings))
