"""The claim on paper: the CMS-1500 (02/12) form, for payers that take paper and as a superbill
for clients who file with their plan themselves."""

from __future__ import annotations

import json

from flask import Blueprint, Response
from marshmallow import Schema, fields
from sqlalchemy import Connection

from services.claims.api.cms1500_pdf import render_pdf
from services.claims.domain.cms1500 import form_pages
from services.claims.domain.errors import NotOnPaperYet
from services.claims.store import claims as claim_store
from services.claims.store import setup
from services.claims.x12.assemble import x12_parties
from services.claims.x12.stored import claim_from_data
from shared.web import allow, api, load_query, reads

bp = Blueprint("paper", __name__)


class PaperQuerySchema(Schema):
    superbill = fields.Boolean(
        load_default=False,
        metadata={"description": "The client's copy to file with their plan (not assigned)."},
    )


@bp.get("/claims/<claim_id>/cms1500.pdf")
@allow("billing")
@api(
    "The claim on the CMS-1500 (02/12) form, or as the client's superbill",
    query=PaperQuerySchema,
    content_type="application/pdf",
    errors=(400, 404, 409),
)
@reads
def cms1500(connection: Connection, claim_id: str) -> Response:
    """Six service lines a page; more pages when the claim has more lines."""
    superbill = load_query(PaperQuerySchema)["superbill"]
    row = claim_store.get_claim(connection, claim_id)
    document = json.loads(row.snapshot or "{}").get("x12_claim")
    provider = setup.get_billing_provider(connection)
    if document is None or provider is None:
        raise NotOnPaperYet(row.status)
    _, _, billing = x12_parties(provider)
    pages = form_pages(
        claim_from_data(document), billing, superbill=superbill,
        billing_phone=provider["contact_phone"],
    )  # fmt: skip
    name = f"{'superbill' if superbill else 'cms1500'}-{claim_id}.pdf"
    return Response(render_pdf(pages), mimetype="application/pdf", headers={
        "Content-Disposition": f'inline; filename="{name}"',
        "Cache-Control": "no-store",  # it carries the client's details
    })  # fmt: skip
