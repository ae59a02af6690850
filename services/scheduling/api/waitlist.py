"""The waitlist: the front desk's list and offers, and the client's answer by link.

The client's link carries a single-use secret (``domain/waitlist.py``) instead of a staff
token; those views are public, rate-limited like every public view, and show only the
offered slot.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from sqlalchemy import Connection

from services.scheduling.api.common import config, now
from services.scheduling.api.waitlist_schemas import (
    EntryInSchema,
    EntrySchema,
    LinkAnswerInSchema,
    LinkInSchema,
    ManualOfferInSchema,
    OfferForClientSchema,
    OfferSchema,
    PositionInSchema,
    WaitlistQuery,
    WaitlistSchema,
)
from services.scheduling.commands import waitlist as commands
from services.scheduling.domain.errors import NotFound
from services.scheduling.domain.waitlist import ON_THE_LIST, WaitlistEntry, Window, token_hash
from services.scheduling.store import waitlist as store
from services.scheduling.store.calendar import load_service, load_therapist, new_id
from shared.uow import UnitOfWork
from shared.web import allow, api, load_body, load_query, public, reads, respond, writes

bp = Blueprint("waitlist", __name__)
# The client's answer: never cached, never sent on as a referrer.
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _entries(connection: Connection, rows: list[Any]) -> list[dict[str, Any]]:
    offers = store.open_offers_of(connection, [row.id for row in rows])
    return [_entry(row, offers.get(row.id)) for row in rows]


def _entry(row: Any, offer: Any) -> dict[str, Any]:
    shown = dict(row._mapping)
    shown["windows"] = [{"weekday": w.weekday, "start": w.start, "end": w.end}
                        for w in store.to_entry(row).windows]
    shown["offer"] = offer._mapping if offer is not None else None
    return shown


def _shown_entry(connection: Connection, entry_id: str) -> dict[str, Any]:
    row = store.get_entry(connection, entry_id)
    if row is None:
        raise NotFound("waitlist entry")
    return _entry(row, store.open_offer_of(connection, entry_id))


def _shown_offer(connection: Connection, offer_id: str) -> Any:
    return store.get_offer(connection, offer_id)._mapping


@bp.get("/waitlist")
@allow("front_desk")
@api("The waitlist in order, each entry with its state and open offer", query=WaitlistQuery,
     response=WaitlistSchema)
@reads
def list_waitlist(connection: Connection) -> Response:
    """Entries in list order: those waiting or holding an offer unless a status is asked."""
    query = load_query(WaitlistQuery)
    status = (query["status"],) if "status" in query else ON_THE_LIST
    rows = store.list_entries(connection, status, query.get("service"))
    return respond(WaitlistSchema, {"entries": _entries(connection, rows)})


@bp.post("/waitlist")
@allow("front_desk")
@api("Put a client on the waitlist", request=EntryInSchema, response=EntrySchema, status=201,
     errors=(400, 404, 409))
@writes
def join(uow: UnitOfWork) -> Response:
    """At the end of the list, for a service, a therapist (or any), windows and dates
    (409 when the client already waits for that service)."""
    data = load_body(EntryInSchema)
    entry = WaitlistEntry(
        id=new_id(), client_id=data["client_id"], service_id=data["service_id"],
        therapist_id=data["therapist_id"],
        windows=tuple(Window(w["weekday"], w["start"], w["end"]) for w in data["windows"]),
        earliest_on=data["earliest_on"], latest_on=data["latest_on"])
    commands.join_waitlist(uow, entry, now())
    return respond(EntrySchema, _shown_entry(uow.connection, entry.id), 201)


@bp.get("/waitlist/<entry_id>")
@allow("front_desk")
@api("Show a waitlist entry and its open offer", response=EntrySchema, errors=(404,))
@reads
def show(connection: Connection, entry_id: str) -> Response:
    """One entry."""
    return respond(EntrySchema, _shown_entry(connection, entry_id))


@bp.delete("/waitlist/<entry_id>")
@allow("front_desk")
@api("Take a client off the waitlist", status=204, errors=(404, 409))
@writes
def leave(uow: UnitOfWork, entry_id: str) -> Response:
    """An offer they hold is withdrawn, and its slot offered to the next."""
    commands.leave_waitlist(uow, entry_id, now())
    return Response(status=204)


@bp.post("/waitlist/<entry_id>/position")
@allow("front_desk")
@api("Move a client up or down the waitlist", request=PositionInSchema, response=EntrySchema,
     errors=(400, 404, 409))
@writes
def reorder(uow: UnitOfWork, entry_id: str) -> Response:
    """Put the entry at a position (1 = first); the others keep their order."""
    commands.move_entry(uow, entry_id, load_body(PositionInSchema)["position"])
    return respond(EntrySchema, _shown_entry(uow.connection, entry_id))


@bp.post("/waitlist/<entry_id>/offer")
@allow("front_desk")
@api("Offer a chosen slot to a waitlisted client now", request=ManualOfferInSchema,
     response=OfferSchema, status=201, errors=(400, 404, 409, 422))
@writes
def offer(uow: UnitOfWork, entry_id: str) -> Response:
    """Hold the slot for this client (out of turn) and send them the offer."""
    data = load_body(ManualOfferInSchema)
    offer_id = commands.offer_slot(uow, entry_id, data["therapist_id"], data["start"],
                                   data["room_id"], now(), config().offer_policy)
    return respond(OfferSchema, _shown_offer(uow.connection, offer_id), 201)


@bp.post("/waitlist/offers/<offer_id>/accept")
@allow("front_desk")
@api("Accept an offer for the client (on the phone): books the slot", response=OfferSchema,
     errors=(404, 409, 422))
@writes
def accept(uow: UnitOfWork, offer_id: str) -> Response:
    """Book the held slot through the normal booking path."""
    commands.accept_offer(uow, offer_id, now())
    return respond(OfferSchema, _shown_offer(uow.connection, offer_id))


@bp.post("/waitlist/offers/<offer_id>/decline")
@allow("front_desk")
@api("Decline an offer for the client: the slot goes to the next", response=OfferSchema,
     errors=(404, 409))
@writes
def decline(uow: UnitOfWork, offer_id: str) -> Response:
    """The client stays on the list; this slot is offered to the next."""
    commands.decline_offer(uow, offer_id, now())
    return respond(OfferSchema, _shown_offer(uow.connection, offer_id))


# -- the client's link ----------------------------------------------------------------------


def _for_client(connection: Connection, offer: Any) -> Response:
    therapist = load_therapist(connection, offer.therapist_id)
    service = load_service(connection, offer.service_id)
    body = {**offer._mapping, "therapist_name": therapist.name if therapist else "",
            "service_name": service.name if service else ""}
    return respond(OfferForClientSchema, body, headers=PRIVATE)


@bp.post("/waitlist/link")
@public
@api("What a waitlist offer link offers (the token is the credential)", request=LinkInSchema,
     response=OfferForClientSchema, errors=(400, 404))
@reads
def show_link(connection: Connection) -> Response:
    """The slot, with whom, and until when it is held; the same for any state of the offer."""
    found = store.offer_by_token(connection, token_hash(load_body(LinkInSchema)["token"]))
    if found is None:
        raise NotFound("offer")
    return _for_client(connection, found)


@bp.post("/waitlist/link/answer")
@public
@api("The client accepts or declines a waitlist offer by its link", request=LinkAnswerInSchema,
     response=OfferForClientSchema, errors=(400, 404, 409, 422))
@writes
def answer_link(uow: UnitOfWork) -> Response:
    """Accept (books the slot) or decline; a link answers once, and only while held."""
    data = load_body(LinkAnswerInSchema)
    if data["answer"] == "accept":
        commands.accept_by_link(uow, data["token"], now())
    else:
        commands.decline_by_link(uow, data["token"], now())
    return _for_client(uow.connection, store.offer_by_token(uow.connection,
                                                            token_hash(data["token"])))
