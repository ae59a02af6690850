"""The clinic's notice policy as a client meets it in self-service.

The rules are booking's (``can_cancel``/``can_reschedule``: docs/DOMAIN.md §Booking, a
24-hour cancellation window by default, the clinic's late-cancellation fee inside it);
this says them to the client before they act, and makes a late change one the client
has agreed to pay for: a fee is never charged on a click that did not show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from services.scheduling.domain.booking import ChangeDecision, can_cancel
from services.scheduling.domain.calendar import Appointment, ClinicSettings
from services.scheduling.domain.errors import ChangeRefused


@dataclass(frozen=True)
class ChangeTerms:
    """May the client cancel or move this visit now, and on what terms."""

    allowed: bool
    late: bool
    fee: Decimal
    free_until: datetime  # the last moment a change costs nothing
    refusals: tuple[str, ...]


def change_terms(appointment: Appointment, now: datetime,
                 settings: ClinicSettings) -> ChangeTerms:
    """The terms of cancelling (or moving) the visit at ``now``."""
    decision = can_cancel(appointment, now, settings)
    free_until = appointment.start - timedelta(hours=settings.cancellation_window_hours)
    return ChangeTerms(allowed=decision.allowed, late=decision.late,
                       fee=decision.fee if decision.late else Decimal("0.00"),
                       free_until=free_until, refusals=decision.refusals)


class LateFeeNotAccepted(ChangeRefused):
    """A late change the client has not agreed to pay the clinic's fee for."""

    title = "Late change: fee not accepted"
    slug = "late-fee-not-accepted"


def require_fee_accepted(decision: ChangeDecision, accepted: bool) -> None:
    """Refuse a late change (with a fee) unless the client accepted the fee."""
    if decision.allowed and decision.late and decision.fee > 0 and not accepted:
        raise LateFeeNotAccepted(["late_fee_not_accepted"])
