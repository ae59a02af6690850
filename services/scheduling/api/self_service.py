"""Client self-service in the widget: sign in, see, cancel, move and book one's own visits.

Every ``/widget/api/me/...`` view takes the client from the client token
(``Authorization: Bearer``; ``domain/client_access.py``) and from nowhere else: no
request names a client, and another client's visit answers 404 as if it did not exist.
The routes are public to the auth layer (no staff token); the public rate limit applies.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

from flask import Blueprint, Response, g, request
from sqlalchemy import Connection

from services.scheduling.api.common import config, now
from services.scheduling.api.self_service_schemas import (
    BookedSeriesSchema,
    CancelInSchema,
    ClientSessionInSchema,
    ClientSessionSchema,
    ClinicLinksSchema,
    DatesInSchema,
    MoveInSchema,
    OwnBookingInSchema,
    OwnVisitSchema,
    OwnVisitsSchema,
    ProposalInSchema,
    ProposalSchema,
    SignInAnswerSchema,
    SignInRequestSchema,
    StaffDatesInSchema,
    StaffProposalInSchema,
)
from services.scheduling.commands import self_service as commands
from services.scheduling.commands.booking import BookingRequest, book_appointment
from services.scheduling.commands.series import book_dates, propose_series
from services.scheduling.domain import client_access
from services.scheduling.domain.booking_codes import Verdict
from services.scheduling.domain.visit_ics import visit_calendar
from services.scheduling.store.calendar import load_service, load_therapists
from shared.signed_tokens import TokenRefused
from shared.uow import UnitOfWork, unit_of_work
from shared.web import (
    Problem,
    allow,
    api,
    load_body,
    public,
    reads,
    respond,
    service_context,
    writes,
)
from shared.web.auth import bearer_token

bp = Blueprint("self_service", __name__)
View = TypeVar("View", bound=Callable[..., Any])
NO_STORE = {"Cache-Control": "no-store"}
SIGN_IN_SENT = ("If this address belongs to a client of the clinic, a sign-in link is on "
                "its way. It works once, within a few minutes.")


def _signed_in_client() -> str:
    """The client the request's token names; a 401 problem for anything else."""
    settings = config()
    try:
        client_id = client_access.client_of(
            settings.client_token_key, bearer_token(),
            timedelta(minutes=settings.client_token_minutes))
    except TokenRefused as refused:
        raise Problem(401, "Unauthorized",
                      "Your sign-in has expired. Please sign in again." if refused.expired
                      else "Please sign in.", "client-sign-in-needed",
                      reasons=["sign_in_expired" if refused.expired else "sign_in_needed"]
                      ) from None
    g.caller = f"client:{client_id}"
    g.roles = ["client"]
    return client_id


def _client(view: View) -> View:
    """Hand the view the signed-in client after its own first argument (401 without one)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return view(_signed_in_client(), *args, **kwargs)

    return wrapper  # type: ignore[return-value]


@bp.get("/widget/api/clinic")
@public
@api("Links the self-service page offers (the new client intake)", response=ClinicLinksSchema)
def clinic_links() -> Response:
    """Where a new client starts: the intake page, when the clinic has one online."""
    return respond(ClinicLinksSchema, {"intake_url": config().intake_url},
                   headers={"Cache-Control": "no-cache"})


@bp.post("/widget/api/sign-in")
@public
@api("Email the client a sign-in link (the answer is the same for any address)",
     request=SignInRequestSchema, response=SignInAnswerSchema, status=202)
@writes
def ask_for_link(uow: UnitOfWork) -> Response:
    """Send a single-use sign-in link to the address if it is one client's."""
    email = load_body(SignInRequestSchema)["email"]
    commands.request_sign_in(uow, email, now(), config().sign_in_link_minutes,
                             f"{request.url_root}widget/account.html")
    return respond(SignInAnswerSchema, {"detail": SIGN_IN_SENT}, 202, headers=NO_STORE)


