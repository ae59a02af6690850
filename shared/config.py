"""Settings come from environment variables only; defaults run the embedded stack."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

DEFAULT_PORTS = {"screening": 8001, "scheduling": 8002, "claims": 8003}
DEV_JWT_SECRET = "medmassage-dev-only-secret-change-me-0000"


def _var_dir() -> Path:
    return Path(os.environ.get("MEDMASSAGE_VAR_DIR", "var"))


@dataclass(frozen=True)
class KafkaSettings:
    """How to reach the broker; the security fields map 1:1 to kafka-python options."""

    bootstrap_servers: str = "127.0.0.1:9092"
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = None
    ssl_cafile: str | None = None
    replication_factor: int = 1
    # Consumer groups are "<prefix><service>": deployments or test runs sharing a cluster
    # each set their own prefix and never take each other's events.
    group_prefix: str = ""
    # A consumer group stops when more than dlq_limit messages are dead-lettered within
    # dlq_window_seconds: so many failures are a broken handler, not bad messages.
    dlq_limit: int = 100
    dlq_window_seconds: float = 60.0

    def client_options(self) -> dict[str, Any]:
        """Options shared by every kafka-python client this project creates."""
        options: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers.split(","),
            "security_protocol": self.security_protocol,
        }
        if self.sasl_mechanism:
            options["sasl_mechanism"] = self.sasl_mechanism
            options["sasl_plain_username"] = self.sasl_username
            options["sasl_plain_password"] = self.sasl_password
        if self.ssl_cafile:
            options["ssl_cafile"] = self.ssl_cafile
        return options


@dataclass(frozen=True)
class Settings:
    """Everything a service process needs to know about its surroundings."""

    service: str
    database_url: str
    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    jwt_secret: str = DEV_JWT_SECRET
    port: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some fields replaced (tests and the app factory use this)."""
        return replace(self, **changes)


def default_database_url(service: str) -> str:
    """The embedded default: one SQLite file per service under var/."""
    return f"sqlite:///{(_var_dir() / f'{service}.db').resolve()}"


def load_settings(service: str) -> Settings:
    """Read a service's settings from the environment."""
    env = os.environ
    prefix = service.upper()
    return Settings(
        service=service,
        database_url=env.get(f"{prefix}_DATABASE_URL")
        or env.get("DATABASE_URL")
        or default_database_url(service),
        kafka=KafkaSettings(
            bootstrap_servers=env.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
            security_protocol=env.get("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT"),
            sasl_mechanism=env.get("KAFKA_SASL_MECHANISM") or None,
            sasl_username=env.get("KAFKA_SASL_USERNAME") or None,
            sasl_password=env.get("KAFKA_SASL_PASSWORD") or None,
            ssl_cafile=env.get("KAFKA_SSL_CAFILE") or None,
            replication_factor=int(env.get("KAFKA_REPLICATION_FACTOR", "1")),
            group_prefix=env.get("MEDMASSAGE_CONSUMER_GROUP_PREFIX", ""),
            dlq_limit=int(env.get("MEDMASSAGE_DLQ_LIMIT", "100")),
            dlq_window_seconds=float(env.get("MEDMASSAGE_DLQ_WINDOW_SECONDS", "60")),
        ),
        jwt_secret=env.get("MEDMASSAGE_JWT_SECRET", DEV_JWT_SECRET),
        port=int(env.get(f"{prefix}_PORT", DEFAULT_PORTS.get(service, 0))),
        extra={k: v for k, v in env.items() if k.startswith(f"{prefix}_")},
    )
