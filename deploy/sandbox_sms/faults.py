"""Faults a test can arm so the next sends fail the way real providers do: 503, slow, drop."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

MODES = ("503", "slow", "drop")


@dataclass(frozen=True)
class Fault:
    """The next ``count`` sends fail as ``mode`` says (``slow``: wait ``seconds``, then serve)."""

    mode: str
    count: int = 1
    seconds: float = 0.0

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        """Build a fault from ``{"mode": ..., "count": ..., "seconds": ...}``."""
        if not isinstance(data, dict) or data.get("mode") not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        unknown = set(data) - {"mode", "count", "seconds"}
        if unknown:
            raise ValueError(f"unknown fault keys: {sorted(unknown)}")
        count, seconds = data.get("count", 1), data.get("seconds", 0)
        if not isinstance(count, int) or isinstance(count, bool) or count < 1:
            raise ValueError("count must be a positive integer")
        if not isinstance(seconds, int | float) or seconds < 0 or (
                data["mode"] == "slow") != (seconds > 0):
            raise ValueError("seconds must be positive for slow, and only for slow")
        return cls(data["mode"], count, float(seconds))


class Faults:
    """The armed fault, used up one send at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: tuple[Fault, int] | None = None

    def arm(self, fault: Fault) -> None:
        with self._lock:
            self._armed = (fault, fault.count)

    def clear(self) -> None:
        with self._lock:
            self._armed = None

    def take(self) -> Fault | None:
        """The fault this send suffers, if any."""
        with self._lock:
            if self._armed is None:
                return None
            fault, left = self._armed
            self._armed = (fault, left - 1) if left > 1 else None
            return fault
