"""Claims benchmark: claims built and rendered per second, and session.completed -> accepted.

    python bench/claims.py [--claims 20000] [--sessions 2000] [--db sqlite|postgres]
                           [--json PATH] [--profile]
    python bench/claims.py --latency [--rate 50] [--seconds 30] [--db ...]
    python bench/claims.py --scale-out --db postgres [--sessions 2000]

1. Pricing, edits, scrubbing and 837P rendering, in process, no network or database.
2. End to end on a real broker (KAFKA_BOOTSTRAP_SERVERS, else a local one it starts):
   session.completed events -> the claims consumer -> batches -> the sandbox
   clearinghouse (999, pyx12 validation) -> 277CA A2: accepted by the payer's front end
   (the sandbox answers at once and holds its 835s back, SANDBOX_TIMINGS), printed beside
   the rate a bare kafka-python consumer reads the same messages at; the claims
   process's and the sandbox's CPU per claim apart (the sandbox's is nearly all pyx12
   validation; the claims process's also by thread: each loop, kafka-python's own),
   and both processes' resident memory at idle and at the end. Run twice:
   with the sandbox's full pyx12 check, then with its envelope check only
   (SANDBOX_VALIDATION=envelope), so the claims service's own rate is reported apart
   from the clearinghouse's validation; that cost is also timed alone, in process.
3. ``--latency``: sessions at a steady rate, batch max wait 1 s: produced -> submitted
   (the claim's submit history entry) p50/p99/max.
4. ``--scale-out``: one claims process, then two (separate OS processes, one consumer
   group, one PostgreSQL, session.completed on 6 partitions): rates, the sessions each
   applied, and every session billed exactly once (asserted).
``--db postgres`` keeps the claims on a temporary PostgreSQL server (bench/support.py);
``--profile`` profiles the in-process rendering (cProfile) and samples the claims
process and the sandbox with py-spy during the end-to-end measurement.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import math
import multiprocessing
import os
import re
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
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewPartitions, NewTopic
from kafka.errors import TopicAlreadyExistsError
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from bench import support
from deploy.kafka import obtain_broker
from deploy.kafka.local import free_port
from deploy.sandbox_clearinghouse.envelope_check import PYX12, VALIDATIONS
from deploy.sandbox_clearinghouse.submission import check_syntax
from services.claims.app import migrate
from services.claims.config import ClaimsConfig
from services.claims.domain.claim import ClaimInputs, prepare_claim
from services.claims.domain.lifecycle import State, Step
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
from services.claims.store.tables import (
    claim_history,
    claims,
    clearinghouse_reports,
    clients,
    interchanges,
    referrals,
)
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


def render_rate(count: int, batch_size: int = 100) -> tuple[float, str]:
    """Claims priced, edited, scrubbed, assembled and rendered per second, and the last
    interchange rendered (``batch_size`` claims)."""
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
        codes=("97124", "97140"),
        body_regions=("lower_back", "neck"),
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
    batch, x12 = [], ""
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
            x12 = render_837p(ClaimBatch(submitter, receiver, billing, tuple(batch)), control)
            batch = []
    return count / (time.perf_counter() - started), x12


def pyx12_cost(x12: str, rounds: int = 3) -> float:
    """CPU milliseconds a claim of the sandbox's pyx12 check (submission.check_syntax), in
    process: the clearinghouse's own cost, reported apart (issue #16)."""
    check_syntax(x12)  # its maps are read once, as in the running sandbox
    claims = x12.count("~CLM*")
    started = time.process_time()
    for _ in range(rounds):
        assert check_syntax(x12).accepted
    return (time.process_time() - started) / rounds / claims * 1e3


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


