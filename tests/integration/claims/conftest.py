"""The claims service on a fresh database (SQLite and PostgreSQL): config, app, client, engine,
and a scripted clearinghouse with the service's own workers reading it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from services.claims.app import create_app, migrate
from services.claims.config import ClaimsConfig
from services.claims.workers.acknowledgements import AcknowledgementPoller
from services.claims.workers.submission import SubmissionWorker
from shared.config import Settings
from shared.db import make_engine
from tests.integration.claims.mailbox import ScriptedClearinghouse, scripted_clearinghouse
from tests.integration.claims.remittances import Mailbox
from tests.integration.claims.support import fast_config


@pytest.fixture
def config(database_url: str) -> ClaimsConfig:
    """The claims config on the test's database, defaults otherwise."""
    return ClaimsConfig(Settings(service="claims", database_url=database_url))


@pytest.fixture
def app(config: ClaimsConfig) -> Flask:
    """The claims app on a migrated database."""
    migrate(config)
    return create_app(config)


@pytest.fixture
def http(app: Flask) -> FlaskClient:
    """A test client of the claims app."""
    return app.test_client()


@pytest.fixture
def engine(app: Flask, config: ClaimsConfig) -> Iterator[Engine]:
    """An engine on the app's (migrated) database, for events, workers and checks."""
    engine = make_engine(config.settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def scripted() -> Iterator[tuple[str, ScriptedClearinghouse]]:
    """A scripted clearinghouse on a real socket: (its URL, the script)."""
    with scripted_clearinghouse() as served:
        yield served


@pytest.fixture
def mailbox(engine: Engine, config: ClaimsConfig, scripted) -> Mailbox:  # type: ignore[no-untyped-def]
    """The service's submission worker and poller on the scripted clearinghouse."""
    url, script = scripted
    fast = fast_config(config, url)
    worker, poller = SubmissionWorker(engine, fast), AcknowledgementPoller(engine, fast)
    return Mailbox(engine, script, worker, poller)