@bp.post("/widget/api/sessions")
@public
@api("Sign in with an emailed link's secret or a booking code: a client token",
     request=ClientSessionInSchema, response=ClientSessionSchema, status=201, errors=(400, 401))
def open_session() -> Response:
    """Exchange the link (once) or the booking code for a short-lived client token."""
    data = load_body(ClientSessionInSchema)
    moment = now()
    context = service_context()
    # Committed whatever the verdict: a used link stays used, a wrong code stays counted.
    with unit_of_work(context.engine, context.settings.service,
                      correlation_id=g.get("correlation_id")) as uow:
        client_id, verdict = commands.sign_in(uow, link_secret=data["sign_in"],
                                              booking_code=data["booking_code"], now=moment)
    if client_id is None:
        if verdict in (Verdict.REVOKED, Verdict.LOCKED_OUT):
            raise Problem(401, "Booking code revoked", "This booking code no longer works. "
                          "Please ask the front desk for a new one.", "booking-code-revoked",
                          reasons=["booking_code_revoked"])
        raise Problem(401, "Unauthorized",
                      "This sign-in link was used already or has expired; ask for a new one."
                      if verdict is None else "The booking code is invalid or expired.",
                      "client-sign-in-refused",
                      reasons=["sign_in_link_refused" if verdict is None
                               else "invalid_booking_code"])
    settings = config()
    token = client_access.client_token(settings.client_token_key, client_id)
    body = {"token": token,
            "expires_at": moment + timedelta(minutes=settings.client_token_minutes)}
    return respond(ClientSessionSchema, body, 201, headers=NO_STORE)


@bp.get("/widget/api/me/visits")
@public
@api("The signed-in client's upcoming and past visits, with the notice policy",
     response=OwnVisitsSchema, errors=(401,))
@_client
@reads
def own_visits(connection: Connection, client_id: str) -> Response:
    """Upcoming visits with the terms of changing each; past ones, latest first."""
    return respond(OwnVisitsSchema, commands.visits(connection, client_id, now()),
                   headers=NO_STORE)


def _one(connection: Connection, client_id: str, appointment_id: str) -> dict[str, Any]:
    commands.own_visit(connection, client_id, appointment_id)
    shown = commands.visits(connection, client_id, now())
    return next(v for v in shown["upcoming"] + shown["past"] if v["id"] == appointment_id)


@bp.get("/widget/api/me/visits/<appointment_id>/calendar.ics")
@public
@api("One of the client's visits as an iCalendar file", content_type="text/calendar",
     errors=(401, 404))
@_client
@reads
def visit_ics(connection: Connection, client_id: str, appointment_id: str) -> Response:
    """The visit for the client's own calendar app."""
    row = commands.own_visit(connection, client_id, appointment_id)
    [therapist] = load_therapists(connection, [row.therapist_id])
    service = load_service(connection, row.service_id)
    body = visit_calendar(row.id, row.start, row.end, service.name if service else "Visit",
                          therapist.name, row.status, now())
    return Response(body, mimetype="text/calendar", headers={
        **NO_STORE, "Content-Disposition": 'attachment; filename="visit.ics"'})


@bp.post("/widget/api/me/visits/<appointment_id>/cancel")
@public
@api("Cancel one's visit (late: only with accept_fee)", request=CancelInSchema,
     response=OwnVisitSchema, errors=(401, 404, 409))
@_client
@writes
def cancel(uow: UnitOfWork, client_id: str, appointment_id: str) -> Response:
    """Cancel within the clinic's notice policy; a late fee is recorded if accepted."""
    data = load_body(CancelInSchema)
    commands.cancel_own(uow, client_id, appointment_id, data["accept_fee"], now())
    return respond(OwnVisitSchema, _one(uow.connection, client_id, appointment_id),
                   headers=NO_STORE)


@bp.post("/widget/api/me/visits/<appointment_id>/reschedule")
@public
@api("Move one's visit to another free time with the same therapist", request=MoveInSchema,
     response=OwnVisitSchema, errors=(401, 404, 409, 422))
