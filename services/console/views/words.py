"""Codes in plain words: outcomes, statuses, regions and techniques as people say them."""

from __future__ import annotations

OUTCOMES = {
    "cleared": "Cleared for massage",
    "cleared_with_precautions": "Cleared, with precautions",
    "needs_clearance": "Needs a physician's clearance first",
    "not_eligible": "Not eligible for massage",
}

# Scheduling's machine-readable reasons (services/scheduling/domain/booking.py, errors.py).
REASONS = {
    "no_screening": "No health questionnaire is recorded for the client.",
    "screening_expired": "The client's screening has expired; record the questionnaire again.",
    "needs_clearance": "The screening asks for a physician's clearance before massage.",
    "not_eligible": "The screening found the client not eligible for massage.",
    "no_active_referral": "There is no active physician referral.",
    "outside_referral_dates": "The date is outside the referral's valid dates.",
    "no_visits_left": "The referral has no authorized visits left.",
    "slot_taken": "That time is already booked.",
    "slot_not_offered": "That time is not open (working hours, time off, buffer or room).",
    "inside_minimum_notice": "That time is too soon: the clinic needs more notice.",
    "beyond_booking_horizon": "That date is too far ahead to book.",
    "already_started": "The appointment has already started.",
    "not_booked": "The appointment is no longer booked.",
    "not_started": "The appointment has not started yet.",
    "not_own_appointment": "This is another therapist's appointment.",
}


def reason(code: str) -> str:
    """A refusal reason in plain words (unknown codes are shown as they are)."""
    return REASONS.get(code, code)


def plain(code: str | None) -> str:
    """``left_leg`` -> ``left leg``; ``myofascial_release`` -> ``myofascial release``."""
    return (code or "").replace("_", " ")


def outcome(code: str | None) -> str:
    """A screening outcome as the front desk says it."""
    return OUTCOMES.get(code or "", plain(code))


def register(app) -> None:  # type: ignore[no-untyped-def]
    """Make the words available to templates as filters."""
    app.jinja_env.filters["plain"] = plain
    app.jinja_env.filters["outcome"] = outcome
    app.jinja_env.filters["reason"] = reason
