"""Open slots: when a service can be booked with a free therapist in a free room."""

from bisect import bisect_right
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from itertools import repeat
from operator import attrgetter, itemgetter
from typing import NamedTuple
from zoneinfo import ZoneInfo

from services.scheduling.domain.calendar import (
    Appointment,
    ClinicSettings,
    Room,
    Service,
    Therapist,
)
from shared.errors import InvalidInput


class Slot(NamedTuple):
    """A bookable start: therapist, room, and the UTC start and end of the service."""

    therapist_id: str
    room_id: str
    start: datetime
    end: datetime


class Busy(NamedTuple):
    """Time a therapist and a room are not free: a booked visit, or a slot an offer holds."""

    therapist_id: str
    room_id: str
    start: datetime
    end: datetime

    @property
    def holds_time(self) -> bool:
        return True


_BY_KEY = itemgetter(0)
_BY_ID = attrgetter("id")
_ZERO = timedelta(0)
_UNSEEN = object()
# Runs an iterator to its end, in C, keeping nothing.
_drain = deque(maxlen=0).extend


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


def check_window(
    window_from: datetime, window_to: datetime, now: datetime, settings: ClinicSettings
) -> None:
    """Refuse a window nothing could ever be offered in: wholly past, or past the horizon.

    Open slots lie between now and the clinic's booking horizon, so such a window is a
    mistake (or a probe) the public endpoint need not compute.
    """
    if window_to <= now:
        raise InvalidInput.field("to", "The window has passed: nothing can be booked in it.")
    if window_from > now + timedelta(days=settings.booking_horizon_days):
        raise InvalidInput.field(
            "from", f"Beyond the clinic's booking horizon ({settings.booking_horizon_days} days "
                    "ahead): nothing can be booked then.")


class OpenTime(NamedTuple):
    """A start the service can be booked at, the room it would take, and the therapists free
    then (in id order): every therapist free at a start is offered the same first free room."""

    start: datetime
    end: datetime
    room_id: str
    therapist_ids: list[str]


class Openings(NamedTuple):
    """Open times sorted by start, and the moment the clock alone may change them.

    Until ``steady_until`` (exclusive) the same calendar gives the same times: minimum notice
    has not yet reached the first start, the booking horizon has not yet reached a start it
    keeps out, and the window has not passed.
    """

    times: list[OpenTime]
    steady_until: datetime


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
    Each therapist and start is offered once, in the first free room in `rooms` order;
    therapists free at the same start follow each other in id order.
    """
    openings = open_times(service, therapists, rooms, appointments, settings, window_from,
                          window_to, now, step_minutes)
    return slots_at(openings.times)


def slots_at(times: Iterable[OpenTime]) -> list[Slot]:
    """One slot per therapist free at each open time, in the times' order."""
    return [Slot(therapist_id, opening.room_id, opening.start, opening.end)
            for opening in times for therapist_id in opening.therapist_ids]


