"""What clients chose: channels per kind of message, and addresses that opted out."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select

from services.notifications.domain.messages import CATEGORIES, CHANNELS
from services.notifications.store.tables import opt_outs, preferences
from shared.db import insert_if_absent, insert_or_replace, utcnow

EVERY_CHANNEL = frozenset(CHANNELS)


def channels_for(connection: Connection, client_id: str) -> dict[str, frozenset[str]]:
    """Channels per category; a category never set gets every channel."""
    chosen = {
        row.category: frozenset(part for part in row.channels.split(",") if part)
        for row in connection.execute(
            select(preferences).where(preferences.c.client_id == client_id))
    }
    return {category: chosen.get(category, EVERY_CHANNEL) for category in CATEGORIES}


def set_channels(connection: Connection, client_id: str, category: str,
                 channels: frozenset[str]) -> None:
    """Store the client's channels for one category (replacing what was there)."""
    values = {"client_id": client_id, "category": category,
              "channels": ",".join(sorted(channels)), "updated_at": utcnow()}
    insert_or_replace(connection, preferences, values)


def opt_out(connection: Connection, channel: str, address: str, client_id: str | None,
            how: str) -> bool:
    """Record that ``address`` wants nothing more on ``channel``; False if it already had."""
    return insert_if_absent(connection, opt_outs, {
        "channel": channel, "address": address, "client_id": client_id, "how": how,
        "created_at": utcnow()})


def opt_back_in(connection: Connection, channel: str, address: str) -> None:
    """Lift an opt-out (START by SMS)."""
    connection.execute(delete(opt_outs).where(opt_outs.c.channel == channel,
                                              opt_outs.c.address == address))


def opted_out(connection: Connection, channel: str, address: str | None) -> bool:
    """Whether ``address`` opted out of ``channel``."""
    if not address:
        return False
    return connection.execute(select(opt_outs.c.address).where(
        opt_outs.c.channel == channel, opt_outs.c.address == address)).first() is not None


def list_opt_outs(connection: Connection, client_id: str | None, address: str | None,
                  limit: int) -> list[Any]:
    """Opt-outs, newest first, of a client (as far as known) or an address."""
    query = select(opt_outs)
    if client_id:
        query = query.where(opt_outs.c.client_id == client_id)
    if address:
        query = query.where(opt_outs.c.address == address)
    return list(connection.execute(query.order_by(opt_outs.c.created_at.desc()).limit(limit)))
