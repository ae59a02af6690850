"""The screening service's composition root: app, outbox relay and referral-expiry worker."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from services.screening.api import BLUEPRINTS
from services.screening.config import ScreeningConfig, load_config
from services.screening.handlers import SUBSCRIPTIONS
from services.screening.workers.referral_expiry import ReferralExpiry
from shared.identifiers import load_icd10_cm
from shared.runtime import Service
from shared.service import assemble, create_service_app, migrate_database

MIGRATIONS = Path(__file__).with_name("migrations")
TITLE = "medmassage screening"


def create_app(config: ScreeningConfig | None = None) -> Flask:
    """The HTTP app alone (tests, gunicorn ``services.screening.app:create_app()``)."""
    config = config or load_config()
    app, _ = create_service_app(config, TITLE, BLUEPRINTS)
    # After the staff-key checks of create_service_app: the first thing to fix comes first.
    config.intake.check(config.settings)
    return app


def build(config: ScreeningConfig | None = None) -> Service:
    """HTTP, the outbox relay, the care team's consumer group and the referral-expiry job."""
    config = config or load_config()
    app, context = create_service_app(config, TITLE, BLUEPRINTS)
    config.intake.check(config.settings)
    load_icd10_cm()  # before serving, so that no referral waits for the code set to load
    expiry = ReferralExpiry(context.engine, config.today, config.expiry_interval_seconds,
                            source=config.settings.service)
    return assemble(app, context, MIGRATIONS, SUBSCRIPTIONS, loops=[expiry])


def migrate(config: ScreeningConfig | None = None) -> None:
    """Bring the screening database up to date (its tables and the plumbing ones)."""
    migrate_database((config or load_config()).settings, MIGRATIONS)
