"""Front desk: the calendar, finding and registering clients, screening, referrals, booking."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from services.console.apis import current
from services.console.apis.base import ApiProblem
from services.console.guard import page
from services.console.views import clinic_time
from services.console.views.clients import client_names, shown_name
from services.console.views.forms import render_form

bp = Blueprint("front_desk", __name__, url_prefix="/front-desk")
CALENDAR_HOURS = range(7, 21)
def _key() -> str:
    """An Idempotency-Key for one form submission (the form carries it, so a resend repeats it)."""
    return request.form.get("idempotency_key") or str(uuid.uuid4())


# -- calendar ---------------------------------------------------------------------------------

def _clients_seen(client_ids: set[str]) -> dict[str, dict[str, Any]]:
    """Each client's name and current screening as the booking rules see it."""
    names = client_names(client_ids)
    seen: dict[str, dict[str, Any]] = {}
    for client_id in sorted(names):
        try:
            screening = current.scheduling().eligibility(client_id).get("screening") or {}
        except ApiProblem:
            continue
        seen[client_id] = {"name": names[client_id], "screening": screening}
    return seen


@bp.get("/calendar")
@page("front_desk")
def calendar() -> str:
    """A day or week of appointments by therapist and room, with open hours and precautions."""
    scheduling = current.scheduling()
    view = "week" if request.args.get("view") == "week" else "day"
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        day = clinic_time.today()
    if view == "week":
        day -= timedelta(days=day.weekday())
    days = 7 if view == "week" else 1
    start, end = clinic_time.day_bounds(day, days)
    therapist_filter = request.args.get("therapist") or None
    therapists = scheduling.therapists()
    rooms = {room["id"]: room["name"] for room in scheduling.rooms()}
    appointments = [a for a in scheduling.appointments(start, end, therapist_filter)
                    if a["status"] != "cancelled"]
    seen = _clients_seen({a["client_id"] for a in appointments})
    shown = [t for t in therapists if not therapist_filter or t["id"] == therapist_filter]
    cells: dict[tuple[str, date, int], list[dict[str, Any]]] = {}
    for appointment in appointments:
        begins = clinic_time.local(appointment["start"])
        appointment["local_start"] = begins
        appointment["local_end"] = clinic_time.local(appointment["end"])
        appointment["room_name"] = rooms.get(appointment["room_id"], appointment["room_id"])
        client = seen.get(appointment["client_id"], {})
        appointment["screening"] = client.get("screening", {})
        appointment["client_name"] = client.get("name") or shown_name({}, appointment["client_id"])
        cells.setdefault((appointment["therapist_id"], begins.date(), begins.hour),
                         []).append(appointment)
    dates = [day + timedelta(days=n) for n in range(days)]
    working = {(t["id"], d, hour) for t in shown for d in dates for hour in CALENDAR_HOURS
               if _works(t, d, hour)}
    return render_template(
        "front_desk/calendar.html", view=view, day=day, dates=dates, hours=CALENDAR_HOURS,
        therapists=shown, all_therapists=therapists, therapist_filter=therapist_filter,
        cells=cells, working=working, previous=day - timedelta(days=days),
        following=day + timedelta(days=days), count=len(appointments))


def _works(therapist: dict[str, Any], day: date, hour: int) -> bool:
    """Whether the therapist's weekly hours cover the hour starting at ``hour``."""
    for shift in therapist.get("weekly_hours", []):
        if shift["weekday"] == day.weekday():
            start_hour = int(shift["start"][:2])
            end_hour, end_minute = int(shift["end"][:2]), int(shift["end"][3:5])
            if start_hour <= hour and (hour < end_hour or (hour == end_hour and end_minute)):
                return True
    return False


# -- clients ----------------------------------------------------------------------------------

@bp.get("/clients")
@page("front_desk")
def clients() -> tuple[str, int]:
    """Find a client by last name and/or birth date."""
    last_name = request.args.get("last_name", "").strip()
    birth_date = request.args.get("birth_date", "").strip()
    found: list[dict[str, Any]] | None = None
    if last_name or birth_date:
        try:
            found = current.screening().find_clients(last_name, birth_date or None)
        except ApiProblem as problem:
            return render_form("front_desk/clients.html", problem, found=None,
                               last_name=last_name, birth_date=birth_date)
    return render_form("front_desk/clients.html", found=found, last_name=last_name,
                       birth_date=birth_date)


