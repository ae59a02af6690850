"""The notifications service's own settings, read from NOTIFICATIONS_* environment variables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from services.notifications.domain.timing import QuietHours, parse_lead
from shared.clock import clinic_now
from shared.config import PRODUCTION, ConfigurationError, Settings, load_settings
from shared.kafka.retry import RetryPolicy

SMTP_SECURITY = ("none", "starttls", "tls")
EVENINGS_AND_NIGHTS = QuietHours(time(21, 0), time(8, 0))
DEVELOPMENT_SECRET = "development-only-notifications-secret"


@dataclass(frozen=True)
class NotificationsConfig:
    """The clinic's name and zone, reminder leads, quiet hours, SMTP, the SMS provider."""

    settings: Settings
    clinic_name: str = "medmassage clinic"
    clinic_phone: str = "(555) 010-0100"
    clinic_email: str = "frontdesk@clinic.example"  # renewal requests go here
    clinic_time_zone: str = "America/New_York"
    # Where the service is reached from outside: unsubscribe links, SMS status callbacks.
    public_url: str = "http://127.0.0.1:8004"
    reminder_leads: tuple[timedelta, ...] = (timedelta(hours=48), timedelta(hours=2))
    quiet_hours: QuietHours | None = EVENINGS_AND_NIGHTS
    # How long a message waits for the client's contact details (they travel on their own
    # topic and may come after the booking) before it is skipped as "no_contact".
    contact_grace: timedelta = timedelta(hours=1)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 8025
    smtp_security: str = "none"  # none | starttls | tls (implicit TLS, port 465)
    smtp_username: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_timeout: float = 10.0
    smtp_cafile: str | None = None  # CA to trust for the server's certificate (else the system's)
    mail_from: str = "medmassage clinic <no-reply@clinic.example>"
    message_id_domain: str = "notifications.medmassage.invalid"
    sms_url: str = "http://127.0.0.1:8010"
    sms_api_key: str = field(default="sandbox-sms-key", repr=False)
    sms_sender: str = "+15550100100"
    sms_timeout: float = 5.0
    sms_attempts: int = 3  # tries per send inside the adapter, with backoff between
    # The provider signs its status and inbound callbacks with this (X-Sandbox-Signature).
    sms_callback_secret: str = field(default="sandbox-sms-callback-secret", repr=False)
    # Signs unsubscribe links and checks the SMS provider's callbacks.
    secret: str = field(default=DEVELOPMENT_SECRET, repr=False)
    batch_size: int = 20
    idle_sleep: float = 1.0
    max_attempts: int = 8  # sends of one message before it is recorded failed
    retry: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(
            initial_backoff=5.0, multiplier=2.0, max_backoff=900.0, jitter=0.2
        )
    )
    clock: Callable[[], datetime] = clinic_now  # what "now" is for the sender; tests set it

    @property
    def send_lease(self) -> timedelta:
        """How long a sender holds a message it is sending.

        Longer than one whole send (an SMTP exchange, or every SMS attempt with its
        backoff); a sender killed mid-send frees the message after this, and the next
        sender sends it again with the same Message-ID / provider reference.
        """
        sms = self.sms_attempts * (self.sms_timeout + 2)
        return timedelta(seconds=max(self.smtp_timeout * 3, sms) + 5)

    @classmethod
    def from_settings(cls, settings: Settings) -> NotificationsConfig:
        """Defaults overridden by NOTIFICATIONS_* variables."""
        env = settings.extra
        default = cls(settings)

        def get(name: str, fallback: object) -> str:
            return env.get(f"NOTIFICATIONS_{name}", str(fallback))

        secret = get("SECRET", default.secret)
        if settings.mode == PRODUCTION and (secret == DEVELOPMENT_SECRET or len(secret) < 32):
            # Anyone could forge unsubscribe links and SMS callbacks with the published one.
            raise ConfigurationError(
                "NOTIFICATIONS_SECRET: set a random secret of at least 32 characters in "
                "production (MEDMASSAGE_MODE=production)")
        security = get("SMTP_SECURITY", default.smtp_security).lower()
        if security not in SMTP_SECURITY:
            raise ConfigurationError(
                f"NOTIFICATIONS_SMTP_SECURITY={security!r}: use one of {', '.join(SMTP_SECURITY)}")
        try:
            leads = tuple(parse_lead(part) for part in
                          get("REMINDER_LEADS", "48h,2h").split(",") if part.strip())
            quiet = QuietHours.parse(get("QUIET_HOURS", "21:00-08:00"))
        except ValueError as exc:
            raise ConfigurationError(f"NOTIFICATIONS_*: {exc}") from exc
        return cls(
            settings=settings,
            clinic_name=get("CLINIC_NAME", default.clinic_name),
            clinic_phone=get("CLINIC_PHONE", default.clinic_phone),
            clinic_email=get("CLINIC_EMAIL", default.clinic_email),
            clinic_time_zone=get("CLINIC_TIMEZONE", default.clinic_time_zone),
            public_url=get("PUBLIC_URL", default.public_url).rstrip("/"),
            reminder_leads=leads,
            quiet_hours=quiet,
            contact_grace=timedelta(minutes=float(get("CONTACT_GRACE_MINUTES", 60))),
            smtp_host=get("SMTP_HOST", default.smtp_host),
            smtp_port=int(get("SMTP_PORT", default.smtp_port)),
            smtp_security=security,
            smtp_username=env.get("NOTIFICATIONS_SMTP_USERNAME") or None,
            smtp_password=env.get("NOTIFICATIONS_SMTP_PASSWORD") or None,
            smtp_timeout=float(get("SMTP_TIMEOUT_SECONDS", default.smtp_timeout)),
            smtp_cafile=env.get("NOTIFICATIONS_SMTP_CAFILE") or None,
            mail_from=get("MAIL_FROM", default.mail_from),
            message_id_domain=get("MESSAGE_ID_DOMAIN", default.message_id_domain),
            sms_url=get("SMS_URL", default.sms_url).rstrip("/"),
            sms_api_key=get("SMS_API_KEY", default.sms_api_key),
            sms_sender=get("SMS_SENDER", default.sms_sender),
            sms_timeout=float(get("SMS_TIMEOUT_SECONDS", default.sms_timeout)),
            sms_attempts=int(get("SMS_ATTEMPTS", default.sms_attempts)),
            sms_callback_secret=get("SMS_CALLBACK_SECRET", default.sms_callback_secret),
            secret=secret,
            batch_size=int(get("BATCH_SIZE", default.batch_size)),
            idle_sleep=float(get("IDLE_SECONDS", default.idle_sleep)),
            max_attempts=int(get("MAX_ATTEMPTS", default.max_attempts)),
            retry=RetryPolicy(
                initial_backoff=float(get("RETRY_SECONDS", default.retry.initial_backoff)),
                multiplier=2.0, max_backoff=default.retry.max_backoff, jitter=0.2),
        )


def load_config() -> NotificationsConfig:
    """The notifications service's config from the environment."""
    return NotificationsConfig.from_settings(load_settings("notifications"))
