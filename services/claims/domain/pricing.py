"""Prices a service line from the payer's fee schedule in effect on the date of service."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from services.claims.domain.records import FeeScheduleEntry, Reason

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


def fee_reasons(entry: FeeScheduleEntry) -> list[Reason]:
    """Why a fee cannot be billed: a charge or an allowed amount of zero or less.

    A zero charge bills nothing and a negative one is not a claim; an allowed amount of
    zero or less says the fee schedule was entered wrong. Either goes to a person.
    """
    reasons = []
    if entry.charge_per_unit <= 0:
        reasons.append(
            Reason("fee_not_positive",
                   f"the {entry.payer_id} charge for {entry.code} is {entry.charge_per_unit}; "
                   "a charge must be more than zero")
        )
    if entry.allowed_per_unit <= 0:
        reasons.append(
            Reason("fee_not_positive",
                   f"the {entry.payer_id} allowed amount for {entry.code} is "
                   f"{entry.allowed_per_unit}; it must be more than zero")
        )
    return reasons
