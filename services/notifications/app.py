"""The notifications service's composition root: app, consumers, relay, the message sender."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from services.notifications.api import BLUEPRINTS
from services.notifications.config import NotificationsConfig, load_config
from services.notifications.handlers import subscriptions
from services.notifications.workers.sender import MessageSender
from shared.runtime import Service
from shared.service import assemble, create_service_app, migrate_database
from shared.web.context import ServiceContext

MIGRATIONS = Path(__file__).with_name("migrations")
TITLE = "medmassage notifications"


def _create(config: NotificationsConfig) -> tuple[Flask, ServiceContext]:
    return create_service_app(config, TITLE, BLUEPRINTS)


def create_app(config: NotificationsConfig | None = None) -> Flask:
    """The HTTP app alone (tests, gunicorn); never migrates."""
    app, _ = _create(config or load_config())
    return app


def build(config: NotificationsConfig | None = None) -> Service:
    """Everything the service runs: HTTP, its consumer group, outbox relay and the sender."""
    config = config or load_config()
    app, context = _create(config)
    loops = [MessageSender(context.engine, config)]
    return assemble(app, context, MIGRATIONS, subscriptions(config), loops)


def migrate(config: NotificationsConfig | None = None) -> None:
    """Bring the notifications database up to date (plumbing tables and the service's own)."""
    migrate_database((config or load_config()).settings, MIGRATIONS)
