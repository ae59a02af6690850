"""Properties of 835 posting where it matters most, in the database: whatever the payer decides,
what is stored balances to the cent, on SQLite (which keeps NUMERIC as a double) and PostgreSQL.

For every claim payment stored: charge = paid + every adjustment (claim level and lines), the
patient responsibility = the PR adjustments, each line balances the same way, and the
remittance's payment = the claims' payments less the provider adjustments. The claim's
balance then owes the patient exactly that responsibility.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from sqlalchemy import Engine, func, select

from services.claims.app import migrate
from services.claims.commands.remittances import post_report
from services.claims.config import ClaimsConfig
from services.claims.domain.claim import ClaimLine
from services.claims.domain.remittance_matching import SentClaim
from services.claims.store import accounts, reports
from services.claims.store import claims as claim_store
from services.claims.store.tables import (
    claim_payments,
    payment_adjustments,
    payment_lines,
    provider_adjustments,
    remittance_exceptions,
    remittances,
)
from shared.config import Settings
from shared.db import make_engine, read_only
from shared.uow import unit_of_work
from tests.unit.claims.remittance_builder import ClaimDecision, an_835
from tests.unit.claims.remittance_strategies import Case, cases

ZERO = Decimal("0.00")
REPORT_IDS = itertools.count(1)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def posting_engine(request, tmp_path_factory) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    """One migrated claims database for every example (each example uses claims of its own)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('posting') / 'claims.db'}"
    else:
        url = request.getfixturevalue("postgres_server").create_database()
    migrate(ClaimsConfig(Settings(service="claims", database_url=url)))
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _store(engine: Engine, case: Case) -> Case:
    """Our claims stored as accepted under fresh ids; the case with the payer echoing those."""
    renamed: dict[str, str] = {}
    with unit_of_work(engine, "claims") as uow:
        for claim in case.ours:
            renamed[claim.claim_id] = f"C-{uuid.uuid4()}"
            _insert_accepted(uow.connection, renamed[claim.claim_id], claim)
    decisions = tuple(
        replace(decision, claim_id=_echo(renamed, decision)) for decision in case.remittance.claims
    )
    ours = tuple(replace(claim, claim_id=renamed[claim.claim_id]) for claim in case.ours)
    trace = f"EFT{uuid.uuid4().hex[:20]}"
    return Case(ours, replace(case.remittance, claims=decisions, trace_number=trace))


def _echo(renamed: dict[str, str], decision: ClaimDecision) -> str:
    # The payer echoes our id whole, or cut to its first 20 characters.
    original = next(ours for ours in renamed if ours.startswith(decision.claim_id))
    return renamed[original][: len(decision.claim_id)]


def _insert_accepted(connection, claim_id: str, claim: SentClaim) -> None:  # type: ignore[no-untyped-def]
    lines = [
        ClaimLine(line.code, line.units, 15 * line.units, line.modifiers, (1,), line.charge,
                  line.expected_allowed)
        for line in claim.lines
    ]  # fmt: skip
    claim_store.insert_claim(connection, {
        "claim_id": claim_id, "session_id": f"s-{claim_id}", "attempt": 1,
        "client_id": "c-property", "referral_id": "r-property", "payer_id": "ACME01",
        "status": "accepted", "transition": "accept", "date_of_service": date(2024, 3, 4),
        "total_charge": claim.total_charge, "expected_allowed": claim.expected_allowed,
        "reasons": "[]", "session": "{}", "snapshot": "{}", "corrections": "{}",
        "frequency": "1", "replaces_claim_id": None, "correlation_id": None, "ready_at": None,
    }, lines)  # fmt: skip


def _post(engine: Engine, x12: str) -> int:
    report_id = next(REPORT_IDS)
    with unit_of_work(engine, "claims") as uow:
        reports.store_report(uow.connection, {"id": report_id, "kind": "835",
                                              "interchange_number": None, "x12": x12})  # fmt: skip
        reports.finish_report(uow.connection, report_id, reports.AWAITING_POSTING, "kept")
    with unit_of_work(engine, "claims") as uow:
        assert post_report(uow, report_id) is not None
    return report_id


def _sum(connection, column, *where) -> Decimal:  # type: ignore[no-untyped-def]
    return claim_store.exact(connection.execute(select(func.sum(column)).where(*where)).scalar())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_every_stored_claim_payment_balances_and_the_patient_owes_the_pr_sum(
    posting_engine, case
):
    stored = _store(posting_engine, case)

    report_id = _post(posting_engine, an_835(stored.remittance))

    with read_only(posting_engine) as connection:
        (remittance,) = connection.execute(
            select(remittances).where(remittances.c.report_id == report_id)
        ).all()
        assert remittance.status == "posted"
        assert connection.execute(
            select(remittance_exceptions).where(remittance_exceptions.c.report_id == report_id)
        ).all() == []
        posted = connection.execute(
            select(claim_payments)
            .where(claim_payments.c.remittance_id == remittance.remittance_id)
            .order_by(claim_payments.c.position)
        ).all()
        assert [p.claim_id for p in posted] == [claim.claim_id for claim in stored.ours]
        key = (payment_adjustments.c.remittance_id == remittance.remittance_id,)
        for payment in posted:
            mine = (*key, payment_adjustments.c.position == payment.position)
            adjusted = _sum(connection, payment_adjustments.c.amount, *mine)
            owed = _sum(connection, payment_adjustments.c.amount, *mine,
                        payment_adjustments.c.group_code == "PR")  # fmt: skip
            assert payment.charge == payment.paid + adjusted
            assert payment.adjusted == adjusted
            assert payment.patient_responsibility == owed
            lines = connection.execute(
                select(payment_lines).where(
                    payment_lines.c.remittance_id == remittance.remittance_id,
                    payment_lines.c.position == payment.position,
                )
            ).all()
            assert sum((line.charge for line in lines), ZERO) == payment.charge
            for line in lines:
                on_line = (*mine, payment_adjustments.c.line_number == line.line_number)
                assert line.charge == line.paid + _sum(
                    connection, payment_adjustments.c.amount, *on_line
                )
                assert line.patient_responsibility == _sum(
                    connection, payment_adjustments.c.amount, *on_line,
                    payment_adjustments.c.group_code == "PR",
                )  # fmt: skip
            claim = claim_store.get_claim(connection, payment.claim_id)
            assert claim.status != "accepted"  # every payment moved its claim
            balance = accounts.balance_of(connection, claim)
            assert balance.patient == payment.patient_responsibility
            expected_left = claim.expected_allowed - payment.paid - payment.patient_responsibility
            assert balance.payer == max(expected_left, ZERO)
        mine = provider_adjustments.c.remittance_id == remittance.remittance_id
        withheld = _sum(connection, provider_adjustments.c.amount, mine)
        assert remittance.payment_amount == sum((p.paid for p in posted), ZERO) - withheld
