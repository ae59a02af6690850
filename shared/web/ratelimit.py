"""Rate limiting for public endpoints (the booking widget's), per client address.

A token bucket per client address: ``MEDMASSAGE_PUBLIC_RATE_PER_MINUTE`` requests a minute
on average, bursts up to the same number; 0 turns it off. Staff endpoints are not limited
(they need a token). The buckets are rows of the service's database, so every worker and
every replica of the service draws from the same bucket; one ``INSERT ... ON CONFLICT DO
UPDATE ... WHERE`` takes a token (refill included) atomically on SQLite and PostgreSQL.
The address is the socket's, or the trusted proxy's (``shared/web/proxy.py``); IPv6
clients are counted per /64, the block one subscriber gets.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable

from flask import Flask, current_app, request
from sqlalchemy import (
    Column,
    Connection,
    Double,
    Index,
    MetaData,
    String,
    Table,
    bindparam,
    delete,
    text,
)

from shared.db import write_transaction
from shared.web.auth import access_of
from shared.web.context import service_context
from shared.web.problems import Problem

# Health, metrics and the API document are for machines that must never be throttled.
_UNLIMITED = {"system.healthz", "system.readyz", "system.metrics", "system.openapi", "static"}

metadata = MetaData()
rate_limit_buckets = Table(
    "rate_limit_buckets",
    metadata,
    Column("key", String(100), primary_key=True),
    Column("tokens", Double, nullable=False),
    # Seconds since the epoch (wall clock: the processes sharing a bucket share no other).
    Column("refilled_at", Double, nullable=False),
    Index("ix_rate_limit_buckets_refilled_at", "refilled_at"),
)


# The tokens a bucket holds now: refilled at ``rate`` a second since it was last taken from
# (a clock behind the last taker's adds nothing), never above ``capacity``.
_REFILLED = ("(rate_limit_buckets.tokens + CASE WHEN :now > rate_limit_buckets.refilled_at "
             "THEN :now - rate_limit_buckets.refilled_at ELSE 0 END * :rate)")
_AVAILABLE = f"CASE WHEN {_REFILLED} > :capacity THEN :capacity ELSE {_REFILLED} END"
_PARAMETERS = (bindparam("key", type_=String), bindparam("now", type_=Double),
               bindparam("rate", type_=Double), bindparam("capacity", type_=Double))
# One statement takes a token atomically, refill included, on SQLite and PostgreSQL alike.
# Plain SQL text because SQLAlchemy (2.0) compiles its dialects' ON CONFLICT inserts again
# on every execution: ~0.5 ms of CPU a request, more than SQLite takes to run it.
_TAKE = text(f"""
    INSERT INTO rate_limit_buckets (key, tokens, refilled_at) VALUES (:key, :capacity - 1, :now)
    ON CONFLICT (key) DO UPDATE SET
        tokens = {_AVAILABLE} - 1,
        refilled_at = CASE WHEN :now > rate_limit_buckets.refilled_at THEN :now
                           ELSE rate_limit_buckets.refilled_at END
    WHERE {_AVAILABLE} >= 1
    RETURNING key""").bindparams(*_PARAMETERS)
_LEFT = text(f"SELECT {_AVAILABLE} FROM rate_limit_buckets WHERE key = :key").bindparams(
    *_PARAMETERS)


class RateLimit:
    """Token buckets in the database: ``per_minute`` a minute, bursts of ``per_minute``."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        # A bucket untouched this long is full again, the same as having no row.
        self.full_after = self.capacity / self.rate
        self.clock = clock
        self._swept_at = 0.0

    def take(self, connection: Connection, key: str) -> float:
        """Take a token from ``key``'s bucket: 0 when allowed, else seconds until one is free."""
        now = self.clock()
        values = {"key": key, "now": now, "rate": self.rate, "capacity": self.capacity}
        granted = connection.execute(_TAKE, values).first() is not None
        self._sweep(connection, now)
        if granted:
            return 0.0
        tokens = connection.execute(_LEFT, values).scalar_one()
        return max((1 - tokens) / self.rate, 0.001)

    def _sweep(self, connection: Connection, now: float) -> None:
        # Full buckets are dropped now and then, so addresses seen once leave no row behind.
        if now - self._swept_at < self.full_after:
            return
        self._swept_at = now
        connection.execute(delete(rate_limit_buckets).where(
            rate_limit_buckets.c.refilled_at < now - self.full_after))


def bucket_key(address: str | None) -> str:
    """The bucket of a client address: the address, or for IPv6 its /64 network.

    One IPv6 subscriber is handed a whole /64 and may send from any address in it, so
    per-address buckets would let one client take as many as it likes.
    """
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return (address or "unknown")[:100]
    if isinstance(ip, ipaddress.IPv4Address):
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def limit_public_endpoints(app: Flask, per_minute: int) -> None:
    """Answer 429 problem+json to a client address that exceeds the public rate."""
    if per_minute <= 0:
        return
    limit = RateLimit(per_minute)

    @app.before_request
    def _limit() -> None:
        endpoint = request.endpoint
        if endpoint is None or endpoint in _UNLIMITED:
            return
        try:
            if access_of(current_app.view_functions[endpoint]) is not None:
                return
        except LookupError:
            return
        with write_transaction(service_context().engine) as connection:
            wait = limit.take(connection, bucket_key(request.remote_addr))
        if wait:
            raise Problem(429, "Too Many Requests", "Slow down and retry shortly.",
                          "rate-limited", retry_after_seconds=round(wait, 1))