def open_times(
    service: Service,
    therapists: Sequence[Therapist],
    rooms: Sequence[Room],
    appointments: Iterable[Appointment | Busy],
    settings: ClinicSettings,
    window_from: datetime,
    window_to: datetime,
    now: datetime,
    step_minutes: int = 15,
) -> Openings:
    """``open_slots`` grouped by start: one ``OpenTime`` per start, no object per slot.

    Two weeks of a 20-therapist clinic are ~5,800 slots but ~300 starts; the answer is
    built per start (see api/availability.py), so nothing here is made per slot.
    """
    if step_minutes <= 0:
        raise ValueError("step_minutes must be positive")
    notice = timedelta(minutes=settings.minimum_notice_minutes)
    horizon = timedelta(days=settings.booking_horizon_days)
    earliest = max(window_from, now + notice)
    latest_start = now + horizon
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
    room_timelines = []
    for room in rooms:
        spans = by_room.get(room.id, ())
        room_timelines.append((room.id, _Timeline(spans)))
        if not spans:
            break  # never busy: no room after it is ever the first free one
    # A start's room is the first free for [start, start + duration): it depends on the
    # start alone, so each start is worked out once (None: every room is taken) and the
    # therapists free then are added to its list. Therapists mostly share their working
    # blocks: each block's grid of those lists is made once too, and each therapist's free
    # parts take a slice of it.
    at: dict[datetime, OpenTime | None] = {}
    grids: dict[tuple[datetime, datetime], list[list[str]]] = {}
    # Where the therapists free at a start with no free room go: never read.
    unoffered: list[str] = []
    blocks_of: dict[object, list[tuple[datetime, datetime]]] = {}
    # The first start the horizon alone keeps out (offered once now + horizon reaches it).
    beyond_horizon: datetime | None = None

    # In therapist id order, so that each start's list is in id order.
    for therapist in sorted(therapists, key=_BY_ID):
        busy = _Timeline(
            by_therapist[therapist.id] + [(off.start, off.end) for off in therapist.time_off]
        )
        hours = tuple(sorted(therapist.weekly_hours.items()))
        blocks = blocks_of.get(hours)
        if blocks is None:
            blocks = blocks_of[hours] = _working_blocks(therapist, settings, window_from,
                                                        window_to)
        therapist_id = therapist.id
        for block_start, block_end in blocks:
            block_end = min(block_end, window_to)
            if block_end - duration < earliest:
                continue  # nothing in it can be offered, now or later
            if block_end - duration > latest_start:
                kept_out = _first_start_after(block_start, latest_start, step)
                if kept_out + duration <= block_end and (
                        beyond_horizon is None or kept_out < beyond_horizon):
                    beyond_horizon = kept_out
            if block_start > latest_start:
                continue
            grid = grids.get((block_start, block_end))
            if grid is None:
                grid = grids[block_start, block_end] = _grid(
                    room_timelines, at, unoffered, block_start, block_end, duration, step)
            for free_from, free_to in busy.free_parts(block_start, block_end):
                # Grid points k with free_from/earliest <= start and start + duration <=
                # free_to, start <= latest_start.
                first = -((block_start - max(free_from, earliest)) // step)
                last = min(free_to - duration, latest_start) - block_start
                if last < _ZERO:
                    continue
                # The therapist joins each start's list, in C: ~6,000 appends a request.
                free_then = grid[max(first, 0):last // step + 1]
                _drain(map(list.append, free_then, repeat(therapist_id, len(free_then))))
    times = [opening for _, opening in sorted(at.items(), key=_BY_KEY)
             if opening is not None and opening.therapist_ids]
    # The first start drops out once now + notice passes it; a start the horizon keeps out
    # comes in once now + horizon reaches it; past window_to the window is refused.
    steady_until = window_to
    if times:
        steady_until = min(steady_until, times[0].start - notice)
    if beyond_horizon is not None:
        steady_until = min(steady_until, beyond_horizon - horizon)
    return Openings(times, steady_until)


def _first_start_after(block_start: datetime, moment: datetime, step: timedelta) -> datetime:
    """The first start on the block's grid later than ``moment``."""
    if block_start > moment:
        return block_start
    return block_start + ((moment - block_start) // step + 1) * step


def _grid(
    room_timelines: Sequence[tuple[str, _Timeline]],
    at: dict[datetime, OpenTime | None],
    unoffered: list[str],
    block_start: datetime,
    block_end: datetime,
    duration: timedelta,
    step: timedelta,
) -> list[list[str]]:
    """For every start on the block's grid that fits the service, the list its free
    therapists go in: the start's own (shared by every block with that start), or
    ``unoffered`` when no room is free then."""
    grid = []
    start = block_start
    while start + duration <= block_end:
        opening = at.get(start, _UNSEEN)
        if opening is _UNSEEN:
            end = start + duration
            room_id = _free_room(room_timelines, start, end)
            opening = at[start] = None if room_id is None else OpenTime(start, end, room_id, [])
        grid.append(unoffered if opening is None else opening.therapist_ids)
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
