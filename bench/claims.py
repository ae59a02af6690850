"""Claims benchmark: claims built and rendered per second, and session.completed -> accepted.

    python bench/claims.py [--claims 20000] [--sessions 2000] [--db sqlite|postgres]
                           [--json PATH] [--profile]

1. Pricing, edits, scrubbing and 837P rendering, in process, no network or database.
2. End to end on a real broker (KAFKA_BOOTSTRAP_SERVERS, else a local one it starts):
   session.completed events -> the claims consumer -> batches -> the sandbox
   clearinghouse (999, pyx12 validation) -> 277CA -> accepted, printed beside the rate a
   bare kafka-python consumer reads the same messages at; the claims process's and the
   sandbox's CPU per claim apart (the sandbox's is nearly all pyx12 validation), and
   both processes' resident memory at idle and at the end.
``--db postgres`` keeps the claims on a temporary PostgreSQL server (bench/support.py);
``--profile`` profiles the in-process rendering.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import requests
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from sqlalchemy import func, select

from bench import support
from deploy.kafka import obtain_broker
from deploy.kafka.local import free_port
from services.claims.app import migrate
from services.claims.config import ClaimsConfig
from services.claims.domain.claim import ClaimInputs, prepare_claim
from services.claims.domain.records import (
    Address,
    Client,
    CodingEdit,
    Coverage,
    FeeScheduleEntry,
    Payer,
    Person,
    Referral,
    Session,
    SessionCode,
)
from services.claims.handlers import SUBSCRIPTIONS
from services.claims.store import setup
from services.claims.store.tables import claims
from services.claims.workers.acknowledgements import AcknowledgementPoller
from services.claims.workers.batcher import Batcher
from services.claims.workers.submission import SubmissionWorker
from services.claims.x12.assemble import x12_claim, x12_parties
from services.claims.x12.model import ClaimBatch
from services.claims.x12.render_837p import InterchangeControl, render_837p
from shared.config import KafkaSettings, Settings
from shared.db import make_engine, write_transaction
from shared.events import EVENTS, encode
from shared.events.contracts.scheduling import SESSION_COMPLETED
from shared.events.contracts.screening import CLIENT_REGISTERED, REFERRAL_RECORDED
from shared.kafka.clients import ensure_topics, make_producer, topics_for
from shared.kafka.consumer import ConsumerRunner
from shared.kafka.retry import RetryPolicy
from shared.outbox import OutboxRelay, RelayPolicy

BILLING_NPI, REFERRING_NPI, RENDERING_NPI = "1245319599", "1234567893", "1679576722"
TODAY = datetime.now(UTC).date()
PROVIDER = {
    "organisation_name": "Healing Hands Massage LLC",
    "npi": BILLING_NPI,
    "ein": "123456789",
    "taxonomy_code": "225700000X",
    "address_line1": "100 Main St",
    "address_line2": None,
    "city": "Springfield",
    "state": "IL",
    "postal_code": "627011234",
    "submitter_id": "HEALINGHANDS",
    "submitter_name": "Healing Hands Massage",
    "contact_name": "Jo Biller",
    "contact_phone": "5555550100",
    "receiver_id": "SANDBOXCH",
    "receiver_name": "Sandbox Clearinghouse",
}
FEES = (
    FeeScheduleEntry("ACME01", "97140", date(2020, 1, 1), Decimal("45.00"), Decimal("31.17")),
    FeeScheduleEntry("ACME01", "97124", date(2020, 1, 1), Decimal("40.00"), Decimal("28.55")),
)
EDIT = CodingEdit("97140", "97124", True, "XS", date(2015, 1, 1))
ADDRESS = {
    "line1": "12 Elm St",
    "line2": None,
    "city": "Springfield",
    "state": "IL",
    "postal_code": "62701",
}


def render_rate(count: int, batch_size: int = 100) -> float:
    """Claims priced, edited, scrubbed, assembled and rendered per second."""
    person = Person("Jane", "Doe", date(1980, 5, 17), "F", Address(**ADDRESS))
    client = Client("c", person, Coverage("ACME01", "Acme Health", "MEM123456", "self"))
    referral = Referral(
        "r",
        "c",
        "Anna Smith",
        REFERRING_NPI,
        ("M54.50", "M62.830"),
        1000,
        date(2020, 1, 1),
        date(2099, 12, 31),
    )
    payer = Payer("ACME01", "Acme Health", gp_required=True)
    session = Session(
        "s",
        "c",
        "r",
        TODAY,
        "11",
        "cms",
        "Sam Lee",
        RENDERING_NPI,
        (
            SessionCode("97140", 30, 2, frozenset({"lower_back"})),
            SessionCode("97124", 15, 1, frozenset({"neck"})),
        ),
    )
    submitter, receiver, billing = x12_parties(PROVIDER)
    started = time.perf_counter()
    batch = []
    for number in range(count):
        inputs = ClaimInputs(
            replace(session, session_id=f"s{number}"),
            client,
            referral,
            payer,
            FEES,
            (EDIT,),
            BILLING_NPI,
            0,
            TODAY,
        )
        prepared = prepare_claim(inputs)
        assert prepared.status == "ready"
        batch.append(
            x12_claim(f"C-{number}", inputs.session, client, referral, payer, prepared.lines)
        )
        if len(batch) == batch_size:
            control = InterchangeControl(number + 1, number + 1, 1, datetime.now(UTC))
            render_837p(ClaimBatch(submitter, receiver, billing, tuple(batch)), control)
            batch = []
    return count / (time.perf_counter() - started)


def prepare_database(config: ClaimsConfig) -> object:
    migrate(config)
    engine = make_engine(config.settings.database_url)
    with write_transaction(engine) as connection:
        setup.put_billing_provider(connection, PROVIDER)
        setup.put_payer(connection, Payer("ACME01", "Acme Health"))
        setup.put_fees(connection, FEES)
    return engine


def visit_events(count: int, run: str) -> tuple[list, list]:
    """(client and referral events, session.completed events) for ``count`` clients."""
    setup_events, sessions = [], []
    for number in range(count):
        client_id, referral_id = f"bench-{run}-c{number}", f"bench-{run}-r{number}"
        setup_events.append(
            EVENTS.build(
                CLIENT_REGISTERED,
                source="bench",
                subject=client_id,
                data={
                    "client_id": client_id,
                    "version": 1,
                    "first_name": "Jane",
                    "last_name": "Doe",
                    "birth_date": date(1980, 5, 17),
                    "sex": "F",
                    "address": ADDRESS,
                    "coverage": {
                        "payer_id": "ACME01",
                        "payer_name": "Acme Health",
                        "member_id": f"MEM{number:06d}",
                        "group_number": None,
                        "relationship_to_subscriber": "self",
                        "subscriber": None,
                    },
                },
            )
        )
        setup_events.append(
            EVENTS.build(
                REFERRAL_RECORDED,
                source="bench",
                subject=client_id,
                data={
                    "referral_id": referral_id,
                    "client_id": client_id,
                    "version": 1,
                    "physician": {"name": "Anna Smith", "npi": REFERRING_NPI},
                    "diagnoses": ["M54.50"],
                    "codes": ["97124", "97140"],
                    "techniques": ["swedish", "myofascial_release"],
                    "body_regions": ["neck"],
                    "visits_per_week": 2,
                    "weeks": 4,
                    "authorized_visits": 8,
                    "authorization_number": None,
                    "start_on": date(2020, 1, 1),
                    "end_on": date(2099, 12, 31),
                },
            )
        )
        sessions.append(
            EVENTS.build(
                SESSION_COMPLETED,
                source="bench",
                subject=client_id,
                data={
                    "session_id": f"bench-{run}-s{number}",
                    "appointment_id": f"a{number}",
                    "client_id": client_id,
                    "referral_id": referral_id,
                    "rendering_provider": {"name": "Sam Lee", "npi": RENDERING_NPI},
                    "date_of_service": TODAY,
                    "place_of_service": "11",
                    "counting_method": "cms",
                    "codes": [
                        {"code": "97140", "minutes": 30, "units": 2},
                        {"code": "97124", "minutes": 15, "units": 1},
                    ],
                    "techniques": [
                        {
                            "technique": "myofascial_release",
                            "minutes": 30,
                            "body_regions": ["lower_back"],
                        },
                        {"technique": "swedish", "minutes": 15, "body_regions": ["neck"]},
                    ],
                    "completed_at": datetime.now(UTC),
                },
            )
        )
    return setup_events, sessions


def publish(settings: KafkaSettings, events: list) -> None:
    _produce(settings, [(event.type, event.subject.encode(), encode(event)) for event in events])


def _produce(
    settings: KafkaSettings, messages: list[tuple[str, bytes, bytes]], go: Any = None
) -> None:
    producer = KafkaProducer(**settings.client_options(), acks="all", linger_ms=5)
    if go is not None:
        go.wait()
    for topic, key, value in messages:
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()


class Publisher:
    """Publishes from another process, as scheduling does, so it takes no turn on our GIL.

    The process starts (and connects) first; ``go()`` sets it publishing.
    """

    def __init__(self, settings: KafkaSettings, events: list) -> None:
        messages = [(event.type, event.subject.encode(), encode(event)) for event in events]
        context = multiprocessing.get_context("spawn")
        self._go = context.Event()
        self.process = context.Process(
            target=_produce, args=(settings, messages, self._go), daemon=True
        )
        self.process.start()

    def go(self) -> None:
        self._go.set()


def count_claims(engine, run: str, status: str | None = None) -> int:  # type: ignore[no-untyped-def]
    query = select(func.count()).where(claims.c.session_id.like(f"bench-{run}-%"))
    if status:
        query = query.where(claims.c.status == status)
    with engine.connect() as connection:
        return int(connection.execute(query).scalar())


def wait(check, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.1)


def raw_consumer_rate(settings: KafkaSettings, count: int, run: str) -> float:
    """Messages per second a bare kafka-python consumer reads the run's sessions at.

    Partitions are assigned by hand (no group to join) and the clock runs from the
    first poll, fetches included.
    """
    consumer = KafkaConsumer(**settings.client_options(), enable_auto_commit=False)
    topic = SESSION_COMPLETED.topic
    partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
    consumer.assign(partitions)
    consumer.seek_to_beginning(*partitions)
    seen = 0
    needle = f"bench-{run}-".encode()
    started = time.perf_counter()
    deadline = time.monotonic() + 120
    while seen < count and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=500, max_records=5000).values():
            seen += sum(1 for message in batch if needle in message.value)
    elapsed = time.perf_counter() - started
    consumer.close()
    return seen / elapsed


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def sandbox_process():  # type: ignore[no-untyped-def]
    """The sandbox clearinghouse in its own process, as the outside system it stands for;
    yields (its URL, its pid)."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "deploy.sandbox_clearinghouse",
            "--port",
            str(port),
            "--host",
            "127.0.0.1",
        ],
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait(lambda: _answers(url), 30, "the sandbox clearinghouse")
        yield url, process.pid
    finally:
        process.terminate()
        process.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        return requests.get(f"{url}/v1/_submissions", timeout=1).ok
    except requests.RequestException:
        return False


