"""medmassage-ops against the real broker: topics, lag, tail, dead letters and replay."""

from __future__ import annotations

import threading

from click.testing import CliRunner, Result
from kafka import KafkaConsumer, KafkaProducer

from deploy.ops.cli import main
from shared.events import EVENTS
from shared.events.contracts.ops import PHI_VIEWED
from shared.events.envelope import decode, encode
from shared.kafka.clients import ensure_topics, make_producer
from shared.kafka.consumer import ConsumerRunner, Subscription
from shared.kafka.retry import RetryPolicy
from shared.outbox import OutboxRelay
from tests.integration.test_event_bus import effect_counts
from tests.support.bus import event_type_for, prepare_database, record_effect, write_events
from tests.support.http import staff_token
from tests.support.waiting import wait_for

ADMIN_TOKEN = {"MEDMASSAGE_OPS_TOKEN": staff_token("owner", "admin")}


def run(settings, *args: str, env: dict | None = None) -> Result:  # type: ignore[no-untyped-def]
    return CliRunner().invoke(
        main, ["--bootstrap", settings.bootstrap_servers, *args], env=env, catch_exceptions=False
    )


def ops(settings, *args: str, env: dict | None = None) -> str:  # type: ignore[no-untyped-def]
    result = run(settings, *args, env=env)
    assert result.exit_code == 0, result.output
    return result.output


def publish(settings, event_type, registry, extra: bytes) -> str:  # type: ignore[no-untyped-def]
    """Put one event on the topic with ``extra`` spliced into its payload; its id."""
    event = registry.build(event_type, source="t", subject="c1", data={"client_id": "c1", "seq": 1})
    producer = KafkaProducer(**settings.client_options())
    body = encode(event).replace(b'"seq":1', b'"seq":1,' + extra)
    producer.send(event_type.topic, key=b"c1", value=body).get(timeout=10)
    producer.close()
    return event.id


def phi_views_of(settings, topic: str) -> list[dict]:  # type: ignore[no-untyped-def]
    """The ops.phi.viewed.v1 payloads recorded for views of ``topic``."""
    consumer = KafkaConsumer(PHI_VIEWED.topic, **settings.client_options(),
                             auto_offset_reset="earliest", enable_auto_commit=False,
                             consumer_timeout_ms=3000)
    try:
        events = [decode(message.value) for message in consumer]
    finally:
        consumer.close()
    payloads = [EVENTS.load_payload(event) for event in events]  # validated by the contract
    return [payload for payload in payloads if payload["topic"] == topic]


def test_topics_lists_partitions_and_end_offsets(kafka_settings, unique, tmp_path):
    registry, event_type = event_type_for(unique)
    ensure_topics(kafka_settings, [event_type.topic])
    engine = prepare_database(f"sqlite:///{tmp_path / 'ops.db'}")
    write_events(engine, registry, event_type, 7)
    OutboxRelay(engine, lambda: make_producer(kafka_settings), "ops").relay_once()
    line = next(
        row
        for row in ops(kafka_settings, "topics").splitlines()
        if row.startswith(event_type.topic + " ")
    )
    assert "partitions=3" in line and "messages=7" in line


def test_tail_decodes_events_and_hides_phi_unless_an_admin_asks(kafka_settings, unique):
    registry, event_type = event_type_for(unique)
    ensure_topics(kafka_settings, [event_type.topic, PHI_VIEWED.topic])
    event_id = publish(kafka_settings, event_type, registry, b'"last_name":"Doe"')
    hidden = ops(kafka_settings, "tail", event_type.topic, "--from-beginning", "-n", "1")
    assert event_id in hidden and "[redacted]" in hidden and "Doe" not in hidden
    shown = ops(kafka_settings, "tail", event_type.topic, "--from-beginning", "-n", "1",
                "--show-phi", env=ADMIN_TOKEN)
    assert "Doe" in shown


