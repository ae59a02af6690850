"""An 837P claim as JSON: assembled once when the scrub passes it, read back by the batcher.

The scrub's last check is that the claim can be written as an 837P, which it learns by
assembling it (``x12.assemble``). That claim is the one sent: it is kept with the claim
row and read back here, so the batcher never assembles it again from the claim's inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from services.claims.x12.model import (
    Address,
    Claim,
    ClaimFrequency,
    Patient,
    PatientRelationship,
    Payer,
    PersonName,
    Provider,
    ServiceLine,
    Sex,
    Subscriber,
)
from services.claims.x12.other_payers import other_payer_from_data


def claim_to_data(claim: Claim) -> dict[str, Any]:
    """The claim in JSON types (dates ISO, amounts as strings, enums as their codes).

    The same dict as ``asdict`` then converting each value, without ``asdict``'s deep
    copy of every leaf: every ready claim is stored with its 837P, and that copy was most
    of the cost of storing it (docs/PERFORMANCE.md, "Claims").
    """
    return _plain(claim)


def claim_from_data(data: Mapping[str, Any]) -> Claim:
    """The claim ``claim_to_data`` gave."""
    rendering = data["rendering_provider"]
    patient = data["patient"]
    return Claim(
        claim_id=data["claim_id"],
        subscriber=_subscriber(data["subscriber"]),
        payer=Payer(**data["payer"]),
        diagnoses=tuple(data["diagnoses"]),
        service_lines=tuple(_service_line(line) for line in data["service_lines"]),
        referring_provider=_provider(data["referring_provider"]),
        rendering_provider=_provider(rendering) if rendering else None,
        patient=_patient(patient) if patient else None,
        place_of_service=data["place_of_service"],
        frequency=ClaimFrequency(data["frequency"]),
        original_claim_reference=data["original_claim_reference"],
        prior_authorization=data["prior_authorization"],
        other_payer=other_payer_from_data(data.get("other_payer")),
    )


def _plain(value: Any) -> Any:
    convert = _BY_TYPE.get(type(value))
    if convert is not None:
        return convert(value)
    if is_dataclass(value) and not isinstance(value, type):
        return _dataclass_converter(type(value))(value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value  # str (enums included: StrEnum), int, bool, None


def _same(value: Any) -> Any:
    return value


def _sequence(value: list[Any] | tuple[Any, ...]) -> list[Any]:
    return [_plain(item) for item in value]


def _dataclass_converter(kind: type) -> Callable[[Any], dict[str, Any]]:
    """A dataclass as a dict of its fields in order (asdict's keys), values converted."""
    names = tuple(field.name for field in fields(kind))

    def convert(value: Any) -> dict[str, Any]:
        return {name: _plain(getattr(value, name)) for name in names}

    _BY_TYPE[kind] = convert
    return convert


# By exact type: what most values are, found in one look-up (subclasses take the long way).
_BY_TYPE: dict[type, Callable[[Any], Any]] = {
    str: _same, int: _same, bool: _same, type(None): _same,
    tuple: _sequence, list: _sequence,
    date: date.isoformat, Decimal: str,
}  # fmt: skip


def _subscriber(data: Mapping[str, Any]) -> Subscriber:
    return Subscriber(
        name=PersonName(**data["name"]),
        member_id=data["member_id"],
        birth_date=date.fromisoformat(data["birth_date"]),
        sex=Sex(data["sex"]),
        address=Address(**data["address"]),
        group_number=data["group_number"],
    )


def _patient(data: Mapping[str, Any]) -> Patient:
    return Patient(
        name=PersonName(**data["name"]),
        birth_date=date.fromisoformat(data["birth_date"]),
        sex=Sex(data["sex"]),
        address=Address(**data["address"]),
        relationship_to_subscriber=PatientRelationship(data["relationship_to_subscriber"]),
    )


def _provider(data: Mapping[str, Any]) -> Provider:
    return Provider(PersonName(**data["name"]), data["npi"], data["taxonomy_code"])


def _service_line(data: Mapping[str, Any]) -> ServiceLine:
    return ServiceLine(
        procedure_code=data["procedure_code"],
        charge=Decimal(data["charge"]),
        units=data["units"],
        diagnosis_pointers=tuple(data["diagnosis_pointers"]),
        service_date=date.fromisoformat(data["service_date"]),
        modifiers=tuple(data["modifiers"]),
    )
