"""The audit trail: every staff request (a read or a change of a record) is recorded.

Staff endpoints are exactly the ones that touch client records, screenings, referrals,
appointments and claims, so recording each authenticated request — who, with which
roles, what (method, endpoint, path), when, from where, and how it ended — covers every
read and change. The trail is written by the service that owns the record, can be
queried by admins, and has no endpoint that edits it.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, g, request
from marshmallow import Schema, fields, validate
from sqlalchemy import Column, Index, Integer, MetaData, String, Table, insert, select

from shared.db import UtcDateTime, utcnow, write_transaction
from shared.web.auth import allow
from shared.web.context import service_context
from shared.web.io import load_query, respond
from shared.web.openapi import api

log = logging.getLogger("shared.audit")

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
    # Admins read the trail by time and by who.
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_actor", "actor", "at"),
)


_INSERT_ENTRY = insert(audit_log)  # built once: one runs after every staff request


def record_staff_request(app: Flask) -> None:
    """After each authenticated staff request, append it to the audit log."""

    @app.after_request
    def _audit(response: Response) -> Response:
        if "caller" not in g:
            return response
        try:
            with write_transaction(service_context().engine) as connection:
                connection.execute(_INSERT_ENTRY, {
                    "at": utcnow(), "actor": g.caller, "roles": ",".join(g.roles),
                    "action": request.method, "endpoint": request.endpoint or "",
                    "path": request.path[:500], "status": response.status_code,
                    "remote_addr": request.remote_addr, "request_id": g.get("request_id")})
        except Exception:
            # The answer already happened; losing its audit line must be loud, not fatal.
            log.exception("audit record failed", extra={"request_id": g.get("request_id")})
        return response


class AuditQuery(Schema):
    actor = fields.String()
    path_prefix = fields.String()
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
    status = fields.Integer()
    remote_addr = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)


class AuditPage(Schema):
    entries = fields.List(fields.Nested(AuditEntry))


audit_blueprint = Blueprint("audit", __name__)


@audit_blueprint.get("/audit")
@allow("admin")
@api("The audit trail of this service, newest first", query=AuditQuery, response=AuditPage)
def read_audit_log() -> Response:
    """Who read or changed what in this service (admins only; read-only)."""
    query = load_query(AuditQuery)
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
        rows = [dict(row._mapping) for row in connection.execute(statement)]
    return respond(AuditPage, {"entries": rows})