def test_showing_phi_needs_an_admins_token_and_each_view_is_recorded(kafka_settings, unique):
    # Issue #17, finding C: --show-phi had no access control and left no trace.
    registry, event_type = event_type_for(unique)
    ensure_topics(kafka_settings, [event_type.topic, PHI_VIEWED.topic])
    event_id = publish(kafka_settings, event_type, registry, b'"last_name":"Doe"')
    tail = ("tail", event_type.topic, "--from-beginning", "-n", "1", "--show-phi")
    for refused in (
        run(kafka_settings, *tail),
        run(kafka_settings, *tail, "--token", staff_token("pat", "therapist")),
        run(kafka_settings, *tail, "--token", staff_token("olly", "ops")),
        run(kafka_settings, *tail, "--token", "not-a-token"),
    ):
        assert refused.exit_code != 0
        assert "Doe" not in refused.output
    assert phi_views_of(kafka_settings, event_type.topic) == []

    shown = run(kafka_settings, *tail[:-1], "--show-phi", "--token", staff_token("owner", "admin"))
    assert shown.exit_code == 0 and "Doe" in shown.output
    [view] = phi_views_of(kafka_settings, event_type.topic)
    assert view["actor"] == "owner"
    assert view["count"] == 1
    assert view["event_ids"] == [event_id]
    assert view["viewed_at"].tzinfo is not None


def test_authorization_numbers_and_other_identifiers_are_redacted_by_default(kafka_settings,
                                                                              unique):
    registry, event_type = event_type_for(unique)
    ensure_topics(kafka_settings, [event_type.topic, PHI_VIEWED.topic])
    publish(kafka_settings, event_type, registry,
            b'"authorization_number":"PA-778812","payer_claim_control_number":"PCN-55",'
            b'"reason_codes":["dvt_current"]')
    producer = KafkaProducer(**kafka_settings.client_options())
    producer.send(event_type.topic, key=b"c1", value=b"Jane Roe 1980-04-12 not an event").get(
        timeout=10)
    producer.close()
    hidden = ops(kafka_settings, "tail", event_type.topic, "--from-beginning", "-n", "2")
    for identifier in ("PA-778812", "PCN-55", "dvt_current", "Jane Roe"):
        assert identifier not in hidden
    assert "malformed" in hidden
    shown = ops(kafka_settings, "tail", event_type.topic, "--from-beginning", "-n", "2",
                "--show-phi", env=ADMIN_TOKEN)
    assert "PA-778812" in shown and "Jane Roe" in shown


def test_lag_dead_letters_and_replay_let_ops_recover_a_failed_event(
    kafka_settings, unique, tmp_path
):
    registry, event_type = event_type_for(unique)
    ensure_topics(kafka_settings, [event_type.topic, event_type.dead_letter_topic])
    engine = prepare_database(f"sqlite:///{tmp_path / 'replay.db'}")
    broken = {"on": True}

    def sometimes_broken(connection, event, payload):  # type: ignore[no-untyped-def]
        if broken["on"]:
            raise RuntimeError("pricing table missing")
        record_effect(connection, event, payload)

    group = f"g-{unique}"
    runner = ConsumerRunner(
        engine,
        kafka_settings,
        group,
        [Subscription(event_type, sometimes_broken)],
        registry=registry,
        retry=RetryPolicy(max_attempts=2, initial_backoff=0.01),
    )
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        write_events(engine, registry, event_type, 1)
        OutboxRelay(engine, lambda: make_producer(kafka_settings), "ops").relay_once()
        listing = wait_for(
            lambda: (
                (out := ops(kafka_settings, "dlq", "list", event_type.dead_letter_topic))
                != "no dead letters\n"
                and out
            ),
            what="the dead letter",
        )
        assert "reason=handler_failed" in listing and "pricing table missing" in listing
        assert f"group={group}" in listing
        wait_for(
            lambda: f"{group} " in ops(kafka_settings, "lag", "--group", group),
            what="committed offsets",
        )
        assert "lag=0" in ops(kafka_settings, "lag", "--group", group)

        broken["on"] = False  # the fix ships
        replayed = ops(kafka_settings, "dlq", "replay", event_type.dead_letter_topic, "--yes")
        assert "replayed 1 message(s)" in replayed
        wait_for(lambda: effect_counts(engine) == (1, 1), what="the replayed event applied")
    finally:
        runner.stop()
        thread.join(timeout=30)


def test_outbox_reports_pending_events_per_service(kafka_settings, unique, tmp_path):
    registry, event_type = event_type_for(unique)
    url = f"sqlite:///{tmp_path / 'screening.db'}"
    engine = prepare_database(url)
    write_events(engine, registry, event_type, 3)
    output = ops(
        kafka_settings,
        "outbox",
        env={"SCREENING_DATABASE_URL": url, "MEDMASSAGE_VAR_DIR": str(tmp_path / "none")},
    )
    assert "screening    pending=3" in output
    assert "scheduling   no database" in output
