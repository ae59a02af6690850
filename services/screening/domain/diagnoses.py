"""The ICD-10-CM codes massage referrals most often carry, offered for picking."""

import json
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
