"""Front desk: online intakes waiting to be confirmed, and intake links for new clients."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from werkzeug.wrappers import Response

from services.console.apis import current
from services.console.apis.base import ApiProblem
from services.console.guard import page
from services.console.views.forms import render_form

bp = Blueprint("intake", __name__, url_prefix="/front-desk/intakes")

DONE = {"confirmed": "The intake is confirmed: it is now the client's screening."}


def _listing(**context: object) -> tuple[str, int]:
    problem = context.pop("problem", None)
    try:
        pending = current.screening().pending_intakes()
    except ApiProblem as refused:
        pending, problem = [], problem or refused
    return render_form("front_desk/intakes.html", problem, pending=pending,  # type: ignore[arg-type]
                       **context)


@bp.get("/")
@page("front_desk")
def pending() -> tuple[str, int]:
    """Intakes clients sent online, oldest first, with what the rules said and their papers."""
    return _listing(invitation=None, notice=DONE.get(request.args.get("done", "")))


@bp.post("/<submission_id>/confirm")
@page("front_desk")
def confirm(submission_id: str) -> Response | tuple[str, int]:
    """Confirm an intake: screening records it as the client's screening with today's rules."""
    try:
        screening = current.screening().confirm_intake(submission_id)
    except ApiProblem as problem:
        return _listing(problem=problem, invitation=None)
    return redirect(url_for("front_desk.client", client_id=screening["client_id"],
                            done="screened"))


@bp.post("/invitations")
@page("front_desk")
def invite() -> tuple[str, int]:
    """A single-use intake link to send a new client; shown on this answer only."""
    try:
        invitation = current.screening().invite((request.form.get("email") or "").strip())
    except ApiProblem as problem:
        return _listing(problem=problem, invitation=None, email=request.form.get("email"))
    return _listing(invitation=invitation)
