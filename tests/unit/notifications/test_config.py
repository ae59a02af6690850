"""NOTIFICATIONS_* settings: read from the environment, refused when unsafe or unreadable."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from services.notifications.config import DEVELOPMENT_SECRET, NotificationsConfig
from services.notifications.domain.timing import QuietHours
from shared.config import ConfigurationError, Settings


def config_from(mode: str = "development", **env: str) -> NotificationsConfig:
    extra = {f"NOTIFICATIONS_{name}": value for name, value in env.items()}
    return NotificationsConfig.from_settings(
        Settings(service="notifications", database_url="sqlite://", extra=extra, mode=mode))


def test_the_defaults_remind_48_and_2_hours_ahead_and_keep_quiet_from_9_pm_to_8_am():
    config = config_from()
    assert config.reminder_leads == (timedelta(hours=48), timedelta(hours=2))
    assert config.quiet_hours == QuietHours(time(21, 0), time(8, 0))
    assert config.smtp_security == "none" and config.secret == DEVELOPMENT_SECRET


def test_settings_are_read_from_notifications_variables():
    config = config_from(REMINDER_LEADS="1d, 90m", QUIET_HOURS="", SMTP_SECURITY="STARTTLS",
                         SMTP_USERNAME="clinic", SMTP_PASSWORD="hunter2-secret",
                         CLINIC_NAME="Riverside", PUBLIC_URL="https://n.example/")
    assert config.reminder_leads == (timedelta(days=1), timedelta(minutes=90))
    assert config.quiet_hours is None
    assert (config.smtp_security, config.smtp_username, config.smtp_password) == (
        "starttls", "clinic", "hunter2-secret")
    assert config.clinic_name == "Riverside" and config.public_url == "https://n.example"
    hidden = {name for name, spec in NotificationsConfig.__dataclass_fields__.items()
              if not spec.repr}
    assert {"smtp_password", "sms_api_key", "sms_callback_secret", "secret"} <= hidden


@pytest.mark.parametrize("setting", [{"REMINDER_LEADS": "two days"},
                                     {"QUIET_HOURS": "late"},
                                     {"SMTP_SECURITY": "ssl3"}])
def test_settings_that_cannot_be_read_stop_the_service_naming_the_variable(setting):
    with pytest.raises(ConfigurationError, match="NOTIFICATIONS_"):
        config_from(**setting)


def test_production_refuses_the_published_or_a_short_secret():
    for secret in (DEVELOPMENT_SECRET, "short"):
        with pytest.raises(ConfigurationError, match="NOTIFICATIONS_SECRET"):
            config_from("production", SECRET=secret)
    assert config_from("production", SECRET="x" * 40).secret == "x" * 40


def test_the_send_lease_outlasts_one_whole_send():
    config = config_from(SMTP_TIMEOUT_SECONDS="10", SMS_TIMEOUT_SECONDS="5", SMS_ATTEMPTS="3")
    assert config.send_lease > timedelta(seconds=3 * 10)
    assert config.send_lease > timedelta(seconds=3 * (5 + 2))
