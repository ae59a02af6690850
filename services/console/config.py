"""The console's own settings, read from CONSOLE_* environment variables."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

from services.console.oidc import OidcSettings
from shared.config import PRODUCTION, ConfigurationError, Settings, load_settings
from shared.tokens import PRIVATE_KEY_SETTING, SigningKey, signing_key_from

DEFAULT_PORT = 8000


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class ConsoleConfig:
    """Where the four APIs are, how sessions and sign-in behave, and the token signing key."""

    settings: Settings
    signing_key: SigningKey
    screening_url: str = "http://127.0.0.1:8001"
    scheduling_url: str = "http://127.0.0.1:8002"
    claims_url: str = "http://127.0.0.1:8003"
    notifications_url: str = "http://127.0.0.1:8004"
    # A session unused this long is over; the next page asks to sign in again.
    idle_timeout: timedelta = timedelta(minutes=15)
    # After this many failed sign-ins in a row the account is locked for lockout_period.
    lockout_threshold: int = 5
    lockout_period: timedelta = timedelta(minutes=15)
    # The clinic's choice: every account must enrol a TOTP second factor before working.
    totp_required: bool = False
    # Tokens for the APIs are minted per request: minutes, never the session's length.
    api_token_lifetime: timedelta = timedelta(minutes=5)
    api_timeout_seconds: float = 10.0
    # Cookies only over TLS in production (a development stack runs on plain http).
    secure_cookies: bool = False
    clinic_name: str = "Riverside Medical Massage"
    # Sign-in through the clinic's OpenID Connect provider, when an issuer is configured.
    oidc: OidcSettings | None = None

    @classmethod
    def from_settings(cls, settings: Settings, private_key: str = "") -> ConsoleConfig:
        """Defaults overridden by CONSOLE_* variables; the key from MEDMASSAGE_JWT_PRIVATE_KEY."""
        env = settings.extra
        if settings.mode == PRODUCTION and not private_key.strip():
            raise ConfigurationError(
                f"MEDMASSAGE_MODE=production needs {PRIVATE_KEY_SETTING}: the console signs the "
                "staff tokens the services accept; `medmassage-token keygen` makes a key pair")
        default = cls(settings, signing_key_from(private_key))
        return cls(
            settings=settings,
            signing_key=default.signing_key,
            screening_url=env.get("CONSOLE_SCREENING_URL", default.screening_url),
            scheduling_url=env.get("CONSOLE_SCHEDULING_URL", default.scheduling_url),
            claims_url=env.get("CONSOLE_CLAIMS_URL", default.claims_url),
            notifications_url=env.get("CONSOLE_NOTIFICATIONS_URL", default.notifications_url),
            idle_timeout=timedelta(minutes=float(env.get("CONSOLE_IDLE_MINUTES", 15))),
            lockout_threshold=int(env.get("CONSOLE_LOCKOUT_THRESHOLD",
                                          default.lockout_threshold)),
            lockout_period=timedelta(minutes=float(env.get("CONSOLE_LOCKOUT_MINUTES", 15))),
            totp_required=_flag(env.get("CONSOLE_TOTP_REQUIRED", "false")),
            secure_cookies=settings.mode == PRODUCTION
            or _flag(env.get("CONSOLE_SECURE_COOKIES", "false")),
            clinic_name=env.get("CONSOLE_CLINIC_NAME", default.clinic_name),
            oidc=_oidc(env),
        )


def _oidc(env: dict[str, str]) -> OidcSettings | None:
    issuer = env.get("CONSOLE_OIDC_ISSUER", "").strip()
    if not issuer:
        return None
    client_id = env.get("CONSOLE_OIDC_CLIENT_ID", "").strip()
    if not client_id:
        raise ConfigurationError("CONSOLE_OIDC_ISSUER is set: set CONSOLE_OIDC_CLIENT_ID too")
    return OidcSettings(issuer, client_id, env.get("CONSOLE_OIDC_CLIENT_SECRET", ""),
                        env.get("CONSOLE_OIDC_USERNAME_CLAIM", "preferred_username"),
                        env.get("CONSOLE_OIDC_LABEL", "the clinic's account"))


def load_config() -> ConsoleConfig:
    """The console's config from the environment (port 8000 unless CONSOLE_PORT says)."""
    settings = load_settings("console")
    if not settings.port:
        settings = settings.with_overrides(port=DEFAULT_PORT)
    return ConsoleConfig.from_settings(settings, os.environ.get(PRIVATE_KEY_SETTING, ""))
