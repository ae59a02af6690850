"""Claims endpoints: search, detail, the 837P, resubmission, void, write-off, billing the
patient, re-scrub and receivables."""

from __future__ import annotations

import json
from decimal import Decimal

from flask import Blueprint, Response
from sqlalchemy import Connection

from services.claims.api.schemas import (
    ClaimCodingSchema,
    ClaimDetailSchema,
    ClaimListSchema,
    ClaimQuerySchema,
    ReceivablesSchema,
    RescrubResultSchema,
    ResubmitSchema,
    WriteOffSchema,
)
from services.claims.commands import balances, claims, corrections
from services.claims.domain.claim import explain_lines
from services.claims.domain.errors import NotBatched
from services.claims.domain.event_data import referral_from_state, session_from_data
from services.claims.domain.records import Payer
from services.claims.store import accounts, interchanges
from services.claims.store import claims as claim_store
from services.claims.store import setup as setup_store
from shared.uow import UnitOfWork
from shared.web import allow, api, load_body, load_query, reads, respond, writes

bp = Blueprint("claims", __name__)
ZERO = Decimal("0.00")


@bp.get("/claims")
@allow("billing")
@api("Search claims", query=ClaimQuerySchema, response=ClaimListSchema)
@reads
def list_claims(connection: Connection) -> Response:
    """Claims by status, client and date-of-service range, newest first."""
    query = load_query(ClaimQuerySchema)
    return respond(ClaimListSchema, {"claims": claim_store.search_claims(connection, **query)})


@bp.get("/claims/<claim_id>")
@allow("billing")
@api(
    "One claim with lines, amounts, history and reasons", response=ClaimDetailSchema, errors=(404,)
)
@reads
def get_claim(connection: Connection, claim_id: str) -> Response:
    """A claim in full."""
    return respond(ClaimDetailSchema, accounts.claim_account(connection, claim_id))


@bp.get("/claims/<claim_id>/coding")
@allow("billing")
@api("Why each line of a claim says what it says", response=ClaimCodingSchema, errors=(404,))
@reads
def get_coding(connection: Connection, claim_id: str) -> Response:
    """Per line: techniques and regions behind the code, units reported and billed, the
    diagnoses pointed at, and the edit behind a distinct-procedure modifier."""
    row = claim_store.get_claim(connection, claim_id)
    snapshot = json.loads(row.snapshot or "{}")
    referral = referral_from_state(snapshot["referral"]) if snapshot.get("referral") else None
    payer = snapshot.get("payer")
    lines = explain_lines(
        session_from_data(json.loads(row.session)),
        referral,
        Payer(**payer) if payer else None,
        claim_store.lines_of(connection, claim_id),
        setup_store.billing_setup(connection).edits,
    )
    return respond(ClaimCodingSchema, {"claim_id": claim_id, "lines": lines})


@bp.get("/claims/<claim_id>/837")
@allow("billing")
@api("The 837P interchange the claim went out in", content_type="text/plain", errors=(404,))
@reads
def get_837(connection: Connection, claim_id: str) -> Response:
    """The stored interchange text, exactly as sent."""
    number = claim_store.get_claim(connection, claim_id).interchange_number
    if number is None:
        raise NotBatched()
    return Response(interchanges.find_interchange(connection, number).x12, mimetype="text/plain")


@bp.post("/claims/<claim_id>/resubmit")
@allow("billing")
@api(
    "Correct and resubmit a rejected claim, or replace an adjudicated one",
    request=ResubmitSchema,
    response=ClaimDetailSchema,
    status=201,
    errors=(404, 409, 415),
)
@writes
def resubmit(uow: UnitOfWork, claim_id: str) -> Response:
    """A new claim from the current projections and corrections, in place of this one.

    Rejected at the front end: sent again as it was (an original: frequency 1, no REF*F8).
    Adjudicated: a replacement (frequency 7) quoting the payer's claim number in REF*F8.
    """
    successor = corrections.resubmit(uow, claim_id, load_body(ResubmitSchema))
    return respond(ClaimDetailSchema, accounts.claim_account(uow.connection, successor), 201)


@bp.post("/claims/<claim_id>/void")
@allow("billing")
@api(
    "Void an adjudicated claim (a frequency-8 claim)",
    response=ClaimDetailSchema,
    status=201,
    errors=(404, 409),
)
@writes
def void(uow: UnitOfWork, claim_id: str) -> Response:
    """A frequency-8 claim quoting the payer's claim number in REF*F8 asks to void this one."""
    void_claim = corrections.void(uow, claim_id)
    return respond(ClaimDetailSchema, accounts.claim_account(uow.connection, void_claim), 201)


@bp.post("/claims/<claim_id>/write-off")
@allow("billing")
@api(
    "Write off what is open on an adjudicated claim and close it",
    request=WriteOffSchema,
    response=ClaimDetailSchema,
    errors=(400, 404, 409, 415, 422),
)
@writes
def write_off(uow: UnitOfWork, claim_id: str) -> Response:
    """Close the claim, writing off its open balance (or the ``amount`` not collected)."""
    body = load_body(WriteOffSchema)
    balances.write_off(uow, claim_id, body["reason"], body["amount"])
    return respond(ClaimDetailSchema, accounts.claim_account(uow.connection, claim_id))


@bp.post("/claims/<claim_id>/bill-patient")
@allow("billing")
@api(
    "Move what the payer did not pay to the patient",
    response=ClaimDetailSchema,
    errors=(404, 409, 422),
)
@writes
def bill_patient(uow: UnitOfWork, claim_id: str) -> Response:
    """The claim goes to patient_balance: the patient owes what the payer left."""
    balances.bill_patient(uow, claim_id)
    return respond(ClaimDetailSchema, accounts.claim_account(uow.connection, claim_id))


@bp.post("/claims/rescrub")
@allow("billing")
@api("Scrub every claim waiting for review again", response=RescrubResultSchema)
@writes
def rescrub(uow: UnitOfWork) -> Response:
    """After billing setup changed (a payer, a fee), re-check the parked claims."""
    scrubbed, ready = claims.rescrub_parked(uow)
    return respond(RescrubResultSchema, {"scrubbed": scrubbed, "ready": ready})


@bp.get("/reports/receivables")
@allow("billing")
@api("Charges and expected amounts by state and payer", response=ReceivablesSchema)
@reads
def receivables(connection: Connection) -> Response:
    """What is billed and expected, by claim state and payer (replaced claims left out)."""
    rows = claim_store.receivables(connection)
    return respond(
        ReceivablesSchema(),
        {
            "rows": rows,
            "total_charge": sum((r["total_charge"] for r in rows), ZERO),
            "expected_allowed": sum((r["expected_allowed"] for r in rows), ZERO),
        },
    )
