"""The claims service's own settings, read from CLAIMS_* environment variables."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shared.billing.techniques import load_technique_codes
from shared.config import PRODUCTION, ConfigurationError, Settings, load_settings
from shared.db import utcnow
from shared.kafka.retry import RetryPolicy


@dataclass(frozen=True)
class ClaimsConfig:
    """Clearinghouse address and key, batching, submission retries, the report mailbox."""

    settings: Settings
    clearinghouse_url: str = "http://127.0.0.1:8009"
    clearinghouse_api_key: str = "sandbox-key"
    batch_size: int = 100
    batch_max_wait: float = 60.0  # seconds a ready claim waits for its batch to fill
    submit_timeout: float = 30.0  # seconds to wait for the clearinghouse's 999
    connect_timeout: float = 5.0
    retry: RetryPolicy = field(
        default_factory=lambda: RetryPolicy(
            initial_backoff=1.0, multiplier=2.0, max_backoff=300.0, jitter=0.2
        )
    )
    poll_interval: float = 30.0  # seconds between reads of the report mailbox
    report_page_size: int = 100  # reports asked for per read (the mailbox allows 500)
    # Answers to a submission (999/TA1) that cannot be read or matched before the
    # interchange is held for a person instead of being sent again.
    answer_read_attempts: int = 3
    no_response_days: int = 7  # days without an acknowledgement before the work queue
    idle_sleep: float = 1.0  # seconds a worker rests when it found nothing to do
    x12_usage: str = "T"  # ISA15: T while the clearinghouse is a sandbox, P in production
    clock: Callable[[], datetime] = utcnow  # what "now" is for no_response; tests set it
    # The clinic's technique -> code map, shown to staff (GET /technique-codes); point it at
    # the file scheduling maps with (SCHEDULING_TECHNIQUE_CODES). Claims never maps with it.
    technique_codes: Mapping[str, str] = field(default_factory=load_technique_codes)

    @property
    def work_lease(self) -> timedelta:
        """How long a worker holds an interchange it is sending or polling.

        Long enough to cover one whole HTTP exchange (connect + answer) plus a little for
        recording it; a worker killed mid-exchange frees the interchange after this. A
        second worker resending too early is harmless: the same interchange goes out again
        and the clearinghouse reports it as a duplicate.
        """
        return timedelta(seconds=self.connect_timeout + self.submit_timeout + 5)

    @classmethod
    def from_settings(cls, settings: Settings) -> ClaimsConfig:
        """Defaults overridden by CLAIMS_* variables."""
        env = settings.extra
        default = cls(settings)
        api_key = env.get("CLAIMS_CLEARINGHOUSE_API_KEY", default.clearinghouse_api_key)
        if settings.mode == PRODUCTION and api_key == default.clearinghouse_api_key:
            # The sandbox's published key would send real claims nowhere, or to a stranger.
            raise ConfigurationError(
                "CLAIMS_CLEARINGHOUSE_API_KEY is the sandbox's key; set the clearinghouse's "
                "own key in production (MEDMASSAGE_MODE=production)")
        return cls(
            settings=settings,
            clearinghouse_url=env.get("CLAIMS_CLEARINGHOUSE_URL", default.clearinghouse_url),
            clearinghouse_api_key=api_key,
            batch_size=int(env.get("CLAIMS_BATCH_SIZE", default.batch_size)),
            batch_max_wait=float(env.get("CLAIMS_BATCH_MAX_WAIT_SECONDS", default.batch_max_wait)),
            submit_timeout=float(env.get("CLAIMS_SUBMIT_TIMEOUT_SECONDS", default.submit_timeout)),
            poll_interval=float(env.get("CLAIMS_ACK_POLL_SECONDS", default.poll_interval)),
            report_page_size=int(env.get("CLAIMS_REPORT_PAGE_SIZE", default.report_page_size)),
            answer_read_attempts=int(
                env.get("CLAIMS_ANSWER_READ_ATTEMPTS", default.answer_read_attempts)
            ),
            no_response_days=int(env.get("CLAIMS_NO_RESPONSE_DAYS", default.no_response_days)),
            x12_usage=env.get("CLAIMS_X12_USAGE", default.x12_usage),
            technique_codes=load_technique_codes(env.get("CLAIMS_TECHNIQUE_CODES")),
        )


def load_config() -> ClaimsConfig:
    """The claims service's config from the environment."""
    return ClaimsConfig.from_settings(load_settings("claims"))