@_client
@writes
def reschedule(uow: UnitOfWork, client_id: str, appointment_id: str) -> Response:
    """Move within the notice policy (a late move only with the fee accepted)."""
    data = load_body(MoveInSchema)
    commands.reschedule_own(uow, client_id, appointment_id, data["start"], data["accept_fee"],
                            now())
    return respond(OwnVisitSchema, _one(uow.connection, client_id, appointment_id),
                   headers=NO_STORE)


@bp.post("/widget/api/me/appointments")
@public
@api("Book a visit for oneself", request=OwnBookingInSchema, response=OwnVisitSchema,
     status=201, errors=(401, 404, 409, 422))
@_client
@writes
def book(uow: UnitOfWork, client_id: str) -> Response:
    """Book like the front desk does, for the signed-in client only."""
    data = load_body(OwnBookingInSchema)
    appointment_id = book_appointment(uow, BookingRequest(
        client_id=client_id, service_id=data["service_id"], therapist_id=data["therapist_id"],
        start=data["start"]), now())
    return respond(OwnVisitSchema, _one(uow.connection, client_id, appointment_id), 201,
                   headers=NO_STORE)


@bp.post("/widget/api/me/series/proposal")
@public
@api("Propose the plan of care's visits from a first one, each date checked",
     request=ProposalInSchema, response=ProposalSchema, errors=(400, 401, 404))
@_client
@reads
def own_proposal(connection: Connection, client_id: str) -> Response:
    """The dates of the prescribed frequency; refused ones say why. Books nothing."""
    data = load_body(ProposalInSchema)
    return respond(ProposalSchema, propose_series(
        connection, client_id, data["service_id"], data["therapist_id"], data["first_start"],
        data["frequency"], data["weekdays"], now()), headers=NO_STORE)


@bp.post("/widget/api/me/series")
@public
@api("Book the accepted dates of a proposal, all or nothing", request=DatesInSchema,
     response=BookedSeriesSchema, status=201, errors=(400, 401, 404, 409, 422))
@_client
@writes
def own_series(uow: UnitOfWork, client_id: str) -> Response:
    """Book every date sent, or none (each refused date is listed with its reasons)."""
    data = load_body(DatesInSchema)
    ids = book_dates(uow, client_id, data["service_id"], data["therapist_id"], data["starts"],
                     now())
    return respond(BookedSeriesSchema,
                   {"appointments": [_one(uow.connection, client_id, i) for i in ids]}, 201,
                   headers=NO_STORE)


# -- the front desk's side of the proposed series ----------------------------------------------


@bp.post("/appointments/series/proposal")
@allow("front_desk")
@api("Propose a client's plan-of-care visits, each date checked; books nothing",
     request=StaffProposalInSchema, response=ProposalSchema, errors=(400, 404))
@reads
def staff_proposal(connection: Connection) -> Response:
    """The front desk's proposal, from the referral's frequency or one typed in."""
    data = load_body(StaffProposalInSchema)
    return respond(ProposalSchema, propose_series(
        connection, data["client_id"], data["service_id"], data["therapist_id"],
        data["first_start"], data["frequency"], data["weekdays"], now()))


@bp.post("/appointments/series/dates")
@allow("front_desk")
@api("Book the accepted dates of a proposal, all or nothing", request=StaffDatesInSchema,
     response=BookedSeriesSchema, status=201, errors=(400, 404, 409, 422))
@writes
def staff_dates(uow: UnitOfWork) -> Response:
    """Book every date sent for the client, or none."""
    data = load_body(StaffDatesInSchema)
    ids = book_dates(uow, data["client_id"], data["service_id"], data["therapist_id"],
                     data["starts"], now())
    return respond(BookedSeriesSchema, {"appointments": [
        _one(uow.connection, data["client_id"], i) for i in ids]}, 201)
