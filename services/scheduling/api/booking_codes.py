"""The front desk issues and revokes the booking codes clients book with in the widget."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint, Response, request

from services.scheduling.api.common import config, now
from services.scheduling.api.schemas import BookingCodeSchema
from services.scheduling.commands import booking_codes as commands
from shared.uow import UnitOfWork
from shared.web import Problem, allow, api, respond, writes

bp = Blueprint("booking_codes", __name__)
View = TypeVar("View", bound=Callable[..., Any])


def _no_idempotency_key(view: View) -> View:
    """Refuse an Idempotency-Key: its stored answer would keep the code, in plain text.

    Issuing again is safe anyway: the new code replaces the old one.
    """

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if "Idempotency-Key" in request.headers:
            raise Problem(400, "Idempotency-Key not taken",
                          "A booking code is never stored, so its answer cannot be replayed; "
                          "issue again instead (the new code replaces the old).",
                          "validation-error", errors={"Idempotency-Key": ["Not taken here."]})
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@bp.post("/clients/<client_id>/booking-code")
@allow("front_desk")
@api("Issue the client's booking code for the widget (shown once; replaces any earlier one)",
     response=BookingCodeSchema, status=201, errors=(400, 404))
@_no_idempotency_key
@writes
def issue(uow: UnitOfWork, client_id: str) -> Response:
    """A code that lets this client, and only this client, book online until it expires."""
    issued = commands.issue_booking_code(uow, client_id, now(), config().booking_code_days)
    body = {"client_id": client_id, "booking_code": str(issued.code),
            "expires_at": issued.expires_at,
            "widget_link": f"{request.url_root}widget/#code={issued.code}"}
    return respond(BookingCodeSchema, body, 201, headers={"Cache-Control": "no-store"})


@bp.delete("/clients/<client_id>/booking-code")
@allow("front_desk")
@api("Revoke the client's booking code", status=204, errors=(404,))
@writes
def revoke(uow: UnitOfWork, client_id: str) -> Response:
    """Stop the client's code working at once (a lost phone, a code told to the wrong person)."""
    commands.revoke_booking_code(uow, client_id, now())
    return Response(status=204)
