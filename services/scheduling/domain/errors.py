"""Why a scheduling command was refused; the API turns each into a problem answer."""

from collections.abc import Sequence
from datetime import datetime


class NotFound(LookupError):
    """The named thing (therapist, room, service, appointment) does not exist."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} not found")
        self.what = what


class NotEligible(Exception):
    """The client may not be booked; `reasons` are machine-readable codes."""

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__(", ".join(reasons))
        self.reasons = list(reasons)


class SlotTaken(Exception):
    """Another appointment holds the therapist or the room at that time."""


class SlotNotOffered(Exception):
    """The time is not bookable at all: outside hours, time off, notice, horizon or grid."""


class ChangeRefused(Exception):
    """The appointment may not be changed now; `refusals` say why."""

    def __init__(self, refusals: Sequence[str]) -> None:
        super().__init__(", ".join(refusals))
        self.refusals = list(refusals)


class SeriesRefused(Exception):
    """A plan of care could not be booked whole; `conflicts` lists each refused date."""

    def __init__(self, conflicts: Sequence[tuple[datetime, Sequence[str]]]) -> None:
        super().__init__(f"{len(conflicts)} dates refused")
        self.conflicts = [(start, list(reasons)) for start, reasons in conflicts]

    @property
    def any_slot_taken(self) -> bool:
        """Whether some date failed because its slot was taken (rather than eligibility)."""
        return any("slot_taken" in reasons for _, reasons in self.conflicts)


class InvalidPlan(ValueError):
    """A plan of care whose weekdays do not fit its visits per week or its first visit."""
