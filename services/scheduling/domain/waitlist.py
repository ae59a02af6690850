"""The waitlist: who wants which freed slot, in what order, and how an offer may end.

A client waits for a service, with one therapist or any, in preferred windows (weekdays
and local times) between two dates. When time frees up, the first entry in the list's
order whose preferences match a free slot *and* whose client may be booked on that day
(docs/DOMAIN.md §Referral: cleared, an active referral covering the day with visits
left) is offered it; the slot is held for that client until the offer closes.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.scheduling.domain.availability import Slot

# An entry's states: waiting for an offer, holding one, booked from one, or off the list.
WAITING, OFFERED, BOOKED, LEFT = "waiting", "offered", "booked", "left"
ON_THE_LIST = (WAITING, OFFERED)
# An offer's states: open (its slot held), or closed one of the contract's ways.
OPEN = "open"
ACCEPTED, DECLINED, EXPIRED, WITHDRAWN = "accepted", "declined", "expired", "withdrawn"
TOKEN_BYTES = 32


@dataclass(frozen=True)
class Window:
    """A preferred time: a weekday (0 = Monday) and a local span on it."""

    weekday: int
    start: time
    end: time

    def __post_init__(self) -> None:
        if self.weekday not in range(7):
            raise ValueError("weekday is 0 (Monday) to 6 (Sunday)")
        if self.end <= self.start:
            raise ValueError("a window ends after it starts")


@dataclass(frozen=True)
class WaitlistEntry:
    """One client waiting: for what, with whom, when; ``position`` orders the list."""

    id: str
    client_id: str
    service_id: str
    therapist_id: str | None
    windows: tuple[Window, ...] = ()
    earliest_on: date | None = None
    latest_on: date | None = None
    position: int = 0
    status: str = WAITING

    def wants(self, therapist_id: str, start: datetime, end: datetime, zone: ZoneInfo) -> bool:
        """Whether a slot with this therapist from start to end fits the client's wishes.

        No windows means any time; a slot must lie wholly inside one window of its weekday.
        """
        if self.therapist_id is not None and self.therapist_id != therapist_id:
            return False
        local_start, local_end = start.astimezone(zone), end.astimezone(zone)
        day = local_start.date()
        if self.earliest_on is not None and day < self.earliest_on:
            return False
        if self.latest_on is not None and day > self.latest_on:
            return False
        if not self.windows:
            return True
        if local_end.date() != day:
            return False
        return any(
            window.weekday == day.weekday()
            and window.start <= local_start.time() and local_end.time() <= window.end
            for window in self.windows
        )


@dataclass(frozen=True)
class OfferPolicy:
    """How long an offer holds its slot, and where the client's answer link points."""

    hold: timedelta
    link_base: str

    def link(self, token: str) -> str:
        """The accept/decline link: the token in the fragment, which no server logs."""
        return f"{self.link_base}#offer={token}"


def first_match(
    entries: Sequence[WaitlistEntry],
    slots_for: Callable[[str], Iterable[Slot]],
    zone: ZoneInfo,
    eligible: Callable[[str, date], bool],
    offered_before: Callable[[str, Slot], bool] = lambda entry_id, slot: False,
    free_then: Callable[[str, Slot], bool] = lambda client_id, slot: True,
) -> tuple[WaitlistEntry, Slot] | None:
    """The first waiting entry, in list order, with a free slot it wants and may be booked
    into, and the earliest such slot.

    ``slots_for(service_id)`` gives the free slots of a service; ``eligible(client_id,
    day)`` is booking's own check; ``offered_before`` skips a slot an entry already
    declined or let expire, so the slot moves on to the next client, not back to them;
    ``free_then(client_id, slot)`` passes over a slot the client has another visit during
    (a client is in one place at a time: booking would refuse it).
    """
    free: dict[str, list[Slot]] = {}
    for entry in sorted(entries, key=lambda e: (e.position, e.id)):
        if entry.status != WAITING:
            continue
        if entry.service_id not in free:
            free[entry.service_id] = sorted(slots_for(entry.service_id),
                                            key=lambda s: (s.start, s.therapist_id))
        for slot in free[entry.service_id]:
            if not entry.wants(slot.therapist_id, slot.start, slot.end, zone):
                continue
            if offered_before(entry.id, slot):
                continue
            # Not eligible that day: a later day of the entry's window may still be fine.
            if (eligible(entry.client_id, slot.start.astimezone(zone).date())
                    and free_then(entry.client_id, slot)):
                return entry, slot
    return None


def moved(order: Sequence[str], entry_id: str, position: int) -> list[str]:
    """The list's entry ids after moving one to ``position`` (1 = first; past the end: last)."""
    if entry_id not in order:
        raise ValueError("the entry is not on the list")
    if position < 1:
        raise ValueError("positions start at 1")
    rest = [other for other in order if other != entry_id]
    rest.insert(min(position, len(rest) + 1) - 1, entry_id)
    return rest


def new_token() -> str:
    """The secret of an offer's accept/decline link (256 random bits, URL-safe)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What is stored of a link token: its SHA-256 (hex); the token itself never is."""
    return hashlib.sha256(token.encode()).hexdigest()


def may_answer(status: str, hold_until: datetime, now: datetime) -> str | None:
    """Why an offer can no longer be accepted or declined now; None while it is open."""
    if status != OPEN:
        return f"offer_{status}"
    if now >= hold_until:
        return "offer_expired"
    return None
