"""Scheduling's settings, read once from the environment into one typed, frozen object."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from services.scheduling.domain.booking_codes import DEFAULT_DAYS
from shared.billing.techniques import load_technique_codes
from shared.config import Settings, load_settings
from shared.db import utcnow

SERVICE = "scheduling"


@dataclass(frozen=True)
class SchedulingConfig:
    """The shared settings, the technique -> code map, who may frame the widget, the clock."""

    settings: Settings
    # docs/DOMAIN.md §Units: a clinic may bill techniques under codes of its own choosing.
    technique_codes: Mapping[str, str] = field(default_factory=load_technique_codes)
    # The CSP frame-ancestors of the widget page, e.g. "https://clinic.example": no site
    # may frame it until the clinic names its own (a page of client data must not be
    # framed by any site that likes to).
    widget_frame_ancestors: str = "'none'"
    # What "now" is for booking rules; tests pass a clock they control.
    clock: Callable[[], datetime] = utcnow
    # How long a booking code the front desk issues keeps working.
    booking_code_days: int = DEFAULT_DAYS

    def __post_init__(self) -> None:
        if self.booking_code_days < 1:
            raise ValueError("SCHEDULING_BOOKING_CODE_DAYS must be 1 or more")

    @classmethod
    def from_settings(cls, settings: Settings) -> SchedulingConfig:
        """Read SCHEDULING_TECHNIQUE_CODES, _WIDGET_FRAME_ANCESTORS and _BOOKING_CODE_DAYS."""
        extra = settings.extra
        return cls(
            settings=settings,
            technique_codes=load_technique_codes(extra.get("SCHEDULING_TECHNIQUE_CODES")),
            widget_frame_ancestors=extra.get("SCHEDULING_WIDGET_FRAME_ANCESTORS", "'none'"),
            booking_code_days=int(extra.get("SCHEDULING_BOOKING_CODE_DAYS", DEFAULT_DAYS)),
        )


def load_config() -> SchedulingConfig:
    """Scheduling's config from the environment."""
    return SchedulingConfig.from_settings(load_settings(SERVICE))
