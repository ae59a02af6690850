"""Prices a service line from the payer's fee schedule in effect on the date of service."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from services.claims.domain.records import FeeScheduleEntry

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Price:
    """What a line bills (charge) and what the payer is expected to allow for it."""

    charge: Decimal
    expected_allowed: Decimal


def cents(amount: Decimal) -> Decimal:
    """Round an amount to whole cents, halves away from zero (as a cashier would)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def fee_in_effect(
    entries: Iterable[FeeScheduleEntry], payer_id: str, code: str, day: date
) -> FeeScheduleEntry | None:
    """The payer's entry for ``code`` on ``day``; the latest start wins when several overlap."""
    candidates = [
        entry
        for entry in entries
        if entry.payer_id == payer_id and entry.code == code and entry.in_effect_on(day)
    ]
    return max(candidates, key=lambda entry: entry.effective_from, default=None)


def price_line(entry: FeeScheduleEntry, units: int) -> Price:
    """Charge and expected allowed amount of ``units`` units at ``entry``'s per-unit prices."""
    return Price(
        charge=cents(entry.charge_per_unit * units),
        expected_allowed=cents(entry.allowed_per_unit * units),
    )
