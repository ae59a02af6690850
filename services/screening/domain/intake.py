"""Online intake: the questions the rules table asks, the consent, what the client is told.

The health questions are derived from the screening rules in force, never written out a
second time: every condition the rules know is asked, the medication question appears
when a rule looks at drug classes, the platelet question when a rule has a platelet
threshold, and the injury question lists the injury kinds the rules look at. A clinic
that adds a rule to its rules file gets the question with no code change
(docs/DOMAIN.md §Screening).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from services.screening.domain.errors import RulesFileError
from services.screening.domain.rules import ScreeningRules
from shared.vocabulary import (
    CLEARED,
    CLEARED_WITH_PRECAUTIONS,
    NEEDS_CLEARANCE,
    NOT_ELIGIBLE,
)

DEFAULT_CONSENT_PATH = Path(__file__).parent.parent / "rules" / "intake-consent.v1.json"

_INJURY_WORDS = {"fracture": "a broken bone (fracture)", "wound": "an open or healing wound",
                 "burn": "a burn"}


@dataclass(frozen=True)
class Question:
    """One question of the intake's health questionnaire and the rules that ask it.

    ``kind`` says how it is answered: ``condition`` (yes/no; ``code`` is the condition's),
    ``medications`` (a list of medicines as written), ``platelet_count`` (an optional
    number per microlitre) or ``injuries`` (kind, body region, healed; ``choices`` are the
    injury kinds asked about).
    """

    kind: str
    code: str
    text: str
    help: str
    rule_codes: tuple[str, ...]
    choices: tuple[str, ...] = ()


def intake_questions(rules: ScreeningRules) -> tuple[Question, ...]:
    """The health questions the rules table needs answered, in the table's order."""
    questions: list[Question] = []
    asking: dict[str, list[str]] = {}
    for rule in rules.rules:
        for condition in sorted(rule.conditions):
            asking.setdefault(f"condition:{condition}", []).append(rule.code)
        if rule.medication_classes:
            asking.setdefault("medications", []).append(rule.code)
        if rule.platelet_count_below is not None:
            asking.setdefault("platelet_count", []).append(rule.code)
        if rule.unhealed_injuries:
            asking.setdefault("injuries", []).append(rule.code)
    # Conditions no rule uses are still asked: the clinic listed them for a reason.
    for code in rules.conditions:
        asking.setdefault(f"condition:{code}", [])
    for key, rule_codes in asking.items():
        questions.append(_question(key, tuple(rule_codes), rules))
    return tuple(questions)


def _question(key: str, rule_codes: tuple[str, ...], rules: ScreeningRules) -> Question:
    if key.startswith("condition:"):
        code = key.removeprefix("condition:")
        return Question("condition", code, f"{rules.conditions[code]}?",
                        "Answer yes if a doctor has told you so, or suspects it.", rule_codes)
    if key == "medications":
        classes = sorted({c for rule in rules.rules if rule.code in rule_codes
                          for c in rule.medication_classes})
        examples = sorted(drug.generic for drug in rules.medications.drugs
                          if drug.drug_class in classes)[:4]
        return Question("medications", "medications", "Which medicines do you take?",
                        "One per line, as on the label, including blood thinners "
                        f"({', '.join(classes)}; e.g. {', '.join(examples)}).", rule_codes)
    if key == "platelet_count":
        return Question("platelet_count", "platelet_count",
                        "Your most recent platelet count, if you know it",
                        "Per microlitre, from a blood test (e.g. 150000). Leave empty if "
                        "you do not know it.", rule_codes)
    kinds = tuple(sorted({k for rule in rules.rules if rule.code in rule_codes
                          for k in rule.unhealed_injuries}))
    words = ", ".join(_INJURY_WORDS.get(kind, kind) for kind in kinds)
    return Question("injuries", "injuries", f"Do you have {words}?",
                    "Add each one with where it is and whether it has healed.", rule_codes,
                    choices=kinds)


@dataclass(frozen=True)
class Consent:
    """The consent text a client signs, with the version it is stored under."""

    version: str
    text: str


def load_consent(path: Path | None = None) -> Consent:
    """The consent text from a JSON file, by default the one shipped with the service."""
    with open(path or DEFAULT_CONSENT_PATH, encoding="utf-8") as file:
        data = json.load(file)
    try:
        consent = Consent(version=str(data["version"]), text=str(data["text"]))
    except KeyError as missing:
        raise RulesFileError(f"consent file lacks {missing}") from None
    if not consent.text.strip():
        raise RulesFileError("the consent text is empty")
    return consent


@dataclass(frozen=True)
class NextStep:
    """What the client is told after sending their intake, in plain words."""

    bookable_after_review: bool
    heading: str
    text: str


def next_step(preliminary_outcome: str) -> NextStep:
    """What a client whose answers come to this outcome should do next.

    Only staff confirm a screening; until then nobody books, and a client whose answers
    need a physician's clearance or rule massage out is told so at once, with what to do.
    """
    if preliminary_outcome in (CLEARED, CLEARED_WITH_PRECAUTIONS):
        return NextStep(True, "Thank you, your answers are with the clinic",
                        "The clinic will review them, usually within one working day. "
                        "Then you can sign in and book your visits.")
    if preliminary_outcome == NEEDS_CLEARANCE:
        return NextStep(False, "Please ask your physician for a clearance",
                        "Your answers show a condition or medicine for which your physician "
                        "must confirm in writing that massage is safe for you. Ask them for a "
                        "clearance and have it sent to the clinic (or upload it here). You can "
                        "book once the clinic has recorded it.")
    if preliminary_outcome == NOT_ELIGIBLE:
        return NextStep(False, "Massage is not safe for you right now",
                        "Your answers show a condition for which massage must wait. Please "
                        "see your physician first. When your physician clears you in writing, "
                        "send the clearance to the clinic; you can book once it is recorded. "
                        "If you have pain or swelling in a leg, seek medical care now.")
    raise ValueError(f"unknown screening outcome {preliminary_outcome!r}")
