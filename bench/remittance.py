"""Remittance benchmark: 835 claim payments posted per second, beside parsing them alone.

    python bench/remittance.py [--claims 2000] [--per-835 500] [--db sqlite|postgres]
                               [--json PATH] [--profile]

2,000 accepted claims (two lines each, as a session bills them) are paid by 835s the way
payers pay: most at the fee schedule, some leaving a deductible and coinsurance to the
patient, some short-paid, some denied (CO-50, N115). The 835s are kept in the claims
database as the mailbox poller keeps them, then posted with the command the poller runs
(``commands.remittances.post_report``: parse, match our claims, balance, store the
payments with their lines, adjustments and remarks, move each claim through the lifecycle,
announce claim.adjusted and the step's event), one unit of work per 835. The baseline is
``parse_835`` alone on the same texts in the same run. ``--db postgres`` uses a temporary
PostgreSQL server (bench/support.py, as the tests start theirs).
"""

from __future__ import annotations

import gc
import logging
import time
from collections import Counter
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine, func, select

from bench import support
from services.claims.app import migrate
from services.claims.commands.remittances import post_report
from services.claims.config import ClaimsConfig
from services.claims.domain.claim import ClaimLine
from services.claims.domain.claim_ids import new_claim_id
from services.claims.store import claims as claim_store
from services.claims.store import reports
from services.claims.store.tables import claim_payments
from services.claims.x12.remittance import parse_835
from shared.config import Settings
from shared.db import make_engine, read_only
from shared.uow import unit_of_work
from tests.unit.claims.remittance_builder import (
    ClaimDecision,
    LineDecision,
    RemittanceDecision,
    an_835,
)

D = Decimal
ZERO = D("0.00")
# 97140 x2 on the lower back + 97124 x1 (XS) on the neck: 130.00 billed, 90.89 expected.
LINES = (
    ClaimLine("97124", 1, 15, ("XS",), (1,), D("40.00"), D("28.55")),
    ClaimLine("97140", 2, 30, (), (1, 2), D("90.00"), D("62.34")),
)
SERVICE_DAY = date(2026, 11, 2)


def accepted_claims(engine: Engine, count: int) -> list[str]:
    """``count`` claims that went out and were accepted, stored as the service stores them."""
    claim_ids = [new_claim_id() for _ in range(count)]
    with unit_of_work(engine, "claims") as uow:
        for number, claim_id in enumerate(claim_ids):
            claim_store.insert_claim(uow.connection, {
                "claim_id": claim_id, "session_id": f"bench-s{number}", "attempt": 1,
                "client_id": f"bench-c{number}", "referral_id": f"bench-r{number}",
                "payer_id": "ACME01", "status": "accepted", "transition": "accept",
                "date_of_service": SERVICE_DAY, "total_charge": D("130.00"),
                "expected_allowed": D("90.89"), "reasons": "[]", "session": "{}",
                "snapshot": "{}", "corrections": "{}", "frequency": "1",
                "replaces_claim_id": None, "correlation_id": None, "ready_at": None,
            }, LINES)  # fmt: skip
    return claim_ids


def decision(claim_id: str, number: int) -> ClaimDecision:
    """The payer's decision on claim ``number``: a mix of what an 835 carries."""
    kind = number % 10
    if kind == 9:  # denied: not medically necessary
        lines = tuple(
            LineDecision(line.code, line.modifiers, line.units, line.charge, ZERO,
                         (("CO", "50", line.charge),), remarks=("N115",))
            for line in LINES
        )  # fmt: skip
        return ClaimDecision(claim_id, lines, "4", payer_claim_control_number=f"P{number}")
    deductible = D("20.00") if kind in (1, 2) else ZERO
    short = D("3.00") if kind == 3 else ZERO
    lines = []
    for line in LINES:
        allowed = line.expected_allowed - short
        owed = deductible if line.code == "97124" else ZERO
        coinsurance = ((allowed - owed) * D("0.2")).quantize(D("0.01")) if deductible else ZERO
        adjustments = (("CO", "45", line.charge - allowed), ("PR", "1", owed),
                       ("PR", "2", coinsurance))  # fmt: skip
        lines.append(LineDecision(
            line.code, line.modifiers, line.units, line.charge, allowed - owed - coinsurance,
            tuple(a for a in adjustments if a[2]), allowed=allowed,
        ))  # fmt: skip
    return ClaimDecision(claim_id, tuple(lines), payer_claim_control_number=f"P{number}")