def end_to_end(settings: KafkaSettings, count: int, url: str, figures: Any) -> None:
    """Claims accepted per second from session.completed, beside a raw consumer of the same
    messages; the sandbox's own CPU (its pyx12 validation) and memory reported apart."""
    run = uuid.uuid4().hex[:8]
    ensure_topics(settings, topics_for(EVENTS))
    config = ClaimsConfig(Settings(service="claims", database_url=url, kafka=settings))
    engine = prepare_database(config)
    setup_events, sessions = visit_events(count, run)
    with sandbox_process() as (sandbox_url, sandbox_pid):
        config = replace(
            config,
            clearinghouse_url=sandbox_url,
            batch_size=500,
            batch_max_wait=0.2,
            poll_interval=0.2,
            idle_sleep=0.02,
            retry=RetryPolicy(initial_backoff=0.1, max_backoff=1.0),
        )
        loops = [
            ConsumerRunner(engine, settings, f"claims-bench-{run}", SUBSCRIPTIONS),
            OutboxRelay(
                engine, lambda: make_producer(settings), "claims", RelayPolicy(idle_sleep=0.05)
            ),
            Batcher(engine, config),
            SubmissionWorker(engine, config),
            AcknowledgementPoller(engine, config),
        ]
        threads = [threading.Thread(target=loop.run, daemon=True) for loop in loops]
        for thread in threads:
            thread.start()
        try:
            publish(settings, setup_events)
            publisher = Publisher(settings, sessions)
            time.sleep(3)  # let the projections fill and the publisher connect
            idle_mb, sandbox_idle_mb = support.resident_mb(), support.resident_mb(sandbox_pid)
            own_cpu, sandbox_cpu = time.process_time(), cpu_seconds(sandbox_pid)
            started = time.perf_counter()
            publisher.go()
            wait(lambda: count_claims(engine, run, "accepted") >= count, 300, "accepted claims")
            rate = count / (time.perf_counter() - started)
            own_cpu = time.process_time() - own_cpu
            sandbox_cpu = cpu_seconds(sandbox_pid) - sandbox_cpu
            end_mb, sandbox_end_mb = support.resident_mb(), support.resident_mb(sandbox_pid)
            publisher.process.join(timeout=30)
        finally:
            for loop in loops:
                loop.stop()
            for thread in threads:
                thread.join(timeout=30)
    assert count_claims(engine, run) == count, "a session was claimed twice or not at all"
    raw = raw_consumer_rate(settings, count, run)
    engine.dispose()
    figures.add("session.completed -> accepted, claims/s", rate, "per s", raw)
    figures.add("claims process CPU per claim (all its loops)", own_cpu / count * 1e3, "ms")
    figures.add("sandbox CPU per claim (its pyx12 validation)", sandbox_cpu / count * 1e3, "ms")
    figures.add("claims process resident memory at idle", idle_mb, "MB")
    figures.add("claims process resident memory at the end", end_mb, "MB")
    figures.add("sandbox resident memory at idle", sandbox_idle_mb, "MB")
    figures.add("sandbox resident memory at the end", sandbox_end_mb, "MB")


def main() -> None:
    parser = support.arguments(__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--sessions", type=int, default=2_000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    figures = support.Figures("claims", args.db)
    with support.profiled(args.profile, figures):
        rendered = render_rate(args.claims)
    figures.add("priced + scrubbed + rendered to 837P, claims/s", rendered, "per s")
    with obtain_broker() as broker, support.database(args.db, "claims") as url:
        settings = KafkaSettings(bootstrap_servers=broker.bootstrap_servers)
        end_to_end(settings, args.sessions, url, figures)
    figures.note("sessions", args.sessions)
    figures.note("broker", broker.source)
    figures.note("targets", "rendered >= 1,000/s; end to end >= 500/s on SQLite, >= 400/s on "
                            "PostgreSQL (issue #16)")
    figures.print()
    figures.write(args.json)


if __name__ == "__main__":
    main()
