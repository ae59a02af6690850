"""Front desk: the waitlist in order, each client's state and open offer, and answers by phone."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, request, url_for
from werkzeug.wrappers import Response

from services.console.apis import current
from services.console.apis.base import ApiProblem
from services.console.guard import page
from services.console.views import clinic_time
from services.console.views.clients import client_names
from services.console.views.forms import render_form

bp = Blueprint("waitlist", __name__, url_prefix="/front-desk/waitlist")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DONE = {"added": "The client is on the waitlist.", "removed": "The client is off the waitlist.",
        "moved": "The waitlist is reordered.", "offered": "The slot is offered to the client.",
        "accept": "The offer is accepted: the visit is booked.",
        "decline": "The offer is declined: the slot goes to the next client."}


def _listing(problem: ApiProblem | None = None, form: Any = None) -> tuple[str, int]:
    scheduling = current.scheduling()
    services = scheduling.services()
    therapists = scheduling.therapists()
    entries = scheduling.waitlist()
    names = client_names({entry["client_id"] for entry in entries})
    for entry in entries:
        offer = entry.get("offer")
        if offer:
            offer["local_start"] = clinic_time.local(offer["start"])
            offer["local_hold"] = clinic_time.local(offer["hold_until"])
    return render_form(
        "front_desk/waitlist.html", problem, entries=entries, names=names,
        services={s["id"]: s["name"] for s in services},
        therapists={t["id"]: t["name"] for t in therapists}, weekdays=WEEKDAYS,
        day_options=[(str(n), name) for n, name in enumerate(WEEKDAYS)],
        form=form if form is not None else {"client_id": request.args.get("client_id", "")},
        notice=DONE.get(request.args.get("done", "")))


@bp.get("/")
@page("front_desk")
def waiting() -> tuple[str, int]:
    """The list in order: who waits for what, and the offer each holds."""
    return _listing()


def _entry(form: Any) -> dict[str, Any]:
    """The scheduling API's waitlist entry from the form (one preferred window, or any time)."""
    windows = []
    if form.get("weekday") not in (None, ""):
        windows.append({"weekday": int(form["weekday"]), "start": form.get("window_start"),
                        "end": form.get("window_end")})
    return {"client_id": (form.get("client_id") or "").strip(),
            "service_id": form.get("service_id"), "therapist_id": form.get("therapist_id") or None,
            "windows": windows, "earliest_on": form.get("earliest_on") or None,
            "latest_on": form.get("latest_on") or None}


@bp.post("/")
@page("front_desk")
def add() -> Response | tuple[str, int]:
    """Put a client at the end of the list."""
    try:
        current.scheduling().join_waitlist(_entry(request.form))
    except ApiProblem as problem:
        return _listing(problem, request.form)
    return redirect(url_for("waitlist.waiting", done="added"))


@bp.post("/<entry_id>/remove")
@page("front_desk")
def remove(entry_id: str) -> Response | tuple[str, int]:
    """Take a client off the list (an offer they hold goes to the next)."""
    try:
        current.scheduling().leave_waitlist(entry_id)
    except ApiProblem as problem:
        return _listing(problem)
    return redirect(url_for("waitlist.waiting", done="removed"))


@bp.post("/<entry_id>/position")
@page("front_desk")
def move(entry_id: str) -> Response | tuple[str, int]:
    """Put a client at another place in the list (1 = first)."""
    position = (request.form.get("position") or "").strip()
    try:
        current.scheduling().move_on_waitlist(
            entry_id, int(position) if position.isdigit() else position)
    except ApiProblem as problem:
        return _listing(problem)
    return redirect(url_for("waitlist.waiting", done="moved"))


@bp.post("/<entry_id>/offer")
@page("front_desk")
def offer(entry_id: str) -> Response | tuple[str, int]:
    """Offer a chosen time to this client now, out of turn."""
    try:
        start = clinic_time.from_form(request.form.get("start", ""))
    except ValueError:
        return _listing(ApiProblem(400, "Give the date and time to offer.",
                                   errors={"start": ["Give a date and time."]}))
    try:
        current.scheduling().offer_slot(entry_id, request.form.get("therapist_id", ""), start)
    except ApiProblem as problem:
        return _listing(problem)
    return redirect(url_for("waitlist.waiting", done="offered"))


@bp.post("/offers/<offer_id>/<answer>")
@page("front_desk")
def answer(offer_id: str, answer: str) -> Response | tuple[str, int]:
    """The client answers on the phone: accept books the held slot, decline passes it on."""
    if answer not in ("accept", "decline"):
        return _listing(ApiProblem(404, "No such answer."))
    try:
        current.scheduling().answer_offer(offer_id, answer)
    except ApiProblem as problem:
        return _listing(problem)
    return redirect(url_for("waitlist.waiting", done=answer))
