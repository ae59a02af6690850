"""Words for the codes an 835 carries: CARC (why an amount was adjusted) and RARC (remarks).

docs/DOMAIN.md §Acknowledgements. The lists ship as data, each naming its X12 external code
list and the date it was taken from (``services/claims/data/carc.json``, ``rarc.json``); a code
missing from them reads "unknown code" rather than failing, because payers send codes we have
not listed and posting must still show them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

DATA = Path(__file__).parent.parent / "data"
UNKNOWN = "unknown code"

# The published descriptions end with instructions to payers ("Usage: ...", "At least one Remark
# Code must be provided ..."); a person posting a remittance needs only the meaning before them.
_PAYER_INSTRUCTIONS = (" Usage:", " At least one Remark Code must be provided")


@dataclass(frozen=True)
class CodeList:
    """One X12 external code list as shipped: its name, source, version and code -> text."""

    name: str
    source: str
    version: str
    codes: Mapping[str, str]

    def meaning(self, code: str) -> str:
        """The published description of ``code`` without payer instructions, or "unknown code"."""
        text = self.codes.get(code.strip().upper())
        if text is None:
            return UNKNOWN
        cut = min(
            (text.find(marker) for marker in _PAYER_INSTRUCTIONS if marker in text),
            default=len(text),
        )
        return text[:cut].strip()


@cache
def adjustment_reasons() -> CodeList:
    """The Claim Adjustment Reason Codes (CAS02, CAS05, ...)."""
    return _load("carc.json")


@cache
def remarks() -> CodeList:
    """The Remittance Advice Remark Codes (LQ02 with LQ01 = HE, MOA03-MOA07)."""
    return _load("rarc.json")


# Posting describes the same few codes on every claim of an 835: the words are worked out
# once per code (the lists never change while the service runs).
@lru_cache(maxsize=4096)
def describe_adjustment(group: str, reason: str) -> str:
    """``CO-45: Charge exceeds fee schedule/...`` for display; unknown reasons say so."""
    reason = reason.strip().upper()
    return f"{group}-{reason}: {adjustment_reasons().meaning(reason)}"


@lru_cache(maxsize=4096)
def describe_remark(code: str) -> str:
    """``N130: Consult plan benefit documents/...`` for display; unknown codes say so."""
    code = code.strip().upper()
    return f"{code}: {remarks().meaning(code)}"


def _load(file_name: str) -> CodeList:
    with open(DATA / file_name, encoding="utf-8") as file:
        data = json.load(file)
    return CodeList(data["list"], data["source"], data["version"], dict(data["codes"]))
