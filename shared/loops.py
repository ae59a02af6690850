"""The skeleton of a background worker: do a round of work, rest when idle, until stopped."""

from __future__ import annotations

import threading


class PeriodicLoop:
    """Calls ``run_round()`` until ``stop()``; rests ``idle_seconds`` after an idle round.

    Subclasses implement ``run_round`` (return how much work was done) and set
    ``idle_seconds``; ``rest_after_idle()`` may rest less when the loop knows its next
    work is due sooner. ``wake()`` ends a rest at once (another loop just made work for
    this one). ``stop()`` lets the round in hand finish. A round that raises ends ``run``;
    the service runtime restarts the loop after a pause.
    """

    idle_seconds: float = 1.0

    def __init__(self) -> None:
        self._stopping = threading.Event()
        self._woken = threading.Event()

    def run_round(self) -> int:
        """One round of work; the amount done (0 = idle)."""
        raise NotImplementedError

    def rest_after_idle(self) -> float:
        """Seconds to rest after an idle round: ``idle_seconds`` unless a subclass knows better."""
        return self.idle_seconds

    def run(self) -> None:
        """Run rounds until stop()."""
        while not self._stopping.is_set():
            if not self.run_round():
                self._woken.wait(self.rest_after_idle())
            self._woken.clear()

    def wake(self) -> None:
        """End the current rest (or skip the next one): there is work now."""
        self._woken.set()

    def stop(self) -> None:
        """Finish the round in hand and return."""
        self._stopping.set()
        self._woken.set()
