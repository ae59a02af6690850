"""The screening service's own settings: its rules table, the clinic's calendar, job timing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from services.screening.domain import ScreeningRules, load_rules
from shared.config import Settings, load_settings

ONE_DAY_SECONDS = 24 * 60 * 60


def clinic_today(timezone: ZoneInfo) -> Callable[[], date]:
    """A clock answering today's date in the clinic's time zone."""
    return lambda: datetime.now(timezone).date()


@dataclass(frozen=True)
class ScreeningConfig:
    """The shared settings, and what screening reads from its environment beyond them."""

    settings: Settings
    rules: ScreeningRules
    today: Callable[[], date]  # the clinic's date: screenings and referrals are dated by it
    expiry_interval_seconds: float = ONE_DAY_SECONDS

    @classmethod
    def from_settings(cls, settings: Settings) -> ScreeningConfig:
        """Read SCREENING_RULES_PATH, _CLINIC_TIMEZONE and _EXPIRY_INTERVAL_SECONDS."""
        extra = settings.extra
        rules_path = extra.get("SCREENING_RULES_PATH")
        return cls(
            settings=settings,
            rules=load_rules(Path(rules_path) if rules_path else None),
            today=clinic_today(ZoneInfo(extra.get("SCREENING_CLINIC_TIMEZONE", "UTC"))),
            expiry_interval_seconds=float(
                extra.get("SCREENING_EXPIRY_INTERVAL_SECONDS", ONE_DAY_SECONDS)
            ),
        )


def load_config() -> ScreeningConfig:
    """The screening config from the environment."""
    return ScreeningConfig.from_settings(load_settings("screening"))
