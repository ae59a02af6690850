"""Faults a test can arm so the next requests fail the way real networks and servers do."""

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MODES = ("503", "slow", "drop")


@dataclass(frozen=True)
class Fault:
    """One armed fault: 503 answers, slow answers (after `seconds`), or dropped connections."""

    mode: str
    count: int
    seconds: float = 0.0

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Fault":
        """Build a fault from `{"mode": ..., "count": ..., "seconds": ...}`."""
        mode = str(data.get("mode"))
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}")
        count = data.get("count", 1)
        seconds = data.get("seconds", 0)
        if not isinstance(count, int) or count < 1:
            raise ValueError("count must be a positive integer")
        if not isinstance(seconds, int | float) or seconds < 0 or (mode == "slow") != (seconds > 0):
            raise ValueError("seconds must be positive for slow, and only for slow")
        return cls(mode=mode, count=count, seconds=float(seconds))


class FaultPlan:
    """The armed fault, used up one request at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fault: Fault | None = None
        self._left = 0

    def arm(self, fault: Fault) -> None:
        """Make the next `fault.count` requests fail as `fault.mode` says."""
        with self._lock:
            self._fault, self._left = fault, fault.count

    def clear(self) -> None:
        """Let requests through normally again."""
        with self._lock:
            self._fault, self._left = None, 0

    def take(self) -> Fault | None:
        """Return the fault this request suffers, if any, and count it as used."""
        with self._lock:
            if self._fault is None or self._left == 0:
                return None
            self._left -= 1
            return self._fault
