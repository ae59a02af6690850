"""Claims from sessions: build, scrub, re-scrub and replace claims in the caller's transaction.

Everything here runs inside a transaction the caller owns (a consumer handler or a
request), so a claim, its lines, its history and its events commit together.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from services.claims.domain.claim import READY, ClaimInputs, PreparedClaim, prepare_claim
from services.claims.domain.records import Client, Payer, Reason, Referral, Session, SessionCode
from services.claims.store import claims as claim_store
from services.claims.store import projections, setup
from services.claims.x12.assemble import x12_claim
from shared.billing.techniques import load_technique_codes
from shared.db import utcnow
from shared.events.contracts.claims import CLAIM_CREATED, CLAIM_NEEDS_REVIEW, CLAIM_READY
from shared.outbox import emit

log = logging.getLogger("services.claims")
SOURCE = "claims"


class ClaimNotFound(LookupError):
    """No claim has this id."""


class CannotResubmit(ValueError):
    """Only a rejected claim that was not replaced yet can be corrected and resubmitted."""


@dataclass(frozen=True)
class Evaluation:
    """A prepared claim and what it was built from (kept to render it later)."""

    prepared: PreparedClaim
    snapshot: dict[str, Any]


def new_claim_id() -> str:
    """A claim id that fits CLM01: "C-" and a UUID, 38 characters."""
    return f"C-{uuid.uuid4()}"


@cache
def _technique_codes() -> dict[str, str]:
    return load_technique_codes()


def session_from_data(data: Mapping[str, Any]) -> Session:
    """A domain Session from stored session.completed data (JSON types, validated on consume)."""
    return session_from_payload(
        {**data, "date_of_service": date.fromisoformat(data["date_of_service"])}
    )


def session_from_payload(loaded: Mapping[str, Any]) -> Session:
    """A domain Session from a schema-loaded session.completed payload."""
    codes = _technique_codes()
    regions: dict[str, set[str]] = {}
    for record in loaded["techniques"]:
        code = codes.get(record["technique"])
        if code is not None:
            regions.setdefault(code, set()).update(record["body_regions"])
    return Session(
        session_id=loaded["session_id"],
        client_id=loaded["client_id"],
        referral_id=loaded["referral_id"],
        date_of_service=loaded["date_of_service"],
        place_of_service=loaded["place_of_service"],
        counting_method=loaded["counting_method"],
        rendering_name=loaded["rendering_provider"]["name"],
        rendering_npi=loaded["rendering_provider"]["npi"],
        codes=tuple(
            SessionCode(
                code=item["code"],
                minutes=item["minutes"],
                units=item["units"],
                body_regions=frozenset(regions.get(item["code"], ())),
            )
            for item in loaded["codes"]
        ),
    )


def evaluate(
    connection: Connection,
    claim_id: str,
    session: Session,
    corrections: Mapping[str, Any],
    original_reference: str | None = None,
) -> Evaluation:
    """Build and scrub the claim for ``session`` from the projections as they are now."""
    client_data = projections.client_payload(connection, session.client_id)
    client = projections.client_from_data(client_data) if client_data else None
    client = corrected(client, corrections)
    referral_state = projections.referral_state(connection, session.referral_id)
    referral = projections.referral_from_state(referral_state) if referral_state else None
    billing = setup.billing_setup(connection)
    payer = None
    if client is not None and client.coverage is not None:
        payer = billing.payers.get(client.coverage.payer_id)
    inputs = ClaimInputs(
        session=session,
        client=client,
        referral=referral,
        payer=payer,
        fees=billing.fees,
        edits=billing.edits,
        billing_npi=billing.provider["npi"] if billing.provider else None,
        visits_used=claim_store.visits_billed(connection, session.referral_id, session.session_id),
        today=utcnow().date(),
    )
    prepared = prepare_claim(inputs)
    if prepared.status == READY:
        prepared = _checked_for_x12(
            claim_id, session, client, referral, payer, prepared, original_reference
        )
    snapshot = {
        "client": client_data,
        "referral": referral_state,
        "payer": dataclasses.asdict(payer) if payer else None,
        "corrections": dict(corrections),
        "original_reference": original_reference,
    }
    return Evaluation(prepared, snapshot)


def corrected(client: Client | None, corrections: Mapping[str, Any]) -> Client | None:
    """The client as billing corrected it for one claim (e.g. another member id)."""
    member_id = corrections.get("member_id")
    if client is None or client.coverage is None or not member_id:
        return client
    return dataclasses.replace(
        client, coverage=dataclasses.replace(client.coverage, member_id=member_id)
    )


def _checked_for_x12(
    claim_id: str,
    session: Session,
    client: Client | None,
    referral: Referral | None,
    payer: Payer | None,
    prepared: PreparedClaim,
    original_reference: str | None,
) -> PreparedClaim:
    # The last scrub step: the claim must be writable as an 837P. The detail may hold
    # patient data, so it goes to the log by claim id only and not into the reason.
    assert client is not None and referral is not None and payer is not None
    try:
        x12_claim(claim_id, session, client, referral, payer, prepared.lines, original_reference)
    except ValueError:
        log.info("claim cannot be written as 837P", extra={"claim_id": claim_id})
        reason = Reason(
            "x12_invalid",
            "some claim data cannot be written as an 837P; check names, addresses and ids",
        )
        return dataclasses.replace(prepared, reasons=(*prepared.reasons, reason))
    return prepared


def create_claim(
    connection: Connection,
    session_data: Mapping[str, Any],
    payload: Mapping[str, Any],
    correlation_id: str | None,
) -> str | None:
    """Make the one claim of a completed session; None when the session already has one.

    ``session_data`` is the event's data as published (kept to rebuild the claim later),
    ``payload`` the same data loaded by its schema.
    """
    session = session_from_payload(payload)
    claim_id = new_claim_id()
    evaluation = evaluate(connection, claim_id, session, {})
    created = _insert(
        connection,
        claim_id,
        session,
        session_data,
        evaluation,
        attempt=1,
        replaces=None,
        correlation_id=correlation_id,
    )
    if not created:
        log.info("session already claimed", extra={"session_id": session.session_id})
        return None
    return claim_id


def _insert(
    connection: Connection,
    claim_id: str,
    session: Session,
    session_data: Mapping[str, Any],
    evaluation: Evaluation,
    attempt: int,
    replaces: str | None,
    correlation_id: str | None,
) -> bool:
    prepared = evaluation.prepared
    inserted = claim_store.insert_claim(
        connection,
        {
            "claim_id": claim_id,
            "session_id": session.session_id,
            "attempt": attempt,
            "client_id": session.client_id,
            "referral_id": session.referral_id,
            "payer_id": prepared.payer_id,
            "status": prepared.status,
            "date_of_service": session.date_of_service,
            "total_charge": prepared.total_charge,
            "expected_allowed": prepared.expected_allowed,
            "reasons": claim_store.reasons_json(prepared.reasons),
            "session": json.dumps(dict(session_data)),
            "snapshot": json.dumps(evaluation.snapshot),
            "corrections": json.dumps(evaluation.snapshot["corrections"]),
            "frequency": "1" if replaces is None else "7",
            "replaces_claim_id": replaces,
            "correlation_id": correlation_id,
            "ready_at": utcnow() if prepared.status == READY else None,
        },
        prepared.lines,
    )
    if not inserted:
        return False
    log.info(
        "claim created",
        extra={"claim_id": claim_id, "session_id": session.session_id, "status": prepared.status},
    )
    _announce(connection, claim_id, session, prepared, correlation_id)
    return True


def _announce(
    connection: Connection,
    claim_id: str,
    session: Session,
    prepared: PreparedClaim,
    correlation_id: str | None,
) -> None:
    emit(
        connection,
        CLAIM_CREATED,
        source=SOURCE,
        subject=session.client_id,
        data={**_priced(claim_id, session, prepared), "status": prepared.status},
        correlation_id=correlation_id,
    )
    if prepared.reasons:
        _announce_review(connection, claim_id, session, prepared, correlation_id)


def _announce_review(
    connection: Connection,
    claim_id: str,
    session: Session,
    prepared: PreparedClaim,
    correlation_id: str | None,
) -> None:
    emit(
        connection,
        CLAIM_NEEDS_REVIEW,
        source=SOURCE,
        subject=session.client_id,
        data={
            "claim_id": claim_id,
            "client_id": session.client_id,
            "session_id": session.session_id,
            "reasons": [{"code": r.code, "text": r.text} for r in prepared.reasons],
        },
        correlation_id=correlation_id,
    )


def rescrub_client(connection: Connection, client_id: str) -> int:
    """Scrub the client's parked claims again (new projections may fix them); count the ready.

    A claim that is now ready is announced (claim.ready); one still parked but for other
    reasons is announced again with the reasons as they are now (claim.needs_review).
    """
    became_ready = 0
    for row in claim_store.claims_needing_review(connection, client_id):
        session = session_from_data(json.loads(row.session))
        corrections = json.loads(row.corrections or "{}")
        original = json.loads(row.snapshot or "{}").get("original_reference")
        evaluation = evaluate(connection, row.claim_id, session, corrections, original)
        prepared = evaluation.prepared
        reasons = claim_store.reasons_json(prepared.reasons)
        claim_store.write_lines(connection, row.claim_id, prepared.lines)
        claim_store.update_claim(
            connection,
            row.claim_id,
            payer_id=prepared.payer_id,
            status=prepared.status,
            total_charge=prepared.total_charge,
            expected_allowed=prepared.expected_allowed,
            reasons=reasons,
            snapshot=json.dumps(evaluation.snapshot),
            ready_at=utcnow() if prepared.status == READY else None,
        )
        if prepared.status == row.status and reasons == row.reasons:
            continue
        claim_store.record_history(
            connection, row.claim_id, prepared.status, reasons, "scrubbed again"
        )
        correlation_id = row.correlation_id
        if prepared.status == READY:
            became_ready += 1
            log.info("claim ready after re-scrub", extra={"claim_id": row.claim_id})
            _announce_ready(connection, row.claim_id, session, prepared, correlation_id)
        else:
            _announce_review(connection, row.claim_id, session, prepared, correlation_id)
    return became_ready


def _announce_ready(
    connection: Connection,
    claim_id: str,
    session: Session,
    prepared: PreparedClaim,
    correlation_id: str | None,
) -> None:
    emit(
        connection,
        CLAIM_READY,
        source=SOURCE,
        subject=session.client_id,
        data=_priced(claim_id, session, prepared),
        correlation_id=correlation_id,
    )


def _priced(claim_id: str, session: Session, prepared: PreparedClaim) -> dict[str, Any]:
    """What claim.created and claim.ready both say: whose claim, for whom, and its amounts."""
    return {
        "claim_id": claim_id,
        "client_id": session.client_id,
        "session_id": session.session_id,
        "payer_id": prepared.payer_id,
        "total_charge": prepared.total_charge,
        "expected_allowed": prepared.expected_allowed,
    }


def resubmit(
    connection: Connection,
    claim_id: str,
    corrections: Mapping[str, Any],
    correlation_id: str | None,
) -> str:
    """Replace a rejected claim by a corrected one (frequency 7) that goes out anew."""
    row = claim_store.find_claim(connection, claim_id)
    if row is None:
        raise ClaimNotFound(claim_id)
    if row.status != "rejected" or row.replaced_by_claim_id is not None:
        raise CannotResubmit(
            f"claim is {row.status}" + (", already replaced" if row.replaced_by_claim_id else "")
        )
    session_data = json.loads(row.session)
    session = session_from_data(session_data)
    merged = {**json.loads(row.corrections or "{}"), **corrections}
    # REF*F8 quotes the payer's number for the claim when it gave one, else our CLM01.
    # XXX: a claim the payer's front end rejected was never adjudicated; some payers want a
    # fresh original (frequency 1) then. We follow the clinic's choice of replacement.
    original_reference = row.payer_claim_control_number or row.claim_id
    replacement_id = new_claim_id()
    evaluation = evaluate(connection, replacement_id, session, merged, original_reference)
    try:
        created = _insert(
            connection,
            replacement_id,
            session,
            session_data,
            evaluation,
            attempt=row.attempt + 1,
            replaces=row.claim_id,
            correlation_id=correlation_id or row.correlation_id,
        )
    except IntegrityError:  # lost a race on PostgreSQL; the transaction is rolled back
        created = False
    if not created:  # a concurrent resubmission made the replacement first
        raise CannotResubmit("it is being replaced already")
    claim_store.update_claim(connection, claim_id, replaced_by_claim_id=replacement_id)
    claim_store.record_history(
        connection, claim_id, row.status, row.reasons, f"replaced by {replacement_id}"
    )
    return replacement_id