def _registration(form: Any) -> dict[str, Any]:
    """The screening API's client record from the registration form."""
    def value(name: str) -> str | None:
        return (form.get(name) or "").strip() or None

    body: dict[str, Any] = {
        "first_name": value("first_name"), "last_name": value("last_name"),
        "birth_date": value("birth_date"), "sex": value("sex"),
        "address": {"line1": value("address.line1"), "line2": value("address.line2"),
                    "city": value("address.city"),
                    "state": (value("address.state") or "").upper() or None,
                    "postal_code": value("address.postal_code")},
        "phone": value("phone"), "email": value("email"), "coverage": None,
    }
    # The secondary payer is billed after the primary (docs/DOMAIN.md, coordination of
    # benefits); the screening API refuses one without a primary, with its own message.
    body["secondary_coverage"] = None
    for name in ("coverage", "secondary_coverage"):
        if value(f"{name}.payer_id") or value(f"{name}.member_id"):
            body[name] = {
                "payer_id": value(f"{name}.payer_id"),
                "payer_name": value(f"{name}.payer_name"),
                "member_id": value(f"{name}.member_id"),
                "group_number": value(f"{name}.group_number"),
                "relationship_to_subscriber": value(f"{name}.relationship_to_subscriber"),
                "subscriber": None,
            }
    return body


@bp.route("/clients/new", methods=["GET", "POST"])
@page("front_desk")
def register() -> Response | tuple[str, int]:
    """Register a client with their insurance coverage."""
    payers = _payers()
    if request.method == "GET":
        return render_form("front_desk/register.html", form={}, payer_options=payers,
                           idempotency_key=str(uuid.uuid4()))
    try:
        client = current.screening().register(_registration(request.form), _key())
    except ApiProblem as problem:
        existing = problem.body.get("existing_client_id")
        return render_form("front_desk/register.html", problem, form=request.form,
                           payer_options=payers, existing=existing,
                           idempotency_key=str(uuid.uuid4()))
    return redirect(url_for("front_desk.client", client_id=client["client_id"],
                            done="registered"))


def _payers() -> list[tuple[str, str]]:
    """(id, name) of the payers billing has set up (none when front desk may not read them)."""
    try:
        return [(payer["payer_id"], payer["name"]) for payer in current.claims().payers()]
    except ApiProblem:
        return []


DONE = {"registered": "The client is registered.", "screened": "The questionnaire is recorded.",
        "referred": "The referral is recorded.", "booked": "The visit is booked.",
        "cancelled": "The appointment is cancelled.", "no_show": "The no-show is recorded.",
        "rescheduled": "The appointment is moved.",
        "preferences": "The client's message choices are saved."}


@bp.get("/clients/<client_id>")
@page("front_desk")
def client(client_id: str) -> str:
    """A client: record, coverage, screening outcome and why, referrals, visits, booking code."""
    screening, scheduling = current.screening(), current.scheduling()
    record = screening.client(client_id)
    screenings = screening.screenings(client_id)
    referrals = screening.referrals(client_id)
    try:
        eligibility: dict[str, Any] | None = scheduling.eligibility(client_id)
    except ApiProblem:
        eligibility = None  # scheduling has not heard of the client yet
    start, _ = clinic_time.day_bounds(clinic_time.today() - timedelta(days=30))
    _, end = clinic_time.day_bounds(clinic_time.today(), 120)
    visits = scheduling.appointments(start, end, client_id=client_id)
    for visit in visits:
        visit["local_start"] = clinic_time.local(visit["start"])
    preferences, messages = _messages_of(client_id)
    return render_template(
        "front_desk/client.html", client=record, screening=screenings[0] if screenings else None,
        referrals=referrals, eligibility=eligibility, visits=visits,
        preferences=preferences, messages=messages, categories=MESSAGE_CATEGORIES,
        notice=DONE.get(request.args.get("done", "")), code=None)


# The kinds of message a client chooses channels for (the notifications API's categories).
MESSAGE_CATEGORIES = {"reminders": "Visit reminders",
                      "appointment_changes": "Bookings, changes and cancellations",
                      "waitlist": "Waitlist offers", "referral": "Referral running out"}


