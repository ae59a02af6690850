"""What a request can reach of its service: settings, engine, typed config, metrics."""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine

from shared.config import Settings


@dataclass
class ServiceContext:
    """The service's settings, database engine and own typed config, reachable from any request.

    ``config`` is the service's one config object (``services/<name>/config.py``); views
    read it through their service's typed accessor.
    """

    settings: Settings
    engine: Engine
    title: str
    config: Any = None
    # Metrics computed from this service's own database at scrape time (e.g. claims by
    # state); kept per app so several apps in one process never collide.
    metrics: CollectorRegistry = field(default_factory=CollectorRegistry)
    openapi_document: dict[str, Any] | None = None
    _broker_checked_at: float = 0.0
    _broker_ok: bool = False

    def broker_reachable(self) -> bool:
        """Whether a bootstrap server accepts TCP connections (cached for 5 s)."""
        now = time.monotonic()
        if now - self._broker_checked_at > 5:
            self._broker_ok = any(
                _tcp_open(address) for address in self.settings.kafka.bootstrap_servers.split(",")
            )
            self._broker_checked_at = now
        return self._broker_ok


def _tcp_open(address: str) -> bool:
    host, _, port = address.strip().rpartition(":")
    try:
        with socket.create_connection((host or "127.0.0.1", int(port)), timeout=1):
            return True
    except (OSError, ValueError):
        return False


def service_context() -> ServiceContext:
    """The current app's ServiceContext."""
    return current_app.extensions["medmassage"]
