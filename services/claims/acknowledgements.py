"""Fetch 277CA acknowledgements for submitted interchanges and settle each claim."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from services.claims.clearinghouse import Clearinghouse
from services.claims.config import ClaimsConfig
from services.claims.domain.records import Reason
from services.claims.store import claims as claim_store
from services.claims.store import interchanges
from services.claims.submission import reject_claims
from services.claims.x12.acknowledgements import (
    ACCEPTED_CLAIM_CATEGORIES,
    ClaimAcknowledgement,
    parse_277ca,
)
from services.claims.x12.syntax import X12SyntaxError
from shared.db import utcnow, write_transaction
from shared.events.contracts.claims import CLAIM_ACCEPTED
from shared.loops import PeriodicLoop
from shared.outbox import Emission, emit_all

log = logging.getLogger("services.claims.acknowledgements")
SOURCE = "claims"


class AcknowledgementPoller(PeriodicLoop):
    """Asks the clearinghouse for the 277CA of every interchange its 999 accepted."""

    def __init__(
        self, engine: Engine, config: ClaimsConfig, clearinghouse: Clearinghouse | None = None
    ) -> None:
        self.engine = engine
        self.config = config
        self.clearinghouse = clearinghouse or Clearinghouse(config)
        self._lease = config.work_lease
        self.idle_seconds = config.idle_sleep
        super().__init__()

    def run_round(self) -> int:
        """One poll of every due interchange."""
        return self.poll_once()

    def poll_once(self) -> int:
        """Check every interchange that is due; return how many got their 277CA."""
        with write_transaction(self.engine) as connection:
            due = interchanges.lease_due(connection, interchanges.ACCEPTED, self._lease)
        settled = 0
        for interchange in due:
            number = interchange.control_number
            answer = self.clearinghouse.claim_acknowledgement(number, interchange.sender_id)
            with write_transaction(self.engine) as connection:
                if answer.status == 200 and self._settle(connection, number, answer.body):
                    settled += 1
                else:
                    # Not there yet (404), or the clearinghouse is unwell: look again later.
                    later = utcnow() + timedelta(seconds=self.config.poll_interval)
                    interchanges.update_interchange(connection, number, next_attempt_at=later)
        return settled

    def _settle(self, connection: Connection, number: int, text: str) -> bool:
        try:
            report = parse_277ca(text)
        except X12SyntaxError:
            log.warning("unreadable 277CA", extra={"interchange": number})
            return False
        now = utcnow()
        open_claims = 0
        accepted: list[tuple[Any, ClaimAcknowledgement]] = []
        rejected: list[tuple[Any, list[Reason]]] = []
        for claim in claim_store.claims_in_interchange(connection, number):
            if claim.status != "submitted":
                continue
            verdict = report.for_claim(claim.claim_id)
            if verdict is None:
                open_claims += 1
            elif verdict.accepted:
                accepted.append((claim, verdict))
            else:
                rejected.append((claim, _rejection_reasons(verdict)))
        _accept(connection, accepted, now)
        reject_claims(connection, rejected, "277CA rejected")
        status = interchanges.ACCEPTED if open_claims else interchanges.ACKNOWLEDGED
        interchanges.update_interchange(
            connection,
            number,
            status=status,
            claim_ack=text,
            acknowledged_at=now,
            next_attempt_at=now + timedelta(seconds=self.config.poll_interval),
        )
        log.info("277CA recorded", extra={"interchange": number, "unanswered": open_claims})
        return True


def _accept(
    connection: Connection, accepted: list[tuple[Any, ClaimAcknowledgement]], now: Any
) -> None:
    claim_store.settle_claims(
        connection,
        "accepted",
        [
            {
                "claim_id": claim.claim_id,
                "reasons": "[]",
                "payer_claim_control_number": verdict.payer_claim_control_number,
            }
            for claim, verdict in accepted
        ],
        "277CA accepted",
    )
    emit_all(
        connection,
        CLAIM_ACCEPTED,
        source=SOURCE,
        emissions=[
            Emission(
                subject=claim.client_id,
                data={
                    "claim_id": claim.claim_id,
                    "client_id": claim.client_id,
                    "payer_claim_control_number": verdict.payer_claim_control_number,
                    "accepted_at": now,
                },
                correlation_id=claim.correlation_id,
            )
            for claim, verdict in accepted
        ],
    )


def _rejection_reasons(verdict: ClaimAcknowledgement) -> list[Reason]:
    reasons = [
        Reason(
            f"stc_{status.category}_{status.code}".lower(),
            status.message or f"277CA status {status.category}:{status.code}",
        )
        for status in verdict.statuses
        if status.category not in ACCEPTED_CLAIM_CATEGORIES
    ]
    return list(dict.fromkeys(reasons)) or [
        Reason("payer_rejected", "the payer's front end rejected the claim")
    ]
