"""Deciding a screening from the questionnaire, and lifting it with a physician's clearance."""

import calendar
import dataclasses
from datetime import date

from services.screening.domain.clearance import Clearance
from services.screening.domain.errors import ClearanceNotNeeded, InvalidQuestionnaire
from services.screening.domain.outcome import (
    Reason,
    ScreeningOutcome,
    most_severe,
    stricter_pressure,
)
from services.screening.domain.questionnaire import Questionnaire
from services.screening.domain.rules import ScreeningRules
from shared.vocabulary import CLEARED, CLEARED_WITH_PRECAUTIONS, NEEDS_CLEARANCE, NOT_ELIGIBLE

AWAITING_CLEARANCE: frozenset[str] = frozenset({NEEDS_CLEARANCE, NOT_ELIGIBLE})


def evaluate(
    questionnaire: Questionnaire, rules: ScreeningRules, screened_on: date
) -> ScreeningOutcome:
    """Screen a client: every triggered rule adds its precautions; the most severe outcome wins."""
    unknown = sorted(questionnaire.conditions - rules.conditions.keys())
    if unknown:
        raise InvalidQuestionnaire.field(
            "conditions",
            f"Unknown conditions {unknown}; GET /screening-rules lists the known ones.",
        )
    outcomes, reasons = [], []
    techniques: set[str] = set()
    regions: set[str] = set()
    pressure_limit: str | None = None
    for rule in rules.rules:
        findings = rule.findings(questionnaire, rules.medications, rules.conditions)
        if not findings:
            continue
        outcomes.append(rule.outcome)
        reasons.append(Reason(rule.code, f"{rule.text} (found: {'; '.join(findings)})"))
        techniques |= rule.precautions.restricted_techniques
        pressure_limit = stricter_pressure(pressure_limit, rule.precautions.pressure_limit)
        if rule.precautions.avoid_injured_regions:
            regions |= {injury.body_region for injury in rule.injuries_in(questionnaire)}
    return ScreeningOutcome(
        outcome=most_severe(outcomes),
        reasons=tuple(reasons),
        restricted_techniques=frozenset(techniques),
        restricted_regions=frozenset(regions),
        pressure_limit=pressure_limit,
        screened_on=screened_on,
        expires_on=_add_months(screened_on, rules.valid_for_months),
        rules_version=rules.version,
    )


def apply_clearance(outcome: ScreeningOutcome, clearance: Clearance) -> ScreeningOutcome:
    """The screening once a physician has cleared the client: rule and physician limits stay."""
    if outcome.outcome not in AWAITING_CLEARANCE:
        raise ClearanceNotNeeded(
            f"The current screening is {outcome.outcome}; it needs no clearance."
        )
    cleared = dataclasses.replace(
        outcome,
        restricted_techniques=outcome.restricted_techniques | clearance.restricted_techniques,
        restricted_regions=outcome.restricted_regions | clearance.restricted_regions,
        pressure_limit=stricter_pressure(outcome.pressure_limit, clearance.pressure_limit),
        clearance=clearance,
    )
    verdict = CLEARED_WITH_PRECAUTIONS if cleared.has_precautions() else CLEARED
    return dataclasses.replace(cleared, outcome=verdict)


def _add_months(day: date, months: int) -> date:
    # A screening on 29 February expires on the last day of February, not in March.
    year, month_index = divmod(day.month - 1 + months, 12)
    year += day.year
    month = month_index + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )
