"""When a message may go: reminder lead times and quiet hours, in the client's own time zone.

docs/NOTIFICATIONS.md §Timing. A lead time of whole days is counted on the client's
calendar (a "48 h" reminder of a 10:00 visit goes at 10:00 two days before, even when the
clocks change in between); any other lead is elapsed time. A moment inside quiet hours
moves to the end of the quiet hours when that is still before the deadline (the visit, the
end of an offer's hold), otherwise to the last minute before they began; when neither is
possible the message is not sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY = timedelta(days=1)
_LEAD = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_UNITS = {"d": timedelta(days=1), "h": timedelta(hours=1), "m": timedelta(minutes=1)}


@dataclass(frozen=True)
class QuietHours:
    """Local times between which no message goes, e.g. 21:00-08:00 (may cross midnight)."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        """Whether a local wall-clock time falls inside the quiet hours (start included)."""
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    @classmethod
    def parse(cls, text: str) -> QuietHours | None:
        """``"21:00-08:00"`` -> QuietHours; an empty text means no quiet hours."""
        text = text.strip()
        if not text:
            return None
        match = re.fullmatch(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})", text)
        if not match:
            raise ValueError(f"quiet hours {text!r}: write them as HH:MM-HH:MM")
        hour1, minute1, hour2, minute2 = (int(part) for part in match.groups())
        quiet = cls(time(hour1, minute1), time(hour2, minute2))
        if quiet.start == quiet.end:
            raise ValueError(f"quiet hours {text!r} start and end at the same time")
        return quiet


def parse_lead(text: str) -> timedelta:
    """``"48h"``, ``"2d"``, ``"90m"`` -> a positive timedelta."""
    match = _LEAD.match(text)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"lead time {text!r}: write a positive number with d, h or m (48h)")
    return int(match.group(1)) * _UNITS[match.group(2)]


def lead_name(lead: timedelta) -> str:
    """A lead time's stable name in message keys: ``48h``, ``2h``, ``90m``."""
    minutes = int(lead.total_seconds() // 60)
    return f"{minutes // 60}h" if minutes % 60 == 0 else f"{minutes}m"


def zone_of(name: str | None, fallback: str) -> ZoneInfo:
    """The client's IANA zone, else the clinic's (an unknown name falls back too)."""
    for candidate in (name, fallback):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def reminder_time(start: datetime, lead: timedelta, zone: ZoneInfo) -> datetime:
    """When the reminder ``lead`` before ``start`` is due, before quiet hours are applied."""
    if lead % DAY:
        # In UTC: arithmetic on an aware datetime in a zone is wall-clock arithmetic.
        return start.astimezone(UTC) - lead
    local = start.astimezone(zone)
    # Same wall-clock time, whole days earlier; a time the clocks skip (spring forward)
    # reads with the offset in force before the change, i.e. an hour later in effect.
    earlier = (local.replace(tzinfo=None) - lead).replace(tzinfo=zone)
    return earlier.astimezone(UTC)


def outside_quiet_hours(
    moment: datetime,
    zone: ZoneInfo,
    quiet: QuietHours | None,
    deadline: datetime | None,
    not_before: datetime | None = None,
) -> datetime | None:
    """The moment itself when not quiet; else the quiet hours' end if before the deadline,
    else the last minute before they began (if that is not before ``not_before``, i.e. not
    already past); None when no allowed moment is left (the message is then not sent)."""
    if quiet is None or not quiet.contains(moment.astimezone(zone).time()):
        return moment
    began, ends = _quiet_period_around(moment, zone, quiet)
    if deadline is None or ends < deadline:
        return ends
    before = began - timedelta(minutes=1)
    if before >= deadline or (not_before is not None and before < not_before):
        return None
    return before


def _quiet_period_around(
    moment: datetime, zone: ZoneInfo, quiet: QuietHours
) -> tuple[datetime, datetime]:
    """The start and end (UTC) of the quiet period that ``moment`` lies in."""
    local = moment.astimezone(zone)
    day = local.date()
    if quiet.start > quiet.end and local.time() < quiet.end:
        day -= DAY  # after midnight: the period began the evening before
    began = _at(day, quiet.start, zone)
    end_day = day + DAY if quiet.start > quiet.end else day
    return began, _at(end_day, quiet.end, zone)


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def plan_reminder(
    start: datetime, lead: timedelta, zone: ZoneInfo, quiet: QuietHours | None
) -> datetime | None:
    """When to send the ``lead`` reminder of a visit at ``start``; None: it cannot go."""
    return outside_quiet_hours(reminder_time(start, lead, zone), zone, quiet, deadline=start)
