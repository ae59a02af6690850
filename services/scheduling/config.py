"""Scheduling's settings, read once from the environment into one typed, frozen object."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.scheduling.domain.booking_codes import DEFAULT_DAYS
from services.scheduling.domain.waitlist import OfferPolicy
from shared.billing.techniques import load_technique_codes
from shared.clock import clinic_now
from shared.config import PRODUCTION, ConfigurationError, Settings, load_settings

SERVICE = "scheduling"
# Signs client tokens in development and tests only; production refuses to start with it.
DEVELOPMENT_CLIENT_KEY = "medmassage-development-client-token-key"


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
    clock: Callable[[], datetime] = clinic_now
    # How long a booking code the front desk issues keeps working.
    booking_code_days: int = DEFAULT_DAYS
    # Self-service (docs/ARCHITECTURE.md, auth): the key signing client tokens, how long a
    # token and an emailed sign-in link last.
    client_token_key: str = DEVELOPMENT_CLIENT_KEY
    client_token_minutes: int = 30
    sign_in_link_minutes: int = 15
    # Where a new client fills in the intake (screening's /intake/ page), if online.
    intake_url: str | None = None
    # How long a waitlist offer holds its slot for the client before the next is offered.
    waitlist_hold_minutes: int = 60
    # How often the waitlist worker closes offers that ran out and offers freed time.
    waitlist_interval_seconds: float = 15.0
    # Where a waitlist offer's accept/decline link points (the token follows as #offer=).
    waitlist_link_base: str = "http://localhost:8002/widget/offer.html"
    # scheduling.referral.expiring goes out this many days before a referral's end_on.
    referral_notice_days: int = 14
    # How often the referral follow-up worker looks (bookings are checked as they happen).
    follow_up_interval_seconds: float = 6 * 3600.0
    # Availability answers each process keeps for repeated questions (api/availability_cache.py);
    # 0 computes every answer afresh.
    availability_cache_entries: int = 32

    def __post_init__(self) -> None:
        if self.booking_code_days < 1:
            raise ValueError("SCHEDULING_BOOKING_CODE_DAYS must be 1 or more")
        if self.client_token_minutes < 1 or self.sign_in_link_minutes < 1:
            raise ValueError("SCHEDULING_CLIENT_TOKEN_MINUTES and _SIGN_IN_LINK_MINUTES must "
                             "be 1 or more")
        if self.waitlist_hold_minutes < 1:
            raise ValueError("SCHEDULING_WAITLIST_HOLD_MINUTES must be 1 or more")
        if self.referral_notice_days < 0:
            raise ValueError("SCHEDULING_REFERRAL_NOTICE_DAYS cannot be negative")
        if self.waitlist_interval_seconds <= 0 or self.follow_up_interval_seconds <= 0:
            raise ValueError("worker intervals must be positive")
        if self.availability_cache_entries < 0:
            raise ValueError("SCHEDULING_AVAILABILITY_CACHE_ENTRIES cannot be negative")

    def check_client_token_key(self) -> None:
        """Refuse, in production, to sign client tokens with the published development key."""
        if self.settings.mode == PRODUCTION and (
                self.client_token_key == DEVELOPMENT_CLIENT_KEY
                or len(self.client_token_key) < 32):
            raise ConfigurationError(
                "SCHEDULING_CLIENT_TOKEN_KEY: set a random key of at least 32 characters")

    @classmethod
    def from_settings(cls, settings: Settings) -> SchedulingConfig:
        """Read SCHEDULING_TECHNIQUE_CODES, _WIDGET_FRAME_ANCESTORS, _BOOKING_CODE_DAYS, the
        self-service keys and lifetimes, the waitlist and referral follow-up settings and
        _AVAILABILITY_CACHE_ENTRIES."""
        extra = settings.extra
        return cls(
            settings=settings,
            technique_codes=load_technique_codes(extra.get("SCHEDULING_TECHNIQUE_CODES")),
            widget_frame_ancestors=extra.get("SCHEDULING_WIDGET_FRAME_ANCESTORS", "'none'"),
            booking_code_days=int(extra.get("SCHEDULING_BOOKING_CODE_DAYS", DEFAULT_DAYS)),
            client_token_key=extra.get("SCHEDULING_CLIENT_TOKEN_KEY", DEVELOPMENT_CLIENT_KEY),
            client_token_minutes=int(extra.get("SCHEDULING_CLIENT_TOKEN_MINUTES", 30)),
            sign_in_link_minutes=int(extra.get("SCHEDULING_SIGN_IN_LINK_MINUTES", 15)),
            intake_url=extra.get("SCHEDULING_INTAKE_URL") or None,
            waitlist_hold_minutes=int(extra.get("SCHEDULING_WAITLIST_HOLD_MINUTES", 60)),
            waitlist_interval_seconds=float(
                extra.get("SCHEDULING_WAITLIST_INTERVAL_SECONDS", 15.0)),
            waitlist_link_base=extra.get("SCHEDULING_WAITLIST_LINK_BASE",
                                         "http://localhost:8002/widget/offer.html"),
            referral_notice_days=int(extra.get("SCHEDULING_REFERRAL_NOTICE_DAYS", 14)),
            follow_up_interval_seconds=float(
                extra.get("SCHEDULING_FOLLOW_UP_INTERVAL_SECONDS", 6 * 3600.0)),
            availability_cache_entries=int(
                extra.get("SCHEDULING_AVAILABILITY_CACHE_ENTRIES", 32)),
        )

    @property
    def offer_policy(self) -> OfferPolicy:
        """How waitlist offers hold their slot and link to the client's answer."""
        return OfferPolicy(timedelta(minutes=self.waitlist_hold_minutes),
                           self.waitlist_link_base)


def load_config() -> SchedulingConfig:
    """Scheduling's config from the environment."""
    return SchedulingConfig.from_settings(load_settings(SERVICE))
