"""A screening's verdict, what it restricts, and what booking and session records ask of it."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from services.screening.domain.clearance import Clearance
from shared.vocabulary import PRESSURE_LEVELS

# Least severe first: when findings disagree, the most severe outcome wins.
OUTCOMES: tuple[str, ...] = (
    "cleared",
    "cleared_with_precautions",
    "needs_clearance",
    "not_eligible",
)
BOOKABLE_OUTCOMES: frozenset[str] = frozenset({"cleared", "cleared_with_precautions"})


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
    return max(outcomes, key=OUTCOMES.index, default="cleared")


def stricter_pressure(first: str | None, second: str | None) -> str | None:
    """The lighter of two pressure limits, where None means no limit."""
    limits = [limit for limit in (first, second) if limit is not None]
    return min(limits, key=PRESSURE_LEVELS.index, default=None)


def is_current(outcome: ScreeningOutcome, on: date) -> bool:
    """Whether the screening was done by that day and has not expired yet."""
    return outcome.screened_on <= on < outcome.expires_on


def may_be_booked(outcome: ScreeningOutcome, on: date) -> bool:
    """Whether a client with this screening may be booked for a session on that day."""
    return is_current(outcome, on) and outcome.outcome in BOOKABLE_OUTCOMES


def precaution_breaches(
    outcome: ScreeningOutcome,
    techniques: Iterable[str],
    regions: Iterable[str],
    pressure: str,
) -> tuple[str, ...]:
    """What a recorded session did against the precautions; each needs an override reason."""
    breaches = [
        f"technique {t} is restricted"
        for t in sorted(set(techniques))
        if t in outcome.restricted_techniques
    ]
    breaches += [
        f"region {r} is restricted" for r in sorted(set(regions)) if r in outcome.restricted_regions
    ]
    if stricter_pressure(pressure, outcome.pressure_limit) != pressure:
        breaches.append(f"pressure {pressure} exceeds the {outcome.pressure_limit} limit")
    return tuple(breaches)