# The sandbox answers at once (A1 and A2 in the same read) and keeps its 835s for an hour:
# the bench counts "accepted by the payer's front end" (277CA A2), and no 835 posting
# mixes into the measured work (bench/remittance.py measures posting).
VALIDATION_LABELS = {
    "pyx12": "sandbox validates with pyx12",
    "envelope": "sandbox checks the envelope only",
}
SANDBOX_TIMINGS = {
    "SANDBOX_RECEIPT_DELAY_SECONDS": "0",
    "SANDBOX_ADJUDICATION_DELAY_SECONDS": "0",
    "SANDBOX_REMITTANCE_DELAY_SECONDS": "3600",
}
# A claim the payer's front end accepted (277CA A2) is in one of these states for good.
ACCEPTED_OR_LATER = tuple(
    state.value
    for state in (
        State.ACCEPTED, State.PAID, State.PARTIALLY_PAID, State.DENIED,
        State.PATIENT_BALANCE, State.CLOSED,
    )
)  # fmt: skip


def publish(settings: KafkaSettings, events: list) -> None:
    _produce(settings, _messages(events))


def _messages(events: list) -> list[tuple[str, bytes, bytes, str]]:
    """(topic, key, value, session id or "") of each event, ready to send."""
    return [
        (event.type, event.subject.encode(), encode(event), event.data.get("session_id", ""))
        for event in events
    ]


def _produce(
    settings: KafkaSettings,
    messages: list[tuple[str, bytes, bytes, str]],
    go: Any = None,
    per_second: float | None = None,
    produced: Any = None,
) -> None:
    """Send the messages: as fast as possible, or at a steady ``per_second``, noting when
    each was handed to the producer (wall clock, as the claims database's times are)."""
    producer = KafkaProducer(
        **settings.client_options(), acks="all", linger_ms=0 if per_second else 5
    )
    if go is not None:
        go.wait()
    times = {}
    started = time.monotonic()
    for number, (topic, key, value, label) in enumerate(messages):
        if per_second:
            delay = started + number / per_second - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        times[label] = time.time()
        producer.send(topic, key=key, value=value)
    producer.flush()
    producer.close()
    if produced is not None:
        produced.put(times)


class Publisher:
    """Publishes from another process, as scheduling does, so it takes no turn on our GIL.

    The process starts (and connects) first; ``go()`` sets it publishing. With
    ``per_second`` it publishes at that steady rate, and ``produced()`` gives when each
    session's event was sent.
    """

    def __init__(
        self, settings: KafkaSettings, events: list, per_second: float | None = None
    ) -> None:
        context = multiprocessing.get_context("spawn")
        self._go = context.Event()
        self._produced = context.Queue()
        self.process = context.Process(
            target=_produce,
            args=(settings, _messages(events), self._go, per_second, self._produced),
            daemon=True,
        )
        self.process.start()

    def go(self) -> None:
        self._go.set()

    def produced(self) -> dict[str, float]:
        """Session id -> the wall-clock time its event was sent (waits for the publisher)."""
        times = self._produced.get(timeout=600)
        self.process.join(timeout=30)
        return times


def count_claims(engine, run: str, statuses: tuple[str, ...] = ()) -> int:  # type: ignore[no-untyped-def]
    query = select(func.count()).where(claims.c.session_id.like(f"bench-{run}-%"))
    if statuses:
        query = query.where(claims.c.status.in_(statuses))
    with engine.connect() as connection:
        return int(connection.execute(query).scalar())


def count_accepted(engine, run: str) -> int:  # type: ignore[no-untyped-def]
    """Claims of the run the payer's front end accepted (277CA A2), whatever came after."""
    return count_claims(engine, run, ACCEPTED_OR_LATER)


def count_clients(engine, run: str) -> int:  # type: ignore[no-untyped-def]
    """The run's clients whose client and referral the projections hold (the bench waits
    for all of them before it publishes the sessions)."""
    known = select(func.count()).where(clients.c.client_id.like(f"bench-{run}-%"))
    referred = select(func.count()).where(referrals.c.client_id.like(f"bench-{run}-%"))
    with engine.connect() as connection:
        return min(int(connection.execute(known).scalar()),
                   int(connection.execute(referred).scalar()))  # fmt: skip


