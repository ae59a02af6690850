"""The message log for staff: what was sent to whom, when, and how delivery went."""

from __future__ import annotations

from flask import Blueprint, Response
from sqlalchemy import Connection

from services.notifications.api.schemas import MessageListSchema, MessageQuerySchema
from services.notifications.store import messages
from shared.web import allow, api, load_query, reads, respond

bp = Blueprint("notifications_messages", __name__)


@bp.get("/messages")
@allow("front_desk")
@api("Messages, newest first, with their delivery state", query=MessageQuerySchema,
     response=MessageListSchema, errors=(400,))
@reads
def list_messages(connection: Connection) -> Response:
    """Filter by client_id, appointment_id, state (e.g. bounced), kind, channel, since."""
    query = load_query(MessageQuerySchema)
    limit = query.pop("limit")
    rows = messages.search(connection, query, limit)
    return respond(MessageListSchema, {"messages": [dict(row._mapping) for row in rows]})
