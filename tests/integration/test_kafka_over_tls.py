"""The bus over SASL_SSL: TLS the client verifies, SCRAM-SHA-512 credentials, nothing else.

Every client here is given only the broker's SASL_SSL listener (``secure_kafka``, started
once per session with keytool-made certificates and SCRAM credentials), so whatever
works below worked over TLS with authentication; what must be refused is refused.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests
from click.testing import CliRunner
from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.errors import KafkaTimeoutError

from deploy.kafka.local import LocalKafka, SecureListener, free_port, make_certificate_authority
from deploy.ops.cli import main as ops_main
from shared.config import KafkaSettings
from shared.events import decode
from shared.events.contracts import screening
from shared.kafka.clients import ensure_topics, make_producer
from shared.kafka.consumer import ConsumerRunner, Subscription
from shared.outbox import OutboxRelay, RelayPolicy, pending_summary
from tests.integration.test_event_bus import effect_counts
from tests.support.bus import event_type_for, prepare_database, record_effect, write_events
from tests.support.http import auth
from tests.support.waiting import wait_for

# A client that cannot connect gives up after this long (make_producer uses 5 s).
BOOTSTRAP_TIMEOUT_MS = 3000
REFUSED = KafkaTimeoutError  # kafka-python 3: "Unable to bootstrap from [...]"


@pytest.fixture(scope="module")
def listener(secure_kafka: LocalKafka) -> SecureListener:
    return secure_kafka.secure_listener


@pytest.fixture
def settings(listener: SecureListener) -> KafkaSettings:
    return listener.client_settings()


def start_thread(loop) -> threading.Thread:  # type: ignore[no-untyped-def]
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    return thread


def committed_total(settings: KafkaSettings, group: str) -> int:
    admin = KafkaAdminClient(**settings.client_options())
    try:
        offsets = admin.list_group_offsets(group).get(group, {})
        return sum(meta.offset for meta in offsets.values())
    finally:
        admin.close()


def end_offsets_total(settings: KafkaSettings, topic: str) -> int:
    consumer = KafkaConsumer(**settings.client_options(), enable_auto_commit=False)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        ends = consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
        return sum(ends.values())
    finally:
        consumer.close()


class BrokerLog:
    """The lines the broker logs from now on (failed authentications are INFO lines)."""

    def __init__(self, kafka: LocalKafka) -> None:
        self.path = kafka.log_file
        self.start = self.path.stat().st_size

    def written(self) -> str:
        with self.path.open("rb") as log:
            log.seek(self.start)
            return log.read().decode(errors="replace")

    def wait_for(self, text: str) -> None:
        wait_for(lambda: text in self.written(), timeout=10, what=f"the broker to log {text!r}")


def refusal_reason(settings: KafkaSettings, caplog: pytest.LogCaptureFixture) -> str:
    """Bootstrap an admin client that must fail; return what kafka-python logged as why."""
    caplog.clear()
    started = time.monotonic()
    with caplog.at_level(logging.ERROR, logger="kafka"), pytest.raises(REFUSED):
        KafkaAdminClient(**settings.client_options(), bootstrap_timeout_ms=BOOTSTRAP_TIMEOUT_MS)
    assert time.monotonic() - started < 10, "refusing must not hang"
    return caplog.text


def test_events_written_to_an_outbox_are_relayed_and_applied_exactly_once_over_sasl_ssl(
    settings, unique, tmp_path
):
    registry, event_type = event_type_for(unique)
    ensure_topics(settings, [event_type.topic, event_type.dead_letter_topic])
    engine = prepare_database(f"sqlite:///{tmp_path / 'tls.db'}")
    relay = OutboxRelay(engine, lambda: make_producer(settings), "bustest",
                        RelayPolicy(idle_sleep=0.05, max_backoff=1.0))
    group = f"g-{unique}"
    runner = ConsumerRunner(engine, settings, group, [Subscription(event_type, record_effect)],
                            registry=registry)
    threads = [start_thread(relay), start_thread(runner)]
    try:
        write_events(engine, registry, event_type, 200)
        wait_for(lambda: effect_counts(engine)[1] == 200, timeout=30, what="all applied")
    finally:
        relay.stop()
        runner.stop()
        for thread in threads:
            thread.join(timeout=30)
    assert effect_counts(engine) == (200, 200)
    with engine.connect() as connection:
        assert pending_summary(connection)[0] == 0
    # The group's coordinator took its commits over the same listener.
    assert committed_total(settings, group) == 200
    assert end_offsets_total(settings, event_type.topic) == 200


def test_the_ops_tool_reads_topics_and_lag_over_sasl_ssl_from_the_kafka_environment(
    listener, settings, unique, tmp_path
):
    registry, event_type = event_type_for(unique)
    ensure_topics(settings, [event_type.topic, event_type.dead_letter_topic])
    engine = prepare_database(f"sqlite:///{tmp_path / 'ops.db'}")
    write_events(engine, registry, event_type, 7)
    assert OutboxRelay(engine, lambda: make_producer(settings), "ops").relay_once() == 7
    group = f"g-{unique}"
    runner = ConsumerRunner(engine, settings, group, [Subscription(event_type, record_effect)],
                            registry=registry)
    thread = start_thread(runner)
    try:
        wait_for(lambda: effect_counts(engine)[1] == 7, timeout=30, what="all applied")
    finally:
        runner.stop()
        thread.join(timeout=30)

    def ops(*args: str) -> str:
        # What an operator does: export the README's KAFKA_* variables, run the command.
        result = CliRunner().invoke(ops_main, list(args), env=listener.environment(),
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    line = next(row for row in ops("topics").splitlines()
                if row.startswith(event_type.topic + " "))
    assert "partitions=3" in line and "messages=7" in line
    lag = [row for row in ops("lag", "--group", group).splitlines() if row.startswith(group)]
    assert lag and all(row.endswith("lag=0") for row in lag)
    assert sum(int(row.split("committed=")[1].split()[0]) for row in lag) == 7


def test_a_client_refuses_a_broker_whose_certificate_its_ca_did_not_sign(
    secure_kafka, listener, settings, unique, tmp_path, caplog
):
    registry, event_type = event_type_for(unique)
    ensure_topics(settings, [event_type.topic])
    stranger = make_certificate_authority(tmp_path / "other-ca", name="not the broker's CA")
    untrusting = listener.client_settings(ssl_cafile=str(stranger.certificate))
    broker_log = BrokerLog(secure_kafka)

    assert "CERTIFICATE_VERIFY_FAILED" in refusal_reason(untrusting, caplog)
    broker_log.wait_for("(SSL handshake failed)")  # the client hung up mid-handshake

    # The relay refuses too, within its bootstrap timeout, and keeps every event.
    engine = prepare_database(f"sqlite:///{tmp_path / 'refused.db'}")
    write_events(engine, registry, event_type, 5)
    relay = OutboxRelay(engine, lambda: make_producer(untrusting), "bustest")
    started = time.monotonic()
    with pytest.raises(REFUSED):
        relay.relay_once()
    assert time.monotonic() - started < 15
    with engine.connect() as connection:
        assert pending_summary(connection)[0] == 5
    assert end_offsets_total(settings, event_type.topic) == 0


def test_a_wrong_scram_password_is_refused(secure_kafka, listener, caplog):
    broker_log = BrokerLog(secure_kafka)
    wrong = listener.client_settings(sasl_password="not-the-password")

    reason = refusal_reason(wrong, caplog)

    # TLS was fine; the broker turned the login down. (kafka-python itself sometimes logs
    # only "socket disconnected": the broker's answer and its close can arrive together.)
    assert "CERTIFICATE_VERIFY_FAILED" not in reason
    broker_log.wait_for("invalid credentials with SASL mechanism SCRAM-SHA-512")
    # The same client with the right password is served: the password was the difference.
    admin = KafkaAdminClient(**listener.client_settings().client_options())
    try:
        admin.list_topics()
    finally:
        admin.close()


def test_a_plaintext_client_is_not_served_on_the_sasl_ssl_listener(
    secure_kafka, listener, caplog
):
    broker_log = BrokerLog(secure_kafka)
    refusal_reason(KafkaSettings(bootstrap_servers=listener.bootstrap_servers), caplog)
    broker_log.wait_for("(SSL handshake failed)")


def test_the_screening_service_publishes_a_registration_over_sasl_ssl(
    listener, settings, tmp_path
):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAFKA_")}
    env.update(listener.environment())
    env.update({
        "PYTHONPATH": os.getcwd(),
        "SCREENING_DATABASE_URL": f"sqlite:///{tmp_path / 'screening.db'}",
        "SCREENING_PORT": str(port),
    })
    process = subprocess.Popen([sys.executable, "-m", "services.screening"], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _ready(url, process), timeout=30, what="the service to be ready")
        response = requests.post(f"{url}/clients", json=_a_client(), headers=auth("front_desk"),
                                 timeout=10)
        assert response.status_code == 201, response.text
        client_id = response.json()["client_id"]
        registered = _read_event(settings, screening.CLIENT_REGISTERED.topic, client_id)
    finally:
        process.send_signal(signal.SIGTERM)
        exit_code = process.wait(timeout=30)
    assert registered.type == "screening.client.registered.v1"
    assert registered.subject == client_id
    assert exit_code == 0


def _ready(url: str, process: subprocess.Popen) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"the service exited with {process.returncode} before it was ready")
    try:
        return requests.get(f"{url}/readyz", timeout=1).status_code == 200
    except requests.ConnectionError:
        return False


def _read_event(settings: KafkaSettings, topic: str, key: str):  # type: ignore[no-untyped-def]
    consumer = KafkaConsumer(topic, **settings.client_options(), auto_offset_reset="earliest",
                             enable_auto_commit=False)
    found = []

    def poll() -> bool:
        for batch in consumer.poll(timeout_ms=500).values():
            found.extend(decode(m.value) for m in batch if m.key == key.encode())
        return bool(found)

    try:
        wait_for(poll, timeout=30, interval=0, what=f"the registration of {key}")
    finally:
        consumer.close()
    return found[0]


def _a_client() -> dict:
    return {
        "first_name": "Maria", "last_name": "Lopez", "birth_date": "1980-04-12", "sex": "F",
        "address": {"line1": "12 Elm St", "line2": None, "city": "Albany", "state": "NY",
                    "postal_code": "12207"},
        "phone": "+1 518 555 0100", "email": "maria@example.org",
        "coverage": {"payer_id": "60054", "payer_name": "Aetna", "member_id": "W123456789",
                     "group_number": "GRP-1", "relationship_to_subscriber": "self",
                     "subscriber": None},
    }
