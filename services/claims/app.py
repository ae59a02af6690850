"""The claims service's composition root: app, consumers, relay, submission and 277CA loops."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from services.claims.acknowledgements import AcknowledgementPoller
from services.claims.api import BLUEPRINTS
from services.claims.batching import Batcher
from services.claims.config import ClaimsConfig
from services.claims.handlers import SUBSCRIPTIONS
from services.claims.metrics import ClaimsByState
from services.claims.submission import SubmissionWorker
from shared.config import Settings, load_settings
from shared.runtime import Service
from shared.service import assemble, create_service_app
from shared.web.app import ServiceContext

MIGRATIONS = Path(__file__).with_name("migrations")
TITLE = "medmassage claims"


def _create(settings: Settings) -> tuple[Flask, ServiceContext]:
    app, context = create_service_app(settings, TITLE, BLUEPRINTS, MIGRATIONS)
    context.metrics.register(ClaimsByState(context.engine))
    return app, context


def create_app(settings: Settings | None = None) -> Flask:
    """The HTTP app alone (tests, gunicorn 'services.claims.app:create_app()')."""
    app, _ = _create(settings or load_settings("claims"))
    return app


def build(settings: Settings | None = None, config: ClaimsConfig | None = None) -> Service:
    """Everything the service runs: HTTP, its consumer group, outbox relay and workers."""
    settings = settings or load_settings("claims")
    config = config or ClaimsConfig.from_settings(settings)
    app, context = _create(settings)
    loops = [
        Batcher(context.engine, config),
        SubmissionWorker(context.engine, config),
        AcknowledgementPoller(context.engine, config),
    ]
    return assemble(app, context, SUBSCRIPTIONS, loops)
