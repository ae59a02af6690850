"""Screening apps on a migrated database: both backends where storage matters, SQLite otherwise."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.screening.app import create_app, migrate
from services.screening.config import ScreeningConfig
from shared.config import Settings


def migrated_app(database_url: str) -> Flask:
    """The screening app on ``database_url``, its database migrated first."""
    config = ScreeningConfig.from_settings(Settings(service="screening",
                                                    database_url=database_url))
    migrate(config)
    return create_app(config)


@pytest.fixture
def app(database_url: str) -> Flask:
    """The screening app on SQLite and on PostgreSQL."""
    return migrated_app(database_url)


@pytest.fixture
def http(app: Flask) -> FlaskClient:
    """A test client of ``app``."""
    return app.test_client()


@pytest.fixture
def sqlite_app(tmp_path) -> Flask:  # type: ignore[no-untyped-def]
    """The screening app on SQLite only, for tests where the backend does not matter."""
    return migrated_app(f"sqlite:///{tmp_path / 'screening.db'}")


@pytest.fixture
def sqlite_http(sqlite_app: Flask) -> FlaskClient:
    """A test client of ``sqlite_app``."""
    return sqlite_app.test_client()
