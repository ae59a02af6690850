"""Ready claims -> one 837P interchange per payer batch, stored before anything is sent."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from services.claims import claiming
from services.claims.config import ClaimsConfig
from services.claims.domain.records import Payer
from services.claims.store import claims as claim_store
from services.claims.store import interchanges, projections, setup
from services.claims.x12.assemble import x12_claim, x12_parties
from services.claims.x12.model import ClaimBatch
from services.claims.x12.render_837p import InterchangeControl, Usage, render_837p
from shared.db import utcnow, write_transaction
from shared.loops import PeriodicLoop

log = logging.getLogger("services.claims.batching")


class Batcher(PeriodicLoop):
    """Puts ready claims into interchanges: full batches at once, partial ones after a wait.

    A loop of its own, beside the submission worker, so the next interchange is being
    made while the clearinghouse is still reading the last one.
    """

    def __init__(self, engine: Engine, config: ClaimsConfig) -> None:
        self.engine = engine
        self.config = config
        self.idle_seconds = config.idle_sleep
        super().__init__()

    def run_round(self) -> int:
        """Make what is due; how many interchanges were made."""
        return self.batch_once()

    def batch_once(self) -> int:
        """Make every interchange that is due now; return how many were made."""
        made = 0
        while self._make_one():
            made += 1
        return made

    def _make_one(self) -> bool:
        with write_transaction(self.engine) as connection:
            cutoff = utcnow() - timedelta(seconds=self.config.batch_max_wait)
            for payer_id, waiting, oldest in interchanges.ready_claims_by_payer(connection):
                if payer_id is None:
                    continue
                if waiting >= self.config.batch_size or oldest <= cutoff:
                    return self._batch(connection, payer_id)
        return False

    def _batch(self, connection: Any, payer_id: str) -> bool:
        rows = interchanges.oldest_ready_claims(connection, payer_id, self.config.batch_size)
        provider = setup.get_billing_provider(connection)
        if provider is None:
            log.warning("ready claims but no billing provider", extra={"payer_id": payer_id})
            return False
        lines = claim_store.lines_by_claim(connection, [row.claim_id for row in rows])
        documents = [_document(row, lines[row.claim_id]) for row in rows]
        control_number = interchanges.next_control_number(connection)
        submitter, receiver, billing = x12_parties(provider)
        batch = ClaimBatch(submitter, receiver, billing, tuple(documents))
        control = InterchangeControl(
            interchange_number=control_number,
            group_number=control_number,
            transaction_number=1,
            created_at=utcnow(),
            usage=Usage(self.config.x12_usage),
        )
        x12 = render_837p(batch, control)
        interchanges.store_interchange(connection, control_number, payer_id, submitter.id, x12)
        claim_ids = [row.claim_id for row in rows]
        if not interchanges.put_claims_in(connection, control_number, claim_ids):
            # Another batcher took some of these claims meanwhile: undo and try again.
            raise RuntimeError("claims were batched concurrently")
        claim_store.record_histories(
            connection, claim_ids, "ready", f"in interchange {control_number:09d}"
        )
        log.info(
            "interchange made",
            extra={"interchange": control_number, "payer_id": payer_id, "claims": len(rows)},
        )
        return True


def _document(row: Any, lines: list) -> Any:
    """The 837P claim from what the claim was scrubbed with (its snapshot)."""
    snapshot = json.loads(row.snapshot)
    session = claiming.session_from_data(json.loads(row.session))
    client = claiming.corrected(
        projections.client_from_data(snapshot["client"]), snapshot["corrections"]
    )
    referral = projections.referral_from_state(snapshot["referral"])
    payer = Payer(**snapshot["payer"])
    assert client is not None
    return x12_claim(
        row.claim_id, session, client, referral, payer, lines, snapshot["original_reference"]
    )
