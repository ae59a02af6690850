"""The screening rules table, kept as data so a clinic can change its defaults."""

import json
from collections.abc import Set
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.screening.domain.errors import RulesFileError
from services.screening.domain.medications import MedicationList, load_medications
from services.screening.domain.questionnaire import INJURY_KINDS, Injury, Questionnaire
from shared.vocabulary import PRESSURE_LEVELS, SCREENING_OUTCOMES, TECHNIQUES

DEFAULT_RULES_PATH = Path(__file__).parent.parent / "rules" / "screening-rules.v1.json"

_TRIGGERS = {"conditions", "medication_classes", "platelet_count_below", "unhealed_injuries"}
_PRECAUTIONS = {"restricted_techniques", "pressure_limit", "avoid_injured_regions"}


@dataclass(frozen=True)
class Precautions:
    """What a rule restricts; it stays in force after a physician's clearance."""

    restricted_techniques: frozenset[str] = frozenset()
    pressure_limit: str | None = None
    avoid_injured_regions: bool = False


@dataclass(frozen=True)
class Rule:
    """One row of the table: the findings that trigger it, its outcome and precautions."""

    code: str
    text: str
    outcome: str
    precautions: Precautions
    conditions: frozenset[str] = frozenset()
    medication_classes: frozenset[str] = frozenset()
    platelet_count_below: int | None = None  # per microlitre
    unhealed_injuries: frozenset[str] = frozenset()

    def findings(
        self, questionnaire: Questionnaire, medications: MedicationList, labels: dict[str, str]
    ) -> tuple[str, ...]:
        """What in the questionnaire triggers this rule, in words; empty when nothing does."""
        found = [labels[c] for c in sorted(questionnaire.conditions & self.conditions)]
        for listed in questionnaire.medications:
            drug = medications.find(listed)
            if drug and drug.drug_class in self.medication_classes:
                found.append(f"{listed} ({drug.generic}, {drug.drug_class})")
        count, threshold = questionnaire.platelet_count, self.platelet_count_below
        if count is not None and threshold is not None and count < threshold:
            found.append(f"platelet count {count:,}/µL, below {threshold:,}/µL")
        found += [
            f"unhealed {injury.kind} of {injury.body_region}"
            for injury in self.injuries_in(questionnaire)
        ]
        return tuple(found)

    def injuries_in(self, questionnaire: Questionnaire) -> tuple[Injury, ...]:
        """The client's unhealed injuries of the kinds this rule is about."""
        return tuple(
            injury
            for injury in questionnaire.unhealed_injuries()
            if injury.kind in self.unhealed_injuries
        )


@dataclass(frozen=True)
class ScreeningRules:
    """A versioned rules table with the conditions it knows and the drugs it looks for."""

    version: str
    valid_for_months: int
    conditions: dict[str, str]  # condition code -> label for the questionnaire
    rules: tuple[Rule, ...]
    medications: MedicationList


def parse_rules(data: dict[str, Any], medications: MedicationList) -> ScreeningRules:
    """A rules table from the parsed JSON of a rules file, refusing unknown names."""
    try:
        conditions = dict(data["conditions"])
        rules = tuple(_parse_rule(entry, conditions, medications) for entry in data["rules"])
        rules_table = ScreeningRules(
            version=data["version"],
            valid_for_months=data["screening_valid_for_months"],
            conditions=conditions,
            rules=rules,
            medications=medications,
        )
    except KeyError as missing:
        raise RulesFileError(f"rules file lacks {missing}") from None
    if rules_table.valid_for_months < 1:
        raise RulesFileError("a screening must stay valid for at least one month")
    return rules_table


def load_rules(path: Path | None = None, medications_path: Path | None = None) -> ScreeningRules:
    """The rules table from a JSON file, by default the one shipped with the service."""
    with open(path or DEFAULT_RULES_PATH, encoding="utf-8") as file:
        return parse_rules(json.load(file), load_medications(medications_path))


def _parse_rule(
    entry: dict[str, Any], conditions: dict[str, str], medications: MedicationList
) -> Rule:
    code, when, precautions = entry["code"], entry["when"], entry["precautions"]
    # An ignored, misspelt key would silently clear clients the clinic meant to stop.
    _refuse(code, "trigger", set(when) - _TRIGGERS)
    _refuse(code, "precaution", set(precautions) - _PRECAUTIONS)
    if not when:
        raise RulesFileError(f"rule {code} has no trigger")
    rule = Rule(
        code=code,
        text=entry["text"],
        outcome=entry["outcome"],
        precautions=Precautions(
            restricted_techniques=frozenset(precautions.get("restricted_techniques", ())),
            pressure_limit=precautions.get("pressure_limit"),
            avoid_injured_regions=precautions.get("avoid_injured_regions", False),
        ),
        conditions=frozenset(when.get("conditions", ())),
        medication_classes=frozenset(when.get("medication_classes", ())),
        platelet_count_below=when.get("platelet_count_below"),
        unhealed_injuries=frozenset(when.get("unhealed_injuries", ())),
    )
    _refuse(code, "outcome", {rule.outcome} - set(SCREENING_OUTCOMES))
    _refuse(code, "condition", rule.conditions - conditions.keys())
    _refuse(code, "medication class", rule.medication_classes - medications.drug_classes())
    _refuse(code, "injury kind", rule.unhealed_injuries - INJURY_KINDS)
    _refuse(code, "technique", rule.precautions.restricted_techniques - TECHNIQUES)
    _refuse(code, "pressure level", {rule.precautions.pressure_limit} - {None, *PRESSURE_LEVELS})
    return rule


def _refuse(rule_code: str, what: str, unknown: Set[Any]) -> None:
    if unknown:
        raise RulesFileError(f"rule {rule_code} names unknown {what}: {sorted(unknown)}")
