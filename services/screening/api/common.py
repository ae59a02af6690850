"""What every screening view may need: the running service's typed config."""

from __future__ import annotations

from services.screening.config import ScreeningConfig
from shared.web import service_context


def config() -> ScreeningConfig:
    """The screening config of the running app."""
    return service_context().config
