"""Render ready claims into one 837P interchange in tests, the way claims' batching does."""

from datetime import datetime
from typing import Any

from services.claims.domain.claim import prepare_claim
from services.claims.x12.assemble import x12_claim, x12_parties
from services.claims.x12.model import Claim, ClaimBatch, ClaimFrequency
from services.claims.x12.render_837p import InterchangeControl, render_837p
from tests.unit.claims.domain_builders import inputs
from tests.unit.claims.test_service_837p import PROVIDER
from tests.unit.claims.x12_text import segments


def render(*claims: Claim, provider: dict[str, Any] | None = None) -> str:
    """One interchange holding ``claims``, from the test billing provider."""
    submitter, receiver, billing = x12_parties(provider or PROVIDER)
    control = InterchangeControl(9, 9, 1, datetime(2024, 3, 5, 9, 30))
    return render_837p(ClaimBatch(submitter, receiver, billing, tuple(claims)), control)


def built(claim_id: str, frequency: ClaimFrequency = ClaimFrequency.ORIGINAL,
          reference: str | None = None, **overrides: Any) -> Claim:
    """The 837P claim of a ready claim made from ``inputs(**overrides)``."""
    facts = inputs(**overrides)
    prepared = prepare_claim(facts)
    assert prepared.status == "ready", prepared.reasons
    return x12_claim(claim_id, facts.session, facts.client, facts.referral, facts.payer,
                     prepared.lines, frequency, reference)


def shape(x12_text: str) -> list[tuple[str, int]]:
    """Each segment's id and element count: what a stray delimiter in data would change."""
    return [(segment[0], len(segment)) for segment in segments(x12_text)]
