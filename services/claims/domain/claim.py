"""From a completed session to a priced, edited and scrubbed claim (still without X12)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from services.claims.domain.edits import apply_coding_edits, edits_for
from services.claims.domain.pointers import line_pointers
from services.claims.domain.pricing import fee_in_effect, fee_reasons, price_line
from services.claims.domain.records import (
    Client,
    CodingEdit,
    FeeScheduleEntry,
    Payer,
    Reason,
    Referral,
    Session,
)
from services.claims.domain.scrub import ScrubFacts, scrub
from services.claims.domain.units import (
    UnitLimit,
    billable_units,
    default_unit_limits,
    unit_limit_reasons,
)

READY = "ready"
NEEDS_REVIEW = "needs_review"
GP_MODIFIER = "GP"
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ClaimLine:
    """One code billed for the session: units, modifiers, pointers and prices."""

    code: str
    units: int
    minutes: int
    modifiers: tuple[str, ...]
    diagnosis_pointers: tuple[int, ...]
    charge: Decimal
    expected_allowed: Decimal


@dataclass(frozen=True)
class PreparedClaim:
    """A claim's lines and the reasons (if any) it cannot go out yet."""

    payer_id: str | None
    lines: tuple[ClaimLine, ...]
    reasons: tuple[Reason, ...]

    @property
    def status(self) -> str:
        """ready when scrubbing found nothing, else needs_review."""
        return NEEDS_REVIEW if self.reasons else READY

    @property
    def total_charge(self) -> Decimal:
        """What the claim bills: the sum of its lines."""
        return sum((line.charge for line in self.lines), ZERO)

    @property
    def expected_allowed(self) -> Decimal:
        """What the payer is expected to allow: the sum of its lines."""
        return sum((line.expected_allowed for line in self.lines), ZERO)


@dataclass(frozen=True)
class ClaimInputs:
    """Everything a claim is built from: the session, projections and clinic setup."""

    session: Session
    client: Client | None
    referral: Referral | None
    payer: Payer | None
    fees: tuple[FeeScheduleEntry, ...]
    edits: tuple[CodingEdit, ...]
    billing_npi: str | None
    visits_used: int
    today: date
    unit_limits: tuple[UnitLimit, ...] = field(default_factory=default_unit_limits)
    # Units per code on the client's other claims of the same day (daily unit limits).
    units_same_day: Mapping[str, int] = field(default_factory=dict)


def prepare_claim(inputs: ClaimInputs) -> PreparedClaim:
    """Recount units, apply coding edits and GP, point at diagnoses, price, and scrub."""
    session, payer = inputs.session, inputs.payer
    count = billable_units(session, payer.counting_method if payer else None)
    units = count.units
    minutes = {c.code: c.minutes for c in session.codes}
    regions = {c.code: c.body_regions for c in session.codes if c.code in units}
    edit = apply_coding_edits(regions, inputs.edits, session.date_of_service, payer)
    pointers = line_pointers(inputs.referral, regions, edit.distinct_from)
    reasons: list[Reason] = [*count.reasons, *edit.reasons]
    reasons.extend(unit_limit_reasons(units, inputs.unit_limits, session.date_of_service,
                                      inputs.units_same_day))
    lines = []
    for code, billed in units.items():
        modifiers = _with_gp(edit.modifiers.get(code, ()), payer)
        charge, allowed = ZERO, ZERO
        if payer is not None:
            entry = fee_in_effect(inputs.fees, payer.payer_id, code, session.date_of_service)
            if entry is None:
                reasons.append(
                    Reason(
                        "no_fee_schedule",
                        f"no {payer.payer_id} fee for {code} on {session.date_of_service}",
                    )
                )
            else:
                reasons.extend(fee_reasons(entry))
                price = price_line(entry, billed)
                charge, allowed = price.charge, price.expected_allowed
        lines.append(
            ClaimLine(code, billed, minutes.get(code, 0), modifiers, pointers.get(code, ()),
                      charge, allowed)
        )
    if not lines:
        reasons.append(Reason("no_billable_units", "the session's minutes bill no units"))
    facts = ScrubFacts(
        session=session,
        client=inputs.client,
        referral=inputs.referral,
        payer=payer,
        billing_npi=inputs.billing_npi,
        visits_used=inputs.visits_used,
        today=inputs.today,
        billed_codes=tuple(line.code for line in lines),
    )
    reasons.extend(scrub(facts, [line.diagnosis_pointers for line in lines]))
    payer_id = payer.payer_id if payer else _coverage_payer(inputs.client)
    return PreparedClaim(payer_id=payer_id, lines=tuple(lines), reasons=_unique(reasons))


def _with_gp(modifiers: tuple[str, ...], payer: Payer | None) -> tuple[str, ...]:
    # GP: therapy under an outpatient PT plan of care; a per-payer switch (docs/DOMAIN.md §Edits).
    if payer is not None and payer.gp_required and GP_MODIFIER not in modifiers:
        return (*modifiers, GP_MODIFIER)
    return modifiers


def _coverage_payer(client: Client | None) -> str | None:
    return client.coverage.payer_id if client and client.coverage else None


def _unique(reasons: Iterable[Reason]) -> tuple[Reason, ...]:
    return tuple(dict.fromkeys(reasons))


def corrected_client(client: Client | None, corrections: Mapping[str, Any]) -> Client | None:
    """The client as billing corrected it for one claim (e.g. another member id)."""
    member_id = corrections.get("member_id")
    if client is None or client.coverage is None or not member_id:
        return client
    return replace(client, coverage=replace(client.coverage, member_id=member_id))


def explain_lines(
    session: Session,
    referral: Referral | None,
    payer: Payer | None,
    lines: Iterable[ClaimLine],
    edits: Iterable[CodingEdit],
) -> list[dict[str, Any]]:
    """Why each line says what it says: the techniques and regions behind its code (as
    scheduling mapped them), units reported and recounted, the diagnoses it points at and
    the edit behind a distinct-procedure modifier (the table in force for the payer now)."""
    by_code = {code.code: code for code in session.codes}
    diagnoses = referral.diagnoses if referral else ()
    lines = list(lines)
    billed = {line.code for line in lines}
    in_force = edits_for(edits, payer.payer_id if payer else None, session.date_of_service)
    explained = []
    for line in lines:
        given = by_code.get(line.code)
        pair = next((edit for edit in in_force
                     if edit.column2 == line.code and edit.column1 in billed), None)
        explained.append({
            "code": line.code,
            "modifiers": list(line.modifiers),
            "techniques": list(given.techniques) if given else [],
            "body_regions": sorted(given.body_regions) if given else [],
            "minutes": given.minutes if given else 0,
            "units_reported": given.units if given else 0,
            "units_billed": line.units,
            "counting_method": payer.counting_method if payer else session.counting_method,
            "diagnoses": [diagnoses[p - 1] for p in line.diagnosis_pointers
                          if 0 < p <= len(diagnoses)],
            "distinct_from": pair.column1 if pair and pair.modifier_allowed else None,
        })
    return explained