def _messages_of(client_id: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The client's message choices and latest messages (none when notifications is away)."""
    notifications = current.notifications()
    try:
        return (notifications.preferences(client_id),
                notifications.messages(client_id=client_id, limit=10))
    except ApiProblem:
        return None, []


@bp.post("/clients/<client_id>/booking-code")
@page("front_desk")
def booking_code(client_id: str) -> tuple[str, int]:
    """A booking code for the widget, shown once."""
    try:
        code = current.scheduling().booking_code(client_id)
    except ApiProblem as problem:
        return render_form("front_desk/booking_code.html", problem, code=None,
                           client_id=client_id)
    return render_form("front_desk/booking_code.html", code=code, client_id=client_id)


# -- screening --------------------------------------------------------------------------------

def _questionnaire(form: Any) -> dict[str, Any]:
    injuries = []
    for n in range(3):
        kind, region = form.get(f"injury{n}.kind"), form.get(f"injury{n}.body_region")
        if kind and region:
            injuries.append({"kind": kind, "body_region": region,
                             "healed": form.get(f"injury{n}.healed") == "yes"})
    platelets = (form.get("platelet_count") or "").strip()
    return {
        "conditions": form.getlist("conditions"),
        "medications": [line.strip() for line in form.get("medications", "").splitlines()
                        if line.strip()],
        "injuries": injuries,
        "platelet_count": int(platelets) if platelets.isdigit() else (platelets or None),
        "notes": form.get("notes", ""),
    }


@bp.route("/clients/<client_id>/screening", methods=["GET", "POST"])
@page("front_desk")
def screen(client_id: str) -> Response | tuple[str, int]:
    """Record the health questionnaire; the outcome and its reasons show on the client page."""
    screening = current.screening()
    record, rules = screening.client(client_id), screening.rules()
    if request.method == "GET":
        return render_form("front_desk/screening.html", client=record, rules=rules, form={},
                           idempotency_key=str(uuid.uuid4()))
    try:
        screening.screen(client_id, _questionnaire(request.form), _key())
    except ApiProblem as problem:
        return render_form("front_desk/screening.html", problem, client=record, rules=rules,
                           form=request.form, idempotency_key=str(uuid.uuid4()))
    return redirect(url_for("front_desk.client", client_id=client_id, done="screened"))


# -- referrals --------------------------------------------------------------------------------

def _referral(form: Any) -> dict[str, Any]:
    def number(name: str) -> int | str | None:
        value = (form.get(name) or "").strip()
        return int(value) if value.isdigit() else (value or None)

    def text(name: str) -> str | None:
        return (form.get(name) or "").strip() or None

    diagnoses = [code.strip().upper() for code in
                 (form.get("diagnoses") or "").replace(";", ",").split(",") if code.strip()]
    return {
        # The physician in parts, as the 837P names them (the service composes the name).
        "physician_last_name": text("physician_last_name"),
        "physician_first_name": text("physician_first_name"),
        "physician_credential": text("physician_credential"),
        "physician_npi": text("physician_npi") or "",
        "diagnoses": diagnoses,
        "diagnosis_regions": _diagnosis_regions(form, diagnoses),
        "codes": form.getlist("codes"),
        "techniques": form.getlist("techniques"),
        "body_regions": form.getlist("body_regions"),
        "visits_per_week": number("visits_per_week"), "weeks": number("weeks"),
        "authorized_visits": number("authorized_visits"),
        "authorization_number": (form.get("authorization_number") or "").strip() or None,
        "start_on": form.get("start_on") or None, "end_on": form.get("end_on") or None,
    }


# Diagnoses the referral form maps to regions, one row each (a referral names up to 12; the
# first few are what a prescription pad carries).
MAPPED_DIAGNOSES = 4


def _diagnosis_regions(form: Any, diagnoses: list[str]) -> list[dict[str, Any]] | None:
    """Which prescribed regions each diagnosis covers (the claim's diagnosis pointers).

    Row n of the form belongs to the n-th code typed; rows left empty are left out, and with
    nothing chosen the map is left out (the service asks for it only with several diagnoses
    and several regions, and says so next to the field).
    """
    rows = [{"diagnosis": code, "body_regions": form.getlist(f"diagnosis_regions.{n}")}
            for n, code in enumerate(diagnoses[:MAPPED_DIAGNOSES])]
    chosen = [row for row in rows if row["body_regions"]]
    return chosen or None


@bp.route("/clients/<client_id>/referral", methods=["GET", "POST"])
@page("front_desk")
def refer(client_id: str) -> Response | tuple[str, int]:
    """Enter a physician's referral; ICD-10-CM codes can be searched by words on the page."""
    screening = current.screening()
    record, rules = screening.client(client_id), screening.rules()
    search = request.args.get("q", "").strip()
    found = screening.diagnoses(search) if search else None
    context = {"client": record, "rules": rules, "search": search, "found": found,
               "today": clinic_time.today(), "mapped": range(MAPPED_DIAGNOSES)}
    if request.method == "GET":
        return render_form("front_desk/referral.html", form={},
                           idempotency_key=str(uuid.uuid4()), **context)
    try:
        screening.refer(client_id, _referral(request.form), _key())
    except ApiProblem as problem:
        return render_form("front_desk/referral.html", problem, form=request.form,
                           idempotency_key=str(uuid.uuid4()), **context)
    return redirect(url_for("front_desk.client", client_id=client_id, done="referred"))


# -- booking ----------------------------------------------------------------------------------

@bp.get("/clients/<client_id>/book")
@page("front_desk")
def book_form(client_id: str) -> tuple[str, int]:
    """Open slots for a service (and therapist) on a day, to book one or start a series."""
    screening, scheduling = current.screening(), current.scheduling()
    record = screening.client(client_id)
    services, therapists = scheduling.services(), scheduling.therapists()
    service_id = request.args.get("service") or (services[0]["id"] if services else "")
    therapist_id = request.args.get("therapist") or None
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        day = clinic_time.today()
    slots: list[dict[str, Any]] = []
    problem = None
    if service_id:
        start, end = clinic_time.day_bounds(day)
        try:
            slots = scheduling.availability(service_id, start, end, therapist_id)
        except ApiProblem as refused:
            problem = refused
    for slot in slots:
        slot["local_start"] = clinic_time.local(slot["start"])
    return render_form("front_desk/book.html", problem, client=record, services=services,
                       therapists=therapists, service_id=service_id, therapist_id=therapist_id,
                       day=day, slots=slots, idempotency_key=str(uuid.uuid4()), form={})


@bp.post("/clients/<client_id>/book")
@page("front_desk")
def book(client_id: str) -> Response | tuple[str, int]:
    """Book one visit, or a plan-of-care series starting at the chosen slot."""
    scheduling = current.scheduling()
    form = request.form
    # The chosen slot: its start, therapist and room travel together in one hidden field.
    start, _, rest = form.get(f"slot{form.get('slot', '')}", "").partition("|")
    therapist_id, _, room_id = rest.partition("|")
    booking = {"client_id": client_id, "service_id": form.get("service_id"),
               "therapist_id": therapist_id or None, "room_id": room_id or None}
    try:
        if form.get("series") == "yes":
            scheduling.book_series({
                **booking, "first_start": start or None,
                "visits_per_week": int(form.get("visits_per_week") or 0),
                "weeks": int(form.get("weeks") or 0)}, _key())
        else:
            scheduling.book({**booking, "start": start or None}, _key())
    except (ApiProblem, ValueError) as problem:
        error = problem if isinstance(problem, ApiProblem) else ApiProblem(
            400, "Visits per week and weeks are whole numbers.")
        record = current.screening().client(client_id)
        conflicts = [{"start": clinic_time.local(c["start"]), "reasons": c.get("reasons", [])}
                     for c in error.body.get("conflicts", [])]
        return render_form("front_desk/booking_refused.html", error, client=record,
                           conflicts=conflicts)
    return redirect(url_for("front_desk.client", client_id=client_id, done="booked"))


@bp.post("/appointments/<appointment_id>/<action>")
@page("front_desk")
def change(appointment_id: str, action: str) -> Response | tuple[str, int]:
    """Cancel, record a no-show, or move an appointment."""
    scheduling = current.scheduling()
    client_id = request.form.get("client_id", "")
    try:
        if action == "cancel":
            scheduling.cancel(appointment_id)
        elif action == "no-show":
            scheduling.no_show(appointment_id)
        elif action == "reschedule":
            scheduling.reschedule(appointment_id,
                                  clinic_time.from_form(request.form.get("start", "")))
        else:
            abort(404)
    except (ApiProblem, ValueError) as problem:
        error = problem if isinstance(problem, ApiProblem) else ApiProblem(
            400, "Give the new date and time.", errors={"start": ["Give a date and time."]})
        record = current.screening().client(client_id) if client_id else None
        return render_form("front_desk/booking_refused.html", error, client=record)
    done = {"cancel": "cancelled", "no-show": "no_show", "reschedule": "rescheduled"}[action]
    return redirect(url_for("front_desk.client", client_id=client_id, done=done))
