"""Clinical identifiers every service checks: the physician's NPI and ICD-10-CM codes."""

import functools
import importlib.util
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

# CMS NPI standard: the Luhn check digit is computed as if the NPI were prefixed with
# "80840" (the ISO 7812 card-issuer prefix for US health applications).
_NPI_PREFIX = "80840"
_NPI = re.compile(r"[0-9]{10}")
_FIRST_NINE = re.compile(r"[0-9]{9}")

# Letter, digit, letter-or-digit, then optionally (a dot and) 1-4 more characters.
_ICD10_CM = re.compile(r"([A-Z][0-9][A-Z0-9])(?:\.?([A-Z0-9]{1,4}))?")


def npi_check_digit(first_nine: str) -> str:
    """The Luhn check digit that completes an NPI whose first nine digits are given."""
    if not _FIRST_NINE.fullmatch(first_nine):
        raise ValueError(f"an NPI check digit needs exactly 9 digits, got {first_nine!r}")
    total = 0
    # Walking right to left, every other digit is doubled, starting with the rightmost
    # one because the check digit will sit to its right.
    for position, char in enumerate(reversed(_NPI_PREFIX + first_nine)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


# Remembered by value: the clinic's, its therapists' and the referring physicians' NPIs are
# checked again on every claim (docs/PERFORMANCE.md, "Claims"). Bounded.
@functools.lru_cache(maxsize=1024)
def is_valid_npi(npi: str) -> bool:
    """Whether npi is 10 digits whose last digit is the right Luhn check digit."""
    return bool(_NPI.fullmatch(npi)) and npi_check_digit(npi[:9]) == npi[9]


def is_valid_icd10_cm(code: str) -> bool:
    """Whether code is shaped like an ICD-10-CM code, with or without its dot."""
    return bool(_ICD10_CM.fullmatch(code.strip().upper()))


def normalise_icd10_cm(code: str) -> str:
    """The canonical form of an ICD-10-CM code: uppercase, dot after the category."""
    match = _ICD10_CM.fullmatch(code.strip().upper())
    if not match:
        raise ValueError("not an ICD-10-CM code")  # the code itself is PHI: never in messages
    category, subcategory = match.groups()
    return f"{category}.{subcategory}" if subcategory else category


def icd10_for_x12(code: str) -> str:
    """An ICD-10-CM code as X12 837P carries it: uppercase, without the dot."""
    return normalise_icd10_cm(code).replace(".", "")


@dataclass(frozen=True)
class CodeSetRelease:
    """One release of the ICD-10-CM code set and the dates of service it is in force for."""

    name: str
    in_force_from: date
    in_force_through: date

    def covers(self, first_day: date, last_day: date) -> bool:
        """Whether every date of service from ``first_day`` to ``last_day`` falls in it."""
        return self.in_force_from <= first_day and last_day <= self.in_force_through


# The release the pinned simple-icd-10-cm package ships (its data files are named
# icd10c-tabular-April-1-2026.xml and code-list-April-2026.txt; a unit test keeps this in
# step): CMS's April 1, 2026 update of FY2026, in force for dates of service from
# 2026-04-01 to the end of the fiscal year. docs/DOMAIN.md §Referral says what follows for
# dates of service outside it.
ICD10_CM_RELEASE = CodeSetRelease(
    "ICD-10-CM FY2026 (April 1, 2026 update)", date(2026, 4, 1), date(2026, 9, 30)
)


@dataclass(frozen=True)
class _CodeSet:
    codes: tuple[str, ...]  # without dots, in the tabular list's order
    known: frozenset[str]
    leaves: frozenset[str]


@functools.cache
def _code_set() -> _CodeSet:
    # The package's flat code list, read without importing the package: importing it
    # parses its whole XML tabular list (~3 s of CPU, ~150 MB at peak), which every
    # service start would pay. Leaves are computed as the package's ``is_leaf`` answers
    # (a code no other code extends); a unit test checks the two agree on every code.
    spec = importlib.util.find_spec("simple_icd_10_cm")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the simple-icd-10-cm package is not installed")
    [listing] = Path(spec.submodule_search_locations[0], "data").glob("code-list-*.txt")
    codes = tuple(line for line in listing.read_text(encoding="utf-8").split()
                  if "-" not in line and not line.isdigit())  # no blocks, no chapters
    known = frozenset(codes)
    parents = {code[:end] for code in codes for end in range(3, len(code))
               if code[:end] in known}
    return _CodeSet(codes, known, known - parents)


def load_icd10_cm() -> None:
    """Load the code set now, so that the first referral checked does not wait for it."""
    _code_set()


def is_billable_icd10_cm(code: str) -> bool:
    """Whether a well-formed ICD-10-CM code is a leaf of the shipped release (billable)."""
    return normalise_icd10_cm(code).replace(".", "") in _code_set().leaves


def icd10_cm_billing_problem(code: str) -> str | None:
    """Why a well-formed ICD-10-CM code cannot be billed, or None when it can.

    Billable means a leaf of the shipped release's tabular list: a category or
    subcategory that has codes below it (M54.5 since FY2022) is not, and neither is a
    code the release does not have (never created, or deleted).
    """
    canonical = normalise_icd10_cm(code)
    bare = canonical.replace(".", "")
    code_set = _code_set()
    if is_billable_icd10_cm(bare):
        return None
    if bare not in code_set.known:
        return f"{canonical} is not a code of {ICD10_CM_RELEASE.name}."
    below = [_dotted(other) for other in code_set.codes
             if other.startswith(bare) and other in code_set.leaves]
    shown = ", ".join(below[:8]) + (", ..." if len(below) > 8 else "")
    return (f"{canonical} is a category, not a billable code in {ICD10_CM_RELEASE.name}; "
            f"pick the billable code below it that fits: {shown}.")


def _dotted(bare: str) -> str:
    return f"{bare[:3]}.{bare[3:]}" if len(bare) > 3 else bare
