"""Events, billing setup and delivery helpers for the claims service's integration tests."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import requests
from sqlalchemy import Engine, select

from services.claims.config import ClaimsConfig
from services.claims.domain.records import FeeScheduleEntry, Payer
from services.claims.handlers import SUBSCRIPTIONS
from services.claims.store import setup
from services.claims.store.tables import claim_history, claims, interchanges
from services.claims.workers.acknowledgements import AcknowledgementPoller
from services.claims.workers.batcher import Batcher
from services.claims.workers.submission import SubmissionWorker
from shared.db import write_transaction
from shared.events import EVENTS, Event
from shared.events.contracts.scheduling import SESSION_COMPLETED
from shared.events.contracts.screening import CLIENT_REGISTERED, REFERRAL_RECORDED
from shared.events.registry import EventType
from shared.kafka.retry import RetryPolicy
from shared.outbox import outbox
from shared.uow import unit_of_work
from tests.support.waiting import wait_for

API_KEY = "sandbox-key"
# The sandbox's stages, quick: A1 at once, the verdict after 0.2 s, the 835 after 1.5 s (the
# poller posts it: a test that waits to see a claim accepted must have a round in between).
STAGES = {"receipt_delay": 0.0, "adjudication_delay": 0.2, "remittance_delay": 1.5}
BILLING_NPI = "1245319599"
REFERRING_NPI = "1234567893"
RENDERING_NPI = "1679576722"
VISIT_DAY = date.today()
HANDLERS = {s.event_type.topic: s.handler for s in SUBSCRIPTIONS}

PROVIDER = {
    "organisation_name": "Healing Hands Massage LLC",
    "npi": BILLING_NPI,
    "ein": "123456789",
    "taxonomy_code": "225700000X",
    "address": {
        "line1": "100 Main St",
        "line2": "Suite 2",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "627011234",
    },
    "submitter_id": "HEALINGHANDS",
    "submitter_name": "Healing Hands Massage",
    "contact_name": "Jo Biller",
    "contact_phone": "5555550100",
    "receiver_id": "SANDBOXCH",
    "receiver_name": "Sandbox Clearinghouse",
}


def fast_config(
    config: ClaimsConfig, url: str, api_key: str = "sandbox-key", **overrides: Any
) -> ClaimsConfig:
    """``config`` sending to ``url``: batch at once, retry within tenths of a second, poll often."""
    defaults: dict[str, Any] = {
        "clearinghouse_url": url,
        "clearinghouse_api_key": api_key,
        "batch_size": 50,
        "batch_max_wait": 0.0,
        "submit_timeout": 2.0,
        "connect_timeout": 1.0,
        "retry": RetryPolicy(initial_backoff=0.05, multiplier=2.0, max_backoff=0.5, jitter=0.2),
        "poll_interval": 0.1,
        "idle_sleep": 0.05,
    }
    return dataclasses.replace(config, **(defaults | overrides))


def set_up_billing(engine: Engine, payer_id: str = "ACME01", **payer: Any) -> None:
    """The clinic, one payer and its 2024- fees, straight into the store."""
    provider = {k: v for k, v in PROVIDER.items() if k != "address"}
    address = PROVIDER["address"]
    provider |= {
        "address_line1": address["line1"],
        "address_line2": address["line2"],
        "city": address["city"],
        "state": address["state"],
        "postal_code": address["postal_code"],
    }
    with write_transaction(engine) as connection:
        setup.put_billing_provider(connection, provider)
        setup.put_payer(connection, Payer(payer_id, "Acme Health", **payer))
        setup.put_fees(
            connection,
            [
                FeeScheduleEntry(
                    payer_id, "97140", date(2024, 1, 1), Decimal("45.00"), Decimal("31.17")
                ),
                FeeScheduleEntry(
                    payer_id, "97124", date(2024, 1, 1), Decimal("40.00"), Decimal("28.55")
                ),
            ],
        )


def client_data(
    client_id: str,
    version: int = 1,
    member_id: str = "MEM123456",
    payer_id: str = "ACME01",
    coverage: bool = True,
) -> dict[str, Any]:
    """A client.registered/updated payload (python values)."""
    return {
        "client_id": client_id,
        "version": version,
        "first_name": "Jane",
        "last_name": "Doe",
        "birth_date": date(1980, 5, 17),
        "sex": "F",
        "address": {
            "line1": "12 Elm St",
            "line2": None,
            "city": "Springfield",
            "state": "IL",
            "postal_code": "62701",
        },
        "coverage": {
            "payer_id": payer_id,
            "payer_name": "Acme Health",
            "member_id": member_id,
            "group_number": "GRP-77",
            "relationship_to_subscriber": "self",
            "subscriber": None,
        }
        if coverage
        else None,
    }


def referral_data(
    client_id: str, referral_id: str, version: int = 1, authorized_visits: int = 8, **overrides: Any
) -> dict[str, Any]:
    """A referral.recorded/amended payload covering today."""
    data = {
        "referral_id": referral_id,
        "client_id": client_id,
        "version": version,
        "physician": {"name": "Anna Smith", "npi": REFERRING_NPI},
        "diagnoses": ["M54.50", "M62.830"],
        "codes": ["97124", "97140"],
        "techniques": ["myofascial_release", "swedish"],
        "body_regions": ["lower_back", "neck"],
        "visits_per_week": 2,
        "weeks": 4,
        "authorized_visits": authorized_visits,
        "authorization_number": None,
        "start_on": date(VISIT_DAY.year - 1, 1, 1),
        "end_on": date(VISIT_DAY.year + 1, 12, 31),
    }
    return data | overrides


def session_data(
    client_id: str,
    referral_id: str,
    session_id: str | None = None,
    same_region: bool = False,
    date_of_service: date = VISIT_DAY,
) -> dict[str, Any]:
    """30 min myofascial release on the lower back + 15 min Swedish on the neck (CMS: 2 + 1)."""
    massage_region = "lower_back" if same_region else "neck"
    return {
        "session_id": session_id or f"s-{uuid.uuid4().hex[:12]}",
        "appointment_id": f"a-{uuid.uuid4().hex[:12]}",
        "client_id": client_id,
        "referral_id": referral_id,
        "rendering_provider": {"name": "Sam Lee", "npi": RENDERING_NPI},
        "date_of_service": date_of_service,
        "place_of_service": "11",
        "counting_method": "cms",
        "codes": [
            {"code": "97140", "minutes": 30, "units": 2},
            {"code": "97124", "minutes": 15, "units": 1},
        ],
        "techniques": [
            {"technique": "myofascial_release", "minutes": 30, "body_regions": ["lower_back"]},
            {"technique": "swedish", "minutes": 15, "body_regions": [massage_region]},
        ],
        "completed_at": datetime.now(UTC),
    }


def event(event_type: EventType, data: dict[str, Any], source: str = "tests") -> Event:
    """A validated event of ``event_type`` about ``data['client_id']``."""
    return EVENTS.build(event_type, source=source, subject=data["client_id"], data=data)


def deliver(engine: Engine, delivered: Event, group: str = "claims") -> bool:
    """Apply one event as the consumer runner does: handler and event id in one transaction."""
    payload = EVENTS.load_payload(delivered)
    caused_by = delivered.correlation_id or delivered.id
    with unit_of_work(engine, "claims", correlation_id=caused_by, actor=group) as uow:
        first = uow.mark_processed(group, delivered.id)
        if first:
            HANDLERS[delivered.type](uow, delivered, payload)
    return first


def a_visit(
    engine: Engine, client_id: str | None = None, member_id: str = "MEM123456", **session: Any
) -> dict[str, Any]:
    """Client, referral and session events delivered in the usual order; the session data."""
    client_id = client_id or f"c-{uuid.uuid4().hex[:10]}"
    referral_id = f"r-{uuid.uuid4().hex[:10]}"
    deliver(engine, event(CLIENT_REGISTERED, client_data(client_id, member_id=member_id)))
    deliver(engine, event(REFERRAL_RECORDED, referral_data(client_id, referral_id)))
    data = session_data(client_id, referral_id, **session)
    deliver(engine, event(SESSION_COMPLETED, data))
    return data


def claims_of_session(engine: Engine, session_id: str) -> list[Any]:
    """Every claim row made for a session."""
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(claims).where(claims.c.session_id == session_id).order_by(claims.c.attempt)
            )
        )


# -- the clearinghouse and what the service recorded of it ----------------------------------


def arm(sandbox, **fault: object) -> None:  # type: ignore[no-untyped-def]
    requests.post(f"{sandbox.url}/v1/_faults", json=fault, timeout=5).raise_for_status()


def receipts(sandbox) -> list[dict]:  # type: ignore[no-untyped-def]
    return requests.get(f"{sandbox.url}/v1/_submissions", timeout=5).json()["submissions"]


def interchange_rows(engine) -> list:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.execute(
            select(interchanges).order_by(interchanges.c.control_number)
        ).all()


def event_count(engine, topic: str) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return len(connection.execute(select(outbox.c.id).where(outbox.c.topic == topic)).all())


def outbox_data(engine, topic: str) -> list[dict]:  # type: ignore[no-untyped-def]
    """The data of every event of ``topic`` in the outbox, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(outbox.c.payload).where(outbox.c.topic == topic).order_by(outbox.c.id)
        ).scalars()
        return [json.loads(payload)["data"] for payload in rows]