def sessions_not_billed_once(engine, run: str) -> int:  # type: ignore[no-untyped-def]
    """Sessions of the run with more than one claim (none may have two)."""
    per_session = (
        select(claims.c.session_id)
        .where(claims.c.session_id.like(f"bench-{run}-%"))
        .group_by(claims.c.session_id)
        .having(func.count() != 1)
        .subquery()
    )
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(per_session)).scalar())


def wait(check, timeout: float, what: str, every: float = 0.2, explain=None) -> None:  # type: ignore[no-untyped-def]
    """Poll ``check`` until true; on timeout stop the bench, saying where things stand."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            where = f": {explain()}" if explain else ""
            raise SystemExit(f"timed out waiting for {what}{where}")
        time.sleep(every)


def statuses(engine, run: str) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """How many of the run's claims are in each status."""
    query = (
        select(claims.c.status, func.count())
        .where(claims.c.session_id.like(f"bench-{run}-%"))
        .group_by(claims.c.status)
    )
    with engine.connect() as connection:
        return dict(connection.execute(query).all())


def where_things_stand(engine, run: str) -> str:  # type: ignore[no-untyped-def]
    """The run's claims by status, the interchanges by status and the mailbox's reports by
    kind, status and note: what a timed-out wait prints."""
    reports = (
        select(clearinghouse_reports.c.kind, clearinghouse_reports.c.status,
               clearinghouse_reports.c.note, func.count())
        .group_by(clearinghouse_reports.c.kind, clearinghouse_reports.c.status,
                  clearinghouse_reports.c.note)
    )  # fmt: skip
    batches = select(interchanges.c.status, func.count()).group_by(interchanges.c.status)
    with engine.connect() as connection:
        return (f"claims by status {statuses(engine, run)}; interchanges "
                f"{dict(connection.execute(batches).all())}; reports "
                f"{[tuple(row) for row in connection.execute(reports)]}")  # fmt: skip


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
    return _stat_cpu(Path(f"/proc/{pid}/stat"))


def _stat_cpu(stat: Path) -> float:
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def threads_cpu() -> dict[str, float]:
    """CPU seconds so far of this process's threads, summed by name (digits dropped, so
    kafka-python's numbered threads add up): each loop, and the clients' own threads."""
    spent: dict[str, float] = {}
    for thread in threading.enumerate():
        stat = Path(f"/proc/self/task/{thread.native_id}/stat")
        with contextlib.suppress(OSError):  # a thread that ended since enumerate()
            name = re.sub(r"[-_]?\d+", "", thread.name) or "thread"
            spent[name] = spent.get(name, 0.0) + _stat_cpu(stat)
    return spent


@contextlib.contextmanager
def sandbox_process(validation: str = PYX12):  # type: ignore[no-untyped-def]
    """The sandbox clearinghouse in its own process, as the outside system it stands for,
    answering at once (SANDBOX_TIMINGS) and checking each 837P with ``validation``
    (pyx12, or the envelope only); yields (its URL, its pid)."""
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
        env={**os.environ, **SANDBOX_TIMINGS, "SANDBOX_VALIDATION": validation},
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


def fast_config(config: ClaimsConfig, sandbox_url: str) -> ClaimsConfig:
    """Throughput settings: big batches, short waits and rests, quick retries."""
    return replace(
        config,
        clearinghouse_url=sandbox_url,
        batch_size=500,
        batch_max_wait=0.2,
        poll_interval=0.2,
        idle_sleep=0.02,
        retry=RetryPolicy(initial_backoff=0.1, max_backoff=1.0),
    )


def claims_loops(engine, settings: KafkaSettings, config: ClaimsConfig, group: str) -> list:  # type: ignore[no-untyped-def]
    """Every loop of a claims process ("all"), as services/claims/app.py starts them."""
    submission = SubmissionWorker(engine, config)
    return [
        ConsumerRunner(engine, settings, group, SUBSCRIPTIONS),
        OutboxRelay(
            engine, lambda: make_producer(settings), "claims", RelayPolicy(idle_sleep=0.05)
        ),
        Batcher(engine, config, made=submission.wake),
        submission,
        AcknowledgementPoller(engine, config),
    ]


