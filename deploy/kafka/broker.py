"""The three ways of getting a broker, behind one context manager."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from deploy.kafka.local import LocalKafka

log = logging.getLogger("deploy.kafka")


@dataclass
class Broker:
    """A reachable broker and how it was obtained ("environment", "docker" or "local")."""

    bootstrap_servers: str
    source: str
    started_in_seconds: float = 0.0
    _stop: Callable[[], None] = field(default=lambda: None, repr=False)

    def stop(self) -> None:
        """Stop the broker if this process started it; a no-op for an external cluster."""
        self._stop()


def _docker_engine_answers() -> bool:
    try:
        import docker  # installed with testcontainers

        docker.from_env(timeout=2).ping()
    except Exception:  # any failure means "no usable engine"; the reason does not matter here
        return False
    return True


def _start_with_testcontainers() -> Broker:
    from testcontainers.kafka import KafkaContainer

    started = time.monotonic()
    container = KafkaContainer().with_kraft()
    container.start()
    return Broker(
        bootstrap_servers=container.get_bootstrap_server(),
        source="docker",
        started_in_seconds=time.monotonic() - started,
        _stop=container.stop,
    )


def _start_local(port: int | None) -> Broker:
    started = time.monotonic()
    kafka = LocalKafka(port=port)
    kafka.start()
    return Broker(
        bootstrap_servers=kafka.bootstrap_servers,
        source="local",
        started_in_seconds=time.monotonic() - started,
        _stop=kafka.stop,
    )


def start_broker(port: int | None = None) -> Broker:
    """Return a running broker, starting one when none is configured."""
    configured = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "").strip()
    if configured:
        broker = Broker(bootstrap_servers=configured, source="environment")
    elif _docker_engine_answers():
        broker = _start_with_testcontainers()
    else:
        broker = _start_local(port)
    log.info(
        "kafka broker ready",
        extra={
            "broker_source": broker.source,
            "bootstrap_servers": broker.bootstrap_servers,
            "start_seconds": round(broker.started_in_seconds, 2),
        },
    )
    return broker


@contextmanager
def obtain_broker(port: int | None = None) -> Iterator[Broker]:
    """Yield a running broker and stop it afterwards (also on KeyboardInterrupt)."""
    broker = start_broker(port)
    try:
        yield broker
    finally:
        broker.stop()
