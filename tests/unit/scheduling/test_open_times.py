"""Open times: the same slots, order and JSON text as before they were grouped by start, and
the moment the clock alone changes them."""

import json
import random
from datetime import UTC, datetime, time, timedelta

import pytest

from services.scheduling.api.availability import availability_json
from services.scheduling.api.schemas import AvailabilitySchema
from services.scheduling.domain.availability import Busy, OpenTime, open_slots, open_times
from services.scheduling.domain.calendar import Interval
from tests.unit.scheduling import availability_before as before
from tests.unit.scheduling.builders import (
    a_room,
    a_service,
    a_settings,
    a_therapist,
    an_appointment,
    local,
)

ZONES = ("America/New_York", "Europe/London", "Australia/Lord_Howe", "UTC", "Asia/Kolkata")


def a_random_calendar(rng: random.Random) -> dict:
    """Therapists with random (sometimes overlapping) shifts and time off, rooms, visits of
    every status, held offers, and random settings, window and clock around a DST change."""
    zone = rng.choice(ZONES)
    settings = a_settings(time_zone=zone, buffer_minutes=rng.choice((0, 5, 15, 30)),
                          minimum_notice_minutes=rng.choice((0, 30, 120, 24 * 60)),
                          booking_horizon_days=rng.choice((1, 3, 10, 60)))
    now = datetime(2026, rng.choice((3, 4, 10, 11)), rng.randint(1, 28), rng.randint(0, 23),
                   rng.choice((0, 7, 15, 30)), tzinfo=UTC)
    window_from = now + timedelta(hours=rng.randint(-30, 200), minutes=rng.choice((0, 10, 45)))
    # Never wholly past: the API refuses such a window (check_window).
    window_to = max(window_from + timedelta(hours=rng.randint(1, 14 * 24)),
                    now + timedelta(hours=1))
    therapist_ids = rng.sample([f"t-{n}" for n in range(1, 9)], rng.randint(1, 6))
    therapists = []
    for therapist_id in therapist_ids:
        hours = []
        for _ in range(rng.randint(1, 3)):
            start = rng.randint(6 * 4, 16 * 4)
            hours.append((time(start // 4, start % 4 * 15),
                          time(min(23, start // 4 + rng.randint(1, 8)), rng.choice((0, 20)))))
        time_off = []
        for _ in range(rng.randint(0, 2)):
            off = window_from + timedelta(hours=rng.randint(-24, 200))
            time_off.append(Interval(off, off + timedelta(hours=rng.randint(1, 30))))
        therapists.append(a_therapist(
            therapist_id, hours=tuple(h for h in hours if h[1] > h[0]) or ((time(9), time(17)),),
            weekdays=range(rng.randint(0, 3), 7), time_off=tuple(time_off)))
    rooms = [a_room(f"r-{n}") for n in rng.sample(range(1, 6), rng.randint(1, 4))]
    busy = []
    for _ in range(rng.randint(0, 40)):
        start = window_from + timedelta(minutes=15 * rng.randint(-20, 4 * 24 * 10))
        therapist_id = rng.choice(therapist_ids)
        room_id = rng.choice(rooms).id
        if rng.random() < 0.2:  # a slot a waitlist offer holds
            busy.append(Busy(therapist_id, room_id, start, start + timedelta(minutes=60)))
        else:
            busy.append(an_appointment(
                start, rng.choice((30, 45, 60, 90)), therapist_id, room_id,
                rng.choice(("booked", "booked", "cancelled", "completed", "no_show"))))
    return {"service": a_service(rng.choice((30, 45, 60, 90))), "therapists": therapists,
            "rooms": rooms, "appointments": busy, "settings": settings,
            "window_from": window_from, "window_to": window_to, "now": now,
            "step_minutes": rng.choice((15, 15, 10, 20))}


@pytest.mark.parametrize("seed", range(25))
def test_open_times_give_the_slots_order_and_json_text_the_per_slot_code_gave(seed):
    rng = random.Random(seed)
    for _ in range(20):
        calendar = a_random_calendar(rng)
        expected = before.open_slots(**calendar)
        assert open_slots(**calendar) == expected
        names = {t.id: f'{t.name} "{t.id}" Zoë' for t in calendar["therapists"]}
        text = ('{"service":"s-1","slots":' + before.slots_json(expected, names) + "}").encode()
        assert availability_json("s-1", open_times(**calendar).times, names) == text


@pytest.mark.parametrize("seed", range(10))
def test_until_steady_until_the_clock_alone_changes_nothing(seed):
    rng = random.Random(1000 + seed)
    for _ in range(20):
        calendar = a_random_calendar(rng)
        openings = open_times(**calendar)
        until = openings.steady_until
        assert until >= calendar["now"]
        for _ in range(5 if until > calendar["now"] else 0):
            later = calendar["now"] + (until - calendar["now"]) * rng.random()
            assert open_times(**(calendar | {"now": later})).times == openings.times


def test_a_slot_drops_out_once_now_plus_notice_passes_its_start():
    calendar = {"service": a_service(60), "therapists": [a_therapist()], "rooms": [a_room()],
                "appointments": [], "settings": a_settings(minimum_notice_minutes=120),
                "window_from": local(2026, 3, 10), "window_to": local(2026, 3, 11),
                "now": local(2026, 3, 10, 6)}
    openings = open_times(**calendar)
    assert openings.times[0].start == local(2026, 3, 10, 9)
    assert openings.steady_until == local(2026, 3, 10, 7)
    just_after = open_times(**(calendar | {"now": local(2026, 3, 10, 7, 0) +
                                           timedelta(microseconds=1)}))
    assert just_after.times[0].start == local(2026, 3, 10, 9, 15)


def test_a_start_the_horizon_keeps_out_comes_in_when_now_plus_horizon_reaches_it():
    calendar = {"service": a_service(60), "therapists": [a_therapist()], "rooms": [a_room()],
                "appointments": [], "settings": a_settings(booking_horizon_days=1),
                "window_from": local(2026, 3, 10), "window_to": local(2026, 3, 12),
                "now": local(2026, 3, 10, 10, 5)}
    openings = open_times(**calendar)
    assert openings.times[-1].start == local(2026, 3, 11, 10)
    # 10:15 tomorrow is offered once now reaches 10:15 today (the first start, 9:00 today,
    # drops out earlier only with notice).
    assert openings.steady_until == local(2026, 3, 10, 10, 15)
    later = open_times(**(calendar | {"now": local(2026, 3, 10, 10, 15)}))
    assert later.times[-1].start == local(2026, 3, 11, 10, 15)


def test_with_nothing_open_the_answer_holds_until_the_window_has_passed():
    calendar = {"service": a_service(60), "therapists": [a_therapist(weekdays=range(0))],
                "rooms": [a_room()], "appointments": [], "settings": a_settings(),
                "window_from": local(2026, 3, 10), "window_to": local(2026, 3, 11),
                "now": local(2026, 3, 9)}
    assert open_times(**calendar) == ([], local(2026, 3, 11))


def test_the_json_is_what_the_documented_schema_dumps():
    times = [OpenTime(local(2026, 3, 8, 1), local(2026, 3, 8, 4), "r-1", ["t-1", "t-2"]),
             OpenTime(local(2026, 11, 1, 1), local(2026, 11, 1, 2, 30), 'r-"2', ["t-2"])]
    names = {"t-1": 'Ana "Nan" Ruiz', "t-2": "Zoë Ñúñez"}
    documented = AvailabilitySchema().dump({"service": "s-1", "slots": [
        {"therapist_id": therapist_id, "therapist_name": names[therapist_id],
         "room_id": opening.room_id, "start": opening.start, "end": opening.end}
        for opening in times for therapist_id in opening.therapist_ids]})
    assert json.loads(availability_json("s-1", times, names)) == documented
    assert json.loads(availability_json("s-1", [], names)) == {"service": "s-1", "slots": []}
