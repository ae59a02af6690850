"""The claims service's composition root: app, consumers, relay, batcher, submission, mailbox
(with 835 posting)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from services.claims.api import BLUEPRINTS
from services.claims.config import ClaimsConfig, load_config
from services.claims.handlers import SUBSCRIPTIONS
from services.claims.store.metrics import ClaimsByState, HeldAcknowledgements, HeldRemittances
from services.claims.workers.acknowledgements import AcknowledgementPoller
from services.claims.workers.batcher import Batcher
from services.claims.workers.submission import SubmissionWorker
from shared.runtime import Service
from shared.service import assemble, create_service_app, migrate_database
from shared.web.context import ServiceContext

MIGRATIONS = Path(__file__).with_name("migrations")
TITLE = "medmassage claims"


def _create(config: ClaimsConfig) -> tuple[Flask, ServiceContext]:
    app, context = create_service_app(config, TITLE, BLUEPRINTS)
    context.metrics.register(ClaimsByState(context.engine))
    context.metrics.register(HeldAcknowledgements(context.engine))
    context.metrics.register(HeldRemittances(context.engine))
    return app, context


def create_app(config: ClaimsConfig | None = None) -> Flask:
    """The HTTP app alone (tests, gunicorn 'services.claims.app:create_app()'); never migrates."""
    app, _ = _create(config or load_config())
    return app


def build(config: ClaimsConfig | None = None) -> Service:
    """Everything the service runs: HTTP, its consumer group, outbox relay and workers."""
    config = config or load_config()
    app, context = _create(config)
    submission = SubmissionWorker(context.engine, config)
    loops = [
        Batcher(context.engine, config, made=submission.wake),
        submission,
        AcknowledgementPoller(context.engine, config),
    ]
    return assemble(app, context, MIGRATIONS, SUBSCRIPTIONS, loops)


def migrate(config: ClaimsConfig | None = None) -> None:
    """Bring the claims database up to date (plumbing tables and the service's own)."""
    migrate_database((config or load_config()).settings, MIGRATIONS)
