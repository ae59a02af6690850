"""Domain records from the data other services published (JSON types, checked on consume).

Claims keeps each event's data as published (the session on its claim, the newest client
and referral in the projections) and reads it back here, the one way for each record.
Reading field by field is ten times quicker than loading through the contract schema
again, and every claim reads its session, client and referral.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any

from services.claims.domain.records import (
    Address,
    Client,
    Coverage,
    Person,
    Referral,
    Session,
    SessionCode,
)
from shared.billing.techniques import load_technique_codes


@cache
def _technique_codes() -> dict[str, str]:
    return load_technique_codes()


def session_from_data(data: Mapping[str, Any]) -> Session:
    """A domain Session from session.completed data; each code keeps the regions it treated."""
    codes = _technique_codes()
    regions: dict[str, set[str]] = {}
    for record in data["techniques"]:
        code = codes.get(record["technique"])
        if code is not None:
            regions.setdefault(code, set()).update(record["body_regions"])
    return Session(
        session_id=data["session_id"],
        client_id=data["client_id"],
        referral_id=data["referral_id"],
        date_of_service=date.fromisoformat(data["date_of_service"]),
        place_of_service=data["place_of_service"],
        counting_method=data["counting_method"],
        rendering_name=data["rendering_provider"]["name"],
        rendering_npi=data["rendering_provider"]["npi"],
        codes=tuple(
            SessionCode(
                code=item["code"],
                minutes=item["minutes"],
                units=item["units"],
                body_regions=frozenset(regions.get(item["code"], ())),
            )
            for item in data["codes"]
        ),
    )


def client_from_data(data: Mapping[str, Any]) -> Client:
    """A domain Client from client.registered/updated data."""
    coverage = data.get("coverage")
    return Client(
        client_id=data["client_id"],
        person=_person(data),
        coverage=None
        if not coverage
        else Coverage(
            payer_id=coverage["payer_id"],
            payer_name=coverage["payer_name"],
            member_id=coverage["member_id"],
            relationship_to_subscriber=coverage["relationship_to_subscriber"],
            group_number=coverage.get("group_number"),
            subscriber=_person(coverage["subscriber"]) if coverage.get("subscriber") else None,
        ),
    )


def referral_from_state(state: Mapping[str, Any]) -> Referral:
    """A domain Referral from referral.recorded/amended data and its closing date, if any."""
    details = state["details"]
    closed_on = state.get("closed_on")
    return Referral(
        referral_id=details["referral_id"],
        client_id=details["client_id"],
        physician_name=details["physician"]["name"],
        physician_npi=details["physician"]["npi"],
        diagnoses=tuple(details["diagnoses"]),
        authorized_visits=details["authorized_visits"],
        start_on=date.fromisoformat(details["start_on"]),
        end_on=date.fromisoformat(details["end_on"]),
        authorization_number=details.get("authorization_number"),
        closed_on=date.fromisoformat(closed_on) if closed_on else None,
    )


def _person(data: Mapping[str, Any]) -> Person:
    address = data["address"]
    return Person(
        first_name=data["first_name"],
        last_name=data["last_name"],
        birth_date=date.fromisoformat(data["birth_date"]),
        sex=data["sex"],
        address=Address(
            line1=address["line1"],
            line2=address.get("line2"),
            city=address["city"],
            state=address["state"],
            postal_code=address["postal_code"],
        ),
    )
