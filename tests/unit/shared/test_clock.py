"""The clinic's clock: the real one in production, a test clock in development only."""

from datetime import timedelta

import pytest

from shared import clock
from shared.clock import CLOCK_FILE_SETTING, TestClock, advance, check_clock_setting
from shared.config import ConfigurationError, Settings
from shared.db import utcnow


def settings(mode: str) -> Settings:
    return Settings(service="scheduling", database_url="sqlite://", mode=mode)


def test_a_production_service_refuses_to_start_with_a_test_clock(monkeypatch, tmp_path):
    monkeypatch.setenv(CLOCK_FILE_SETTING, str(tmp_path / "clock"))

    with pytest.raises(ConfigurationError, match=CLOCK_FILE_SETTING):
        check_clock_setting(settings("production"))


def test_a_development_service_starts_with_a_test_clock(monkeypatch, tmp_path):
    monkeypatch.setenv(CLOCK_FILE_SETTING, str(tmp_path / "clock"))

    check_clock_setting(settings("development"))


def test_production_runs_on_the_real_clock_even_if_the_file_is_set(monkeypatch, tmp_path):
    path = tmp_path / "clock"
    advance(path, timedelta(days=3))
    monkeypatch.setenv(CLOCK_FILE_SETTING, str(path))
    monkeypatch.setenv("MEDMASSAGE_MODE", "production")
    monkeypatch.setattr(clock, "_clock", None)

    assert abs(clock.clinic_now() - utcnow()) < timedelta(seconds=5)


def test_development_follows_the_file(monkeypatch, tmp_path):
    path = tmp_path / "clock"
    monkeypatch.setenv(CLOCK_FILE_SETTING, str(path))
    monkeypatch.setenv("MEDMASSAGE_MODE", "development")
    monkeypatch.setattr(clock, "_clock", None)

    advance(path, timedelta(days=2))

    assert abs(clock.clinic_now() - utcnow() - timedelta(days=2)) < timedelta(seconds=5)


def test_without_a_file_the_test_clock_is_the_real_clock(tmp_path):
    assert TestClock(tmp_path / "absent").offset() == timedelta(0)


def test_the_clock_reads_each_advance_and_adds_them_up(tmp_path):
    path = tmp_path / "clock"
    test_clock = TestClock(path)

    advance(path, timedelta(hours=30))
    first = test_clock.offset()
    advance(path, timedelta(minutes=90))

    assert first == timedelta(hours=30)
    assert test_clock.offset() == timedelta(hours=31, minutes=30)


def test_the_clock_never_moves_back(tmp_path):
    with pytest.raises(ValueError):
        advance(tmp_path / "clock", timedelta(seconds=-1))


def test_a_garbled_file_keeps_the_last_offset(tmp_path):
    path = tmp_path / "clock"
    test_clock = TestClock(path)
    advance(path, timedelta(hours=5))
    assert test_clock.offset() == timedelta(hours=5)

    path.write_text("five hours, please")

    assert test_clock.offset() == timedelta(hours=5)
