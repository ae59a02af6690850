"""The eligibility projection as the front desk sees it, with the reasons booking would give."""

from __future__ import annotations

from flask import Blueprint, Response
from sqlalchemy import Connection

from services.scheduling.api.common import now
from services.scheduling.api.schemas import EligibilityQuery, EligibilitySchema
from services.scheduling.domain.booking import check_eligibility
from services.scheduling.store.calendar import load_settings
from services.scheduling.store.eligibility import load_eligibility
from shared.web import allow, api, load_query, reads, respond

bp = Blueprint("eligibility", __name__)


@bp.get("/clients/<client_id>/eligibility")
@allow("front_desk")
@api("Whether a client can be booked, and why not", query=EligibilityQuery,
     response=EligibilitySchema)
@reads
def eligibility(connection: Connection, client_id: str) -> Response:
    """The newest screening, each referral with visits used and left, and booking's reasons."""
    query = load_query(EligibilityQuery)
    on = query.get("on") or load_settings(connection).local_day(now())
    view = load_eligibility(connection, client_id)
    reasons = check_eligibility(view.eligibility, on)
    body = {
        "client_id": client_id,
        "known": view.known,
        "on": on,
        "bookable": not reasons,
        "reasons": reasons,
        "screening": view.screening._mapping if view.screening is not None else None,
        "referrals": view.referrals,
    }
    return respond(EligibilitySchema, body)
