"""Bounded retries with exponential backoff; the clock is injected so tests need not wait."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently to retry a failing handler before dead-lettering."""

    max_attempts: int = 3
    initial_backoff: float = 0.2
    multiplier: float = 2.0
    max_backoff: float = 5.0
    jitter: float = 0.1

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        base = min(self.initial_backoff * self.multiplier ** (attempt - 1), self.max_backoff)
        return base * (1 + random.uniform(-self.jitter, self.jitter))
