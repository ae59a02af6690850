"""The client contacts and appointments this service keeps from other services' events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, select

from services.notifications.store.tables import appointments, contacts
from shared.db import save_if_newer, utcnow

BOOKED = "booked"
CANCELLED = "cancelled"


def save_contact(connection: Connection, contact: dict[str, Any]) -> bool:
    """Keep the contact unless a newer version is stored; True when this one was kept."""
    row = {
        "client_id": contact["client_id"],
        "version": contact["version"],
        "first_name": contact["first_name"],
        "email": contact.get("email"),
        "phone": contact.get("phone"),
        "time_zone": contact.get("time_zone"),
        "updated_at": utcnow(),
    }
    return save_if_newer(connection, contacts, row,
                         lambda stored, incoming: incoming.version > stored.version)


def contact_of(connection: Connection, client_id: str) -> dict[str, Any] | None:
    """The client's newest known contact details, or None."""
    row = connection.execute(select(contacts).where(contacts.c.client_id == client_id)).first()
    return dict(row._mapping) if row else None


def save_booking(connection: Connection, appointment_id: str, client_id: str,
                 start: datetime, changed_at: datetime) -> bool:
    """Record the appointment at ``start`` unless a later change (or a cancellation) is known.

    Events carry no version, so their time orders them; a cancellation is final whatever
    its time, so a booking that arrives after it (redelivery, replay) changes nothing.
    """
    row = {"appointment_id": appointment_id, "client_id": client_id, "status": BOOKED,
           "start": start, "changed_at": changed_at, "updated_at": utcnow()}
    return save_if_newer(
        connection, appointments, row,
        lambda stored, incoming: and_(stored.status != CANCELLED,
                                      incoming.changed_at > stored.changed_at),
    )


def save_cancellation(connection: Connection, appointment_id: str, client_id: str,
                      changed_at: datetime) -> bool:
    """Record the appointment as cancelled (also before its booking is known)."""
    row = {"appointment_id": appointment_id, "client_id": client_id, "status": CANCELLED,
           "changed_at": changed_at, "updated_at": utcnow()}
    return save_if_newer(connection, appointments, row,
                         lambda stored, incoming: stored.status != CANCELLED)


def appointment(connection: Connection, appointment_id: str) -> Any:
    """The appointment as last known, or None."""
    return connection.execute(
        select(appointments).where(appointments.c.appointment_id == appointment_id)
    ).first()
