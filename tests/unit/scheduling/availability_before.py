"""The availability code as it was before issue #16 round 3 (commit ed686c4), kept as the
oracle the restructured code is checked against: same slots, same order, same JSON text."""

import json
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from operator import attrgetter, itemgetter
from zoneinfo import ZoneInfo

from services.scheduling.domain.availability import Busy, Slot
from services.scheduling.domain.calendar import (
    Appointment,
    ClinicSettings,
    Room,
    Service,
    Therapist,
)

# By position: itemgetter sorts thousands of slots faster than a lambda.
_BY_START = itemgetter(2)
_BY_ID = attrgetter("id")
_ZERO = timedelta(0)
# A Slot from a 4-tuple in C, without the Python-level __new__ or _make a NamedTuple has.
_new_tuple = tuple.__new__


class _Timeline:
    """The busy spans of one therapist or room, merged and sorted for quick look-ups."""

    def __init__(self, spans: Iterable[tuple[datetime, datetime]]) -> None:
        self.starts: list[datetime] = []
        self.ends: list[datetime] = []
        for start, end in sorted(spans):
            if self.ends and start <= self.ends[-1]:
                self.ends[-1] = max(self.ends[-1], end)
            else:
                self.starts.append(start)
                self.ends.append(end)

    def is_free(self, start: datetime, end: datetime) -> bool:
        # Merged spans never overlap, so their ends are sorted as well: the first span
        # ending after `start` is the only one that can overlap [start, end).
        index = bisect_right(self.ends, start)
        return index == len(self.starts) or self.starts[index] >= end

    def free_parts(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        index = bisect_right(self.ends, start)
        cursor = start
        while index < len(self.starts) and self.starts[index] < end:
            if self.starts[index] > cursor:
                yield cursor, self.starts[index]
            cursor = max(cursor, self.ends[index])
            index += 1
        if cursor < end:
            yield cursor, end


def open_slots(
    service: Service,
    therapists: Sequence[Therapist],
    rooms: Sequence[Room],
    appointments: Iterable[Appointment | Busy],
    settings: ClinicSettings,
    window_from: datetime,
    window_to: datetime,
    now: datetime,
    step_minutes: int = 15,
) -> list[Slot]:
    """Slots for the service lying wholly inside [window_from, window_to), sorted by start.

    Starts sit on a grid of `step_minutes` from the start of each working-hours block.
    Each therapist and start is offered once, in the first free room in `rooms` order.
    """
    if step_minutes <= 0:
        raise ValueError("step_minutes must be positive")
    earliest = max(window_from, now + timedelta(minutes=settings.minimum_notice_minutes))
    latest_start = now + timedelta(days=settings.booking_horizon_days)
    duration = service.duration
    step = timedelta(minutes=step_minutes)
    buffer = timedelta(minutes=settings.buffer_minutes)

    by_therapist: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    by_room: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for appointment in appointments:
        if appointment.holds_time:
            # The buffer keeps both the therapist and the room free around each visit
            # (turnover, notes, linen).
            span = (appointment.start - buffer, appointment.end + buffer)
            by_therapist[appointment.therapist_id].append(span)
            by_room[appointment.room_id].append(span)
    room_timelines = [(room.id, _Timeline(by_room[room.id])) for room in rooms]
    # A block's starts, ends and first free rooms depend on the block only, and therapists
    # mostly share their blocks: each is worked out once, and each therapist's free parts
    # take a slice of it (20 therapists: 1/20 of the room searches and date arithmetic).
    grids: dict[tuple[datetime, datetime], list[tuple[datetime, datetime, str | None]]] = {}
    blocks_of: dict[object, list[tuple[datetime, datetime]]] = {}

    slots: list[Slot] = []
    # In therapist id order, so that the stable sort by start below leaves ties by id.
    for therapist in sorted(therapists, key=_BY_ID):
        busy = _Timeline(
            by_therapist[therapist.id] + [(off.start, off.end) for off in therapist.time_off]
        )
        hours = tuple(sorted(therapist.weekly_hours.items()))
        blocks = blocks_of.get(hours)
        if blocks is None:
            blocks = blocks_of[hours] = _working_blocks(therapist, settings, window_from,
                                                        window_to)
        for block_start, block_end in blocks:
            block_end = min(block_end, window_to)
            if block_end - duration < earliest or block_start > latest_start:
                continue  # nothing in it can be offered
            grid = grids.get((block_start, block_end))
            if grid is None:
                grid = grids[block_start, block_end] = _grid(
                    room_timelines, block_start, block_end, duration, step)
            for free_from, free_to in busy.free_parts(block_start, block_end):
                # Grid points k with free_from/earliest <= start and start + duration <=
                # free_to, start <= latest_start.
                first = -((block_start - max(free_from, earliest)) // step)
                last = min(free_to - duration, latest_start) - block_start
                if last < _ZERO:
                    continue
                therapist_id = therapist.id
                slots += [_new_tuple(Slot, (therapist_id, room_id, start, end))
                          for start, end, room_id in grid[max(first, 0):last // step + 1]
                          if room_id is not None]
    slots.sort(key=_BY_START)
    return slots


def _grid(
    room_timelines: Sequence[tuple[str, _Timeline]], block_start: datetime,
    block_end: datetime, duration: timedelta, step: timedelta,
) -> list[tuple[datetime, datetime, str | None]]:
    """Every start on the block's grid that fits the service, its end and its first free room."""
    grid = []
    start = block_start
    while start + duration <= block_end:
        end = start + duration
        grid.append((start, end, _free_room(room_timelines, start, end)))
        start += step
    return grid


def _free_room(
    room_timelines: Sequence[tuple[str, _Timeline]], start: datetime, end: datetime
) -> str | None:
    """The first room free for [start, end), in the rooms' order; None when all are taken."""
    for room_id, room in room_timelines:
        if room.is_free(start, end):
            return room_id
    return None


def _working_blocks(
    therapist: Therapist, settings: ClinicSettings, window_from: datetime, window_to: datetime
) -> list[tuple[datetime, datetime]]:
    """The therapist's working hours as UTC spans, for each local day the window touches."""
    zone = settings.zone
    first_day = window_from.astimezone(zone).date()
    last_day = window_to.astimezone(zone).date()
    blocks = []
    for offset in range((last_day - first_day).days + 1):
        day = first_day + timedelta(days=offset)
        for start, end in therapist.weekly_hours.get(day.weekday(), ()):
            # Combining the local date and wall-clock time with the zone, then converting,
            # is what keeps 9:00-17:00 at 9:00-17:00 local on DST change days.
            blocks.append((_to_utc(day, start, zone), _to_utc(day, end, zone)))
    return blocks


def _to_utc(day: date, wall_clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, wall_clock, tzinfo=zone).astimezone(UTC)


def slots_json(slots: Iterable[Slot], names: dict[str, str]) -> str:
    """Slots as the JSON array SlotSchema describes (a test checks they match its dump).

    XXX: a marshmallow dump costs ~20 µs a slot, ~100 ms for two weeks of a 20-therapist
    clinic, and even json.dumps of dicts ~2 µs. Slots repeat a few hundred values (the
    therapists, rooms and 15-minute grid times), so each is encoded once and reused.
    """
    encoded: dict[object, str] = {}

    def once(value: str | datetime) -> str:
        if value not in encoded:
            text = value.isoformat() if isinstance(value, datetime) else value
            encoded[value] = json.dumps(text)
        return encoded[value]

    heads = {
        therapist_id: f'{{"therapist_id":{once(therapist_id)},"therapist_name":{json.dumps(name)}'
        for therapist_id, name in names.items()
    }
    # A room, start and end recur once per therapist free then: encoded once (a dict's
    # __missing__, so a slot seen before costs one look-up in C).
    class Tails(dict[tuple[str, datetime, datetime], str]):
        def __missing__(self, key: tuple[str, datetime, datetime]) -> str:
            room_id, start, end = key
            tail = self[key] = (
                f',"room_id":{once(room_id)},"start":{once(start)},"end":{once(end)}}}')
            return tail

    tails = Tails()
    return "[" + ",".join([heads[slot[0]] + tails[slot[1:]] for slot in slots]) + "]"
