"""The screening service's composition root: app, outbox relay and referral-expiry job."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from services.screening.api import BLUEPRINTS
from services.screening.api.common import CONFIG_KEY
from services.screening.config import screening_config
from services.screening.expiry import ReferralExpiry
from shared.config import Settings, load_settings
from shared.runtime import Service
from shared.service import assemble, create_service_app
from shared.web import ServiceContext

MIGRATIONS = Path(__file__).parent / "migrations"
TITLE = "medmassage screening"


def _app(settings: Settings | None) -> tuple[Flask, ServiceContext]:
    settings = settings or load_settings("screening")
    app, context = create_service_app(settings, TITLE, BLUEPRINTS, MIGRATIONS)
    context.extras[CONFIG_KEY] = screening_config(settings)
    return app, context


def create_app(settings: Settings | None = None) -> Flask:
    """The HTTP app alone (tests, gunicorn ``services.screening.app:create_app()``)."""
    return _app(settings)[0]


def build(settings: Settings | None = None) -> Service:
    """HTTP, the outbox relay and the daily referral-expiry job (screening consumes nothing)."""
    app, context = _app(settings)
    config = context.extras[CONFIG_KEY]
    expiry = ReferralExpiry(context.engine, config.today, config.expiry_interval_seconds,
                            source=context.settings.service)
    return assemble(app, context, loops=[expiry])
