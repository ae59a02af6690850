"""What every scheduling view shares: the clock and refusals turned into problem answers."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, Response, g

from services.scheduling.domain.completion import SessionRejected
from services.scheduling.domain.errors import (
    ChangeRefused,
    InvalidPlan,
    NotEligible,
    NotFound,
    SeriesRefused,
    SlotNotOffered,
    SlotTaken,
)
from shared.db import utcnow
from shared.web import Problem, service_context


def now() -> datetime:
    """The current time; tests may put a fixed clock in the service context's extras."""
    return service_context().extras.get("clock", utcnow)()


def correlation_id() -> str | None:
    """The request's correlation id, carried by the events it causes."""
    return g.get("correlation_id")


def _not_found(exc: NotFound) -> Response:
    return Problem(404, "Not found", f"No such {exc.what}.", "not-found").to_response()


def _not_eligible(exc: NotEligible) -> Response:
    return Problem(422, "Not eligible", "The client cannot be booked: see reasons.",
                   "not-eligible", reasons=exc.reasons).to_response()


def _slot_taken(_: SlotTaken) -> Response:
    return Problem(409, "Slot taken", "The therapist or the room is already booked then.",
                   "slot-taken").to_response()


def _slot_not_offered(_: SlotNotOffered) -> Response:
    return Problem(422, "Slot not offered",
                   "Outside working hours, during time off, inside the minimum notice, beyond "
                   "the booking horizon, or off the 15-minute grid.",
                   "slot-not-offered", reasons=["slot_not_offered"]).to_response()


def _change_refused(exc: ChangeRefused) -> Response:
    return Problem(409, "Change refused", "The appointment cannot be changed now.",
                   "change-refused", reasons=exc.refusals).to_response()


def _series_refused(exc: SeriesRefused) -> Response:
    conflicts = [{"start": start.isoformat(), "reasons": reasons}
                 for start, reasons in exc.conflicts]
    status = 409 if exc.any_slot_taken else 422
    reasons = sorted({reason for _, found in exc.conflicts for reason in found})
    return Problem(status, "Series not booked",
                   "Nothing was booked; each refused date is listed in conflicts.",
                   "series-refused", reasons=reasons, conflicts=conflicts).to_response()


def _invalid_plan(exc: InvalidPlan) -> Response:
    return Problem(400, "Invalid request", "The plan's weekdays do not fit.",
                   "validation-error", errors={"weekdays": [str(exc)]}).to_response()


def _session_rejected(exc: SessionRejected) -> Response:
    return Problem(422, "Session rejected", "The session record breaks a rule; see errors.",
                   "session-rejected", errors=exc.errors).to_response()


def install_refusal_handlers(app: Flask) -> None:
    """Answer each scheduling refusal with its problem document."""
    app.register_error_handler(NotFound, _not_found)
    app.register_error_handler(NotEligible, _not_eligible)
    app.register_error_handler(SlotTaken, _slot_taken)
    app.register_error_handler(SlotNotOffered, _slot_not_offered)
    app.register_error_handler(ChangeRefused, _change_refused)
    app.register_error_handler(SeriesRefused, _series_refused)
    app.register_error_handler(InvalidPlan, _invalid_plan)
    app.register_error_handler(SessionRejected, _session_rejected)
