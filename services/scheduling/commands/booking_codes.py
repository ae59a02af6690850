"""Booking codes: the front desk issues and revokes them; the widget presents them.

Rules in ``domain/booking_codes.py``; scheduling keeps only a lookup id and a hash of
each code's secret, so the code itself is shown once, to the front desk that issued it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.scheduling.domain.booking_codes import (
    BookingCode,
    Verdict,
    judge,
    new_code,
    parse_code,
)
from services.scheduling.domain.errors import NotFound
from services.scheduling.store import booking_codes as store
from services.scheduling.store.eligibility import load_eligibility
from shared.uow import UnitOfWork

log = logging.getLogger("services.scheduling.booking_codes")
# A fresh lookup id collides with a stored one about once in 31^4 / (codes stored) draws.
LOOKUP_DRAWS = 20


@dataclass(frozen=True)
class IssuedCode:
    """A new code and when it stops working; the only time the code itself exists."""

    client_id: str
    code: BookingCode
    expires_at: datetime


@dataclass(frozen=True)
class Presented:
    """What presenting a code came to, and whose code it is when it was accepted."""

    verdict: Verdict
    client_id: str | None = None


def issue_booking_code(uow: UnitOfWork, client_id: str, now: datetime,
                       days: int) -> IssuedCode:
    """Give a client scheduling knows a new code valid ``days``; any earlier one stops working."""
    if not load_eligibility(uow.connection, client_id).known:
        raise NotFound("client")
    code = _code_with_a_free_lookup(uow)
    expires_at = now + timedelta(days=days)
    store.replace_code(uow.connection, client_id, code.lookup, code.secret_hash(), now,
                       expires_at)
    log.info("booking code issued", extra={"client_id": client_id})
    return IssuedCode(client_id, code, expires_at)


def _code_with_a_free_lookup(uow: UnitOfWork) -> BookingCode:
    for _ in range(LOOKUP_DRAWS):
        code = new_code()
        if not store.lookup_taken(uow.connection, code.lookup):
            return code
    raise RuntimeError(f"no free booking code lookup id in {LOOKUP_DRAWS} draws")


def revoke_booking_code(uow: UnitOfWork, client_id: str, now: datetime) -> None:
    """Stop the client's code working (404 when they have no active one)."""
    if not store.revoke(uow.connection, client_id, now):
        raise NotFound("booking code")
    log.info("booking code revoked", extra={"client_id": client_id})


def present_booking_code(uow: UnitOfWork, text: str, now: datetime) -> Presented:
    """Check a code the widget sent; a wrong secret is counted against its code.

    Commit the unit of work even when the code is refused: the count is what stops
    guessing (``MAX_MISSES`` wrong secrets revoke the code).
    """
    code = parse_code(text)
    if code is None:
        return Presented(Verdict.UNKNOWN)
    stored = store.code_by_lookup(uow.connection, code.lookup)
    verdict = judge(stored, code, now)
    if stored is None:
        return Presented(verdict)
    if verdict is Verdict.WRONG_SECRET:
        store.set_misses(uow.connection, code.lookup, stored.misses + 1)
    elif verdict is Verdict.LOCKED_OUT:
        store.set_misses(uow.connection, code.lookup, stored.misses + 1, revoked_at=now)
        log.warning("booking code revoked after too many wrong tries",
                    extra={"client_id": stored.client_id})
    elif verdict is Verdict.ACCEPTED and stored.misses:
        store.set_misses(uow.connection, code.lookup, 0)
    if verdict is Verdict.ACCEPTED:
        return Presented(verdict, stored.client_id)
    return Presented(verdict)
