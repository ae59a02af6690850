"""No double booking from the waitlist: OS processes, each with its own engine, race to
accept one offer, or to book its held slot directly while it is accepted."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import datetime

import pytest
import sqlalchemy as sa

from services.scheduling.app import create_app
from services.scheduling.config import SchedulingConfig
from services.scheduling.store.tables import appointments
from tests.integration.scheduling.clinic import (
    FRONT_DESK,
    Clinic,
    book,
    eligible_client,
    local,
    set_up_clinic,
    settings_for,
)
from tests.integration.scheduling.conftest import MONDAY_MORNING
from tests.integration.scheduling.test_concurrency import overlapping_pairs
from tests.integration.scheduling.waitlist_support import join, offers, token_of, worker

PROCESSES = 4
SLOT = local(2026, 3, 3, 10)


def _monday_morning() -> datetime:
    return MONDAY_MORNING


def _post_together(database_url: str, requests: list[tuple[str, dict, dict]], start_together,
                   results) -> None:  # type: ignore[no-untyped-def]
    """One process: its own app and engine; its threads post when every process is ready."""
    app = create_app(SchedulingConfig(settings_for(database_url), clock=_monday_morning))
    clients = [app.test_client() for _ in requests]
    start_together.wait(timeout=60)
    answers: list[tuple[str, int]] = []

    def post(http, request) -> None:  # type: ignore[no-untyped-def]
        path, headers, body = request
        answers.append((path, http.post(path, headers=headers, json=body).status_code))

    threads = [threading.Thread(target=post, args=pair)
               for pair in zip(clients, requests, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put(answers)


def race(database_url: str, requests: list[tuple[str, dict, dict]]) -> list[tuple[str, int]]:
    """Post ``requests`` from PROCESSES spawned processes at once; (path, status) of each."""
    context = multiprocessing.get_context("spawn")
    start_together = context.Barrier(PROCESSES)
    results = context.Queue()
    shares = [requests[i::PROCESSES] for i in range(PROCESSES)]
    processes = [context.Process(target=_post_together,
                                 args=(database_url, share, start_together, results))
                 for share in shares]
    for process in processes:
        process.start()
    answers = [answer for _ in processes for answer in results.get(timeout=120)]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0
    return answers


@pytest.fixture
def clinic(app, http) -> Clinic:  # type: ignore[no-untyped-def]
    clinic = set_up_clinic(http)
    worker(app).run_round()
    return clinic


@pytest.fixture
def offer(app, http, clinic, engine) -> dict:  # type: ignore[no-untyped-def]
    """An open offer of SLOT (Ana, Tuesday 10:00) to a waitlisted client."""
    join(http, clinic, eligible_client(engine))
    cancelled = book(http, clinic, eligible_client(engine), SLOT).json
    assert http.post(f"/appointments/{cancelled['id']}/cancel",
                     headers=FRONT_DESK).status_code == 200
    worker(app).run_round()
    [offered] = offers(engine)
    return offered


def booked_at_slot(engine) -> list:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.execute(sa.select(appointments).where(
            appointments.c.status == "booked", appointments.c.start == SLOT)).all()


def test_many_accepts_of_one_offer_book_it_exactly_once(database_url, offer, engine):
    link = ("/waitlist/link/answer", {}, {"token": token_of(offer), "answer": "accept"})
    phone = (f"/waitlist/offers/{offer['offer_id']}/accept", FRONT_DESK, {})
    answers = race(database_url, [link, phone] * 6)
    assert sorted(status for _, status in answers) == [200] + [409] * 11
    [appointment] = booked_at_slot(engine)
    assert appointment.client_id == offer["client_id"]


def test_an_accept_racing_direct_bookings_of_the_held_slot_wins_and_nothing_overlaps(
    database_url, http, clinic, offer, engine
):
    direct = [("/appointments", FRONT_DESK,
               {"client_id": eligible_client(engine), "service_id": clinic.service_id,
                "therapist_id": clinic.therapist_id, "start": SLOT.isoformat()})
              for _ in range(11)]
    accept = ("/waitlist/link/answer", {}, {"token": token_of(offer), "answer": "accept"})
    answers = race(database_url, [accept, *direct])
    assert ("/waitlist/link/answer", 200) in answers
    assert sorted(status for path, status in answers if path == "/appointments") == [409] * 11
    [appointment] = booked_at_slot(engine)
    assert appointment.client_id == offer["client_id"]
    assert overlapping_pairs(engine, "therapist_id") == []
    assert overlapping_pairs(engine, "room_id") == []
