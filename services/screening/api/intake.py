"""Online intake: the page a new client fills in, its public API, and the staff side.

The page (``/intake/``) and its API are public: a client has no credential yet. What
stands in for one is the clinic's invitation link (signed, expiring, single use), unless
the clinic opens intake to anyone from its widget (SCREENING_INTAKE_OPEN); the public
rate limit applies either way, and nothing a client sends is bookable before staff
confirm it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, request, send_file
from sqlalchemy import Connection

from services.screening.api.common import config
from services.screening.api.schemas.intake import (
    DocumentOutSchema,
    IntakeFormSchema,
    IntakeInSchema,
    IntakeReceiptSchema,
    InvitationInSchema,
    InvitationOutSchema,
    SubmissionListSchema,
    SubmissionOutSchema,
    SubmissionQuerySchema,
)
from services.screening.api.schemas.screenings import ScreeningOutSchema
from services.screening.api.screenings import present
from services.screening.commands import intake as commands
from services.screening.domain.intake import intake_questions
from services.screening.domain.intake_errors import SubmissionNotFound
from services.screening.store import intake as store
from shared.db import utcnow
from shared.errors import NotFound
from shared.uow import UnitOfWork
from shared.vocabulary import BODY_REGIONS
from shared.web import allow, api, load_body, load_query, public, reads, respond, writes
from shared.web.auth import bearer_token

bp = Blueprint("intake", __name__)

PAGE_DIR = Path(__file__).resolve().parent.parent / "intake_page"
FILES = {"index.html": "text/html", "intake.js": "text/javascript", "intake.css": "text/css"}
# Its own script and style only, talking only to this service; never framed (it takes a
# signature); no form posts anywhere (the script sends JSON).
PAGE_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
               "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
               "frame-ancestors 'none'")
NO_STORE = {"Cache-Control": "no-store"}


def _page_file(name: str) -> Response:
    response = send_file(PAGE_DIR / name, mimetype=FILES[name], conditional=True, etag=True)
    response.headers["Referrer-Policy"] = "no-referrer"  # the link's token stays here
    if name == "index.html":
        response.headers["Content-Security-Policy"] = PAGE_POLICY
    return response


@bp.get("/intake/")
@public
def page() -> Response:
    """The intake page (the clinic's link adds ``#invitation=<token>``)."""
    return _page_file("index.html")


@bp.get("/intake/<name>")
@public
def asset(name: str) -> Response:
    """The intake page's script and style sheet."""
    if name not in FILES:
        raise NotFound("No such file.")
    return _page_file(name)


@bp.get("/intake/api/form")
@public
@api("The intake form: health questions derived from the rules, and the consent text",
     response=IntakeFormSchema)
def form() -> Response:
    """What the intake page asks, as the rules table and consent in force have it."""
    settings = config()
    body = {"rules_version": settings.rules.version,
            "questions": [vars(q) for q in intake_questions(settings.rules)],
            "body_regions": sorted(BODY_REGIONS),
            "consent": vars(settings.intake.consent),
            "invitation_required": not settings.intake.open_to_all}
    return respond(IntakeFormSchema, body, headers={"Cache-Control": "no-cache"})


@bp.post("/intake/api/submissions")
@public
@api("Send a new client's intake (pending until staff confirm)", request=IntakeInSchema,
     response=IntakeReceiptSchema, status=201, errors=(400, 409, 422))
@writes
def submit(uow: UnitOfWork) -> Response:
    """Register the client and keep their answers as a pending screening with their consent."""
    data = load_body(IntakeInSchema)
    settings = config()
    receipt = commands.submit_intake(
        uow, data, invitation_token=data["invitation"],
        open_to_all=settings.intake.open_to_all, rules=settings.rules,
        consent=settings.intake.consent, today=settings.today(), now=utcnow(),
        signed_from=request.remote_addr or "unknown", link_key=settings.intake.link_key,
        invitation_days=settings.intake.invitation_days)
    step = receipt["next_step"]
    body = {**receipt, "bookable_after_review": step.bookable_after_review,
            "next_step": {"heading": step.heading, "text": step.text},
            "reasons": [reason["text"] for reason in receipt["preliminary_reasons"]]}
    return respond(IntakeReceiptSchema, body, 201, headers=NO_STORE)


@bp.post("/intake/api/documents")
@public
@api("Upload a referral document (the body is the PDF, PNG or JPEG; "
     "Authorization: Bearer <upload token>)", response=DocumentOutSchema, status=201,
     content_type="application/octet-stream", errors=(400, 401, 413, 422))
@writes
def upload(uow: UnitOfWork) -> Response:
    """Keep the document outside the database, named by its SHA-256, after the virus scan."""
    settings = config().intake
    document = commands.upload_document(
        uow, bearer_token(), request.get_data(cache=False), link_key=settings.link_key,
        directory=settings.documents_dir, max_bytes=settings.max_document_bytes,
        scan_command=settings.virus_scan_command,
        scan_timeout=settings.virus_scan_timeout_seconds, now=utcnow())
    return respond(DocumentOutSchema, document, 201, headers=NO_STORE)


# -- the front desk's side ---------------------------------------------------------------------


@bp.post("/intake-invitations")
@allow("front_desk")
@api("Create a single-use intake link for a new client (shown once)",
     request=InvitationInSchema, response=InvitationOutSchema, status=201)
@writes
def invite(uow: UnitOfWork) -> Response:
    """An expiring, signed, single-use link to the intake page."""
    data = load_body(InvitationInSchema)
    settings = config().intake
    invitation = commands.invite(uow, data["email"], utcnow(), settings.invitation_days,
                                 settings.link_key)
    # In the fragment: a browser never sends it to a server, so no log keeps it.
    link = f"{request.url_root}intake/#invitation={invitation['token']}"
    return respond(InvitationOutSchema, {**invitation, "link": link}, 201, headers=NO_STORE)


def _shown(connection: Connection, submission: dict[str, Any]) -> dict[str, Any]:
    return {**submission, "documents": store.documents(connection, submission["submission_id"])}


@bp.get("/intake-submissions")
@allow("front_desk")
@api("Intakes waiting for staff to confirm, oldest first", query=SubmissionQuerySchema,
     response=SubmissionListSchema)
@reads
def pending(connection: Connection) -> Response:
    """Pending screenings from online intake, with the clients' names and their documents."""
    query = load_query(SubmissionQuerySchema)
    found = [_shown(connection, s) for s in store.pending(connection, query["limit"])]
    return respond(SubmissionListSchema, {"submissions": found}, headers=NO_STORE)


@bp.get("/intake-submissions/<submission_id>")
@allow("front_desk")
@api("One intake submission", response=SubmissionOutSchema, errors=(404,))
@reads
def one(connection: Connection, submission_id: str) -> Response:
    """A submission, pending or confirmed."""
    submission = store.submission(connection, submission_id)
    if submission is None:
        raise SubmissionNotFound(submission_id)
    return respond(SubmissionOutSchema, _shown(connection, submission), headers=NO_STORE)


@bp.post("/intake-submissions/<submission_id>/confirm")
@allow("front_desk")
@api("Confirm a pending intake: it becomes the client's screening", response=ScreeningOutSchema,
     status=201, errors=(404, 409))
@writes
def confirm(uow: UnitOfWork, submission_id: str) -> Response:
    """Screen the client from their intake answers with today's rules (and emit the event)."""
    settings = config()
    screening = commands.confirm_intake(uow, submission_id, settings.rules, settings.today(),
                                        utcnow())
    return respond(ScreeningOutSchema, present(screening), 201)
