"""Rate limiting for public endpoints (the booking widget's), per caller address.

A token bucket per remote address: ``MEDMASSAGE_PUBLIC_RATE_PER_MINUTE`` requests a
minute on average, bursts up to the same number; 0 turns it off. Staff endpoints are
not limited (they need a token). XXX: buckets live in each process, so N gunicorn
workers allow up to N times the rate; put a shared limiter (the ingress) in front for
a hard limit.
"""

from __future__ import annotations

import os
import threading
import time

from flask import Flask, current_app, request

from shared.web.auth import access_of
from shared.web.problems import Problem

# Health, metrics and the API document are for machines that must never be throttled.
_UNLIMITED = {"system.healthz", "system.readyz", "system.metrics", "system.openapi", "static"}


class TokenBuckets:
    """Per-key token buckets refilled continuously; thread-safe."""

    def __init__(self, per_minute: int, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """Take one token; return 0 when allowed, else the seconds until one is free."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate


def limit_public_endpoints(app: Flask) -> None:
    """Answer 429 problem+json to a caller that exceeds the public rate."""
    per_minute = int(os.environ.get("MEDMASSAGE_PUBLIC_RATE_PER_MINUTE", "120"))
    if per_minute <= 0:
        return
    app.extensions["rate_limits"] = TokenBuckets(per_minute)

    @app.before_request
    def _limit() -> None:
        endpoint = request.endpoint
        if endpoint is None or endpoint in _UNLIMITED:
            return
        view = current_app.view_functions[endpoint]
        try:
            if access_of(view) is not None:
                return
        except LookupError:
            return
        wait = app.extensions["rate_limits"].take(request.remote_addr or "unknown")
        if wait:
            raise Problem(429, "Too Many Requests", "Slow down and retry shortly.",
                          "rate-limited", retry_after_seconds=round(wait, 1))
