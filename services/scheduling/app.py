"""Composition root: the scheduling app (HTTP) and the whole service (HTTP + relay + consumers)."""

from __future__ import annotations

import gc
from pathlib import Path

from flask import Flask

from services.scheduling.api import BLUEPRINTS
from services.scheduling.api.availability import ANSWER_CACHE, warm_up
from services.scheduling.api.availability_cache import AnswerCache
from services.scheduling.config import SchedulingConfig, load_config
from services.scheduling.handlers import SUBSCRIPTIONS
from services.scheduling.workers.follow_up import ReferralFollowUp
from services.scheduling.workers.waitlist import WaitlistWorker
from shared.runtime import Service
from shared.service import assemble, create_service_app, migrate_database

MIGRATIONS = Path(__file__).with_name("migrations")
TITLE = "medmassage scheduling"


def create_app(config: SchedulingConfig | None = None) -> Flask:
    """The scheduling HTTP app (``gunicorn 'services.scheduling.app:create_app()'``)."""
    config = config or load_config()
    app, _ = create_service_app(config, TITLE, BLUEPRINTS)
    app.extensions[ANSWER_CACHE] = AnswerCache(config.availability_cache_entries)
    # After the staff-key checks of create_service_app: the first thing to fix comes first.
    config.check_client_token_key()
    # Each worker's first visitor would otherwise wait for SQLAlchemy compiling the reads.
    warm_up(app)
    # What start-up built lives as long as the process; frozen, the cyclic GC stops
    # rescanning those ~100k objects each time a request allocates thousands of slots
    # (availability p99 ~100 ms -> ~30 ms on a 2-core machine).
    gc.freeze()
    return app


def build(config: SchedulingConfig | None = None) -> Service:
    """HTTP, the outbox relay, the consumer group that keeps the eligibility projection, and
    the workers: waitlist offers and referral follow-up."""
    config = config or load_config()
    app = create_app(config)
    context = app.extensions["medmassage"]
    loops = [
        WaitlistWorker(context.engine, config.clock, config.offer_policy,
                       config.waitlist_interval_seconds),
        ReferralFollowUp(context.engine, config.clock, config.referral_notice_days,
                         config.follow_up_interval_seconds),
    ]
    return assemble(app, context, MIGRATIONS, SUBSCRIPTIONS, loops=loops)


def migrate(config: SchedulingConfig | None = None) -> None:
    """Bring scheduling's database up to date (``python -m services.scheduling migrate``)."""
    migrate_database((config or load_config()).settings, MIGRATIONS)
