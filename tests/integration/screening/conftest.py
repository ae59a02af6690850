"""Screening apps on a fresh database: both backends where storage matters, SQLite otherwise."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from services.screening.app import create_app
from shared.config import Settings


@pytest.fixture
def app(database_url: str) -> Flask:
    """The screening app on SQLite and on PostgreSQL."""
    return create_app(Settings(service="screening", database_url=database_url))


@pytest.fixture
def http(app: Flask) -> FlaskClient:
    """A test client of ``app``."""
    return app.test_client()


@pytest.fixture
def sqlite_app(tmp_path) -> Flask:  # type: ignore[no-untyped-def]
    """The screening app on SQLite only, for tests where the backend does not matter."""
    return create_app(
        Settings(service="screening", database_url=f"sqlite:///{tmp_path / 'screening.db'}")
    )


@pytest.fixture
def sqlite_http(sqlite_app: Flask) -> FlaskClient:
    """A test client of ``sqlite_app``."""
    return sqlite_app.test_client()
