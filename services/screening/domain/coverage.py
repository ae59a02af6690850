"""What a client's record must hold before a claim can be built from it (docs/DOMAIN.md
§Identifiers): identifiers X12 can carry, names it can write, payers in a sensible order.

Checked at registration and at every correction, so one client's bad member id never
reaches an interchange that carries other clients' claims.
"""

from __future__ import annotations

from typing import Any

from services.screening.domain.errors import NotBillable
from shared.x12_text import (
    GROUP_NUMBER,
    MEMBER_ID,
    PAYER_ID,
    Element,
    as_identifier,
    has_x12_reading,
    identifier_problem,
)

COVERAGES = ("coverage", "secondary_coverage")
_IDENTIFIERS: tuple[tuple[str, Element], ...] = (
    ("payer_id", PAYER_ID), ("member_id", MEMBER_ID), ("group_number", GROUP_NUMBER),
)
NO_X12_READING = ("Has no letter or digit an X12 claim can write (only A-Z once accents are "
                  "dropped); enter the name as the insurance card spells it.")
NO_X12_ADDRESS = ("Has no letter or digit an X12 claim can write (only A-Z once accents are "
                  "dropped); enter the address as the payer has it on file.")


def billable_client(details: dict[str, Any]) -> dict[str, Any]:
    """The client's details with identifiers as they are kept; raises NotBillable.

    Identifiers are checked, never rewritten beyond trimming and upper case. Names and
    address lines keep the person's spelling; when the client has coverage they must at
    least transliterate to something (NM103 and N301 are required).
    """
    errors: dict[str, Any] = {}
    primary, secondary = details.get("coverage"), details.get("secondary_coverage")
    for key in COVERAGES:
        if details.get(key):
            errors.update(_nested(key, _coverage_problems(details[key])))
    if secondary and not primary:
        errors["secondary_coverage"] = [
            "A secondary payer needs a primary one: give the primary coverage first."]
    elif secondary and primary and _same_payer(primary, secondary):
        problems = errors.setdefault("secondary_coverage", {})
        problems.setdefault("payer_id", []).append(
            "The secondary payer is the primary payer; a payer is billed once per claim.")
    if primary or secondary:
        errors.update(_unwritable_names(details))
    if errors:
        raise NotBillable(errors)
    return {**details, **{key: _kept(details[key]) for key in COVERAGES if details.get(key)}}


def _coverage_problems(coverage: dict[str, Any]) -> dict[str, Any]:
    problems: dict[str, Any] = {}
    for name, element in _IDENTIFIERS:
        value = coverage.get(name)
        if value is None:
            continue
        problem = identifier_problem(value, element)
        if problem:
            problems[name] = [problem]
    subscriber = coverage.get("subscriber")
    if subscriber:
        problems.update(_nested("subscriber", _unwritable_names(subscriber)))
    return problems


def _unwritable_names(person: dict[str, Any]) -> dict[str, Any]:
    problems: dict[str, Any] = {}
    for name in ("first_name", "last_name"):
        if not has_x12_reading(person[name]):
            problems[name] = [NO_X12_READING]
    address = {name: [NO_X12_ADDRESS]
               for name in ("line1", "city") if not has_x12_reading(person["address"][name])}
    return {**problems, **_nested("address", address)}


def _same_payer(primary: dict[str, Any], secondary: dict[str, Any]) -> bool:
    return as_identifier(primary["payer_id"]) == as_identifier(secondary["payer_id"])


def _kept(coverage: dict[str, Any]) -> dict[str, Any]:
    kept = {name: as_identifier(coverage[name]) for name, _ in _IDENTIFIERS
            if coverage.get(name) is not None}
    return {**coverage, **kept}


def _nested(key: str, problems: dict[str, Any]) -> dict[str, Any]:
    return {key: problems} if problems else {}
