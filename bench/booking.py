"""Benchmark: availability latency and booking throughput of scheduling under gunicorn.

Starts ``services.scheduling.app:create_app()`` under gunicorn (sync workers, a SQLite file
in a temporary directory or, with ``--db postgres``, a temporary PostgreSQL server; no
broker is needed because booking only writes outbox rows),
seeds 20 therapists, 20 rooms and eligible clients through the store and the projection
functions, then measures, each beside ``/healthz`` of the same server in the same run:
- availability p50/p99 for all 20 therapists over 14 days, warm (the same question asked
  again: answered from the worker's cache of answers) and cold (the first answer after a
  booking changed the calendar: each timed GET follows a booking outside the window, which
  changes the calendar's versions and so every worker's kept answer, not the slots);
- bookings/s with 32 concurrent clients booking distinct slots plus 10% contention,
  taking turns with /healthz at the same concurrency (a quarter of each at a time), then
  checks that no therapist or room was double booked;
- the CPU each request costs the load generator, gunicorn's workers and the database
  server (where a rate ends: all share the machine's cores);
- for reference, the rate of the cheapest authenticated write (an admin adding a room),
  also in turns with /healthz.
Also gunicorn's resident memory at idle and at the end. Targets (issue #16): availability
p99 <= 20 ms (reported warm and cold); booking requests/s >= 50% of the same server's
/healthz rate; zero double bookings. ``--json PATH`` writes the figures (bench/support.py).
Run from the repository root: ``PYTHONPATH=. .venv/bin/python bench/booking.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import queue
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from itertools import combinations
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
import sqlalchemy as sa

from bench import support
from services.scheduling.app import create_app, migrate
from services.scheduling.commands.eligibility import record_referral, record_screening
from services.scheduling.config import SchedulingConfig
from services.scheduling.domain.calendar import Room, Service, Therapist
from services.scheduling.store.calendar import (
    load_settings,
    save_room,
    save_service,
    save_therapist,
)
from services.scheduling.store.tables import appointments
from shared.config import KafkaSettings, Settings
from shared.db import make_engine
from shared.tokens import development_signing_key
from shared.uow import unit_of_work

ROOT = Path(__file__).resolve().parent.parent
THERAPISTS = 20
CLIENTS = 240
CONCURRENCY = 32
TURNS = 4  # booking and /healthz alternate, a quarter of each at a time
FLOOR_REQUESTS = 660  # rooms added at the end, for the cheapest write's rate
DAYS = 14
SERVICE_ID = "medical-massage-60"
VISIT = timedelta(minutes=60)
# Six visits a day fit 9:00-17:00 with the 15-minute buffer: one every 75 minutes.
STARTS_EVERY = timedelta(minutes=75)
VISITS_A_DAY = 6


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(url: str, today: date) -> tuple[list[str], list[str], ZoneInfo]:
    """Therapists (Mon-Fri 9-17), rooms, a 60-minute service, cleared clients with referrals."""
    config = SchedulingConfig(Settings(service="scheduling", database_url=url,
                                       kafka=KafkaSettings(bootstrap_servers="127.0.0.1:1")))
    migrate(config)
    engine = create_app(config).extensions["medmassage"].engine
    therapist_ids = [str(uuid.uuid4()) for _ in range(THERAPISTS)]
    client_ids = [str(uuid.uuid4()) for _ in range(CLIENTS)]
    with unit_of_work(engine, "scheduling") as uow:
        connection = uow.connection
        zone = load_settings(connection).zone
        for number, therapist_id in enumerate(therapist_ids):
            save_therapist(connection, Therapist(
                id=therapist_id, name=f"Therapist {number:02d}", npi="1234567893",
                credentials="LMT",
                weekly_hours={day: ((clock_time(9), clock_time(17)),) for day in range(5)}))
            save_room(connection, Room(id=str(uuid.uuid4()), name=f"Room {number:02d}"))
        save_service(connection, SERVICE_ID, Service("Medical massage 60 min", 60))
        for client_id in client_ids:
            record_screening(uow, {
                "screening_id": str(uuid.uuid4()), "client_id": client_id,
                "outcome": "cleared", "reason_codes": [], "restricted_techniques": [],
                "restricted_regions": [], "pressure_limit": None, "screened_on": today,
                "expires_on": today + timedelta(days=365),
                "recorded_at": datetime.now(UTC)})
            record_referral(uow, {
                "referral_id": str(uuid.uuid4()), "client_id": client_id, "version": 1,
                "status": "active", "start_on": today - timedelta(days=1),
                "end_on": today + timedelta(days=60), "authorized_visits": 20,
                "closed_on": None})
    engine.dispose()
    return therapist_ids, client_ids, zone


def start_server(url: str, port: int, workers: int) -> subprocess.Popen:
    # The bench's one address stands for many widget visitors: the per-address limit on
    # public endpoints (120/min) would measure the limiter, not the service.
    env = {**os.environ, "SCHEDULING_DATABASE_URL": url, "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1",
           "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING",
           "MEDMASSAGE_PUBLIC_RATE_PER_MINUTE": "0"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "services.scheduling.app:create_app()"],
        env=env, cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return server
        except requests.RequestException:  # not listening yet, or workers still booting
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not come up")


def latencies(session: requests.Session, url: str, params: dict | None, count: int) -> list[float]:
    """Milliseconds per sequential GET."""
    for _ in range(5):  # warm the workers' caches and connections
        session.get(url, params=params).raise_for_status()
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        session.get(url, params=params).raise_for_status()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def wait_for_workers(server: subprocess.Popen, workers: int, timeout: float = 60) -> None:
    """Wait until every gunicorn worker has loaded the app, not only the first to answer.

    Workers load it after the fork, each in its own time (seconds on a loaded machine);
    requests sent earlier all go to the ready ones, and warming stops there. A worker that
    loaded the app has SQLAlchemy's compiled extensions mapped; the master never loads it.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready = 0
        for pid in support.children_of(server.pid):
            with contextlib.suppress(OSError):
                ready += "sqlalchemy" in Path(f"/proc/{pid}/maps").read_text()
        if ready >= workers:
            return
        time.sleep(0.1)
    print(f"warning: not every one of {workers} workers had loaded the app after {timeout} s")