def status_of(engine, session: dict) -> str:  # type: ignore[no-untyped-def]
    return claims_of_session(engine, session["session_id"])[-1].status


# The sandbox pays (835) shortly after it accepts; on a busy machine one round of the
# poller can read both, so "accepted" may only ever be seen as one of the later states.
ACCEPTED_OR_LATER = frozenset({"accepted", "paid", "partially_paid", "patient_balance",
                               "denied", "closed"})


def poll_until(poller: AcknowledgementPoller, engine, session: dict, status: str) -> None:  # type: ignore[no-untyped-def]
    """Read the report mailbox until the session's (last) claim is in ``status``.

    "accepted" is reached by any state at or past the payer's acceptance.
    """
    wanted = ACCEPTED_OR_LATER if status == "accepted" else {status}
    wait_for(
        lambda: poller.run_round() >= 0 and status_of(engine, session) in wanted,
        timeout=15,
        interval=0.05,
        what=f"the claim to be {status}",
    )


def history(engine, claim_id: str) -> list:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return connection.execute(
            select(claim_history)
            .where(claim_history.c.claim_id == claim_id)
            .order_by(claim_history.c.id)
        ).all()


def submit_until_answered(worker: SubmissionWorker, engine) -> None:  # type: ignore[no-untyped-def]
    Batcher(engine, worker.config).run_round()
    wait_for(
        lambda: (
            worker.run_round() >= 0
            and all(row.status != "pending" for row in interchange_rows(engine))
        ),
        timeout=15,
        interval=0.05,
        what="the clearinghouse to answer",
    )
