"""The screening service's own settings: its rules table, the clinic's calendar, job timing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from services.screening.domain import ScreeningRules, load_rules
from services.screening.domain.intake import Consent, load_consent
from shared.clock import clinic_now
from shared.config import PRODUCTION, ConfigurationError, Settings, load_settings

ONE_DAY_SECONDS = 24 * 60 * 60
# Signs intake links in development and tests only; production refuses to start with it.
DEVELOPMENT_INTAKE_KEY = "medmassage-development-intake-link-key"
ONE_MB = 1_000_000


@dataclass(frozen=True)
class IntakeSettings:
    """Online intake: link signing and lifetime, open intake, documents and their scan.

    ``virus_scan_command`` (SCREENING_VIRUS_SCAN_COMMAND) is run on every uploaded file
    before it is kept, with ``{path}`` replaced by the file's path, e.g.
    ``clamdscan --no-summary --fdpass {path}``: exit 0 keeps the file, exit 1 refuses it as
    infected, anything else (or a timeout) refuses it as unscanned. Empty: no scan.
    """

    link_key: str = DEVELOPMENT_INTAKE_KEY
    invitation_days: int = 7
    # Whether a new client may start intake from the widget without an invitation.
    open_to_all: bool = True
    documents_dir: Path = Path("var/screening-documents")
    # At most MEDMASSAGE_MAX_BODY_BYTES (1 MiB by default) reaches the service anyway.
    max_document_bytes: int = ONE_MB
    virus_scan_command: str = ""
    virus_scan_timeout_seconds: float = 60.0
    consent: Consent = field(default_factory=load_consent)

    def check(self, settings: Settings) -> None:
        """Refuse settings that would sign links with a published key in production."""
        if settings.mode == PRODUCTION and (
                self.link_key == DEVELOPMENT_INTAKE_KEY or len(self.link_key) < 32):
            raise ConfigurationError(
                "SCREENING_INTAKE_LINK_KEY: set a random key of at least 32 characters")
        if self.invitation_days < 1 or self.max_document_bytes < 1:
            raise ConfigurationError(
                "SCREENING_INTAKE_INVITATION_DAYS and _MAX_DOCUMENT_BYTES must be positive")

    @classmethod
    def from_extra(cls, extra: dict[str, str]) -> IntakeSettings:
        """Read SCREENING_INTAKE_* and SCREENING_VIRUS_SCAN_*."""
        consent_path = extra.get("SCREENING_INTAKE_CONSENT_PATH")
        return cls(
            link_key=extra.get("SCREENING_INTAKE_LINK_KEY", DEVELOPMENT_INTAKE_KEY),
            invitation_days=int(extra.get("SCREENING_INTAKE_INVITATION_DAYS", 7)),
            open_to_all=extra.get("SCREENING_INTAKE_OPEN", "true").lower() == "true",
            documents_dir=Path(extra.get("SCREENING_INTAKE_DOCUMENTS_DIR",
                                         "var/screening-documents")),
            max_document_bytes=int(extra.get("SCREENING_INTAKE_MAX_DOCUMENT_BYTES", ONE_MB)),
            virus_scan_command=extra.get("SCREENING_VIRUS_SCAN_COMMAND", ""),
            virus_scan_timeout_seconds=float(extra.get("SCREENING_VIRUS_SCAN_TIMEOUT_SECONDS",
                                                       60)),
            consent=load_consent(Path(consent_path) if consent_path else None),
        )


def clinic_today(timezone: ZoneInfo) -> Callable[[], date]:
    """A clock answering today's date in the clinic's time zone."""
    return lambda: clinic_now().astimezone(timezone).date()


@dataclass(frozen=True)
class ScreeningConfig:
    """The shared settings, and what screening reads from its environment beyond them."""

    settings: Settings
    rules: ScreeningRules
    today: Callable[[], date]  # the clinic's date: screenings and referrals are dated by it
    expiry_interval_seconds: float = ONE_DAY_SECONDS
    intake: IntakeSettings = field(default_factory=IntakeSettings)

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
            intake=IntakeSettings.from_extra(extra),
        )


def load_config() -> ScreeningConfig:
    """The screening config from the environment."""
    return ScreeningConfig.from_settings(load_settings("screening"))
