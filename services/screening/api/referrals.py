"""Referrals: record, amend, revoke, read; and the diagnoses a UI can offer."""

from __future__ import annotations

from flask import Blueprint, Response, request
from sqlalchemy import Connection

from services.screening.api.common import config, require_readable_client
from services.screening.api.schemas.referrals import (
    DiagnosisListSchema,
    DiagnosisQuerySchema,
    ReferralListSchema,
    ReferralOutSchema,
    ReferralSchema,
    RevocationSchema,
)
from services.screening.commands import referrals as commands
from services.screening.domain import common_diagnoses, matching
from services.screening.store import referrals
from shared.uow import UnitOfWork
from shared.web import allow, api, load_body, load_query, public, reads, respond, writes

bp = Blueprint("referrals", __name__)
DIAGNOSES = common_diagnoses()


@bp.post("/clients/<client_id>/referrals")
@allow("front_desk")
@api("Record a physician's referral", request=ReferralSchema, response=ReferralOutSchema,
     status=201, errors=(404,))
@writes
def record(uow: UnitOfWork, client_id: str) -> Response:
    """Record a referral (NPI and ICD-10-CM checked, principal diagnosis first)."""
    row = commands.record_referral(uow, client_id, load_body(ReferralSchema))
    return respond(ReferralOutSchema, row, 201,
                   headers={"Location": f"/clients/{client_id}/referrals/{row['referral_id']}"})


@bp.put("/clients/<client_id>/referrals/<referral_id>")
@allow("front_desk")
@api("Amend a referral (the whole new version)", request=ReferralSchema,
     response=ReferralOutSchema, errors=(404, 409, 422))
@writes
def amend(uow: UnitOfWork, client_id: str, referral_id: str) -> Response:
    """Replace the prescription with the physician's amended one; the version goes up."""
    row = commands.amend_referral(uow, client_id, referral_id, load_body(ReferralSchema))
    return respond(ReferralOutSchema, row)


@bp.post("/clients/<client_id>/referrals/<referral_id>/revoke")
@allow("front_desk")
@api("Revoke a referral", request=RevocationSchema, response=ReferralOutSchema,
     errors=(404, 409, 422))
@writes
def revoke(uow: UnitOfWork, client_id: str, referral_id: str) -> Response:
    """Withdraw a referral: nothing more may be booked or billed against it."""
    # The body is optional: a revocation need not give a reason.
    reason = load_body(RevocationSchema)["reason"] if request.get_data() else None
    row = commands.revoke_referral(uow, client_id, referral_id, reason, config().today())
    return respond(ReferralOutSchema, row)


@bp.get("/clients/<client_id>/referrals")
@allow("front_desk", "therapist", "billing")
@api("A client's referrals, most recent first (a therapist: of a client they treat)",
     response=ReferralListSchema, errors=(404,))
@reads
def list_referrals(connection: Connection, client_id: str) -> Response:
    """Every referral of the client, open and closed."""
    require_readable_client(connection, client_id)
    return respond(ReferralListSchema, {"referrals": referrals.for_client(connection, client_id)})


@bp.get("/clients/<client_id>/referrals/<referral_id>")
@allow("front_desk", "therapist", "billing")
@api("One referral (a therapist: of a client they treat)", response=ReferralOutSchema,
     errors=(404,))
@reads
def get_referral(connection: Connection, client_id: str, referral_id: str) -> Response:
    """One of the client's referrals."""
    require_readable_client(connection, client_id)
    return respond(ReferralOutSchema, referrals.require(connection, client_id, referral_id))


@bp.get("/diagnoses")
@public
@api("Common massage-related ICD-10-CM codes, filtered by code or words",
     query=DiagnosisQuerySchema, response=DiagnosisListSchema)
def diagnoses() -> Response:
    """The shipped list of common diagnoses, matching ``q`` in code or description."""
    query = load_query(DiagnosisQuerySchema)["q"]
    return respond(DiagnosisListSchema, {"diagnoses": matching(DIAGNOSES, query)})
