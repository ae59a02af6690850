"""The composition root every service uses: engine, app, relay, consumers, migrations."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from flask import Blueprint, Flask

from shared.clock import check_clock_setting
from shared.config import DEVELOPMENT, Settings
from shared.db import make_engine
from shared.kafka.clients import make_producer
from shared.kafka.consumer import ConsumerRunner, Subscription
from shared.migrations import migrate
from shared.outbox import OutboxRelay
from shared.runtime import Loop, Service
from shared.tokens import TokenVerifier, development_key_set, staff_token_verifier
from shared.web.app import init_app
from shared.web.auth import use_token_verifier
from shared.web.context import ServiceContext

log = logging.getLogger("shared.service")


class ServiceConfig(Protocol):
    """What every service's own config object carries: the shared settings."""

    @property
    def settings(self) -> Settings: ...


def create_service_app(
    config: ServiceConfig, title: str, blueprints: Iterable[Blueprint]
) -> tuple[Flask, ServiceContext]:
    """Build a service's Flask app (routes + shared plumbing); the database is not touched.

    Migrations are a step of their own (``migrate_database``, ``python -m services.<name>
    migrate``): an app built by gunicorn in each worker must not race to alter the schema.
    Settings a production service must not run on stop it here, before it serves anything.
    """
    settings = config.settings
    verifier = checked_token_verifier(settings)
    check_clock_setting(settings)
    engine = make_engine(settings.database_url)
    app = Flask(f"services.{settings.service}")
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    context = ServiceContext(settings=settings, engine=engine, title=title, config=config)
    init_app(app, context)
    use_token_verifier(app, verifier)
    return app, context


def checked_token_verifier(settings: Settings) -> TokenVerifier:
    """The staff token verifier, after MEDMASSAGE_MODE's checks; raises ConfigurationError."""
    verifier = staff_token_verifier(settings)
    if settings.mode == DEVELOPMENT:
        _warn_development(verifier)
    return verifier


def _warn_development(verifier: TokenVerifier) -> None:
    if verifier.keys.shares_a_key_with(development_key_set()):
        log.warning(
            "MEDMASSAGE_MODE=development: staff tokens signed with a published development key "
            "(shared/dev_keys) are accepted, so anyone can sign an admin token. Never hold real "
            "patient data like this: set MEDMASSAGE_MODE=production and "
            "MEDMASSAGE_JWT_PUBLIC_KEYS."
        )
    else:
        log.warning("MEDMASSAGE_MODE=development: the production checks are off; set "
                    "MEDMASSAGE_MODE=production before holding real patient data.")


def migrate_database(settings: Settings, migrations: Path | None) -> None:
    """Bring the service's database up to date: the plumbing tables and its own."""
    engine = make_engine(settings.database_url)
    try:
        migrate(engine, migrations)
    finally:
        engine.dispose()


def assemble(
    app: Flask,
    context: ServiceContext,
    migrations: Path | None,
    subscriptions: Iterable[Subscription] = (),
    loops: Iterable[Loop] = (),
) -> Service:
    """Add the outbox relay, the service's consumer group and any workers to the app."""
    settings = context.settings
    everything: list[Loop] = [
        OutboxRelay(context.engine, lambda: make_producer(settings.kafka), settings.service)
    ]
    subscriptions = list(subscriptions)
    if subscriptions:
        everything.append(
            ConsumerRunner(context.engine, settings.kafka, settings.service, subscriptions)
        )
    everything.extend(loops)
    return Service(
        settings=settings, app=app, loops=everything,
        migrate=lambda: migrate_database(settings, migrations),
    )
