"""The printable referral form a physician fills in, blank or with the client's part filled:
an HTML page, and the same form as a PDF to download (api/referral_form_pdf.py)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, render_template
from sqlalchemy import Connection

from services.screening.api.referral_form_pdf import ClientPart, referral_form_pdf
from services.screening.domain import common_diagnoses
from services.screening.store import clients
from shared.vocabulary import BODY_REGIONS, TECHNIQUES
from shared.web import allow, api, public, reads

bp = Blueprint("forms", __name__, template_folder=Path(__file__).parent.parent / "templates")

CODES = (("97124", "Massage"), ("97140", "Manual therapy techniques"))
# The page is printed, not scripted: its one style sheet (inline, marked with this
# response's nonce) is all it may use; no script, image, font, form target or framing.
FORM_POLICY = ("default-src 'none'; style-src 'nonce-{nonce}'; base-uri 'none'; "
               "form-action 'none'; frame-ancestors 'none'")


def _form(client: dict[str, Any] | None) -> Response:
    # Jinja autoescapes .html templates: a name like "<script>" prints as text.
    nonce = secrets.token_urlsafe(16)
    page = render_template(
        "referral_form.html",
        client=client,
        codes=CODES,
        techniques=sorted(TECHNIQUES),
        body_regions=sorted(BODY_REGIONS),
        diagnoses=common_diagnoses(),
        style_nonce=nonce,
    )
    return Response(page, mimetype="text/html",
                    headers={"Content-Security-Policy": FORM_POLICY.format(nonce=nonce)})


@bp.get("/referral-form")
@public
@api("A blank printable referral form for physicians", content_type="text/html")
def blank_referral_form() -> Response:
    """The referral form with every field empty."""
    return _form(None)


@bp.get("/clients/<client_id>/referral-form")
@allow("front_desk")
@api("The referral form with the client's part filled in", content_type="text/html",
     errors=(404,))
@reads
def client_referral_form(connection: Connection, client_id: str) -> Response:
    """The referral form pre-filled with the client's name, birth date and member id."""
    response = _form(_client_part(connection, client_id))
    response.headers["Cache-Control"] = "no-store"  # it carries the client's details
    return response


def _client_part(connection: Connection, client_id: str) -> dict[str, str]:
    client = clients.require(connection, client_id)
    coverage = client["coverage"]
    return {
        "name": f"{client['first_name']} {client['last_name']}",
        "birth_date": client["birth_date"].isoformat(),
        "member_id": coverage["member_id"] if coverage else "",
    }


def _pdf(client: dict[str, str] | None, filename: str) -> Response:
    document = referral_form_pdf(
        ClientPart(**client) if client else None, CODES, sorted(TECHNIQUES),
        sorted(BODY_REGIONS), common_diagnoses(),
    )  # fmt: skip
    return Response(document, mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.get("/referral-form.pdf")
@public
@api("The blank referral form as a PDF to download", content_type="application/pdf")
def blank_referral_form_pdf() -> Response:
    """The referral form with every field empty, as a PDF."""
    return _pdf(None, "referral-form.pdf")


@bp.get("/clients/<client_id>/referral-form.pdf")
@allow("front_desk")
@api("The referral form as a PDF with the client's part filled in",
     content_type="application/pdf", errors=(404,))
@reads
def client_referral_form_pdf(connection: Connection, client_id: str) -> Response:
    """The referral form PDF pre-filled with the client's name, birth date and member id."""
    response = _pdf(_client_part(connection, client_id), "referral-form.pdf")
    response.headers["Cache-Control"] = "no-store"  # it carries the client's details
    return response
