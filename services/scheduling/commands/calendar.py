"""The calendar, written by admins: therapists, time off, rooms, services, settings."""

from __future__ import annotations

from datetime import datetime

from services.scheduling.commands import openings
from services.scheduling.domain.calendar import (
    ClinicSettings,
    Room,
    Service,
    Therapist,
    WeeklyHours,
)
from services.scheduling.domain.errors import NotFound, StaffSubjectTaken
from services.scheduling.store import calendar as store
from shared.uow import UnitOfWork


def add_therapist(
    uow: UnitOfWork, name: str, npi: str, credentials: str, weekly_hours: WeeklyHours,
    staff_subject: str | None = None,
) -> Therapist:
    """Add a therapist with weekly working hours (local clinic time) and their staff login."""
    therapist = Therapist(id=store.new_id(), name=name, npi=npi, credentials=credentials,
                          weekly_hours=weekly_hours, staff_subject=staff_subject)
    _check_login_free(uow, therapist)
    store.save_therapist(uow.connection, therapist)
    openings.hours_changed(uow, therapist.id)
    return therapist


def change_therapist(uow: UnitOfWork, therapist: Therapist) -> None:
    """Replace an existing therapist's name, NPI, credentials, weekly hours and login."""
    store.require_therapist(uow.connection, therapist.id)
    _check_login_free(uow, therapist)
    store.save_therapist(uow.connection, therapist)
    openings.hours_changed(uow, therapist.id)


def _check_login_free(uow: UnitOfWork, therapist: Therapist) -> None:
    # One login, one therapist: it decides whose sessions and clients the login reaches.
    # The unique index backs this up should two admins link one login at the same moment.
    if therapist.staff_subject is None:
        return
    holder = store.therapist_linked_to(uow.connection, therapist.staff_subject)
    if holder is not None and holder != therapist.id:
        raise StaffSubjectTaken()


def add_time_off(uow: UnitOfWork, therapist_id: str, start: datetime, end: datetime) -> str:
    """Block a span of a therapist's time; returns its id."""
    store.require_therapist(uow.connection, therapist_id)
    return store.add_time_off(uow.connection, therapist_id, start, end)


def remove_time_off(uow: UnitOfWork, therapist_id: str, off_id: str) -> None:
    """Give a span of time off back to the calendar."""
    if not store.delete_time_off(uow.connection, therapist_id, off_id):
        raise NotFound("time off")
    openings.hours_changed(uow, therapist_id)


def add_room(uow: UnitOfWork, name: str) -> Room:
    """Add a treatment room."""
    room = Room(id=store.new_id(), name=name)
    store.save_room(uow.connection, room)
    return room


def rename_room(uow: UnitOfWork, room: Room) -> None:
    """Rename an existing treatment room."""
    if room.id not in {stored.id for stored in store.load_rooms(uow.connection)}:
        raise NotFound("room")
    store.save_room(uow.connection, room)


def add_service(uow: UnitOfWork, service: Service) -> str:
    """Add a bookable service; returns its id."""
    service_id = store.new_id()
    store.save_service(uow.connection, service_id, service)
    return service_id


def change_service(uow: UnitOfWork, service_id: str, service: Service) -> None:
    """Replace an existing service's name, duration and default techniques."""
    store.require_service(uow.connection, service_id)
    store.save_service(uow.connection, service_id, service)


def change_settings(uow: UnitOfWork, settings: ClinicSettings) -> None:
    """Replace the clinic's booking settings."""
    store.save_settings(uow.connection, settings)
