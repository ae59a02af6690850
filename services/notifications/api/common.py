"""What every notifications view may need: the service's typed config."""

from __future__ import annotations

from services.notifications.config import NotificationsConfig
from shared.web import service_context


def config() -> NotificationsConfig:
    """The notifications service's config, as the app was built with it."""
    return service_context().config
