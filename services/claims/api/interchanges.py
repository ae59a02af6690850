"""What billing needs when the clearinghouse's answers go wrong: interchanges and reports.

An interchange whose answers could not be read or matched, or a report that could not be
read, is held for a person (docs/CLAIM_LIFECYCLE.md); these show why, and send a held
interchange again once the clearinghouse is sorted out.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from sqlalchemy import Connection

from services.claims.api.schemas import (
    InterchangeListSchema,
    InterchangeQuerySchema,
    ReportListSchema,
    ReportQuerySchema,
)
from services.claims.commands import interchanges as interchange_commands
from services.claims.store import interchanges, reports
from shared.uow import UnitOfWork
from shared.web import allow, api, load_query, reads, respond, writes

bp = Blueprint("claims_interchanges", __name__)


@bp.get("/interchanges")
@allow("billing")
@api("Interchanges and how their submission went", query=InterchangeQuerySchema,
     response=InterchangeListSchema)
@reads
def list_interchanges(connection: Connection) -> Response:
    """Interchanges, newest first (e.g. ?status=held: those waiting for a person)."""
    query = load_query(InterchangeQuerySchema)
    rows = interchanges.list_interchanges(connection, query["status"], query["limit"])
    members = interchanges.claim_ids_by_interchange(connection, [r.control_number for r in rows])
    return respond(InterchangeListSchema, {"interchanges": [
        _interchange(row, members[row.control_number]) for row in rows
    ]})


def _interchange(row: Any, claim_ids: list[str]) -> dict[str, Any]:
    return {
        "interchange_control_number": f"{row.control_number:09d}",
        "payer_id": row.payer_id,
        "status": row.status,
        "attempts": row.attempts,
        "unreadable_answers": row.unreadable_answers,
        "reason": row.last_error,
        "created_at": row.created_at,
        "submitted_at": row.submitted_at,
        "claim_ids": claim_ids,
    }


@bp.post("/interchanges/<number>/retry")
@allow("billing")
@api("Send a held interchange again", status=204, errors=(404, 409))
@writes
def retry(uow: UnitOfWork, number: str) -> Response:
    """The same stored text goes out again; the clearinghouse sees a duplicate if it had it."""
    interchange_commands.release(uow, number)
    return Response(status=204)


@bp.get("/clearinghouse-reports")
@allow("billing")
@api("Reports read from the clearinghouse's mailbox", query=ReportQuerySchema,
     response=ReportListSchema)
@reads
def list_reports(connection: Connection) -> Response:
    """277CAs and 835s read, newest first, with what became of each (e.g. ?status=held)."""
    query = load_query(ReportQuerySchema)
    rows = reports.list_reports(connection, query["status"], query["limit"])
    return respond(ReportListSchema, {"reports": [
        {
            **row._mapping,
            "interchange_control_number": (
                f"{row.interchange_number:09d}" if row.interchange_number is not None else None
            ),
        }
        for row in rows
    ]})
