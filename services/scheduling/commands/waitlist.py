"""The waitlist: joining and leaving, the front desk's order, offering freed slots, and
the client's (or the front desk's) answer to an offer.

Freed time is noted as an *opening* by the command that freed it
(``commands/openings.py``) and offered here, by the waitlist worker. An open offer holds
its slot: ``store.waitlist.held_time`` adds it to the busy time every booking and
availability query sees. Accepting closes the offer and books through
``book_appointment``, under booking's own locks: never a double booking.

Lock order (see ``commands/slots.py``): offer, then referrals, therapist, rooms, and the
entry last; a command that needs several takes them in that order, so none can deadlock.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from services.scheduling.commands.booking import BookingRequest, book_appointment
from services.scheduling.commands.slots import candidate_rooms, free_room, lock_rooms
from services.scheduling.domain.availability import Slot
from services.scheduling.domain.booking import (
    ClientEligibility,
    check_eligibility,
    overlaps_a_visit,
)
from services.scheduling.domain.calendar import Therapist
from services.scheduling.domain.errors import (
    AlreadyWaiting,
    NotEligible,
    NotFound,
    NotOnTheWaitlist,
    OfferClosed,
)
from services.scheduling.domain.waitlist import (
    ACCEPTED,
    BOOKED,
    DECLINED,
    EXPIRED,
    LEFT,
    OFFERED,
    OPEN,
    WAITING,
    WITHDRAWN,
    OfferPolicy,
    WaitlistEntry,
    first_match,
    may_answer,
    moved,
    new_token,
    token_hash,
)
from services.scheduling.store import waitlist as store
from services.scheduling.store.appointments import client_bookings
from services.scheduling.store.availability import available_slots
from services.scheduling.store.calendar import (
    load_settings,
    load_therapist,
    lock_therapist,
    new_id,
    require_service,
    require_therapist,
    takes_row_locks,
)
from services.scheduling.store.eligibility import load_eligibility
from shared.errors import InvalidInput
from shared.events.contracts.scheduling import (
    WAITLIST_JOINED,
    WAITLIST_LEFT,
    WAITLIST_OFFER_CLOSED,
    WAITLIST_OFFERED,
)
from shared.events.registry import EventType
from shared.uow import UnitOfWork

# -- the front desk's list ------------------------------------------------------------------


def join_waitlist(uow: UnitOfWork, entry: WaitlistEntry, now: datetime) -> int:
    """Put a client at the end of the waitlist; returns their position."""
    require_service(uow.connection, entry.service_id)
    if entry.therapist_id is not None:
        require_therapist(uow.connection, entry.therapist_id)
    if entry.earliest_on and entry.latest_on and entry.latest_on < entry.earliest_on:
        raise InvalidInput.field("latest_on", "Must not be before earliest_on.")
    waiting = store.entry_on_the_list(uow.connection, entry.client_id, entry.service_id)
    if waiting is not None:
        raise AlreadyWaiting(waiting)
    position = store.insert_entry(uow.connection, entry, now)
    _emit_entry(uow, WAITLIST_JOINED, entry.id, entry.client_id, entry.service_id,
                entry.therapist_id, now)
    return position


def leave_waitlist(uow: UnitOfWork, entry_id: str, now: datetime) -> None:
    """Take a client off the list; an offer they hold is withdrawn and its slot freed."""
    offer = store.open_offer_of(uow.connection, entry_id, lock=True)
    row = _require_entry(uow, entry_id)
    if row.status not in (WAITING, OFFERED):
        raise NotOnTheWaitlist(row.status)
    if offer is not None:
        _close(uow, offer, WITHDRAWN, now)
    store.set_entry_status(uow.connection, entry_id, LEFT)
    _emit_entry(uow, WAITLIST_LEFT, row.id, row.client_id, row.service_id, row.therapist_id,
                now)


def move_entry(uow: UnitOfWork, entry_id: str, position: int) -> None:
    """Move a client to ``position`` (1 = first) of the list; the others keep their order."""
    order = [row.id for row in store.list_entries(uow.connection, limit=100_000, lock=True)]
    row = _require_entry(uow, entry_id)
    if row.status not in (WAITING, OFFERED):
        raise NotOnTheWaitlist(row.status)
    store.renumber(uow.connection, moved(order, entry_id, position))


# -- offering -------------------------------------------------------------------------------


def offer_next_opening(uow: UnitOfWork, now: datetime, policy: OfferPolicy) -> bool:
    """Offer one opening's free slots to the waitlist, in list order; False when none is due."""
    connection = uow.connection
    opening = store.take_opening(connection)
    if opening is None:
        return False
    store.drop_opening(connection, opening.id)
    if load_therapist(connection, opening.therapist_id) is None:
        return True
    settings = load_settings(connection)
    window_from = opening.start or now
    window_to = opening.end or now + timedelta(days=settings.booking_horizon_days)
    if window_to <= now:
        return True
    # Booking's locks, in booking's order: the slots found free stay free until commit.
    _lock_time(uow, opening.therapist_id)
    entries = store.waiting_entries(connection, opening.therapist_id, lock=True)
    while entries:
        match = _match(uow, entries, opening.therapist_id, window_from, window_to, now)
        if match is None:
            break
        entry, slot = match
        _offer(uow, entry, slot, now, policy)
        entries = [other for other in entries if other.id != entry.id]
    return True


