"""Therapists: today's schedule, a visit's precautions, and the session completion form."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import Blueprint, g, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from services.console.apis import current
from services.console.apis.base import ApiProblem
from services.console.guard import page
from services.console.views import clinic_time
from services.console.views.clients import client_names, shown_name
from services.console.views.forms import render_form
from shared.billing.techniques import load_technique_codes, minutes_by_code
from shared.billing.units import CMS, compute_units
from shared.vocabulary import BODY_REGIONS, PRESSURE_LEVELS, TECHNIQUES

bp = Blueprint("therapist", __name__, url_prefix="/therapist")
TECHNIQUE_ROWS = 4
# The clinic's default technique -> code map: the one scheduling counts with by default.
TECHNIQUE_CODES = load_technique_codes()


def _own_therapist(therapists: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The therapist record linked to the signed-in account (its staff_subject)."""
    return next((t for t in therapists if t.get("staff_subject") == g.account.username), None)


@bp.get("/today")
@page("therapist")
def today() -> str:
    """The day's visits: one therapist's own, or everyone's for an admin."""
    scheduling = current.scheduling()
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        day = clinic_time.today()
    therapists = scheduling.therapists()
    own = _own_therapist(therapists)
    names = {t["id"]: t["name"] for t in therapists}
    start, end = clinic_time.day_bounds(day)
    visits = [v for v in scheduling.appointments(start, end, own["id"] if own else None)
              if v["status"] != "cancelled"]
    clients = client_names(visit["client_id"] for visit in visits)
    for visit in visits:
        visit["client_name"] = shown_name(clients, visit["client_id"])
        visit["local_start"] = clinic_time.local(visit["start"])
        visit["local_end"] = clinic_time.local(visit["end"])
        visit["therapist_name"] = names.get(visit["therapist_id"], "")
        visit["screening"] = _latest_screening(visit["client_id"])
    return render_template("therapist/today.html", day=day, visits=visits, own=own,
                           one_day=timedelta(days=1))


def _latest_screening(client_id: str) -> dict[str, Any] | None:
    try:
        screenings = current.screening().screenings(client_id)
    except ApiProblem:
        return None
    return screenings[0] if screenings else None


def _active_referral(client_id: str, referral_id: str) -> dict[str, Any] | None:
    try:
        return next((r for r in current.screening().referrals(client_id)
                     if r["referral_id"] == referral_id), None)
    except ApiProblem:
        return None


def _techniques(form: Any) -> list[dict[str, Any]]:
    """The technique rows the therapist filled in (a row without minutes is left out)."""
    rows = []
    for n in range(TECHNIQUE_ROWS):
        technique = form.get(f"t{n}.technique")
        minutes = (form.get(f"t{n}.minutes") or "").strip()
        if not technique or not minutes:
            continue
        rows.append({"technique": technique,
                     "minutes": int(minutes) if minutes.isdigit() else minutes,
                     "body_regions": form.getlist(f"t{n}.body_regions"),
                     "pressure": form.get(f"t{n}.pressure") or None})
    return rows


def units_preview(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Minutes and units per code the rows bill (CMS 8-minute rule, scheduling's default).

    The payer's own rule may count differently; claims recounts and records any difference.
    """
    pairs = [(r["technique"], r["minutes"]) for r in rows
             if isinstance(r["minutes"], int) and r["technique"] in TECHNIQUE_CODES]
    minutes = minutes_by_code(pairs, TECHNIQUE_CODES) if pairs else {}
    units = compute_units(minutes, CMS) if minutes else {}
    codes = [{"code": code, "minutes": minutes[code], "units": units.get(code, 0)}
             for code in sorted(minutes)]
    return {"codes": codes, "total_minutes": sum(minutes.values()),
            "total_units": sum(units.values())}


def _breaches(rows: list[dict[str, Any]], screening: dict[str, Any] | None) -> list[str]:
    """What the rows do that the client's screening forbids, in plain words."""
    if not screening:
        return []
    found = []
    for row in rows:
        if row["technique"] in screening.get("restricted_techniques", []):
            found.append(f"{row['technique'].replace('_', ' ')} is restricted for this client")
        for region in row["body_regions"]:
            if region in screening.get("restricted_regions", []):
                found.append(f"the {region.replace('_', ' ')} must be avoided")
        limit = screening.get("pressure_limit")
        if limit and row["pressure"] and \
                PRESSURE_LEVELS.index(row["pressure"]) > PRESSURE_LEVELS.index(limit):
            found.append(f"{row['pressure']} pressure is above the limit ({limit})")
    return list(dict.fromkeys(found))


@bp.post("/units")
@page("therapist")
def units() -> str:
    """The units and codes the form's minutes bill, as a fragment (console.js asks for it)."""
    rows = _techniques(request.form)
    return render_template("therapist/_units.html", preview=units_preview(rows))


def _visit_page(appointment_id: str, problem: ApiProblem | None = None,
                form: Any = None) -> tuple[str, int]:
    scheduling = current.scheduling()
    visit = scheduling.appointment(appointment_id)
    visit["local_start"] = clinic_time.local(visit["start"])
    try:
        visit["client"] = current.screening().identity(visit["client_id"])
    except ApiProblem:
        visit["client"] = None
    visit["client_name"] = (f"{visit['client']['first_name']} {visit['client']['last_name']}"
                            if visit["client"] else shown_name({}, visit["client_id"]))
    screening = _latest_screening(visit["client_id"])
    referral = _active_referral(visit["client_id"], visit["referral_id"])
    session = None
    if visit["status"] == "completed":
        try:
            session = scheduling.session(appointment_id)
        except ApiProblem:
            session = None
    rows = _techniques(form) if form else []
    return render_form(
        "therapist/visit.html", problem, visit=visit, screening=screening, referral=referral,
        session=session, form=form or {}, rows=TECHNIQUE_ROWS, techniques=sorted(TECHNIQUES),
        regions=sorted(BODY_REGIONS), pressures=PRESSURE_LEVELS,
        preview=units_preview(rows), breaches=_breaches(rows, screening),
        is_admin="admin" in g.account.roles)


@bp.get("/visits/<appointment_id>")
@page("therapist")
def visit(appointment_id: str) -> tuple[str, int]:
    """Precautions in plain words, then the completion form."""
    return _visit_page(appointment_id)


@bp.post("/visits/<appointment_id>")
@page("therapist")
def complete(appointment_id: str) -> Response | tuple[str, int]:
    """Record the session; scheduling refuses what the screening forbids without a reason."""
    form = request.form
    completion = {
        "techniques": _techniques(form),
        "soap_note": {part: form.get(part, "") for part in
                      ("subjective", "objective", "assessment", "plan")},
        "override_reason": (form.get("override_reason") or "").strip() or None,
    }
    if "admin" in g.account.roles and (form.get("admin_override_reason") or "").strip():
        completion["admin_override_reason"] = form["admin_override_reason"].strip()
    try:
        current.scheduling().complete(appointment_id, completion)
    except ApiProblem as problem:
        return _visit_page(appointment_id, problem, form)
    return redirect(url_for("therapist.visit", appointment_id=appointment_id))
