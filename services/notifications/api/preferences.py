"""Client preferences: which channels each kind of message may use (front desk sets them)."""

from __future__ import annotations

from flask import Blueprint, Response
from sqlalchemy import Connection

from services.notifications.api.schemas import PreferencesSchema
from services.notifications.commands import choices as choice_commands
from services.notifications.store import choices
from shared.errors import InvalidInput
from shared.uow import UnitOfWork
from shared.web import allow, api, load_body, reads, respond, writes

bp = Blueprint("notifications_preferences", __name__)


def _checked(client_id: str) -> str:
    if not 1 <= len(client_id) <= 64:
        raise InvalidInput.field("client_id", "1 to 64 characters.")
    return client_id


def _answer(client_id: str, channels: dict[str, frozenset[str]]) -> Response:
    return respond(PreferencesSchema, {"client_id": client_id,
                                       **{k: sorted(v) for k, v in channels.items()}})


@bp.get("/clients/<client_id>/preferences")
@allow("front_desk")
@api("A client's channels per kind of message", response=PreferencesSchema, errors=(400,))
@reads
def get_preferences(connection: Connection, client_id: str) -> Response:
    """Every category, with every channel where the client chose nothing."""
    return _answer(client_id, choices.channels_for(connection, _checked(client_id)))


@bp.put("/clients/<client_id>/preferences")
@allow("front_desk")
@api("Choose a client's channels per kind of message", request=PreferencesSchema,
     response=PreferencesSchema, errors=(400,))
@writes
def put_preferences(uow: UnitOfWork, client_id: str) -> Response:
    """Set the categories named (e.g. {"reminders": ["sms"]}); the others keep theirs."""
    wanted = load_body(PreferencesSchema)
    return _answer(client_id, choice_commands.set_preferences(uow, _checked(client_id), wanted))
