"""A screening's verdict, what it restricts, and how long it stays current."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from services.screening.domain.clearance import Clearance
from shared.vocabulary import CLEARED, PRESSURE_LEVELS, SCREENING_OUTCOMES


@dataclass(frozen=True)
class Reason:
    """Why a screening is not simply cleared: a machine code and a sentence for people."""

    code: str
    text: str


@dataclass(frozen=True)
class ScreeningOutcome:
    """The verdict of one screening and the precautions that travel with the client."""

    outcome: str
    reasons: tuple[Reason, ...]
    restricted_techniques: frozenset[str]
    restricted_regions: frozenset[str]
    pressure_limit: str | None  # the heaviest pressure allowed; None when unrestricted
    screened_on: date
    expires_on: date  # the first day the screening is no longer current
    rules_version: str
    clearance: Clearance | None = None

    def has_precautions(self) -> bool:
        """Whether anything is restricted for this client."""
        return bool(self.restricted_techniques or self.restricted_regions or self.pressure_limit)


def most_severe(outcomes: Iterable[str]) -> str:
    """The most severe of some outcomes; cleared when there are none."""
    # SCREENING_OUTCOMES lists the least severe first (docs/DOMAIN.md §Screening).
    return max(outcomes, key=SCREENING_OUTCOMES.index, default=CLEARED)


def stricter_pressure(first: str | None, second: str | None) -> str | None:
    """The lighter of two pressure limits, where None means no limit."""
    limits = [limit for limit in (first, second) if limit is not None]
    return min(limits, key=PRESSURE_LEVELS.index, default=None)


def is_current(outcome: ScreeningOutcome, on: date) -> bool:
    """Whether the screening was done by that day and has not expired yet."""
    return outcome.screened_on <= on < outcome.expires_on
