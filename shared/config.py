"""Settings come from environment variables only; defaults run the embedded stack."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_PORTS = {"screening": 8001, "scheduling": 8002, "claims": 8003, "notifications": 8004}
# MEDMASSAGE_MODE: production refuses to start on development keys or weak settings.
DEVELOPMENT = "development"
PRODUCTION = "production"
MODES = (DEVELOPMENT, PRODUCTION)
DEFAULT_TOKEN_MAX_HOURS = 12.0


class ConfigurationError(ValueError):
    """A setting a process refuses to start with; the message names the setting to fix."""


def _var_dir() -> Path:
    return Path(os.environ.get("MEDMASSAGE_VAR_DIR", "var"))


SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
# Mechanisms kafka-python authenticates with a username and password (sasl_plain_*).
PASSWORD_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


@dataclass(frozen=True)
class KafkaSettings:
    """How to reach the broker; the security fields map 1:1 to kafka-python options.

    Contradictory security settings are refused when the settings are made, so a
    service with credentials or a CA configured never falls back to plaintext quietly.
    """

    bootstrap_servers: str = "127.0.0.1:9092"
    security_protocol: str = "PLAINTEXT"
    sasl_mechanism: str | None = None
    sasl_username: str | None = None
    sasl_password: str | None = field(default=None, repr=False)
    ssl_cafile: str | None = None
    replication_factor: int = 1
    # Consumer groups are "<prefix><service>": deployments or test runs sharing a cluster
    # each set their own prefix and never take each other's events.
    group_prefix: str = ""
    # A consumer group stops when more than dlq_limit messages are dead-lettered within
    # dlq_window_seconds: so many failures are a broken handler, not bad messages.
    dlq_limit: int = 100
    dlq_window_seconds: float = 60.0

    def __post_init__(self) -> None:
        protocol = self.security_protocol.upper()
        if protocol not in SECURITY_PROTOCOLS:
            raise ConfigurationError(
                f"KAFKA_SECURITY_PROTOCOL={self.security_protocol!r}: "
                f"use one of {', '.join(SECURITY_PROTOCOLS)}"
            )
        if protocol.startswith("SASL_"):
            mechanism = (self.sasl_mechanism or "").upper()
            if not mechanism:
                raise ConfigurationError(
                    f"KAFKA_SECURITY_PROTOCOL={protocol} needs KAFKA_SASL_MECHANISM"
                )
            if mechanism in PASSWORD_MECHANISMS and not (self.sasl_username and self.sasl_password):
                raise ConfigurationError(
                    f"KAFKA_SASL_MECHANISM={mechanism} needs KAFKA_SASL_USERNAME and "
                    "KAFKA_SASL_PASSWORD"
                )
        elif self.sasl_mechanism or self.sasl_username or self.sasl_password:
            raise ConfigurationError(
                f"KAFKA_SASL_* is set but KAFKA_SECURITY_PROTOCOL={protocol} would not use it; "
                "set KAFKA_SECURITY_PROTOCOL=SASL_SSL"
            )
        if self.ssl_cafile and not protocol.endswith("SSL"):
            raise ConfigurationError(
                f"KAFKA_SSL_CAFILE is set but KAFKA_SECURITY_PROTOCOL={protocol} does not use TLS"
            )

    def client_options(self) -> dict[str, Any]:
        """Options shared by every kafka-python client this project creates."""
        protocol = self.security_protocol.upper()
        options: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers.split(","),
            "security_protocol": protocol,
        }
        if protocol.startswith("SASL_"):
            assert self.sasl_mechanism is not None  # checked in __post_init__
            options["sasl_mechanism"] = self.sasl_mechanism.upper()
            if self.sasl_username is not None:
                options["sasl_plain_username"] = self.sasl_username
                options["sasl_plain_password"] = self.sasl_password
        if protocol.endswith("SSL"):
            # The broker's certificate must chain to this CA (or the system's CAs when
            # none is given) and name the host we connect to; no option turns that off.
            options["ssl_check_hostname"] = True
            if self.ssl_cafile:
                options["ssl_cafile"] = self.ssl_cafile
        return options


@dataclass(frozen=True)
class Settings:
    """Everything a service process needs to know about its surroundings."""

    service: str
    database_url: str
    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    port: int = 0
    extra: dict[str, str] = field(default_factory=dict)
    mode: str = DEVELOPMENT
    # MEDMASSAGE_JWT_PUBLIC_KEYS as given: a JWKS's text or a path to one; empty = not set.
    jwt_public_keys: str = ""
    token_max_hours: float = DEFAULT_TOKEN_MAX_HOURS

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ConfigurationError(
                f"MEDMASSAGE_MODE={self.mode!r}: use one of {', '.join(MODES)}"
            )
        if not self.token_max_hours > 0:
            raise ConfigurationError(
                f"MEDMASSAGE_TOKEN_MAX_HOURS={self.token_max_hours}: use a positive number"
            )

    def __repr__(self) -> str:
        # Settings end up in logs and tracebacks: the database password and the service's
        # own variables (API keys, SMTP passwords) stay out; the variables' names show.
        try:
            database = make_url(self.database_url).render_as_string(hide_password=True)
        except ArgumentError:  # not a URL at all: nothing of it is shown
            database = "(not a database URL)"
        return (
            f"Settings(service={self.service!r}, database_url={database!r}, kafka={self.kafka!r}, "
            f"port={self.port}, mode={self.mode!r}, extra=[{', '.join(sorted(self.extra))}], "
            f"token_max_hours={self.token_max_hours})"
        )

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some fields replaced (tests and the app factory use this)."""
        return replace(self, **changes)


def load_mode() -> str:
    """MEDMASSAGE_MODE: ``development`` (the default) or ``production``."""
    mode = os.environ.get("MEDMASSAGE_MODE", DEVELOPMENT).strip().lower()
    if mode not in MODES:
        raise ConfigurationError(f"MEDMASSAGE_MODE={mode!r}: use one of {', '.join(MODES)}")
    return mode


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
        port=int(env.get(f"{prefix}_PORT", DEFAULT_PORTS.get(service, 0))),
        extra={k: v for k, v in env.items() if k.startswith(f"{prefix}_")},
        mode=load_mode(),
        jwt_public_keys=env.get("MEDMASSAGE_JWT_PUBLIC_KEYS", ""),
        token_max_hours=float(env.get("MEDMASSAGE_TOKEN_MAX_HOURS", DEFAULT_TOKEN_MAX_HOURS)),
    )
