"""Whose work a therapist may see: their own calendar, and the notes of clients they treat.

SECURITY.md, "Who may see what": roles open the door; behind it a therapist is limited to
their own work, while the front desk and admins see by role. A therapist is linked to
their staff login by the therapist record's ``staff_subject``; a record with no login
linked is nobody's own.
"""

from __future__ import annotations

from collections.abc import Collection

# Roles that see every therapist's calendar, and every client's session notes.
SEE_EVERY_CALENDAR = frozenset({"front_desk", "admin"})
SEE_EVERY_NOTE = frozenset({"admin"})


def is_own(therapist_subject: str | None, caller_subject: str) -> bool:
    """Whether a therapist record is the caller's own."""
    return therapist_subject is not None and therapist_subject == caller_subject


def sees_every_calendar(roles: Collection[str]) -> bool:
    """The front desk and admins read any calendar; a therapist only their own."""
    return not SEE_EVERY_CALENDAR.isdisjoint(roles)


def sees_every_note(roles: Collection[str]) -> bool:
    """Admins read any session note; a therapist only those of clients they treat.

    A client a therapist treats is one with an appointment with them, past or booked
    (a cancelled one does not count).
    """
    return not SEE_EVERY_NOTE.isdisjoint(roles)
