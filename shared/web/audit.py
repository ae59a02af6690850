"""The audit trail: every staff request, and every refused one, is recorded.

Staff endpoints are exactly the ones that touch client records, screenings, referrals,
appointments and claims, so recording each authenticated request — who, with which
roles, what (method, endpoint, path, and for staff the query terms a search used), when,
from where, and how it ended — covers every read and change. Requests refused with 401 or
403 are recorded too, under the token's subject when the token itself was valid (a staff
member reaching past their role) and as ``anonymous`` otherwise, so escalation attempts
leave a trace. The trail is written by the service that owns the record, can be read and
exported (CSV) by admins, and has no endpoint that edits it.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, Response, g, request
from marshmallow import Schema, fields, validate
from sqlalchemy import (
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
)

from shared.db import UtcDateTime, utcnow, write_transaction
from shared.web.auth import allow
from shared.web.context import service_context
from shared.web.fields import Text as TextField
from shared.web.io import load_query, respond
from shared.web.openapi import api

log = logging.getLogger("shared.audit")

ANONYMOUS = "anonymous"
CLIENT_ROLE = "client"  # the role of a client using their booking code (the widget)
DENIED = (401, 403)

metadata = MetaData()
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("roles", String(200), nullable=False),
    Column("action", String(10), nullable=False),
    Column("endpoint", String(200), nullable=False),
    Column("path", String(500), nullable=False),
    Column("status", Integer, nullable=False),
    Column("remote_addr", String(100), nullable=True),
    Column("request_id", String(100), nullable=True),
    # A staff search's terms as a JSON object (names, birth dates: PHI, so here and never
    # in the access log).
    Column("query", Text, nullable=True),
    # Admins read the trail by time and by who.
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_actor", "actor", "at"),
)


# Built once: one runs after every audited request. Inline: on PostgreSQL nothing reads
# the new row's id, so no RETURNING (a result to wait for and describe) is asked for.
_INSERT_ENTRY = insert(audit_log).inline()


def _query_terms() -> str | None:
    """The query string's parameters as a JSON object (None without any)."""
    if not request.args:
        return None
    terms = {key: values if len(values) > 1 else values[0] for key, values in request.args.lists()}
    return json.dumps(terms, ensure_ascii=False)


def _entry(status: int) -> dict[str, Any] | None:
    """The audit row for this request, or None when it is not audited."""
    if "caller" in g:  # auth names a verified caller, also one its role check refused
        actor, roles = g.caller, list(g.roles)
    elif status in DENIED:
        # No verified caller: an invalid token's claims are the caller's word only.
        actor, roles = ANONYMOUS, []
    else:
        return None
    staff = bool(roles) and CLIENT_ROLE not in roles
    return {"at": utcnow(), "actor": actor[:200], "roles": ",".join(roles),
            "action": request.method, "endpoint": request.endpoint or "",
            "path": request.path[:500], "status": status,
            "remote_addr": request.remote_addr, "request_id": g.get("request_id"),
            "query": _query_terms() if staff else None}


_RECORDED = "audit_recorded"  # flask.g: this request's row is already in its own transaction


def record_within(connection: Connection, status: int) -> None:
    """Write this request's audit row in the caller's open write transaction.

    ``@writes`` calls it with the status of the answer it is about to commit, so a change
    and the record
    of who made it commit together (one transaction per booking, docs/PERFORMANCE.md
    "Booking"), or not at all. It marks the request as recorded only once the caller has
    committed (``committed_within``); a request whose transaction rolled back (a refusal,
    a conflict, a failed commit) is recorded after it by ``record_requests`` in a
    transaction of its own, since it has no other.
    """
    entry = _entry(status)
    if entry is not None:
        connection.execute(_INSERT_ENTRY, entry)


def committed_within() -> None:
    """The transaction ``record_within`` wrote in has committed: record nothing more."""
    g.setdefault(_RECORDED, True)


def record_requests(app: Flask) -> None:
    """After each staff request and each refused (401/403) one, append it to the audit log."""

    @app.after_request
    def _audit(response: Response) -> Response:
        if g.pop(_RECORDED, False):
            return response
        try:
            entry = _entry(response.status_code)
            if entry is None:
                return response
            with write_transaction(service_context().engine) as connection:
                connection.execute(_INSERT_ENTRY, entry)
        except Exception:
            # The answer already happened; losing its audit line must be loud, not fatal.
            log.exception("audit record failed", extra={"request_id": g.get("request_id")})
        return response


class AuditQuery(Schema):
    actor = TextField()
    path_prefix = TextField()
    since = fields.AwareDateTime(data_key="from")
    until = fields.AwareDateTime(data_key="to")
    limit = fields.Integer(load_default=200, validate=validate.Range(min=1, max=1000))


class AuditEntry(Schema):
    at = fields.AwareDateTime()
    actor = fields.String()
    roles = fields.Function(lambda row: row["roles"].split(",") if row["roles"] else [])
    action = fields.String()
    endpoint = fields.String()
    path = fields.String()
    query = fields.Function(lambda row: json.loads(row["query"]) if row["query"] else None,
                            metadata={"description": "a staff search's terms"})
    status = fields.Integer()
    remote_addr = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)


class AuditPage(Schema):
    entries = fields.List(fields.Nested(AuditEntry))


def _entries(query: dict[str, Any]) -> list[dict[str, Any]]:
    """The trail's rows matching ``query``, newest first."""
    statement = select(audit_log).order_by(audit_log.c.id.desc()).limit(query["limit"])
    if "actor" in query:
        statement = statement.where(audit_log.c.actor == query["actor"])
    if "path_prefix" in query:
        statement = statement.where(audit_log.c.path.startswith(query["path_prefix"]))
    if "since" in query:
        statement = statement.where(audit_log.c.at >= query["since"])
    if "until" in query:
        statement = statement.where(audit_log.c.at < query["until"])
    with service_context().engine.connect() as connection:
        return [dict(row._mapping) for row in connection.execute(statement)]


CSV_COLUMNS = ("at", "actor", "roles", "action", "endpoint", "path", "query", "status",
               "remote_addr", "request_id")
# A cell a spreadsheet would run as a formula (OWASP "CSV injection"); a search term or a
# path is the caller's text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, datetime) else str(value)
    return f"'{text}" if text.startswith(_FORMULA_STARTS) else text


def _csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row[column]) for column in CSV_COLUMNS])
    return out.getvalue()


NO_STORE = {"Cache-Control": "no-store"}  # the trail names clients' records and searches

audit_blueprint = Blueprint("audit", __name__)


@audit_blueprint.get("/audit")
@allow("admin")
@api("The audit trail of this service, newest first", query=AuditQuery, response=AuditPage)
def read_audit_log() -> Response:
    """Who read or changed what in this service, and who was refused (admins only)."""
    return respond(AuditPage, {"entries": _entries(load_query(AuditQuery))}, headers=NO_STORE)


@audit_blueprint.get("/audit.csv")
@allow("admin")
@api("The audit trail as CSV, newest first (same filters as /audit)", query=AuditQuery,
     content_type="text/csv")
def export_audit_log() -> Response:
    """The audit trail as a CSV file, one row per entry (admins only)."""
    body = _csv(_entries(load_query(AuditQuery)))
    filename = f"audit-{service_context().settings.service}.csv"
    return Response(body, mimetype="text/csv", headers={
        **NO_STORE, "Content-Disposition": f'attachment; filename="{filename}"'})
