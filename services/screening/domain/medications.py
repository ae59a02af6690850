"""Recognising blood-thinning drugs in the free text a client writes on the intake form."""

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.screening.domain.errors import RulesFileError

DEFAULT_MEDICATIONS_PATH = Path(__file__).parent.parent / "rules" / "medications.json"

_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Drug:
    """One drug of the list: its generic name, its class and the other names it goes by."""

    generic: str
    drug_class: str
    other_names: tuple[str, ...] = ()

    def names(self) -> frozenset[str]:
        """Every name of the drug, lowercase."""
        return frozenset(name.casefold() for name in (self.generic, *self.other_names))


@dataclass(frozen=True)
class MedicationList:
    """The drugs screening looks for, matched by name."""

    drugs: tuple[Drug, ...]

    def drug_classes(self) -> frozenset[str]:
        """The classes the list knows, e.g. anticoagulant, antiplatelet."""
        return frozenset(drug.drug_class for drug in self.drugs)

    def find(self, listed: str) -> Drug | None:
        """The drug a medication line names, ignoring case, dose and frequency text."""
        # Whole words only, so "Eliquis 5mg twice daily" matches and "heparinoid cream"
        # does not match heparin.
        words = set(_WORD.findall(listed.casefold()))
        return next((drug for drug in self.drugs if drug.names() & words), None)


def parse_medications(data: dict[str, Any]) -> MedicationList:
    """A medication list from the parsed JSON of a medications file."""
    drugs = []
    for entry in data["drugs"]:
        drug = Drug(entry["generic"], entry["class"], tuple(entry.get("other_names", ())))
        unmatchable = [name for name in drug.names() if not _WORD.fullmatch(name)]
        if unmatchable:
            raise RulesFileError(f"drug names must be single words, got {unmatchable}")
        drugs.append(drug)
    return MedicationList(tuple(drugs))


def load_medications(path: Path | None = None) -> MedicationList:
    """The medication list from a JSON file, by default the one shipped with the service."""
    with open(path or DEFAULT_MEDICATIONS_PATH, encoding="utf-8") as file:
        return parse_medications(json.load(file))
