"""The skeleton of a background worker: do a round of work, rest when idle, until stopped."""

from __future__ import annotations

import threading


class PeriodicLoop:
    """Calls ``run_round()`` until ``stop()``; rests ``idle_seconds`` after an idle round.

    Subclasses implement ``run_round`` (return how much work was done) and set
    ``idle_seconds``. ``stop()`` lets the round in hand finish. A round that raises ends
    ``run``; the service runtime restarts the loop after a pause.
    """

    idle_seconds: float = 1.0

    def __init__(self) -> None:
        self._stopping = threading.Event()

    def run_round(self) -> int:
        """One round of work; the amount done (0 = idle)."""
        raise NotImplementedError

    def run(self) -> None:
        """Run rounds until stop()."""
        while not self._stopping.is_set():
            if not self.run_round():
                self._stopping.wait(self.idle_seconds)

    def stop(self) -> None:
        """Finish the round in hand and return."""
        self._stopping.set()
