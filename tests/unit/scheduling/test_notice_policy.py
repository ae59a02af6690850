"""The clinic's notice policy as a client meets it in self-service."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from services.scheduling.domain.booking import can_cancel
from services.scheduling.domain.calendar import NoShowPolicy
from services.scheduling.domain.notice import LateFeeNotAccepted, change_terms, require_fee_accepted
from tests.unit.scheduling.builders import a_settings, an_appointment, local

VISIT = local(2026, 3, 3, 10)
SETTINGS = a_settings(cancellation_window_hours=24,
                      no_show_policy=NoShowPolicy(no_show_fee=Decimal("50.00"),
                                                  late_cancellation_fee=Decimal("25.00")))


def test_before_the_window_a_change_is_free_and_says_until_when():
    terms = change_terms(an_appointment(VISIT), VISIT - timedelta(hours=30), SETTINGS)
    assert terms.allowed and not terms.late and terms.fee == Decimal("0.00")
    assert terms.free_until == VISIT - timedelta(hours=24)


def test_inside_the_window_a_change_is_late_with_the_clinics_fee():
    terms = change_terms(an_appointment(VISIT), VISIT - timedelta(hours=23), SETTINGS)
    assert terms.allowed and terms.late and terms.fee == Decimal("25.00")


def test_the_windows_edge_is_still_free():
    terms = change_terms(an_appointment(VISIT), VISIT - timedelta(hours=24), SETTINGS)
    assert not terms.late


def test_a_started_or_cancelled_visit_cannot_be_changed():
    assert change_terms(an_appointment(VISIT), VISIT, SETTINGS).refusals == ("already_started",)
    cancelled = an_appointment(VISIT, status="cancelled")
    assert change_terms(cancelled, VISIT - timedelta(days=2), SETTINGS).refusals == (
        "not_booked",)


def test_a_late_change_needs_the_fee_accepted():
    late = can_cancel(an_appointment(VISIT), VISIT - timedelta(hours=2), SETTINGS)
    with pytest.raises(LateFeeNotAccepted) as refused:
        require_fee_accepted(late, accepted=False)
    assert refused.value.reasons == ["late_fee_not_accepted"]
    require_fee_accepted(late, accepted=True)


def test_a_late_change_at_a_clinic_charging_nothing_needs_no_acceptance():
    free = a_settings(cancellation_window_hours=24)
    late = can_cancel(an_appointment(VISIT), VISIT - timedelta(hours=2), free)
    assert late.late
    require_fee_accepted(late, accepted=False)
