"""What every claims view may need: the service's typed config."""

from __future__ import annotations

from services.claims.config import ClaimsConfig
from shared.web import service_context


def config() -> ClaimsConfig:
    """The claims service's config, as the app was built with it."""
    return service_context().config