def _supervised(loop: Any) -> None:
    """Run a loop; a crash is printed and the loop started again after 5 s, as the service
    runtime does (shared/runtime.py), so a crash costs what it costs in production."""
    while True:
        try:
            loop.run()
            return
        except Exception:
            logging.getLogger("bench").exception("loop crashed; restarting in 5 s")
            time.sleep(5)


@contextlib.contextmanager
def running(loops: list):  # type: ignore[no-untyped-def]
    """The loops on threads of this process until the ``with`` ends."""
    # What start-up built is frozen out of the collector's generations, as the service's
    # runtime does before it starts its loops (shared/runtime.py): without it every full
    # collection here walks the bench's own start-up and in-process rendering too.
    gc.collect()
    gc.freeze()
    threads = [threading.Thread(target=_supervised, args=(loop,), name=type(loop).__name__,
                                daemon=True) for loop in loops]  # fmt: skip
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        for loop in loops:
            loop.stop()
        for thread in threads:
            thread.join(timeout=30)


def end_to_end(
    settings: KafkaSettings,
    count: int,
    url: str,
    figures: Any,
    profile: bool = False,
    validation: str = PYX12,
) -> None:
    """Claims accepted per second from session.completed, beside a raw consumer of the same
    messages; the sandbox's own CPU and memory reported apart.

    ``validation`` is the sandbox's check of each 837P: pyx12 in full (what a real
    clearinghouse does, ~3 ms of CPU a claim on the same two cores), or the envelope only,
    which leaves the claims service's own throughput (issue #16: the sandbox's validation
    cost reported apart).
    """
    label = VALIDATION_LABELS[validation]
    run = uuid.uuid4().hex[:8]
    ensure_topics(settings, topics_for(EVENTS))
    config = ClaimsConfig(Settings(service="claims", database_url=url, kafka=settings))
    engine = prepare_database(config)
    setup_events, sessions = visit_events(count, run)
    with sandbox_process(validation) as (sandbox_url, sandbox_pid):
        config = fast_config(config, sandbox_url)
        with running(claims_loops(engine, settings, config, f"claims-bench-{run}")):
            publish(settings, setup_events)
            publisher = Publisher(settings, sessions)
            wait(lambda: count_clients(engine, run) >= count, 120, "the client projections")
            time.sleep(1)  # the publisher connects
            idle_mb, sandbox_idle_mb = support.resident_mb(), support.resident_mb(sandbox_pid)
            own_cpu, sandbox_cpu = time.process_time(), cpu_seconds(sandbox_pid)
            threads_before = threads_cpu()
            claims_name = f"profile of the claims process ({label})"
            sandbox_name = f"profile of the sandbox ({label})"
            with support.sampled(profile, os.getpid(), figures, claims_name), \
                    support.sampled(profile, sandbox_pid, figures, sandbox_name):  # fmt: skip
                started = time.perf_counter()
                publisher.go()
                wait(lambda: count_accepted(engine, run) >= count, 300, "accepted claims",
                     explain=lambda: where_things_stand(engine, run))  # fmt: skip
                elapsed = time.perf_counter() - started
            own_cpu = time.process_time() - own_cpu
            threads_after = threads_cpu()
            sandbox_cpu = cpu_seconds(sandbox_pid) - sandbox_cpu
            end_mb, sandbox_end_mb = support.resident_mb(), support.resident_mb(sandbox_pid)
            publisher.produced()
    assert count_claims(engine, run) == count, "a session was claimed twice or not at all"
    raw = raw_consumer_rate(settings, count, run)
    engine.dispose()
    figures.add(f"session.completed -> accepted, claims/s ({label})", count / elapsed, "per s",
                raw)  # fmt: skip
    figures.add(f"claims process CPU per claim, all its loops ({label})", own_cpu / count * 1e3,
                "ms")  # fmt: skip
    for name, seconds in sorted(threads_after.items()):
        spent = seconds - threads_before.get(name, 0.0)
        figures.add(f"  of which thread {name} ({label})", spent / count * 1e3, "ms")
    figures.add(f"sandbox CPU per claim ({label})", sandbox_cpu / count * 1e3, "ms")
    figures.add(f"claims process resident memory at idle ({label})", idle_mb, "MB")
    figures.add(f"claims process resident memory at the end ({label})", end_mb, "MB")
    figures.add(f"sandbox resident memory at idle ({label})", sandbox_idle_mb, "MB")
    figures.add(f"sandbox resident memory at the end ({label})", sandbox_end_mb, "MB")


