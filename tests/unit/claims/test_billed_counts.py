"""The counts a batch keeps in memory are what the store's queries would answer, after any
sequence of claims (store/claims.py visits_billed and units_billed_on, restated here)."""

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from services.claims.domain.billed_counts import BILLED_STATUSES, BilledCounts, BilledLine
from services.claims.domain.claim import ClaimLine

DAY = date(2026, 12, 2)
SESSIONS = [f"s{n}" for n in range(6)]
REFERRALS = ["r1", "r2"]
CLIENTS = ["c1", "c2"]
DAYS = [DAY, DAY + timedelta(days=1)]
STATUSES = ["ready", "needs_review", "submitted", "paid", "rejected", "cancelled"]

lines = st.lists(
    st.builds(ClaimLine, code=st.sampled_from(["97124", "97140"]), units=st.integers(1, 4),
              minutes=st.just(15), modifiers=st.just(()), diagnosis_pointers=st.just((1,)),
              charge=st.just(Decimal("1.00")), expected_allowed=st.just(Decimal("1.00"))),
    max_size=3,
)  # fmt: skip
claims = st.tuples(st.sampled_from(SESSIONS), st.sampled_from(REFERRALS),
                   st.sampled_from(CLIENTS), st.sampled_from(DAYS),
                   st.sampled_from(STATUSES), lines)  # fmt: skip


def visits_as_queried(stored, referral_id: str, except_session: str) -> int:
    return len({session for session, referral, _, _, status, _ in stored
                if referral == referral_id and session != except_session
                and status in BILLED_STATUSES})  # fmt: skip


def units_as_queried(stored, client_id: str, day: date, except_session: str) -> dict[str, int]:
    units: dict[str, int] = {}
    for session, _, client, on, status, billed in stored:
        if client == client_id and on == day and session != except_session \
                and status in BILLED_STATUSES:  # fmt: skip
            for line in billed:
                units[line.code] = units.get(line.code, 0) + line.units
    return units


@settings(max_examples=300, deadline=None)
@given(st.lists(claims, max_size=6), st.lists(claims, max_size=8))
def test_counts_kept_in_memory_match_the_queries_after_every_claim(stored, made):
    counts = BilledCounts()
    for referral in REFERRALS:
        counts.know_referral(referral, {s for s, r, _, _, status, _ in stored
                                        if r == referral and status in BILLED_STATUSES})
    for client in CLIENTS:
        for day in DAYS:
            counts.know_day(client, day, [
                BilledLine(session, line.code, line.units)
                for session, _, c, on, status, billed in stored
                if c == client and on == day and status in BILLED_STATUSES for line in billed
            ])  # fmt: skip
    so_far = list(stored)
    for claim in made:
        session, referral, client, day, status, billed = claim
        counts.count(session, referral, client, day, status, billed)
        so_far.append(claim)
        for asked in SESSIONS:
            for r in REFERRALS:
                assert counts.visits_billed(r, asked) == visits_as_queried(so_far, r, asked)
            for c in CLIENTS:
                for on in DAYS:
                    assert counts.units_billed_on(c, on, asked) == units_as_queried(
                        so_far, c, on, asked)
