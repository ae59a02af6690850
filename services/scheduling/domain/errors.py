"""Why a scheduling command was refused: each refusal is one of shared.errors' kinds.

``shared.web`` answers each kind with its status (``shared.web.problems``); the title,
slug, detail and members here are what the API has always answered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from shared import errors as kinds


class NotFound(kinds.NotFound):
    """The named thing (therapist, room, service, appointment, ...) does not exist."""

    def __init__(self, what: str) -> None:
        super().__init__(f"No such {what}.")


class NotEligible(kinds.Refused):
    """The client may not be booked; ``reasons`` are machine-readable codes."""

    title = "Not eligible"
    slug = "not-eligible"

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__("The client cannot be booked: see reasons.", reasons=list(reasons))
        self.reasons = list(reasons)


class SlotTaken(kinds.Conflict):
    """Another appointment holds the therapist or the room at that time."""

    title = "Slot taken"
    slug = "slot-taken"

    def __init__(self) -> None:
        super().__init__("The therapist or the room is already booked then.")


class ClientBusy(kinds.Conflict):
    """The client already has a visit booked at an overlapping time (one place at a time)."""

    title = "Client already booked then"
    slug = "client-busy"

    def __init__(self) -> None:
        super().__init__("The client already has a visit booked at an overlapping time.",
                         reasons=["client_busy"])


class SlotNotOffered(kinds.Refused):
    """The time is not bookable at all: outside hours, time off, notice, horizon or grid."""

    title = "Slot not offered"
    slug = "slot-not-offered"

    def __init__(self) -> None:
        super().__init__(
            "Outside working hours, during time off, inside the minimum notice, beyond the "
            "booking horizon, or off the 15-minute grid.",
            reasons=["slot_not_offered"],
        )


class ChangeRefused(kinds.Conflict):
    """The appointment may not be changed now; ``reasons`` say why."""

    title = "Change refused"
    slug = "change-refused"

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__("The appointment cannot be changed now.", reasons=list(reasons))
        self.reasons = list(reasons)


class StaffSubjectTaken(kinds.Conflict):
    """Another therapist is already linked to that staff login (one login, one therapist)."""

    title = "Staff login taken"
    slug = "staff-subject-taken"

    def __init__(self) -> None:
        super().__init__("Another therapist is linked to that staff login.",
                         errors={"staff_subject": ["Linked to another therapist."]})


class InvalidPlan(kinds.InvalidInput):
    """A plan of care whose weekdays do not fit its visits per week or its first visit."""

    def __init__(self, message: str) -> None:
        super().__init__("The plan's weekdays do not fit.", errors={"weekdays": [message]})


class SessionRejected(kinds.Refused):
    """The session cannot be recorded; ``errors`` maps each field to what is wrong with it."""

    title = "Session rejected"
    slug = "session-rejected"

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        super().__init__("The session record breaks a rule; see errors.", errors=dict(errors))


class SeriesRefusal(kinds.DomainError):
    """A plan of care could not be booked whole; ``conflicts`` lists each refused date.

    Raise ``SeriesRefusal.of(conflicts)``: its kind depends on why the dates were refused.
    """

    title = "Series not booked"
    slug = "series-refused"

    def __init__(self, conflicts: Sequence[tuple[datetime, Sequence[str]]]) -> None:
        self.conflicts = [(start, list(reasons)) for start, reasons in conflicts]
        super().__init__(
            "Nothing was booked; each refused date is listed in conflicts.",
            reasons=sorted({reason for _, found in self.conflicts for reason in found}),
            conflicts=[{"start": start.isoformat(), "reasons": reasons}
                       for start, reasons in self.conflicts],
        )

    @staticmethod
    def of(conflicts: Sequence[tuple[datetime, Sequence[str]]]) -> SeriesRefusal:
        """A conflict when some date's slot was taken (retrying may work), else a refusal."""
        if any("slot_taken" in reasons for _, reasons in conflicts):
            return SeriesSlotTaken(conflicts)
        return SeriesRefused(conflicts)


class SeriesSlotTaken(SeriesRefusal, kinds.Conflict):
    """Some date of the plan is already taken (409)."""


class SeriesRefused(SeriesRefusal, kinds.Refused):
    """The plan breaks a rule on some date, e.g. no visits left (422)."""


class OfferClosed(kinds.Conflict):
    """A waitlist offer that can no longer be answered: already answered, or expired."""

    title = "Offer closed"
    slug = "offer-closed"

    def __init__(self, reason: str) -> None:
        super().__init__("This offer can no longer be answered.", reasons=[reason])


class NotOnTheWaitlist(kinds.Conflict):
    """The waitlist entry has been booked or has left the list, or already holds an offer."""

    title = "Not waiting"
    slug = "not-waiting"

    def __init__(self, status: str) -> None:
        super().__init__("The entry is not waiting for an offer.", reasons=[f"entry_{status}"])


class AlreadyWaiting(kinds.Conflict):
    """The client is already on the waitlist for this service."""

    title = "Already waiting"
    slug = "already-waiting"

    def __init__(self, entry_id: str) -> None:
        super().__init__("The client is already on the waitlist for this service.",
                         reasons=["already_waiting"], entry_id=entry_id)
