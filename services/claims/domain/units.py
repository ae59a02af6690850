"""Units to bill per code, counted the way the payer counts them, and daily unit limits.

Claims owns billing interpretation (docs/DOMAIN.md §Claims): it always recounts the
session's minutes under the payer's rule with ``shared/billing/units.py`` and never bills
scheduling's units as they came. Scheduling's count is checked against the count its own
stated method gives for the same minutes; a difference (a 30-minute session reporting
5 units) is a reason for a person, never trusted silently.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from services.claims.domain.records import Reason, Session
from shared.billing.units import compute_units

UNIT_LIMITS_FILE = Path(__file__).parent.parent / "data" / "unit_limits.json"


@dataclass(frozen=True)
class UnitCount:
    """Units to bill per code under the payer's rule, and any miscount in the event."""

    units: dict[str, int]
    reasons: tuple[Reason, ...] = ()


def billable_units(session: Session, counting_method: str | None) -> UnitCount:
    """Recount the session's minutes under the payer's method (the session's when unknown)."""
    minutes = {c.code: c.minutes for c in session.codes}
    units = compute_units(minutes, counting_method or session.counting_method)
    expected = compute_units(minutes, session.counting_method)
    reasons = tuple(
        Reason(
            "units_miscounted",
            f"scheduling reported {c.units} units of {c.code} for {c.minutes} minutes; "
            f"the {session.counting_method} rule gives {expected.get(c.code, 0)}",
        )
        for c in sorted(session.codes, key=lambda c: c.code)
        if c.units != expected.get(c.code, 0)
    )
    return UnitCount(units, reasons)


@dataclass(frozen=True)
class UnitLimit:
    """Most units of one code billable for one patient on one day (MUE-style)."""

    code: str
    max_units: int
    effective_from: date
    effective_to: date | None = None

    def in_effect_on(self, day: date) -> bool:
        """Whether the limit applies to a service on ``day``."""
        return self.effective_from <= day and (
            self.effective_to is None or day <= self.effective_to
        )


def unit_limit_reasons(
    units: Mapping[str, int],
    limits: Iterable[UnitLimit],
    day: date,
    already_billed: Mapping[str, int] | None = None,
) -> list[Reason]:
    """A reason for each code whose units that day (other claims included) pass its limit."""
    earlier = already_billed or {}
    reasons = []
    for code, count in sorted(units.items()):
        in_effect = [limit for limit in limits if limit.code == code and limit.in_effect_on(day)]
        if not in_effect:
            continue
        limit = max(in_effect, key=lambda item: item.effective_from)
        total = count + earlier.get(code, 0)
        if total > limit.max_units:
            reasons.append(
                Reason(
                    "unit_limit_exceeded",
                    f"{total} units of {code} on {day}; at most {limit.max_units} a day",
                )
            )
    return reasons


@cache
def default_unit_limits() -> tuple[UnitLimit, ...]:
    """The daily unit limits shipped as data (``services/claims/data/unit_limits.json``)."""
    data = json.loads(UNIT_LIMITS_FILE.read_text(encoding="utf-8"))
    return tuple(
        UnitLimit(
            code=item["code"],
            max_units=int(item["max_units"]),
            effective_from=date.fromisoformat(item["effective_from"]),
            effective_to=date.fromisoformat(item["effective_to"]) if item.get("effective_to")
            else None,
        )
        for item in data["limits"]
    )
