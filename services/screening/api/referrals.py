"""Physicians' referrals: record, amend, revoke, read; and the diagnoses a UI can offer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, g, request

from services.screening.api.common import config, require_client
from services.screening.domain import (
    Diagnosis,
    InvalidReferral,
    Referral,
    ReferralClosed,
    common_diagnoses,
    record_referral,
)
from services.screening.publishing import referral_closed_data, referral_data
from services.screening.schemas.referrals import (
    DiagnosisListSchema,
    DiagnosisQuerySchema,
    ReferralListSchema,
    ReferralOutSchema,
    ReferralSchema,
    RevocationSchema,
)
from services.screening.store import referrals
from shared.db import read_only, utcnow
from shared.events.contracts.screening import (
    REFERRAL_AMENDED,
    REFERRAL_RECORDED,
    REFERRAL_REVOKED,
)
from shared.web import (
    Problem,
    allow,
    api,
    idempotent,
    load_body,
    load_query,
    public,
    respond,
    service_context,
    unit_of_work,
)
from shared.web.events import emit_from_request

bp = Blueprint("referrals", __name__)
log = logging.getLogger("services.screening.api")
DIAGNOSES = common_diagnoses()


def _validated(make: Callable[[], Referral]) -> Referral:
    """Run a domain step that validates a referral; its field errors become a 400."""
    try:
        return make()
    except InvalidReferral as invalid:
        raise Problem(400, "Invalid request", "Some fields are missing or wrong; see errors.",
                      "validation-error", errors=invalid.errors) from None
    except ReferralClosed as closed:
        raise Problem(422, "Referral closed", str(closed).capitalize() + ".",
                      "referral-closed") from None


def _referral_not_found(referral_id: str) -> Problem:
    return Problem(404, "Referral not found", f"No referral {referral_id} for this client.",
                   "referral-not-found")


def _changed_meanwhile() -> Problem:
    return Problem(409, "Referral changed meanwhile", "Read it again and retry.",
                   "referral-conflict")


def _require_referral(connection: Any, client_id: str, referral_id: str) -> dict[str, Any]:
    require_client(connection, client_id, lock=True)
    row = referrals.get(connection, client_id, referral_id)
    if row is None:
        raise _referral_not_found(referral_id)
    return row


@bp.post("/clients/<client_id>/referrals")
@allow("front_desk")
@api("Record a physician's referral", request=ReferralSchema, response=ReferralOutSchema,
     status=201, errors=(404,))
@idempotent
def record(client_id: str) -> Response:
    """Record a referral (NPI and ICD-10-CM checked, principal diagnosis first)."""
    data = load_body(ReferralSchema)
    referral = _validated(lambda: record_referral(
        referral_id=referrals.new_referral_id(), client_id=client_id, **data
    ))
    with unit_of_work() as connection:
        require_client(connection, client_id, lock=True)
        row = referrals.add(connection, referral, correlation_id=g.get("correlation_id"),
                            now=utcnow())
        emit_from_request(connection, REFERRAL_RECORDED, client_id, referral_data(row))
    log.info("referral recorded", extra={"client_id": client_id,
                                         "referral_id": referral.referral_id})
    return respond(ReferralOutSchema, row, 201,
                   headers={"Location": f"/clients/{client_id}/referrals/{referral.referral_id}"})


@bp.put("/clients/<client_id>/referrals/<referral_id>")
@allow("front_desk")
@api("Amend a referral (the whole new version)", request=ReferralSchema,
     response=ReferralOutSchema, errors=(404, 409, 422))
def amend(client_id: str, referral_id: str) -> Response:
    """Replace the prescription with the physician's amended one; the version goes up."""
    data = load_body(ReferralSchema)
    with unit_of_work() as connection:
        current = _require_referral(connection, client_id, referral_id)
        amended = _validated(lambda: referrals.referral_of(current).amend(**data))
        row = referrals.save(connection, amended, current["version"], now=utcnow())
        if row is None:
            raise _changed_meanwhile()
        emit_from_request(connection, REFERRAL_AMENDED, client_id, referral_data(row))
    log.info("referral amended", extra={"referral_id": referral_id, "version": row["version"]})
    return respond(ReferralOutSchema, row)


@bp.post("/clients/<client_id>/referrals/<referral_id>/revoke")
@allow("front_desk")
@api("Revoke a referral", request=RevocationSchema, response=ReferralOutSchema,
     errors=(404, 409, 422))
def revoke(client_id: str, referral_id: str) -> Response:
    """Withdraw a referral: nothing more may be booked or billed against it."""
    data = load_body(RevocationSchema) if request.get_data() else RevocationSchema().load({})
    with unit_of_work() as connection:
        current = _require_referral(connection, client_id, referral_id)
        revoked = _validated(lambda: referrals.referral_of(current).revoke())
        row = referrals.save(connection, revoked, current["version"], now=utcnow(),
                             closed_on=config().today(), revoke_reason=data["reason"])
        if row is None:
            raise _changed_meanwhile()
        emit_from_request(connection, REFERRAL_REVOKED, client_id, referral_closed_data(row))
    log.info("referral revoked", extra={"referral_id": referral_id})
    return respond(ReferralOutSchema, row)


@bp.get("/clients/<client_id>/referrals")
@allow("front_desk", "therapist", "billing")
@api("A client's referrals, most recent first", response=ReferralListSchema, errors=(404,))
def list_referrals(client_id: str) -> Response:
    """Every referral of the client, open and closed."""
    with read_only(service_context().engine) as connection:
        require_client(connection, client_id)
        found = referrals.for_client(connection, client_id)
    return respond(ReferralListSchema, {"referrals": found})


@bp.get("/clients/<client_id>/referrals/<referral_id>")
@allow("front_desk", "therapist", "billing")
@api("One referral", response=ReferralOutSchema, errors=(404,))
def get_referral(client_id: str, referral_id: str) -> Response:
    """One of the client's referrals."""
    with read_only(service_context().engine) as connection:
        require_client(connection, client_id)
        row = referrals.get(connection, client_id, referral_id)
    if row is None:
        raise _referral_not_found(referral_id)
    return respond(ReferralOutSchema, row)


def _mentions(diagnosis: Diagnosis, word: str) -> bool:
    # Codes match with or without their dot: "m5450" finds M54.50.
    code = diagnosis.code.replace(".", "").casefold()
    return word.replace(".", "") in code or word in diagnosis.description.casefold()


@bp.get("/diagnoses")
@public
@api("Common massage-related ICD-10-CM codes, filtered by code or words",
     query=DiagnosisQuerySchema, response=DiagnosisListSchema)
def diagnoses() -> Response:
    """The shipped list of common diagnoses, matching ``q`` in code or description."""
    words = load_query(DiagnosisQuerySchema)["q"].casefold().split()
    found = [d for d in DIAGNOSES if all(_mentions(d, word) for word in words)]
    return respond(DiagnosisListSchema, {"diagnoses": found})