def latency(
    settings: KafkaSettings, url: str, figures: Any, per_second: float, seconds: float
) -> None:
    """session.completed produced -> claim submitted (the 999 accepted it), at a steady rate.

    The claims loops run with the service's own defaults except
    CLAIMS_BATCH_MAX_WAIT_SECONDS=1 (issue #16); "submitted" is the claim's history entry
    of the submit step, written when the 999 is recorded.
    """
    run = uuid.uuid4().hex[:8]
    count = int(per_second * seconds)
    ensure_topics(settings, topics_for(EVENTS))
    config = ClaimsConfig(Settings(service="claims", database_url=url, kafka=settings))
    engine = prepare_database(config)
    setup_events, sessions = visit_events(count, run)
    with sandbox_process() as (sandbox_url, _):
        config = replace(config, clearinghouse_url=sandbox_url, batch_max_wait=1.0)
        with running(claims_loops(engine, settings, config, f"claims-bench-{run}")):
            publish(settings, setup_events)
            wait(lambda: count_clients(engine, run) >= count, 120, "the client projections")
            publisher = Publisher(settings, sessions, per_second)
            time.sleep(1)  # the publisher connects
            publisher.go()
            produced = publisher.produced()
            wait(lambda: _submitted_count(engine, run) >= count, 120, "submitted claims", 0.5)
    submitted, created = _submitted_at(engine, run), _created_at(engine, run)
    engine.dispose()
    waits = sorted(submitted[s].timestamp() - produced[s] for s in produced)
    to_claim = sorted(created[s].timestamp() - produced[s] for s in produced)
    to_submit = sorted(submitted[s].timestamp() - created[s].timestamp() for s in produced)
    # Falling behind shows as waits that grow over the run: the first and last fifth apart.
    in_order = sorted(produced, key=produced.__getitem__)
    fifth = max(1, len(in_order) // 5)
    first, last = (sorted(submitted[s].timestamp() - produced[s] for s in part)
                   for part in (in_order[:fifth], in_order[-fifth:]))  # fmt: skip
    sent_for = max(produced.values()) - min(produced.values())
    figures.add("sessions produced per second (steady)", (count - 1) / sent_for, "per s")
    for name, share in (("p50", 0.50), ("p99", 0.99)):
        figures.add(f"session.completed -> submitted, {name}", _percentile(waits, share), "s")
    figures.add("session.completed -> submitted, max", waits[-1], "s")
    figures.add("p50 of the first fifth of the sessions", _percentile(first, 0.5), "s")
    figures.add("p50 of the last fifth of the sessions", _percentile(last, 0.5), "s")
    figures.add("of which produced -> claim made, p50", _percentile(to_claim, 0.5), "s")
    figures.add("of which claim made -> submitted, p50", _percentile(to_submit, 0.5), "s")
    figures.note("latency settings", f"{count} sessions at {per_second:g}/s; batch max wait "
                 f"1 s, batch size {config.batch_size}, worker idle sleep "
                 f"{config.idle_sleep:g} s (the service's defaults otherwise)")  # fmt: skip


def _submitted_query(run: str):  # type: ignore[no-untyped-def]
    return (
        select(claims.c.session_id, func.min(claim_history.c.at))
        .join(claim_history, claim_history.c.claim_id == claims.c.claim_id)
        .where(claims.c.session_id.like(f"bench-{run}-%"))
        .where(claim_history.c.transition == Step.SUBMIT.value)
        .group_by(claims.c.session_id)
    )


def _submitted_count(engine, run: str) -> int:  # type: ignore[no-untyped-def]
    submitted = (State.SUBMITTED.value, State.RECEIVED.value, *ACCEPTED_OR_LATER)
    return count_claims(engine, run, submitted)


def _submitted_at(engine, run: str) -> dict[str, datetime]:  # type: ignore[no-untyped-def]
    """Session id -> when its claim was submitted (its first submit history entry)."""
    with engine.connect() as connection:
        return {row[0]: row[1] for row in connection.execute(_submitted_query(run))}


def _created_at(engine, run: str) -> dict[str, datetime]:  # type: ignore[no-untyped-def]
    """Session id -> when its claim was made."""
    query = select(claims.c.session_id, claims.c.created_at).where(
        claims.c.session_id.like(f"bench-{run}-%")
    )
    with engine.connect() as connection:
        return {row[0]: row[1] for row in connection.execute(query)}


def _percentile(ordered: list[float], share: float) -> float:
    """The nearest-rank percentile of an ordered list."""
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def _claims_process(
    settings: KafkaSettings,
    url: str,
    sandbox_url: str,
    group: str,
    ready: Any,
    stop: Any,
    results: Any,
) -> None:
    """One claims process (all its loops) until ``stop``; reports what its consumer applied."""
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    config = fast_config(
        ClaimsConfig(Settings(service="claims", database_url=url, kafka=settings)), sandbox_url
    )
    engine = make_engine(url)
    loops = claims_loops(engine, settings, config, group)
    runner = loops[0]
    with running(loops):
        runner.ready.wait(120)
        ready.set()
        idle_mb = support.resident_mb()
        stop.wait()
        applied = REGISTRY.get_sample_value(
            "consumer_events_total",
            {"group": runner.group_id, "topic": SESSION_COMPLETED.topic, "outcome": "applied"},
        )
        results.put({
            "pid": os.getpid(), "sessions_applied": int(applied or 0),
            "cpu_seconds": time.process_time(), "idle_mb": idle_mb,
            "end_mb": support.resident_mb(),
        })  # fmt: skip


def scale_out(settings: KafkaSettings, count: int, url: str, figures: Any) -> None:
    """One claims process, then two on the same PostgreSQL, on a 6-partition
    session.completed topic: claims accepted per second, what each process applied, and
    afterwards every session billed exactly once."""
    _six_partitions(settings, SESSION_COMPLETED.topic)
    ensure_topics(settings, topics_for(EVENTS))
    config = ClaimsConfig(Settings(service="claims", database_url=url, kafka=settings))
    prepare_database(config).dispose()
    engine = make_engine(url)
    rates = {}
    # One consumer group for both runs, as one deployment: the second run starts where the
    # first left off, and its counts are its own sessions only.
    group = f"claims-bench-{uuid.uuid4().hex[:8]}"
    with sandbox_process() as (sandbox_url, _):
        for processes in (1, 2):
            run = uuid.uuid4().hex[:8]
            setup_events, sessions = visit_events(count, run)
            context = multiprocessing.get_context("spawn")
            stop, results = context.Event(), context.Queue()
            children = []
            for _ in range(processes):
                ready = context.Event()
                child = context.Process(
                    target=_claims_process,
                    args=(settings, url, sandbox_url, group, ready, stop, results),
                )
                child.start()
                children.append((child, ready))
            for _, ready in children:
                ready.wait(180)
            publish(settings, setup_events)
            wait(lambda: count_clients(engine, run) >= count, 120, "the client projections")  # noqa: B023
            time.sleep(3)  # the group settles
            publisher = Publisher(settings, sessions)
            time.sleep(1)
            started = time.perf_counter()
            publisher.go()
            wait(lambda: count_accepted(engine, run) >= count, 600, "accepted claims")  # noqa: B023
            rates[processes] = count / (time.perf_counter() - started)
            publisher.produced()
            stop.set()
            reports = [results.get(timeout=120) for _ in children]
            for child, _ in children:
                child.join(timeout=60)
            twice = sessions_not_billed_once(engine, run)
            billed = count_claims(engine, run)
            assert twice == 0 and billed == count, (
                f"{processes} process(es): {billed} claims for {count} sessions, "
                f"{twice} sessions with more than one"
            )
            applied = [r["sessions_applied"] for r in reports]
            figures.note(f"{processes} process(es): sessions applied per process", applied)
            figures.note(f"{processes} process(es): every session billed once", True)
            for number, report in enumerate(reports, 1):
                figures.add(f"{processes}-process run, process {number} resident memory at "
                            "the end", report["end_mb"], "MB")  # fmt: skip
    engine.dispose()
    figures.add("one claims process, claims/s", rates[1], "per s")
    figures.add("two claims processes, claims/s", rates[2], "per s", rates[1])


def _six_partitions(settings: KafkaSettings, topic: str) -> None:
    """Create ``topic`` with 6 partitions, or grow it to 6."""
    admin = KafkaAdminClient(**settings.client_options(), request_timeout_ms=15_000)
    try:
        if topic not in admin.list_topics():
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics([NewTopic(topic, 6, settings.replication_factor)])
        else:
            described = admin.describe_topics([topic])[0]
            if len(described["partitions"]) < 6:
                admin.create_partitions({topic: NewPartitions(6)})
    finally:
        admin.close()


def main() -> None:
    parser = support.arguments(__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=20_000)
    parser.add_argument("--sessions", type=int, default=2_000)
    parser.add_argument(
        "--latency",
        action="store_true",
        help="only the latency at a steady rate (--rate, --seconds)",
    )
    parser.add_argument("--rate", type=float, default=50.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument(
        "--scale-out",
        action="store_true",
        help="only one claims process, then two (needs --db postgres)",
    )
    parser.add_argument(
        "--validation",
        choices=VALIDATIONS,
        action="append",
        help="the sandbox's check of each 837P in the end-to-end run: pyx12 "
        "(full) or envelope (pyx12's cost apart); default both, in turn",
    )
    args = parser.parse_args()
    if args.scale_out and args.db != "postgres":
        parser.error("--scale-out runs on PostgreSQL: add --db postgres")
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    figures = support.Figures("claims", args.db)
    if not (args.latency or args.scale_out):
        with support.profiled(args.profile, figures):
            rendered, x12 = render_rate(args.claims)
        figures.add("priced + scrubbed + rendered to 837P, claims/s", rendered, "per s")
        figures.add("the sandbox's pyx12 check alone, CPU per claim (100-claim interchange, "
                    "in process)", pyx12_cost(x12), "ms")  # fmt: skip
    with obtain_broker() as broker:
        settings = KafkaSettings(bootstrap_servers=broker.bootstrap_servers)
        if args.latency:
            with support.database(args.db, "claims") as url:
                latency(settings, url, figures, args.rate, args.seconds)
        elif args.scale_out:
            with support.database(args.db, "claims") as url:
                scale_out(settings, args.sessions, url, figures)
        else:
            for validation in args.validation or VALIDATIONS:
                # A database of its own: each run's sandbox is new, its mailbox starts again
                # at report 1, and a cursor kept from the last run would skip those.
                with support.database(args.db, "claims") as url:
                    end_to_end(settings, args.sessions, url, figures, args.profile, validation)
    figures.note("sessions", args.sessions)
    figures.note("broker", broker.source)
    figures.note("sandbox timings", SANDBOX_TIMINGS)
    figures.note("targets", "rendered >= 1,000/s; end to end >= 500/s on SQLite, >= 400/s on "
                            "PostgreSQL; latency p99 <= 3 s (issue #16)")  # fmt: skip
    figures.print()
    figures.write(args.json)


if __name__ == "__main__":
    main()
