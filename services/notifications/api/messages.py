"""The message log for staff: what was sent to whom, when, and how delivery went."""

from __future__ import annotations

from flask import Blueprint, Response
from sqlalchemy import Connection

from services.notifications.api.schemas import (
    MessageListSchema,
    MessageQuerySchema,
    MessageSchema,
    OptOutListSchema,
    OptOutQuerySchema,
)
from services.notifications.store import choices, messages
from shared.errors import NotFound
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


@bp.get("/messages/<message_id>")
@allow("front_desk")
@api("One message and how its delivery went", response=MessageSchema, errors=(404,))
@reads
def get_message(connection: Connection, message_id: str) -> Response:
    """The message's state, attempts, recipient and the provider's id."""
    row = messages.by_id(connection, message_id[:64])
    if row is None:
        raise NotFound("No such message.")
    return respond(MessageSchema, dict(row._mapping))


@bp.get("/opt-outs")
@allow("front_desk")
@api("Addresses that asked for no more messages (STOP, unsubscribe links)",
     query=OptOutQuerySchema, response=OptOutListSchema, errors=(400,))
@reads
def list_opt_outs(connection: Connection) -> Response:
    """Filter by client_id or address (an email address or an E.164 phone number)."""
    query = load_query(OptOutQuerySchema)
    rows = choices.list_opt_outs(connection, query.get("client_id"), query.get("address"),
                                 query["limit"])
    return respond(OptOutListSchema, {"opt_outs": [dict(row._mapping) for row in rows]})
