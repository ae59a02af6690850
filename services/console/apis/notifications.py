"""The notifications service's API as the console uses it (message log, preferences)."""

from __future__ import annotations

from typing import Any

from services.console.apis.base import ServiceApi


class NotificationsApi:
    """Messages sent with their delivery state, opt-outs, and a client's channel choices."""

    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    def messages(self, **filters: Any) -> list[dict[str, Any]]:
        """Messages newest first (filters: client_id, state, kind, channel, limit)."""
        return self.api.get("/messages", **filters)["messages"]

    def message(self, message_id: str) -> dict[str, Any]:
        """One message and how its delivery went."""
        return self.api.get(f"/messages/{message_id}")

    def opt_outs(self, client_id: str | None = None) -> list[dict[str, Any]]:
        """Addresses that asked for no more messages."""
        return self.api.get("/opt-outs", client_id=client_id)["opt_outs"]

    def preferences(self, client_id: str) -> dict[str, Any]:
        """The channels each kind of message may use for the client."""
        return self.api.get(f"/clients/{client_id}/preferences")

    def set_preferences(self, client_id: str, channels: dict[str, list[str]]) -> dict[str, Any]:
        """Choose the client's channels per kind of message."""
        return self.api.put(f"/clients/{client_id}/preferences", channels)
