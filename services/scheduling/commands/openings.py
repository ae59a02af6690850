"""Freed time, noted for the waitlist: the one-line hooks of the commands that free it.

Cancel and reschedule free a visit's time; a change to a therapist's hours or time off
may free any of it. The waitlist worker offers what was noted (``commands/waitlist.py``),
so the command that frees time never waits on matching, and a noted opening survives
a restart. A no-show frees nothing: it is recorded only once the visit has started and
keeps its time (``store/appointments.py`` HOLDING_TIME).
"""

from __future__ import annotations

from datetime import datetime

from services.scheduling.store.waitlist import add_opening
from shared.uow import UnitOfWork


def slot_freed(uow: UnitOfWork, therapist_id: str, start: datetime, end: datetime) -> None:
    """A visit no longer holds this time (cancelled, moved away): offer it to the waitlist."""
    add_opening(uow.connection, therapist_id, start, end)


def hours_changed(uow: UnitOfWork, therapist_id: str) -> None:
    """A therapist's hours or time off changed: any of their time may have freed up."""
    add_opening(uow.connection, therapist_id)
