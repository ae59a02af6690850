"""The composition root every service uses: engine, migrations, app, relay, consumers."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from flask import Blueprint, Flask

from shared.config import Settings
from shared.db import make_engine
from shared.kafka.clients import make_producer
from shared.kafka.consumer import ConsumerRunner, Subscription
from shared.migrations import migrate
from shared.outbox import OutboxRelay
from shared.runtime import Loop, Service
from shared.web.app import ServiceContext, init_app


def create_service_app(
    settings: Settings, title: str, blueprints: Iterable[Blueprint], migrations: Path | None
) -> tuple[Flask, ServiceContext]:
    """Migrate the service database and build its Flask app (routes + shared plumbing)."""
    engine = make_engine(settings.database_url)
    migrate(engine, migrations)
    app = Flask(f"services.{settings.service}")
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    context = ServiceContext(settings=settings, engine=engine, title=title)
    init_app(app, context)
    return app, context


def assemble(
    app: Flask,
    context: ServiceContext,
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
    return Service(settings=settings, app=app, loops=everything)
