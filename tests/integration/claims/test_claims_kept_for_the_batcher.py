"""The batcher sends the 837P this process assembled only while the stored claim is that
claim: a claim changed in the database since it was made goes out as it is stored now
(services/claims/x12/assembled.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from services.claims.commands import batching
from services.claims.store.tables import claims, interchanges
from services.claims.x12.assembled import ASSEMBLED
from shared.uow import unit_of_work
from tests.integration.claims.support import a_visit, claims_of_session, set_up_billing


@pytest.fixture(autouse=True)
def billing_set_up(engine):  # type: ignore[no-untyped-def]
    set_up_billing(engine)


def batch_everything_due(engine) -> str:  # type: ignore[no-untyped-def]
    """Make every due interchange (no wait); the text of all of them."""
    while True:
        with unit_of_work(engine, "claims") as uow:
            if not batching.make_due_interchange(uow, 100, 0.0, "T"):
                break
    with engine.connect() as connection:
        return "".join(connection.execute(select(interchanges.c.x12)).scalars())


def test_a_claim_made_in_this_process_goes_out_as_assembled_and_is_let_go(engine):
    visit = a_visit(engine, member_id="MEM700001")
    (claim,) = claims_of_session(engine, visit["session_id"])
    assert claim.status == "ready"
    kept_before = len(ASSEMBLED)

    x12 = batch_everything_due(engine)

    assert f"CLM*{claim.claim_id}*" in x12 and "*MI*MEM700001~" in x12
    assert len(ASSEMBLED) == kept_before - 1


def test_a_claim_corrected_in_the_database_after_it_was_made_goes_out_corrected(engine):
    visit = a_visit(engine, member_id="MEM700002")
    (claim,) = claims_of_session(engine, visit["session_id"])
    # What a correction stored by another process (or a re-scrub) leaves: the same claim
    # id with another 837P in its snapshot, while this process still keeps the first one.
    snapshot = json.loads(claim.snapshot)
    snapshot["x12_claim"]["subscriber"]["member_id"] = "MEM799999"
    with engine.begin() as connection:
        connection.execute(update(claims).where(claims.c.claim_id == claim.claim_id)
                           .values(snapshot=json.dumps(snapshot)))  # fmt: skip

    x12 = batch_everything_due(engine)

    assert f"CLM*{claim.claim_id}*" in x12
    assert "*MI*MEM799999~" in x12 and "MEM700002" not in x12