def offer_slot(uow: UnitOfWork, entry_id: str, therapist_id: str, start: datetime,
               room_id: str | None, now: datetime, policy: OfferPolicy) -> str:
    """The front desk offers a chosen slot to a chosen entry (out of turn); the offer id."""
    connection = uow.connection
    settings = load_settings(connection)
    row = store.get_entry(connection, entry_id)
    if row is None:
        raise NotFound("waitlist entry")
    service = require_service(connection, row.service_id)
    therapist = _lock_time(uow, therapist_id)
    rooms = candidate_rooms(connection, room_id)
    entry = store.to_entry(_require_entry(uow, entry_id, lock=True))
    if entry.status != WAITING:
        raise NotOnTheWaitlist(entry.status)
    reasons = check_eligibility(load_eligibility(connection, entry.client_id).eligibility,
                                settings.local_day(start))
    if reasons:
        raise NotEligible(reasons)
    chosen = free_room(connection, settings, service, therapist, rooms, start, now)
    slot = Slot(therapist_id, chosen, start, start + service.duration)
    return _offer(uow, entry, slot, now, policy)


def _lock_time(uow: UnitOfWork, therapist_id: str) -> Therapist:
    connection = uow.connection
    if takes_row_locks(connection) and not lock_therapist(connection, therapist_id):
        raise NotFound("therapist")
    therapist = load_therapist(connection, therapist_id)
    if therapist is None:
        raise NotFound("therapist")
    lock_rooms(connection, candidate_rooms(connection, None))
    return therapist


def _match(uow: UnitOfWork, entries: list[WaitlistEntry], therapist_id: str,
           window_from: datetime, window_to: datetime,
           now: datetime) -> tuple[WaitlistEntry, Slot] | None:
    connection = uow.connection
    settings = load_settings(connection)
    eligibility: dict[str, ClientEligibility] = {}

    def slots_for(service_id: str) -> list[Slot]:
        try:
            slots, _ = available_slots(connection, service_id, window_from, window_to, now,
                                       therapist_id)
        except (InvalidInput, NotFound):
            return []  # the window lies past the horizon, or the service is gone
        return slots

    def eligible(client_id: str, day: date) -> bool:
        if client_id not in eligibility:
            eligibility[client_id] = load_eligibility(connection, client_id).eligibility
        return not check_eligibility(eligibility[client_id], day)

    def offered_before(entry_id: str, slot: Slot) -> bool:
        return store.offered_before(connection, entry_id, slot.therapist_id, slot.start)

    def free_then(client_id: str, slot: Slot) -> bool:
        booked = client_bookings(connection, client_id, slot.start, slot.end)
        return not overlaps_a_visit(slot.start, slot.end, booked)

    return first_match(entries, slots_for, settings.zone, eligible, offered_before, free_then)


def _offer(uow: UnitOfWork, entry: WaitlistEntry, slot: Slot, now: datetime,
           policy: OfferPolicy) -> str:
    offer_id = new_id()
    token = new_token()
    hold_until = now + policy.hold
    store.insert_offer(uow.connection, {
        "id": offer_id, "entry_id": entry.id, "client_id": entry.client_id,
        "therapist_id": slot.therapist_id, "room_id": slot.room_id,
        "service_id": entry.service_id, "start": slot.start, "end": slot.end,
        "hold_until": hold_until, "token_hash": token_hash(token), "offered_at": now})
    store.set_entry_status(uow.connection, entry.id, OFFERED)
    uow.emit(WAITLIST_OFFERED, entry.client_id, {
        "offer_id": offer_id, "entry_id": entry.id, "client_id": entry.client_id,
        "therapist_id": slot.therapist_id, "service": entry.service_id, "start": slot.start,
        "end": slot.end, "hold_until": hold_until, "respond_url": policy.link(token)})
    return offer_id


