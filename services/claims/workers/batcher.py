"""The batcher: puts ready claims into 837P interchanges, one payer batch at a time."""

from __future__ import annotations

from sqlalchemy import Engine

from services.claims.commands.batching import make_due_interchange
from services.claims.config import ClaimsConfig
from shared.loops import PeriodicLoop
from shared.uow import unit_of_work


class Batcher(PeriodicLoop):
    """Puts ready claims into interchanges: full batches at once, partial ones after a wait.

    A loop of its own, beside the submission worker, so the next interchange is being
    made while the clearinghouse is still reading the last one.
    """

    def __init__(self, engine: Engine, config: ClaimsConfig) -> None:
        super().__init__()
        self.engine = engine
        self.config = config
        self.idle_seconds = config.idle_sleep

    def run_round(self) -> int:
        """Make every interchange that is due now, each in its own transaction; how many."""
        made = 0
        while self._make_one():
            made += 1
        return made

    def _make_one(self) -> bool:
        config = self.config
        with unit_of_work(self.engine, config.settings.service) as uow:
            return make_due_interchange(
                uow, config.batch_size, config.batch_max_wait, config.x12_usage
            )