def warm_every_worker(base: str, params: dict, workers: int) -> None:
    """Have every worker answer the question once, so timed GETs measure a warm worker.

    Sequential requests reach gunicorn's sync workers unevenly (whichever accepts first):
    five of them reached one or two of four workers, and a worker's first availability
    answer cost ~30 ms of CPU more than the next (SQLAlchemy compiling each statement once
    per process; since round 4 the app runs those reads at start-up, and what is left of
    a first answer's extra is a few ms of first calls). A first answer takes tens of ms,
    so rounds of ``workers`` concurrent requests, once every worker is up
    (``wait_for_workers``), keep every worker busy with one.
    """
    def ask() -> None:
        requests.get(f"{base}/availability", params=params).raise_for_status()

    for _ in range(3):
        threads = [threading.Thread(target=ask) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()


def cold_latencies(session: requests.Session, base: str, params: dict, headers: dict,
                   bookings: list[dict]) -> list[float]:
    """Milliseconds per GET of availability, each the first after a booking (not timed)."""
    timings = []
    for body in bookings:
        booked = session.post(f"{base}/appointments", json=body, headers=headers)
        if booked.status_code != 201:
            raise RuntimeError(f"booking outside the window refused: {booked.text}")
        started = time.perf_counter()
        session.get(f"{base}/availability", params=params).raise_for_status()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


Job = tuple[str, str, dict | None]  # method, path, JSON body
HEALTHZ: Job = ("GET", "/healthz", None)


def hammer(jobs: list[Job], base: str, headers: dict) -> tuple[float, dict]:
    """Run (method, path, body) jobs from CONCURRENCY threads; (seconds, count per status)."""
    work: queue.Queue = queue.Queue()
    for job in jobs:
        work.put(job)
    statuses: dict[int, int] = {}
    lock = threading.Lock()

    def worker() -> None:
        session = requests.Session()
        while True:
            try:
                method, path, body = work.get_nowait()
            except queue.Empty:
                return
            response = session.request(method, f"{base}{path}", json=body, headers=headers)
            with lock:
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, statuses


def cheapest_write(base: str, split: support.CpuSplit, figures: support.Figures
                   ) -> tuple[float, str, float]:
    """What the cheapest authenticated write reaches on the same server, for reference: an
    admin adding a room (a staff token, one body checked, one insert, its audit row), in
    turns with /healthz as booking was. Run after the bookings: a room more changes what
    booking reads."""
    token = development_signing_key().sign("bench", ["admin"], timedelta(hours=1))
    headers = {"Authorization": f"Bearer {token}"}
    seconds = health_seconds = 0.0
    for turn in range(TURNS):
        writes = [("POST", "/rooms", {"name": f"Bench room {turn}-{n:03d}"})
                  for n in range(FLOOR_REQUESTS // TURNS)]
        with split.measured("POST /rooms"):
            took, statuses = hammer(writes, base, headers)
        if set(statuses) != {201}:
            raise RuntimeError(f"adding rooms failed: {statuses}")
        seconds += took
        health_seconds += hammer([HEALTHZ] * len(writes), base, headers)[0]
    split.add_to(figures, "POST /rooms", FLOOR_REQUESTS)
    return FLOOR_REQUESTS / seconds, "per s", FLOOR_REQUESTS / health_seconds


def _count(total: dict[int, int], more: dict[int, int]) -> None:
    for status, count in more.items():
        total[status] = total.get(status, 0) + count


def weekday_starts(first: date, zone: ZoneInfo) -> list[datetime]:
    """The bench's visit starts on the weekdays of DAYS days from ``first``."""
    starts = []
    for offset in range(DAYS):
        day = first + timedelta(days=offset)
        if day.weekday() < 5:
            nine = datetime.combine(day, clock_time(9), tzinfo=zone)
            starts += [nine + k * STARTS_EVERY for k in range(VISITS_A_DAY)]
    return starts


def double_bookings(url: str) -> int:
    """Pairs of active appointments sharing a therapist or a room closer than the buffer."""
    engine = make_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(appointments.c.therapist_id, appointments.c.room_id, appointments.c.start,
                      appointments.c.end).where(appointments.c.status != "cancelled")
        ).all()
    buffer = timedelta(minutes=15)
    clashes = 0
    for key in ("therapist_id", "room_id"):
        by_owner: dict[str, list] = {}
        for row in rows:
            by_owner.setdefault(getattr(row, key), []).append(row)
        for visits in by_owner.values():
            clashes += sum(1 for a, b in combinations(visits, 2)
                           if a.start < b.end + buffer and b.start < a.end + buffer)
    engine.dispose()
    return clashes


def server_memory(server: subprocess.Popen) -> tuple[float, float]:
    """(largest process, all processes) resident MB of gunicorn: its master and workers."""
    sizes = [support.resident_mb(pid) for pid in (server.pid, *support.children_of(server.pid))]
    return max(sizes), sum(sizes)


def main() -> None:
    parser = support.arguments(__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    figures = support.Figures("booking", args.db)
    with support.database(args.db, "scheduling") as url:
        run(url, args, figures)
    figures.print()
    figures.write(args.json)


def run(url: str, args: argparse.Namespace, figures: support.Figures) -> None:
    """Seed, start the server, measure; the figures go into ``figures``."""
    today = datetime.now(UTC).date()
    therapist_ids, client_ids, zone = seed(url, today)

    # The window: the next Monday (local) at least two days out, for 14 days.
    first = today + timedelta(days=2)
    first += timedelta(days=(7 - first.weekday()) % 7)
    window_from = datetime.combine(first, clock_time(0), tzinfo=zone)
    window_to = window_from + timedelta(days=DAYS)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(url, port, args.workers)
    try:
        wait_for_workers(server, args.workers)
        session = requests.Session()
        query = {"service": SERVICE_ID, "from": window_from.isoformat(),
                 "to": window_to.isoformat()}
        # ``requests`` asks for gzip (Accept-Encoding) and decompresses, as a browser does.
        answer = session.get(f"{base}/availability", params=query)
        slot_count = len(answer.json()["slots"])
        wire = (f"{answer.headers.get('Content-Length')} bytes "
                f"{answer.headers.get('Content-Encoding', 'plain')} ({len(answer.content)} plain)")
        idle_largest, idle_total = server_memory(server)
        health = latencies(session, f"{base}/healthz", None, args.samples)
        warm_every_worker(base, query, args.workers)
        available = latencies(session, f"{base}/availability", query, args.samples)

        starts = weekday_starts(first, zone)
        # A client is in one place at a time (booking refuses an overlap: client-busy), so
        # the clients of one start are all different: therapist t at start s books client
        # 20s + t (mod CLIENTS), back at the same hour every other day; a contended request
        # comes from the client of the same hour the next day but one (s + 6), whose own
        # visit is another day: it can only lose to the slot, never to its client.
        distinct = [(t, s) for t in range(len(therapist_ids)) for s in range(len(starts))]
        contended = random.Random(7).sample(distinct, len(distinct) // 10)
        targets = [(t, s, s) for t, s in distinct] + [
            (t, s, s + VISITS_A_DAY) for t, s in contended]
        random.Random(11).shuffle(targets)
        bookings = [
            ("POST", "/appointments", {
                "client_id": client_ids[(len(therapist_ids) * hour + t) % CLIENTS],
                "service_id": SERVICE_ID, "therapist_id": therapist_ids[t],
                "start": starts[s].astimezone(UTC).isoformat()})
            for t, s, hour in targets
        ]
        token = development_signing_key().sign("bench", ["front_desk"], timedelta(hours=1))
        headers = {"Authorization": f"Bearer {token}"}
        # Cold: bookings in the two weeks after the window (their clients' other visits are
        # all inside it), so each changes the calendar but none of the window's slots.
        later = weekday_starts(first + timedelta(days=DAYS), zone)
        outside = [{"client_id": client_ids[(len(therapist_ids) * s + t) % CLIENTS],
                    "service_id": SERVICE_ID, "therapist_id": therapist_ids[t],
                    "start": later[s].astimezone(UTC).isoformat()}
                   for s in range(len(later)) for t in range(len(therapist_ids))]
        cold = cold_latencies(session, base, query, headers,
                              random.Random(5).sample(outside, min(args.samples, len(outside))))
        split = support.CpuSplit({
            "load generator (the bench)": lambda: [os.getpid()],
            "gunicorn and its workers": lambda: [server.pid, *support.children_of(server.pid)],
            "database server": lambda: support.database_server_pids(url),
        })  # fmt: skip
        # Booking and /healthz take turns, a quarter of each at a time: the machine's speed
        # drifts by a quarter within minutes, and the ratio should not depend on which of
        # the two ran while it was slow. --profile samples one worker (each runs the same
        # code) while booking.
        one_worker = (support.children_of(server.pid) or [server.pid])[0]
        booking_seconds = health_seconds = 0.0
        booking_statuses: dict[int, int] = {}
        health_statuses: dict[int, int] = {}
        with support.sampled(args.profile, one_worker, figures, "a worker while booking"):
            for turn in range(TURNS):
                with split.measured("booking"):
                    seconds, statuses = hammer(bookings[turn::TURNS], base, headers)
                booking_seconds += seconds
                _count(booking_statuses, statuses)
                with split.measured("/healthz"):
                    seconds, statuses = hammer([HEALTHZ] * len(bookings[turn::TURNS]), base,
                                               headers)
                health_seconds += seconds
                _count(health_statuses, statuses)
        split.add_to(figures, "booking", len(bookings))
        split.add_to(figures, "/healthz", len(bookings))
        floor = cheapest_write(base, split, figures)
        end_largest, end_total = server_memory(server)
    finally:
        server.terminate()
        server.wait(timeout=30)
    clashes = double_bookings(url)

    booked = booking_statuses.get(201, 0)
    rate = len(bookings) / booking_seconds
    health_rate = len(bookings) / health_seconds
    figures.add(f"availability p50, warm: asked again ({THERAPISTS} therapists x {DAYS} days)",
                statistics.median(available), "ms", statistics.median(health))
    figures.add("availability p99, warm", percentile(available, 0.99), "ms",
                percentile(health, 0.99))
    figures.add("availability p50, cold: first answer after a booking",
                statistics.median(cold), "ms", statistics.median(health))
    figures.add("availability p99, cold", percentile(cold, 0.99), "ms", percentile(health, 0.99))
    figures.add(f"booking requests/s ({CONCURRENCY} clients)", rate, "per s", health_rate)
    figures.add("bookings made/s (201 only)", booked / booking_seconds, "per s", health_rate)
    figures.add("a minimal staff write (POST /rooms) requests/s", *floor)
    figures.add("double bookings afterwards", clashes, "pairs")
    figures.add("resident memory at idle, largest process", idle_largest, "MB")
    figures.add("resident memory at the end, largest process", end_largest, "MB")
    figures.add(f"resident memory at the end, gunicorn + {args.workers} workers", end_total, "MB",
                idle_total)
    figures.note("server", f"gunicorn {args.workers} sync workers, {platform.python_version()}")
    figures.note("slots", slot_count)
    figures.note("availability answer on the wire", wire)
    figures.note("cold", f"{len(cold)} bookings outside the window, each followed by one GET")
    figures.note("answers", f"{booking_statuses} for {len(distinct)} distinct slots + "
                            f"{len(contended)} contended; /healthz: {health_statuses}")
    checks = {
        "availability p99 <= 20 ms, warm": percentile(available, 0.99) <= 20,
        "availability p99 <= 20 ms, cold": percentile(cold, 0.99) <= 20,
        "booking requests/s >= 50% of /healthz": rate >= 0.5 * health_rate,
        "every distinct slot booked once, every contended request refused":
            booked == len(distinct) and booking_statuses.get(409, 0) == len(contended),
        "zero double bookings": clashes == 0,
    }
    figures.note("checks", {name: "PASS" if ok else "FAIL" for name, ok in checks.items()})


if __name__ == "__main__":
    main()