# -- answers --------------------------------------------------------------------------------


def accept_offer(uow: UnitOfWork, offer_id: str, now: datetime) -> str:
    """Book the offered slot for the client; returns the appointment id."""
    return _accept(uow, _require_offer(uow, offer_id), now)


def accept_by_link(uow: UnitOfWork, token: str, now: datetime) -> str:
    """The client accepts through their link; the appointment id."""
    return _accept(uow, _offer_of_link(uow, token), now)


def decline_offer(uow: UnitOfWork, offer_id: str, now: datetime) -> None:
    """The client does not want the slot: it goes to the next; they stay on the list."""
    _decline(uow, _require_offer(uow, offer_id), now)


def decline_by_link(uow: UnitOfWork, token: str, now: datetime) -> None:
    """The client declines through their link."""
    _decline(uow, _offer_of_link(uow, token), now)


def expire_offer(uow: UnitOfWork, offer_id: str, now: datetime) -> bool:
    """Close an offer whose hold ran out and free its slot; False if it closed already."""
    offer = store.get_offer(uow.connection, offer_id, lock=True)
    if offer is None or offer.status != OPEN or now < offer.hold_until:
        return False
    _close(uow, offer, EXPIRED, now)
    return True


def _accept(uow: UnitOfWork, offer: Any, now: datetime) -> str:
    refusal = may_answer(offer.status, offer.hold_until, now)
    if refusal:
        raise OfferClosed(refusal)
    # Closed first, in this transaction: the hold no longer counts as busy here, while
    # everyone else still sees it until this commits (and then sees the appointment).
    store.close_offer(uow.connection, offer.id, ACCEPTED, now)
    appointment_id = book_appointment(uow, BookingRequest(
        client_id=offer.client_id, service_id=offer.service_id,
        therapist_id=offer.therapist_id, start=offer.start, room_id=offer.room_id), now)
    store.close_offer(uow.connection, offer.id, ACCEPTED, now, appointment_id)
    store.set_entry_status(uow.connection, offer.entry_id, BOOKED, appointment_id)
    _emit_closed(uow, offer, ACCEPTED, now, appointment_id)
    return appointment_id


def _decline(uow: UnitOfWork, offer: Any, now: datetime) -> None:
    refusal = may_answer(offer.status, offer.hold_until, now)
    if refusal:
        raise OfferClosed(refusal)
    _close(uow, offer, DECLINED, now)


def _close(uow: UnitOfWork, offer: Any, outcome: str, now: datetime) -> None:
    """Close an open offer that booked nothing: its slot becomes an opening again."""
    store.close_offer(uow.connection, offer.id, outcome, now)
    if outcome != WITHDRAWN:
        # Back in line (at their place): declining one slot is not leaving the list.
        store.set_entry_status(uow.connection, offer.entry_id, WAITING)
    store.add_opening(uow.connection, offer.therapist_id, offer.start, offer.end)
    _emit_closed(uow, offer, outcome, now, None)


def _require_offer(uow: UnitOfWork, offer_id: str) -> Any:
    offer = store.get_offer(uow.connection, offer_id, lock=True)
    if offer is None:
        raise NotFound("offer")
    return offer


def _offer_of_link(uow: UnitOfWork, token: str) -> Any:
    offer = store.offer_by_token(uow.connection, token_hash(token), lock=True)
    if offer is None:
        raise NotFound("offer")
    return offer


def _require_entry(uow: UnitOfWork, entry_id: str, lock: bool = True) -> Any:
    row = store.get_entry(uow.connection, entry_id, lock=lock)
    if row is None:
        raise NotFound("waitlist entry")
    return row


def _emit_entry(uow: UnitOfWork, event_type: EventType, entry_id: str, client_id: str,
                service_id: str, therapist_id: str | None, now: datetime) -> None:
    uow.emit(event_type, client_id, {
        "entry_id": entry_id, "client_id": client_id, "service": service_id,
        "therapist_id": therapist_id, "recorded_at": now})


def _emit_closed(uow: UnitOfWork, offer: Any, outcome: str, now: datetime,
                 appointment_id: str | None) -> None:
    uow.emit(WAITLIST_OFFER_CLOSED, offer.client_id, {
        "offer_id": offer.id, "entry_id": offer.entry_id, "client_id": offer.client_id,
        "outcome": outcome, "appointment_id": appointment_id, "closed_at": now})
