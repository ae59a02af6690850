"""The ICD-10-CM codes massage referrals most often carry, offered for picking."""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

COMMON_DIAGNOSES_PATH = Path(__file__).parent.parent / "data" / "icd10_common.json"


@dataclass(frozen=True)
class Diagnosis:
    """An ICD-10-CM code in canonical form and its description."""

    code: str
    description: str


def common_diagnoses() -> tuple[Diagnosis, ...]:
    """The common massage-related diagnoses shipped with the service, in list order."""
    with open(COMMON_DIAGNOSES_PATH, encoding="utf-8") as file:
        data = json.load(file)
    return tuple(Diagnosis(entry["code"], entry["description"]) for entry in data["diagnoses"])


def matching(diagnoses: Iterable[Diagnosis], query: str) -> list[Diagnosis]:
    """The diagnoses whose code or description contains every word of ``query``."""
    words = query.casefold().split()
    return [d for d in diagnoses if all(_mentions(d, word) for word in words)]


def _mentions(diagnosis: Diagnosis, word: str) -> bool:
    # Codes match with or without their dot: "m5450" finds M54.50.
    code = diagnosis.code.replace(".", "").casefold()
    return word.replace(".", "") in code or word in diagnosis.description.casefold()
