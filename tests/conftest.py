"""Session-wide real infrastructure: one Kafka broker and one PostgreSQL server.

Tests share them without clean-up by using unique random topics, groups and databases.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from deploy.kafka import Broker, obtain_broker
from deploy.kafka.local import LocalKafka
from shared.config import KafkaSettings
from tests.support.postgres import TemporaryPostgres

logging.getLogger("kafka").setLevel(logging.WARNING)

# Property tests judge what the code does, not how fast a busy 2-core machine generates
# their inputs: no per-example deadline and no "too slow" health check (both failed runs
# only when other work shared the machine).
settings.register_profile(
    "medmassage", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("medmassage")


@pytest.fixture(scope="session")
def kafka_broker() -> Iterator[Broker]:
    """The session's broker: from the environment, Docker, or the local jars."""
    with obtain_broker() as broker:
        print(f"\nkafka: {broker.source} at {broker.bootstrap_servers} "
              f"(started in {broker.started_in_seconds:.1f}s)")
        yield broker


@pytest.fixture(scope="session")
def kafka_settings(kafka_broker: Broker) -> KafkaSettings:
    """Client settings pointing at the session's broker."""
    return KafkaSettings(bootstrap_servers=kafka_broker.bootstrap_servers)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[TemporaryPostgres]:
    """A temporary PostgreSQL server for the whole session."""
    server = TemporaryPostgres()
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """A fresh empty database, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    server: TemporaryPostgres = request.getfixturevalue("postgres_server")
    return server.create_database()


@pytest.fixture
def unique() -> str:
    """A short random suffix for topic, group and id names."""
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="module")
def own_broker() -> Iterator[LocalKafka]:
    """A broker a test module may stop and restart without disturbing the shared one."""
    kafka = LocalKafka()
    kafka.start()
    yield kafka
    kafka.stop()


@pytest.fixture(scope="session")
def secure_kafka() -> Iterator[LocalKafka]:
    """A local broker with a SASL_SSL listener (SCRAM-SHA-512, a certificate signed by a
    CA made for it), started once and only when a test asks for it.

    ``secure_kafka.secure_listener`` has the listener's client settings and KAFKA_* env.
    """
    kafka = LocalKafka(secure=True)
    kafka.start()
    yield kafka
    kafka.stop()
