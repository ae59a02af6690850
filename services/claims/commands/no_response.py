"""Claims nobody answered: after CLAIMS_NO_RESPONSE_DAYS they go to billing's work queue.

A claim sent (999 accepted) or only received (277CA A1) that heard nothing more for that
long is ``no_response``; a late 277CA still moves it on (docs/CLAIM_LIFECYCLE.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from services.claims.commands import transitions
from services.claims.domain.lifecycle import TRANSITIONS, Step
from services.claims.store import claims as claim_store
from shared.uow import UnitOfWork


def flag_unanswered(uow: UnitOfWork, now: datetime, days: int) -> int:
    """Move every claim waiting longer than ``days`` to no_response; how many."""
    waiting = TRANSITIONS[Step.TIME_OUT].sources
    overdue = claim_store.claims_in_states_since(
        uow.connection, sorted(waiting), now - timedelta(days=days)
    )
    for claim in overdue:
        transitions.time_out(uow, claim, now, days)
    return len(overdue)
