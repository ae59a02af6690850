"""Billing's work queue and the A/R aging report, and settling what was held at posting.

docs/CLAIM_LIFECYCLE.md (the states a person works), docs/DOMAIN.md §Acknowledgements (835
posting). Ages count on the service's clock (the one that flags no_response claims).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import Blueprint, Response
from sqlalchemy import Connection

from services.claims.api.common import config
from services.claims.api.schemas import (
    AgingQuerySchema,
    AgingSchema,
    ResolveSchema,
    WorkQueueQuerySchema,
    WorkQueueSchema,
)
from services.claims.commands import balances
from services.claims.domain.balances import AGING_BASIS, AGING_BUCKETS, Balance, aging
from services.claims.store.accounts import open_receivables
from services.claims.store.work_queue import work_queue
from shared.uow import UnitOfWork
from shared.web import allow, api, load_body, load_query, reads, respond, writes

bp = Blueprint("claims_work", __name__)


@bp.get("/work-queue")
@allow("billing")
@api("What needs a person, oldest first, with reasons, age, money at stake and actions",
     query=WorkQueueQuerySchema, response=WorkQueueSchema)  # fmt: skip
@reads
def get_work_queue(connection: Connection) -> Response:
    """Claims, 835 payments, interchanges and reports waiting for billing (``?kind=``)."""
    query = load_query(WorkQueueQuerySchema)
    items = work_queue(connection, config().clock(), query["kind"])
    counts = Counter(item["kind"] for item in items)
    return respond(WorkQueueSchema, {"items": items[: query["limit"]], "counts": counts})


@bp.post("/remittance-exceptions/<exception_id>/resolve")
@allow("billing")
@api("Record how a claim payment or remittance held at posting was settled",
     request=ResolveSchema, status=204, errors=(400, 404, 409, 415))  # fmt: skip
@writes
def resolve(uow: UnitOfWork, exception_id: str) -> Response:
    """The item leaves the work queue; who settled it and how is kept."""
    balances.resolve_exception(uow, exception_id, load_body(ResolveSchema)["note"])
    return Response(status=204)


@bp.get("/reports/aging")
@allow("billing")
@api("Open balances by payer in 0-30, 31-60, 61-90, 91-120 and 120+ days from the visit",
     query=AgingQuerySchema, response=AgingSchema)  # fmt: skip
@reads
def get_aging(connection: Connection) -> Response:
    """A/R aging: what is still owed (by the payer and by patients) by age of the visit."""
    as_of = load_query(AgingQuerySchema)["as_of"] or config().clock().date()
    rows = aging(open_receivables(connection), as_of)
    totals: dict[str, tuple[int, Balance]] = {name: (0, Balance()) for name, _, _ in AGING_BUCKETS}
    for row in rows:
        for name in totals:
            count, balance = totals[name]
            totals[name] = (count + row.claims[name], balance + row.buckets[name])
    return respond(AgingSchema, {
        "as_of": as_of,
        "basis": AGING_BASIS,
        "payers": [
            {
                "payer_id": row.payer_id,
                "buckets": [_bucket(n, row.claims[n], row.buckets[n]) for n in totals],
                "claims": sum(row.claims.values()),
                "total": row.total.total,
            }
            for row in rows
        ],
        "totals": [_bucket(name, count, balance) for name, (count, balance) in totals.items()],
        "claims": sum(count for count, _ in totals.values()),
        "total": sum((balance for _, balance in totals.values()), Balance()).total,
    })


def _bucket(name: str, claims: int, balance: Balance) -> dict[str, Any]:
    return {"bucket": name, "claims": claims, "insurance": balance.payer,
            "patient": balance.patient, "amount": balance.total}  # fmt: skip

