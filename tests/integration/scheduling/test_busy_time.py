"""The busy time a booking reads for its therapist and rooms: the same rows for any of them."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from services.scheduling.store.appointments import busy_and_client_visits, busy_appointments
from services.scheduling.store.tables import waitlist_entries, waitlist_offers
from shared.db import utcnow
from tests.integration.scheduling.clinic import add_room, book, eligible_client, local

TEN = local(2026, 3, 3, 10)
BUFFER = timedelta(minutes=15)


def hold_for_an_offer(engine, clinic, therapist_id: str, room_id: str,  # type: ignore[no-untyped-def]
                      status: str) -> None:
    now = utcnow()
    entry_id = str(uuid.uuid4())
    with engine.begin() as connection:
        connection.execute(sa.insert(waitlist_entries).values(
            id=entry_id, client_id="someone", service_id=clinic.service_id, windows=[],
            position=1, status="offered", joined_at=now, changed_at=now))
        connection.execute(sa.insert(waitlist_offers).values(
            id=str(uuid.uuid4()), entry_id=entry_id, client_id="someone",
            therapist_id=therapist_id, room_id=room_id, service_id=clinic.service_id,
            start=TEN, end=TEN + timedelta(hours=1), hold_until=now + timedelta(hours=1),
            status=status, token_hash=uuid.uuid4().hex, offered_at=now))


@pytest.fixture
def calendar(http, clinic, engine):  # type: ignore[no-untyped-def]
    """Ana in Room A and Ben in Room B at 10:00, an open offer holding Ben and Room C,
    an expired one that held Ana and Room C."""
    room_c = add_room(http, "Room C")
    for therapist_id, room_id in ((clinic.therapist_id, clinic.room_id),
                                  (clinic.other_therapist_id, clinic.other_room_id)):
        response = book(http, clinic, eligible_client(engine), TEN, therapist_id=therapist_id,
                        room_id=room_id)
        assert response.status_code == 201, response.json
    hold_for_an_offer(engine, clinic, clinic.other_therapist_id, room_c, "open")
    hold_for_an_offer(engine, clinic, clinic.therapist_id, room_c, "expired")
    return room_c


def test_the_busy_time_of_some_therapists_and_rooms_is_theirs_of_the_busy_time_anywhere(
        clinic, engine, calendar):
    ana, ben = clinic.therapist_id, clinic.other_therapist_id
    room_a, room_b, room_c = clinic.room_id, clinic.other_room_id, calendar
    end = TEN + timedelta(hours=1)
    with engine.connect() as connection:
        anywhere = busy_appointments(connection, TEN, end, BUFFER)
        assert len(anywhere) == 3  # two visits and the open offer
        for therapists, rooms in (([ana], [room_a]), ([ana], [room_a, room_b, room_c]),
                                  ([ben], []), ([], [room_c]), ([ana, ben], [room_b]),
                                  ([ana], [room_c])):
            expected = sorted(busy for busy in anywhere
                              if busy.therapist_id in therapists or busy.room_id in rooms)
            owned = busy_appointments(connection, TEN, end, BUFFER, therapists, rooms)
            with_client, _ = busy_and_client_visits(connection, TEN, end, BUFFER, therapists,
                                                    rooms, "nobody")
            assert sorted(owned) == sorted(with_client) == expected, (therapists, rooms)
