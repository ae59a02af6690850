"""Each process the app is built in (each gunicorn worker) runs availability's reads once at
start-up, so its first visitor does not wait for SQLAlchemy compiling them."""

from __future__ import annotations

import logging

from sqlalchemy.engine.interfaces import CacheStats

from services.scheduling.app import create_app
from services.scheduling.config import SchedulingConfig
from tests.integration.scheduling.clinic import local, settings_for
from tests.integration.scheduling.test_availability_cache import reads_calendar
from tests.support.statements import statements_sent

WARMED = "availability reads warmed up"


def first_answer_compilations(app, clinic) -> list[str]:  # type: ignore[no-untyped-def]
    """The calendar statements the app's first availability answer had to compile."""
    http = app.test_client()
    with statements_sent(app.extensions["medmassage"].engine) as sent:
        response = http.get("/availability", query_string={
            "service": clinic.service_id, "from": local(2026, 3, 3).isoformat(),
            "to": local(2026, 3, 17).isoformat()})
    assert response.status_code == 200, response.json
    assert response.json["slots"]
    return [one.statement for one in sent if reads_calendar(one.statement)
            and one.cache_hit is not CacheStats.CACHE_HIT]


def test_a_new_app_has_compiled_every_availability_read_before_its_first_answer(
    clinic, scheduling_db, clock, caplog
):
    with caplog.at_level(logging.INFO, "services.scheduling.availability"):
        fresh = create_app(SchedulingConfig(settings_for(scheduling_db), clock=clock))
    assert WARMED in caplog.messages
    assert first_answer_compilations(fresh, clinic) == []


def test_an_app_on_a_database_not_migrated_yet_starts_without_warming_up(tmp_path, caplog):
    with caplog.at_level(logging.INFO, "services.scheduling.availability"):
        app = create_app(SchedulingConfig(settings_for(f"sqlite:///{tmp_path / 'new.db'}")))
    assert app.test_client().get("/healthz").status_code == 200
    assert "availability reads not warmed up" in caplog.messages
    assert WARMED not in caplog.messages
