"""The client's choices: channels per kind of message, unsubscribe links, STOP by SMS."""

from __future__ import annotations

from services.notifications.domain.messages import SMS, sms_reply_intent
from services.notifications.store import choices
from shared.uow import UnitOfWork


def set_preferences(uow: UnitOfWork, client_id: str,
                    wanted: dict[str, list[str]]) -> dict[str, frozenset[str]]:
    """Store the channels chosen for each category named; returns them all."""
    for category, channels in wanted.items():
        choices.set_channels(uow.connection, client_id, category, frozenset(channels))
    return choices.channels_for(uow.connection, client_id)


def unsubscribe(uow: UnitOfWork, client_id: str, channel: str, address: str) -> bool:
    """The address of an unsubscribe link gets nothing more on that channel."""
    return choices.opt_out(uow.connection, channel, address, client_id, "unsubscribe")


def sms_reply(uow: UnitOfWork, phone: str, body: str) -> str | None:
    """STOP opts the number out of SMS, START back in (CTIA keywords); anything else is kept
    by no one (the clinic's number is not a chat line)."""
    intent = sms_reply_intent(body)
    if intent == "stop":
        choices.opt_out(uow.connection, SMS, phone, None, "stop")
    elif intent == "start":
        choices.opt_back_in(uow.connection, SMS, phone)
    return intent
