"""Ready claims -> one 837P interchange per payer batch, stored before anything is sent."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection

from services.claims.domain.lifecycle import State
from services.claims.store import claims as claim_store
from services.claims.store import interchanges, setup
from services.claims.x12.assemble import x12_parties
from services.claims.x12.assembled import claim_to_send
from services.claims.x12.model import ClaimBatch
from services.claims.x12.render_837p import InterchangeControl, Usage, render_837p
from shared.db import utcnow
from shared.uow import UnitOfWork

log = logging.getLogger("services.claims.batching")
# One 837 transaction set per interchange, and its group number is the interchange's: the
# 999 that answers is matched on AK1 = GS06 and AK2 = this ST02 (docs/DOMAIN.md §Acknowledgements).
TRANSACTION_NUMBER = 1


class BatchedConcurrently(RuntimeError):
    """Another batcher (a second claims process) put some of these claims in its own
    interchange first; raised to roll this one back."""


@dataclass(frozen=True)
class Batching:
    """What one look at the ready claims did: made an interchange, or found none due
    (``due_in``: seconds until the oldest waiting batch is due by age; None: none waits)."""

    made: bool
    due_in: float | None = None


def make_due_interchange(uow: UnitOfWork, batch_size: int, max_wait: float, usage: str) -> bool:
    """Make one interchange that is due; False when none is.

    A payer's batch is due when it is full, or when its oldest ready claim has waited
    ``max_wait`` seconds. ``usage`` is ISA15 (T test, P production).
    """
    return batch_once(uow, batch_size, max_wait, usage).made


def batch_once(uow: UnitOfWork, batch_size: int, max_wait: float, usage: str) -> Batching:
    """``make_due_interchange``, and when none is due, how long until one is (``next_due``)."""
    due_in = next_due(uow.connection, batch_size, max_wait)
    if isinstance(due_in, str):
        return Batching(_batch(uow, due_in, batch_size, Usage(usage)))
    return Batching(False, due_in)


def next_due(connection: Connection, batch_size: int, max_wait: float) -> str | float | None:
    """The payer whose batch is due now; else seconds until the oldest waiting batch is due
    by age; None when no claim waits.

    The batcher rests that long rather than a fixed time, so a partial batch goes out
    ``max_wait`` after its oldest claim was ready, not up to a whole rest later. It asks
    this outside a write transaction first, so looking takes no write turn.
    """
    now = utcnow()
    cutoff = now - timedelta(seconds=max_wait)
    oldest_waiting = None
    for payer_id, waiting, oldest in interchanges.ready_claims_by_payer(connection):
        if payer_id is None:
            continue
        if waiting >= batch_size or oldest <= cutoff:
            return str(payer_id)
        oldest_waiting = oldest if oldest_waiting is None else min(oldest_waiting, oldest)
    if oldest_waiting is None:
        return None
    due = oldest_waiting + timedelta(seconds=max_wait)
    return max(0.0, (due - now).total_seconds())


def _batch(uow: UnitOfWork, payer_id: str, batch_size: int, usage: Usage) -> bool:
    connection = uow.connection
    rows = interchanges.oldest_ready_claims(connection, payer_id, batch_size)
    provider = setup.get_billing_provider(connection)
    if provider is None:
        log.warning("ready claims but no billing provider", extra={"payer_id": payer_id})
        return False
    control_number = interchanges.next_control_number(connection)
    submitter, receiver, billing = x12_parties(provider)
    batch = ClaimBatch(submitter, receiver, billing, tuple(_document(row) for row in rows))
    control = InterchangeControl(
        interchange_number=control_number,
        group_number=control_number,
        transaction_number=TRANSACTION_NUMBER,
        created_at=utcnow(),
        usage=usage,
    )
    x12 = render_837p(batch, control)
    interchanges.store_interchange(connection, control_number, payer_id, submitter.id, x12)
    claim_ids = [row.claim_id for row in rows]
    if not interchanges.put_claims_in(connection, control_number, claim_ids):
        # Another batcher took some of these claims meanwhile: undo and try again.
        raise BatchedConcurrently("claims were batched concurrently")
    claim_store.record_notes(
        connection, claim_ids, State.READY, f"in interchange {control_number:09d}"
    )
    log.info(
        "interchange made",
        extra={"interchange": control_number, "payer_id": payer_id, "claims": len(rows)},
    )
    return True


def _document(row: Any) -> Any:
    """The 837P claim the scrub assembled when it found the claim ready."""
    return claim_to_send(row.claim_id, row.snapshot)
