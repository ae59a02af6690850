"""The claims intake path alone: session.completed -> claim, CPU per claim, in process.

    PYTHONPATH=. python bench/claims_intake.py [--db sqlite|postgres] [--sessions 2000]
                                   [--batch 500] [--repeat 3] [--json PATH] [--profile]

The claims consumer's handlers run through the consumer runner's own batch path
(``ConsumerRunner._process``: the event-id record, one transaction per poll batch, the
held-back inserts), fed with the messages a poll would hand it, without a broker: what
is measured is the claims process's CPU for making claims, the part issue #16's profile
put at 44% of the process (docs/PERFORMANCE.md, "Claims"). Each repetition seeds fresh
clients and referrals (bench/claims.py's events) into the same database and times only
the sessions. Every session has a client with coverage and a referral, so every claim
is scrubbed ready and assembled as an 837P, as in the end-to-end bench.

Prints CPU microseconds per claim (``time.process_time``; the database server's CPU on
PostgreSQL is not in it) and the wall-clock rate. Logging is on, as in the service (JSON
lines at INFO), written to /dev/null.

``--batching``: after each repetition, the batcher's part too: the claims just made put
into interchanges of ``--batch-size`` (``make_due_interchange`` until none is due, as the
batcher's rounds do, in the same process that made them), CPU per claim.
"""

from __future__ import annotations

import gc
import logging
import os
import time
from dataclasses import dataclass
from typing import Any

from bench import support
from bench.claims import count_claims, prepare_database, visit_events
from services.claims.commands.batching import make_due_interchange
from services.claims.config import ClaimsConfig
from services.claims.handlers import SUBSCRIPTIONS
from shared.config import KafkaSettings, Settings
from shared.events import encode
from shared.kafka.consumer import ConsumerRunner
from shared.logs import configure_logging
from shared.uow import unit_of_work


@dataclass(frozen=True)
class Message:
    """What the runner reads of a polled Kafka message."""

    topic: str
    partition: int
    offset: int
    key: bytes
    value: bytes


def messages(events: list[Any]) -> list[Message]:
    return [
        Message(event.type, 0, offset, event.subject.encode(), encode(event))
        for offset, event in enumerate(events)
    ]


def apply(runner: ConsumerRunner, polled: list[Message], batch: int) -> None:
    """Apply messages a poll batch at a time, as the runner does (one topic per batch)."""
    by_topic: dict[str, list[Message]] = {}
    for message in polled:
        by_topic.setdefault(message.topic, []).append(message)
    for same_topic in by_topic.values():
        for start in range(0, len(same_topic), batch):
            list(runner._process(same_topic[start : start + batch]))


def batch_all(engine: Any, batch_size: int) -> None:
    """Put every ready claim into interchanges, as the batcher's rounds would (no wait)."""
    while True:
        with unit_of_work(engine, "claims") as uow:
            if not make_due_interchange(uow, batch_size, 0.0, "T"):
                return


class FallbackCount(logging.Handler):
    """Counts batches the runner gave up applying together (it then applies one by one,
    which is correct but not what is measured here)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("batch apply failed"):
            self.count += 1


def main() -> None:
    parser = support.arguments(__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=500, help="messages per poll batch")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--batching", action="store_true",
                        help="also measure batching the claims made into interchanges")
    parser.add_argument("--batch-size", type=int, default=500, help="claims per interchange")
    options = parser.parse_args()
    # Logged as the service logs (JSON lines at INFO), to nowhere: a claim's log line is
    # part of its cost in the service.
    configure_logging("claims")
    logging.getLogger().handlers[0].setStream(open(os.devnull, "w"))  # noqa: SIM115
    fallbacks = FallbackCount()
    logging.getLogger("shared.consumer").addHandler(fallbacks)
    figures = support.Figures("claims intake", options.db)
    with support.database(options.db, "claims-intake") as url:
        settings = KafkaSettings(bootstrap_servers="unused:9092")
        config = ClaimsConfig(Settings(service="claims", database_url=url, kafka=settings))
        engine = prepare_database(config)
        runner = ConsumerRunner(engine, settings, "claims", SUBSCRIPTIONS)
        per_claim, batching_per_claim = [], []
        for repetition in range(options.repeat):
            run = f"r{repetition}-{time.time_ns()}"
            setup_events, sessions = visit_events(options.sessions, run)
            apply(runner, messages(setup_events), options.batch)
            polled = messages(sessions)
            gc.collect()
            started, cpu_started = time.perf_counter(), time.process_time()
            with support.profiled(options.profile and repetition == options.repeat - 1,
                                  figures, top=25):  # fmt: skip
                apply(runner, polled, options.batch)
            cpu = time.process_time() - cpu_started
            wall = time.perf_counter() - started
            made = count_claims(engine, run)
            ready = count_claims(engine, run, ("ready",))
            assert made == ready == options.sessions, (made, ready)
            assert fallbacks.count == 0, "a batch fell back to one event at a time"
            per_claim.append(cpu / options.sessions * 1e6)
            print(f"  run {repetition + 1}: {cpu / options.sessions * 1e6:7.0f} us CPU a claim, "
                  f"{options.sessions / wall:7.0f} claims/s")  # fmt: skip
            if options.batching:
                gc.collect()
                cpu_started = time.process_time()
                batch_all(engine, options.batch_size)
                batching_cpu = (time.process_time() - cpu_started) / options.sessions * 1e6
                assert count_claims(engine, run, ("ready",)) == options.sessions
                batching_per_claim.append(batching_cpu)
                print(f"         {batching_cpu:7.0f} us CPU a claim to batch them")
        figures.add("CPU per claim, best", min(per_claim), "us")
        figures.add("CPU per claim, median", sorted(per_claim)[len(per_claim) // 2], "us")
        figures.note("CPU per claim, each run (us)", [round(value) for value in per_claim])
        if batching_per_claim:
            figures.add("batching CPU per claim, median",
                        sorted(batching_per_claim)[len(batching_per_claim) // 2], "us")
            figures.note("batching CPU per claim, each run (us)",
                         [round(value) for value in batching_per_claim])
        engine.dispose()  # type: ignore[attr-defined]
    figures.print()
    figures.write(options.json)


if __name__ == "__main__":
    main()