def remittances(claim_ids: list[str], per_835: int) -> list[str]:
    """The 835s paying every claim, ``per_835`` claims each, each with its own trace."""
    texts = []
    for start in range(0, len(claim_ids), per_835):
        decisions = tuple(
            decision(claim_id, start + offset)
            for offset, claim_id in enumerate(claim_ids[start : start + per_835])
        )
        trace = f"EFTBENCH{start:08d}"
        texts.append(an_835(RemittanceDecision(decisions, trace_number=trace)))
    return texts


def keep_for_posting(engine: Engine, texts: list[str]) -> list[int]:
    """The 835s stored as the mailbox poller stores them, awaiting posting; their ids."""
    with unit_of_work(engine, "claims") as uow:
        for report_id, text in enumerate(texts, start=1):
            reports.store_report(uow.connection, {
                "id": report_id, "kind": "835", "interchange_number": None, "x12": text,
            })  # fmt: skip
            reports.finish_report(uow.connection, report_id, reports.AWAITING_POSTING, "kept")
    return list(range(1, len(texts) + 1))


def parse_rate(texts: list[str], rounds: int = 3) -> float:
    """Claim payments read per second by parse_835 alone (best of ``rounds``)."""
    claims = sum(len(r.claims) for text in texts for r in parse_835(text))
    best = min(_timed(lambda: [parse_835(text) for text in texts]) for _ in range(rounds))
    return claims / best


def post_rate(engine: Engine, report_ids: list[int]) -> tuple[float, Counter[str]]:
    """Claim payments posted per second (and what became of them), one unit of work per 835."""
    outcomes: Counter[str] = Counter()

    def post_all() -> None:
        for report_id in report_ids:
            with unit_of_work(engine, "claims") as uow:
                outcomes.update(post_report(uow, report_id) or {})

    elapsed = _timed(post_all)
    with read_only(engine) as connection:
        posted = int(connection.execute(select(func.count()).select_from(claim_payments)).scalar())
    return posted / elapsed, outcomes


def _timed(work) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def main() -> None:
    parser = support.arguments(__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=2_000)
    parser.add_argument("--per-835", type=int, default=500)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    figures = support.Figures("remittance", args.db)
    with support.database(args.db, "claims") as url:
        migrate(ClaimsConfig(Settings(service="claims", database_url=url)))
        engine = make_engine(url)
        claim_ids = accepted_claims(engine, args.claims)
        texts = remittances(claim_ids, args.per_835)
        report_ids = keep_for_posting(engine, texts)
        parsed = parse_rate(texts)
        idle_mb = support.resident_mb()
        # The setup's garbage is collected before the clock starts (as timeit keeps the
        # collector out of its loop): otherwise a full collection of what making 2,000
        # claims and their 835s left behind lands in the posting, 50-60 us a claim payment
        # on its own. Posting's own collections still count.
        gc.collect()
        cpu = time.process_time()
        with support.profiled(args.profile, figures):
            posted, outcomes = post_rate(engine, report_ids)
        cpu = time.process_time() - cpu
        engine.dispose()
    assert sum(outcomes.values()) == args.claims, outcomes
    figures.add("claim payments posted", posted, "per s", parsed)
    figures.add("parse_835 alone (baseline)", parsed, "per s")
    figures.add("CPU per claim payment posted", cpu / args.claims * 1e6, "us")
    figures.add("resident memory before posting", idle_mb, "MB")
    figures.add("resident memory after posting", support.resident_mb(), "MB")
    figures.note("835s", f"{len(texts)} for {args.claims} claims")
    figures.note("outcomes", dict(sorted(outcomes.items())))
    figures.note("target", ">= 2,000 claim payments/s posted")
    figures.print()
    figures.write(args.json)


if __name__ == "__main__":
    main()
