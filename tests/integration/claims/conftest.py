"""The claims service on a fresh database (SQLite and PostgreSQL): config, app, client, engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from services.claims.app import create_app, migrate
from services.claims.config import ClaimsConfig
from shared.config import Settings
from shared.db import make_engine


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
