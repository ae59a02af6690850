"""No double booking: many OS processes, each with its own engine, race for one slot."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import datetime, timedelta
from itertools import combinations

import sqlalchemy as sa

from services.scheduling.app import create_app
from services.scheduling.config import SchedulingConfig
from services.scheduling.store.tables import appointments
from tests.integration.scheduling.clinic import (
    FRONT_DESK,
    add_therapist,
    eligible_client,
    local,
    settings_for,
)
from tests.integration.scheduling.conftest import MONDAY_MORNING

PROCESSES = 4
THREADS_PER_PROCESS = 4
SLOT = local(2026, 3, 3, 10)


def _monday_morning() -> datetime:
    return MONDAY_MORNING


def _race(database_url: str, bodies: list[dict], start_together, results) -> None:  # type: ignore[no-untyped-def]
    """One booking process: its own app and engine; its threads post when everyone is ready."""
    app = create_app(SchedulingConfig(settings_for(database_url), clock=_monday_morning))
    http_per_thread = [app.test_client() for _ in bodies]
    start_together.wait(timeout=60)
    statuses = []

    def post(http, body) -> None:  # type: ignore[no-untyped-def]
        statuses.append(http.post("/appointments", headers=FRONT_DESK, json=body).status_code)

    threads = [threading.Thread(target=post, args=pair)
               for pair in zip(http_per_thread, bodies, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(statuses)


def race(database_url: str, bodies: list[dict]) -> list[int]:
    """Post ``bodies`` from PROCESSES spawned processes at once; every status code answered."""
    context = multiprocessing.get_context("spawn")
    start_together = context.Barrier(PROCESSES)
    results = context.Queue()
    shares = [bodies[i::PROCESSES] for i in range(PROCESSES)]
    processes = [context.Process(target=_race, args=(database_url, share, start_together,
                                                     results)) for share in shares]
    for process in processes:
        process.start()
    statuses = [status for _ in processes for status in results.get(timeout=120)]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    return sorted(statuses)


def overlapping_pairs(engine, key: str) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    """Pairs of active appointments sharing a therapist or room (by ``key``) at once."""
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(appointments).where(appointments.c.status != "cancelled")
        ).all()
    return [
        (a.id, b.id) for a, b in combinations(rows, 2)
        if getattr(a, key) == getattr(b, key) and a.start < b.end and b.start < a.end
    ]


def test_many_processes_racing_for_one_slot_book_it_exactly_once(
    database_url, http, clinic, engine
):
    bodies = [
        {"client_id": eligible_client(engine), "service_id": clinic.service_id,
         "therapist_id": clinic.therapist_id, "start": SLOT.isoformat()}
        for _ in range(PROCESSES * THREADS_PER_PROCESS)
    ]
    statuses = race(database_url, bodies)
    assert statuses == [201] + [409] * (len(bodies) - 1)
    assert overlapping_pairs(engine, "therapist_id") == []
    assert overlapping_pairs(engine, "room_id") == []


def test_different_therapists_racing_for_one_room_get_it_exactly_once(
    database_url, http, clinic, engine
):
    therapist_ids = [add_therapist(http, f"Therapist {i:02d}")
                     for i in range(PROCESSES * THREADS_PER_PROCESS)]
    bodies = [
        {"client_id": eligible_client(engine), "service_id": clinic.service_id,
         "therapist_id": therapist_id, "room_id": clinic.room_id, "start": SLOT.isoformat()}
        for therapist_id in therapist_ids
    ]
    statuses = race(database_url, bodies)
    assert statuses == [201] + [409] * (len(bodies) - 1)
    assert overlapping_pairs(engine, "room_id") == []


def test_one_client_racing_with_many_therapists_for_one_time_gets_one_visit(
    database_url, http, clinic, engine
):
    client_id = eligible_client(engine)
    therapist_ids = [add_therapist(http, f"Therapist {i:02d}")
                     for i in range(PROCESSES * THREADS_PER_PROCESS)]
    bodies = [
        {"client_id": client_id, "service_id": clinic.service_id, "therapist_id": therapist_id,
         "start": SLOT.isoformat()}
        for therapist_id in therapist_ids
    ]
    statuses = race(database_url, bodies)
    # Every other request is refused: client_busy (409), or the rooms all taken (409).
    assert statuses == [201] + [409] * (len(bodies) - 1)
    with engine.connect() as connection:
        booked = connection.execute(
            sa.select(sa.func.count()).select_from(appointments)
            .where(appointments.c.client_id == client_id)).scalar()
    assert booked == 1


def test_a_referral_with_one_visit_left_raced_for_on_many_days_is_booked_once(
    database_url, http, clinic, engine
):
    client_id = eligible_client(engine, referral={"authorized_visits": 1})
    therapist_ids = [add_therapist(http, f"Therapist {i:02d}", weekdays=range(7))
                     for i in range(PROCESSES * THREADS_PER_PROCESS)]
    bodies = [
        {"client_id": client_id, "service_id": clinic.service_id, "therapist_id": therapist_id,
         "start": (SLOT + timedelta(days=day)).isoformat()}
        for day, therapist_id in enumerate(therapist_ids)
    ]
    statuses = race(database_url, bodies)
    assert statuses == [201] + [422] * (len(bodies) - 1)  # no_visits_left
