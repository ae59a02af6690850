"""A scheduling app per test on a fresh database, with a clock the test controls."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine

from services.scheduling.app import create_app, migrate
from services.scheduling.config import SchedulingConfig
from tests.integration.scheduling.clinic import Clinic, Clock, local, set_up_clinic, settings_for

MONDAY_MORNING = local(2026, 3, 2, 8)


@pytest.fixture
def scheduling_db(database_url: str) -> str:
    """The database the app runs on (modules about reads override it with SQLite only)."""
    return database_url


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY_MORNING)


@pytest.fixture
def app(scheduling_db: str, clock: Clock) -> Flask:
    config = SchedulingConfig(settings_for(scheduling_db), clock=clock)
    migrate(config)
    return create_app(config)


@pytest.fixture
def http(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def engine(app: Flask) -> Engine:
    return app.extensions["medmassage"].engine


@pytest.fixture
def clinic(http: FlaskClient) -> Clinic:
    return set_up_clinic(http)
