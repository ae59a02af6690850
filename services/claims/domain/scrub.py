"""Scrubbing: every check a claim must pass before it may go to the clearinghouse.

Each failed check is a ``Reason``; a claim with none is ready. All checks run, so a
billing specialist sees every problem at once rather than one per round trip.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from services.claims.domain.records import Client, Payer, Reason, Referral, Session
from shared.billing.place_of_service import is_place_of_service
from shared.identifiers import is_valid_icd10_cm, is_valid_npi


@dataclass(frozen=True)
class ScrubFacts:
    """What scrubbing looks at besides the lines."""

    session: Session
    client: Client | None
    referral: Referral | None
    payer: Payer | None
    billing_npi: str | None
    visits_used: int  # other sessions already billed against the referral
    today: date
    billed_codes: tuple[str, ...] = ()  # the codes of the claim's lines


def scrub(facts: ScrubFacts, pointers_by_line: list[tuple[int, ...]]) -> list[Reason]:
    """Every reason the claim cannot be sent as it stands (empty: ready)."""
    return [
        *_provider_reasons(facts),
        *_coverage_reasons(facts),
        *_referral_reasons(facts),
        *_diagnosis_reasons(facts, pointers_by_line),
        *_prescription_reasons(facts),
        *_service_reasons(facts),
        *_timely_filing_reasons(facts),
    ]


def _service_reasons(facts: ScrubFacts) -> list[Reason]:
    """Where and when: a place on the CMS list, a day that has come, a rendering taxonomy."""
    session = facts.session
    reasons = []
    if not is_place_of_service(session.place_of_service):
        reasons.append(
            Reason("place_of_service_invalid",
                   f"place of service {session.place_of_service!r} is not on the CMS list")
        )
    if session.date_of_service > facts.today:
        reasons.append(
            Reason("date_of_service_in_future",
                   f"the date of service {session.date_of_service} has not come yet")
        )
    if (facts.payer is not None and facts.payer.rendering_taxonomy_required
            and not session.rendering_taxonomy):
        reasons.append(
            Reason("rendering_taxonomy_missing",
                   f"{facts.payer.payer_id} wants the rendering provider's taxonomy (PRV*PE); "
                   "the therapist has none")
        )
    return reasons


def _prescription_reasons(facts: ScrubFacts) -> list[Reason]:
    """Billed codes the referral did not prescribe; regions treated outside it (v2)."""
    referral, session = facts.referral, facts.session
    reasons = []
    if referral is not None:
        unprescribed = sorted(set(facts.billed_codes) - set(referral.codes))
        if unprescribed:
            reasons.append(
                Reason("code_not_prescribed",
                       f"the referral does not prescribe {', '.join(unprescribed)}")
            )
    if session.regions_outside_referral:
        # The therapist's own words stay on the session (they may say more than a claim
        # event should carry); the reason names the regions.
        regions = ", ".join(session.regions_outside_referral)
        reasons.append(
            Reason("regions_outside_referral",
                   f"treated outside the referral: {regions}; read the therapist's reason")
        )
    return reasons


def _provider_reasons(facts: ScrubFacts) -> list[Reason]:
    reasons = []
    if facts.billing_npi is None:
        reasons.append(
            Reason("billing_provider_missing", "the clinic's billing provider is not set up")
        )
    elif not is_valid_npi(facts.billing_npi):
        reasons.append(Reason("invalid_npi", "the billing provider's NPI is not valid"))
    if not is_valid_npi(facts.session.rendering_npi):
        reasons.append(Reason("invalid_npi", "the rendering provider's NPI is not valid"))
    if facts.referral is not None and not is_valid_npi(facts.referral.physician_npi):
        reasons.append(Reason("invalid_npi", "the referring physician's NPI is not valid"))
    return reasons


def _coverage_reasons(facts: ScrubFacts) -> list[Reason]:
    client = facts.client
    if client is None or client.coverage is None:
        return [Reason("coverage_unknown", "no insurance coverage is known for the client yet")]
    coverage = client.coverage
    reasons = []
    if facts.payer is None:
        reasons.append(
            Reason("payer_not_configured", f"payer {coverage.payer_id} is not set up for billing")
        )
    if coverage.relationship_to_subscriber != "self" and coverage.subscriber is None:
        reasons.append(
            Reason("subscriber_unknown", "the client is not the subscriber; no subscriber known")
        )
    return reasons


def _referral_reasons(facts: ScrubFacts) -> list[Reason]:
    referral, session = facts.referral, facts.session
    if referral is None:
        return [Reason("referral_unknown", f"referral {session.referral_id} is not known yet")]
    reasons = []
    if referral.client_id != session.client_id:
        reasons.append(Reason("referral_mismatch", "the referral belongs to another client"))
    if not referral.covers(session.date_of_service):
        reasons.append(
            Reason(
                "referral_not_active",
                f"referral {referral.referral_id} was not active on {session.date_of_service}",
            )
        )
    if facts.visits_used >= referral.authorized_visits:
        reasons.append(
            Reason(
                "no_visits_left",
                f"all {referral.authorized_visits} authorized visits are already billed",
            )
        )
    return reasons


def _diagnosis_reasons(facts: ScrubFacts, pointers_by_line: list[tuple[int, ...]]) -> list[Reason]:
    if facts.referral is None:
        return []
    diagnoses = facts.referral.diagnoses
    reasons = []
    if not diagnoses:
        reasons.append(Reason("diagnoses_missing", "the referral lists no diagnosis"))
    elif not all(is_valid_icd10_cm(code) for code in diagnoses):
        reasons.append(Reason("diagnosis_invalid", "a diagnosis is not an ICD-10-CM code"))
    if facts.referral.diagnosis_regions and any(not pointers for pointers in pointers_by_line):
        reasons.append(
            Reason("diagnosis_for_region_missing",
                   "a service line treated regions no diagnosis of the referral covers")
        )
    elif any(
        not pointers or not all(1 <= p <= len(diagnoses) for p in pointers)
        for pointers in pointers_by_line
    ):
        reasons.append(
            Reason("diagnosis_pointer_missing", "every service line must point at a diagnosis")
        )
    return reasons


def _timely_filing_reasons(facts: ScrubFacts) -> list[Reason]:
    if facts.payer is None:
        return []
    days = facts.payer.timely_filing_days
    deadline = facts.session.date_of_service + timedelta(days=days)
    if facts.today > deadline:
        return [
            Reason("timely_filing_expired", f"the payer's {days}-day filing limit ended {deadline}")
        ]
    return []
