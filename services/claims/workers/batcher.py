"""The batcher: puts ready claims into 837P interchanges, one payer batch at a time."""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Engine

from services.claims.commands.batching import BatchedConcurrently, batch_once, next_due
from services.claims.config import ClaimsConfig
from shared.db import read_only
from shared.loops import PeriodicLoop
from shared.uow import unit_of_work

log = logging.getLogger("services.claims.batching")


class Batcher(PeriodicLoop):
    """Puts ready claims into interchanges: full batches at once, partial ones after a wait.

    A loop of its own, beside the submission worker, so the next interchange is being
    made while the clearinghouse is still reading the last one. ``made`` is called after
    a round that made interchanges (the submission worker's ``wake``), so they are sent
    at once rather than after the worker's rest.
    """

    def __init__(
        self, engine: Engine, config: ClaimsConfig, made: Callable[[], None] | None = None
    ) -> None:
        super().__init__()
        self.engine = engine
        self.config = config
        self.idle_seconds = config.idle_sleep
        self.made = made
        self._due_in: float | None = None  # from the last look at the ready claims

    def run_round(self) -> int:
        """Make every interchange that is due now, each in its own transaction; how many."""
        made = 0
        while self._make_one():
            made += 1
        if made and self.made is not None:
            self.made()
        return made

    def rest_after_idle(self) -> float:
        """The idle rest, or less when the oldest waiting claim's batch is due sooner."""
        due_in = self._due_in
        return self.idle_seconds if due_in is None else min(self.idle_seconds, due_in + 0.01)

    def _make_one(self) -> bool:
        config = self.config
        # Look first without a write transaction: most looks find nothing due, and a write
        # turn would hold up the consumer and the submission worker (shared/db.py WriteTurns).
        with read_only(self.engine) as connection:
            due = next_due(connection, config.batch_size, config.batch_max_wait)
        if not isinstance(due, str):
            self._due_in = due
            return False
        try:
            with unit_of_work(self.engine, config.settings.service) as uow:
                batching = batch_once(
                    uow, config.batch_size, config.batch_max_wait, config.x12_usage
                )
        except BatchedConcurrently:
            # Another claims process batched some of these claims first; this interchange
            # was rolled back. Look again at once: what is left may still be due.
            log.info("claims batched by another process meanwhile; batching again")
            return True
        self._due_in = batching.due_in
        return batching.made
