"""What every scheduling view shares: the service's config and its clock."""

from __future__ import annotations

from datetime import datetime

from services.scheduling.config import SchedulingConfig
from shared.web import service_context


def config() -> SchedulingConfig:
    """Scheduling's config, as the app was built with it."""
    return service_context().config


def now() -> datetime:
    """The current time by the config's clock (tests fix it)."""
    return config().clock()
