"""A referral's frequency in words, turned into the dates of the plan of care's visits.

Physicians write frequency as phases: "2x/week for 4 weeks, then weekly for 4 weeks"
(docs/DOMAIN.md §Medical massage cites exactly that plan). Each phase is a number of
visits a week for a number of weeks; the phases follow one another, each week starting
on the first visit's weekday, every visit at the first visit's wall-clock time (so a DST
change does not move it; ``plan_series``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.scheduling.domain.booking import plan_series
from shared.errors import InvalidInput

_NUMBERS = {"once": 1, "one": 1, "twice": 2, "two": 2, "three": 3, "thrice": 3, "four": 4,
            "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
            "eleven": 11, "twelve": 12}
_COUNT = r"(\d+|" + "|".join(_NUMBERS) + r")"
# "2x/week", "2 x per week", "twice a week", "3 times weekly", "weekly", "daily"
_RATE = re.compile(
    rf"^(?:{_COUNT}\s*(?:x|times?)?\s*(?:/|a|per|each|every)?\s*(?:week|wk|weekly)"
    r"|(?P<weekly>weekly|once weekly)|(?P<daily>daily))$")
# "for 4 weeks", "x 4 weeks", "for four weeks", "4 wks"
_SPAN = re.compile(rf"^(?:for|x|over)?\s*{_COUNT}\s*(?:weeks?|wks?)$")
_PHASE_SEPARATORS = re.compile(r"\s*(?:,?\s*then\s+|;\s*|,\s*(?=\d|once|twice|weekly))\s*")


@dataclass(frozen=True)
class Phase:
    """Some visits a week for some weeks."""

    visits_per_week: int
    weeks: int

    def __str__(self) -> str:
        rate = "weekly" if self.visits_per_week == 1 else f"{self.visits_per_week}x/week"
        return f"{rate} for {self.weeks} week{'s' if self.weeks != 1 else ''}"


def parse_frequency(text: str) -> tuple[Phase, ...]:
    """The phases a frequency names; InvalidInput on ``frequency`` when it names none."""
    cleaned = " ".join(text.casefold().replace("\N{MULTIPLICATION SIGN}", "x").split()).strip(" .")
    if not cleaned:
        raise _invalid("Give the frequency, e.g. 2x/week for 4 weeks.")
    phases = tuple(_phase(part) for part in _PHASE_SEPARATORS.split(cleaned) if part)
    if sum(p.visits_per_week * p.weeks for p in phases) > 200:
        raise _invalid("That plan has more than 200 visits; check the frequency.")
    return phases


def _phase(text: str) -> Phase:
    match = re.match(r"^(?P<rate>.+?)\s+(?P<span>(?:for|x|over)?\s*\S+\s*(?:weeks?|wks?))$", text)
    if match is None:
        raise _invalid(f"Could not read {text!r}; write it like 2x/week for 4 weeks.")
    rate, span = _RATE.match(match["rate"]), _SPAN.match(match["span"])
    if rate is None or span is None:
        raise _invalid(f"Could not read {text!r}; write it like 2x/week for 4 weeks.")
    if rate["weekly"]:
        visits = 1
    elif rate["daily"]:
        visits = 7
    else:
        visits = _number(rate.group(1))
    weeks = _number(span.group(1))
    if not 1 <= visits <= 7 or not 1 <= weeks <= 52:
        raise _invalid(f"{text!r}: 1 to 7 visits a week, for 1 to 52 weeks.")
    return Phase(visits, weeks)


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS[word]


def _invalid(message: str) -> InvalidInput:
    return InvalidInput.field("frequency", message)


def plan_of_care_starts(first_start: datetime, phases: Sequence[Phase], time_zone: str,
                        weekdays: Sequence[int] | None = None) -> list[datetime]:
    """UTC starts of every visit of the phases, one after the other, from ``first_start``.

    ``weekdays`` (0 = Monday) is used for the phases with as many visits a week; the
    others spread their visits through each week from the first visit's weekday.
    """
    starts: list[datetime] = []
    week_start = first_start
    for phase in phases:
        days = list(weekdays) if weekdays and len(weekdays) == phase.visits_per_week else None
        try:
            starts += plan_series(week_start, phase.visits_per_week, phase.weeks, days,
                                  time_zone=time_zone)
        except ValueError as refused:
            raise InvalidInput.field("weekdays", str(refused)) from None
        # The next phase starts on the same weekday, ``weeks`` later, at the same wall time.
        week_start = _same_wall_time_days_later(week_start, 7 * phase.weeks, time_zone)
    return starts


def _same_wall_time_days_later(moment: datetime, days: int, time_zone: str) -> datetime:
    zone = ZoneInfo(time_zone)
    local = moment.astimezone(zone)
    later = datetime.combine(local.date() + timedelta(days=days), local.time(), tzinfo=zone)
    return later.astimezone(moment.tzinfo)
