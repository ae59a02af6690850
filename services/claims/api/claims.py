"""Claims endpoints: search, detail, the 837P, resubmission, re-scrub and receivables."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from flask import Blueprint, Response, g

from services.claims import claiming
from services.claims.schemas import (
    ClaimDetailSchema,
    ClaimListSchema,
    ClaimQuerySchema,
    ReceivablesSchema,
    RescrubResultSchema,
    ResubmitSchema,
)
from services.claims.store import claims as claim_store
from services.claims.store import interchanges
from shared.db import read_only
from shared.web import (
    Problem,
    allow,
    api,
    idempotent,
    load_body,
    load_query,
    respond,
    service_context,
    unit_of_work,
)

bp = Blueprint("claims", __name__)
ZERO = Decimal("0.00")


@bp.get("/claims")
@allow("billing")
@api("Search claims", query=ClaimQuerySchema, response=ClaimListSchema)
def list_claims() -> Response:
    """Claims by status, client and date-of-service range, newest first."""
    query = load_query(ClaimQuerySchema)
    with read_only(service_context().engine) as connection:
        rows = claim_store.search_claims(connection, **query)
    return respond(ClaimListSchema, {"claims": [_summary(row) for row in rows]})


@bp.get("/claims/<claim_id>")
@allow("billing")
@api(
    "One claim with lines, amounts, history and reasons", response=ClaimDetailSchema, errors=(404,)
)
def get_claim(claim_id: str) -> Response:
    """A claim in full."""
    with read_only(service_context().engine) as connection:
        return respond(ClaimDetailSchema, _detail(connection, claim_id))


@bp.get("/claims/<claim_id>/837")
@allow("billing")
@api("The 837P interchange the claim went out in", content_type="text/plain", errors=(404,))
def get_837(claim_id: str) -> Response:
    """The stored interchange text, exactly as sent."""
    with read_only(service_context().engine) as connection:
        row = _claim_or_404(connection, claim_id)
        if row.interchange_number is None:
            raise Problem(
                404, "Not batched yet", "The claim is in no interchange yet.", "not-batched"
            )
        interchange = interchanges.find_interchange(connection, row.interchange_number)
    return Response(interchange.x12, mimetype="text/plain")


@bp.post("/claims/<claim_id>/resubmit")
@allow("billing")
@api(
    "Correct and resubmit a rejected claim",
    request=ResubmitSchema,
    response=ClaimDetailSchema,
    status=201,
    errors=(404, 409, 415),
)
@idempotent
def resubmit(claim_id: str) -> Response:
    """Make a replacement claim (frequency 7) from the current projections and corrections."""
    corrections = load_body(ResubmitSchema)
    with unit_of_work() as connection:
        try:
            replacement = claiming.resubmit(
                connection, claim_id, corrections, g.get("correlation_id")
            )
        except claiming.ClaimNotFound as exc:
            raise Problem(
                404, "No such claim", f"Claim {claim_id} does not exist.", "not-found"
            ) from exc
        except claiming.CannotResubmit as exc:
            raise Problem(
                409,
                "Cannot resubmit",
                f"Only a rejected claim can be resubmitted once; {exc}.",
                "cannot-resubmit",
            ) from exc
        detail = _detail(connection, replacement)
    return respond(ClaimDetailSchema, detail, 201)


@bp.post("/claims/rescrub")
@allow("billing")
@api("Scrub every claim waiting for review again", response=RescrubResultSchema)
def rescrub() -> Response:
    """After billing setup changed (a payer, a fee), re-check the parked claims."""
    with unit_of_work() as connection:
        clients = claim_store.clients_with_claims_to_review(connection)
        scrubbed = sum(len(claim_store.claims_needing_review(connection, c)) for c in clients)
        ready = sum(claiming.rescrub_client(connection, client_id) for client_id in clients)
    return respond(RescrubResultSchema, {"scrubbed": scrubbed, "ready": ready})


@bp.get("/reports/receivables")
@allow("billing")
@api("Charges and expected amounts by state and payer", response=ReceivablesSchema)
def receivables() -> Response:
    """What is billed and expected, by claim state and payer (replaced claims left out)."""
    with read_only(service_context().engine) as connection:
        rows = claim_store.receivables(connection)
    return respond(
        ReceivablesSchema(),
        {
            "rows": rows,
            "total_charge": sum((r["total_charge"] for r in rows), ZERO),
            "expected_allowed": sum((r["expected_allowed"] for r in rows), ZERO),
        },
    )


def _claim_or_404(connection: Any, claim_id: str) -> Any:
    row = claim_store.find_claim(connection, claim_id)
    if row is None:
        raise Problem(404, "No such claim", f"Claim {claim_id} does not exist.", "not-found")
    return row


def _summary(row: Any) -> dict[str, Any]:
    summary = dict(row._mapping)
    number = row.interchange_number
    summary["interchange_control_number"] = f"{number:09d}" if number is not None else None
    summary["reasons"] = json.loads(row.reasons)
    return summary


def _detail(connection: Any, claim_id: str) -> dict[str, Any]:
    row = _claim_or_404(connection, claim_id)
    detail = _summary(row)
    detail["lines"] = claim_store.lines_of(connection, claim_id)
    detail["history"] = [
        {"status": h.status, "reasons": json.loads(h.reasons), "note": h.note, "at": h.at}
        for h in claim_store.history_of(connection, claim_id)
    ]
    return detail
