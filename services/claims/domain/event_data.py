"""Domain records from the data other services published (JSON types, checked on consume).

Claims keeps each event's data as published (the session on its claim, the newest client
and referral in the projections) and reads it back here, the one way for each record.
Reading field by field is ten times quicker than loading through the contract schema
again, and every claim reads its session, client and referral.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from itertools import product
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

# A session records a handful of techniques; past this many, v1 regions are not matched.
_MAX_TECHNIQUES_TO_MATCH = 8


def session_from_data(data: Mapping[str, Any]) -> Session:
    """A domain Session from session.completed data (v1 or v2); each code keeps its regions.

    Claims never maps techniques to codes itself (docs/DOMAIN.md §Claims): v2 names the
    code of every technique, as the clinic's map gave it in scheduling; v1 is read by
    matching each technique's minutes to the codes' minutes (``_v1_regions``).
    """
    provider = data["rendering_provider"]
    if "lines" in data:
        codes = _v2_codes(data["lines"])
    else:
        regions = _v1_regions(data["codes"], data["techniques"])
        codes = tuple(
            SessionCode(item["code"], item["minutes"], item["units"],
                        frozenset(regions.get(item["code"], ())))
            for item in data["codes"]
        )
    return Session(
        session_id=data["session_id"],
        client_id=data["client_id"],
        referral_id=data["referral_id"],
        date_of_service=date.fromisoformat(data["date_of_service"]),
        place_of_service=data["place_of_service"],
        counting_method=data["counting_method"],
        rendering_name=provider["name"],
        rendering_npi=provider["npi"],
        codes=codes,
        rendering_taxonomy=provider.get("taxonomy"),
        regions_outside_referral=tuple(data.get("regions_outside_referral") or ()),
        outside_referral_reason=data.get("outside_referral_reason"),
    )


def _v2_codes(lines: Sequence[Mapping[str, Any]]) -> tuple[SessionCode, ...]:
    """One SessionCode per code: its lines' minutes and units added, regions and techniques."""
    by_code: dict[str, list[Mapping[str, Any]]] = {}
    for line in lines:
        by_code.setdefault(line["code"], []).append(line)
    return tuple(
        SessionCode(
            code=code,
            minutes=sum(line["minutes"] for line in group),
            units=sum(line["units"] for line in group),
            body_regions=frozenset(r for line in group for r in line["body_regions"]),
            techniques=tuple(dict.fromkeys(line["technique"] for line in group)),
        )
        for code, group in sorted(by_code.items())
    )


def _v1_regions(
    codes: Sequence[Mapping[str, Any]], techniques: Sequence[Mapping[str, Any]]
) -> dict[str, set[str]]:
    """Regions per code of a v1 event, from the one way its techniques' minutes add up.

    v1 does not say which code each technique billed under. Rather than guess with a map
    (the clinic may have configured its own), every technique is given to a code so that
    each code's minutes are exactly its techniques' minutes; when no such split, or more
    than one giving different regions, exists, every code gets every region treated, and
    a code pair that needs separate regions goes to a person (domain/edits.py).
    """
    wanted = {item["code"]: item["minutes"] for item in codes}
    every_region = {r for record in techniques for r in record["body_regions"]}
    if len(wanted) == 1 or len(techniques) > _MAX_TECHNIQUES_TO_MATCH:
        return {code: every_region for code in wanted}
    found: list[dict[str, set[str]]] = []
    # A session records a handful of techniques: trying every split is cheap.
    for choice in product(sorted(wanted), repeat=len(techniques)):
        totals = dict.fromkeys(wanted, 0)
        for code, record in zip(choice, techniques, strict=True):
            totals[code] += record["minutes"]
        if totals == wanted:
            regions: dict[str, set[str]] = {code: set() for code in wanted}
            for code, record in zip(choice, techniques, strict=True):
                regions[code].update(record["body_regions"])
            if regions not in found:
                found.append(regions)
        if len(found) > 1:
            break
    if len(found) == 1:
        return found[0]
    return {code: every_region for code in wanted}


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
    physician = details["physician"]
    return Referral(
        referral_id=details["referral_id"],
        client_id=details["client_id"],
        physician_name=physician["name"],
        physician_npi=physician["npi"],
        physician_last_name=physician.get("last_name"),
        physician_first_name=physician.get("first_name"),
        codes=tuple(details.get("codes") or ()),
        body_regions=tuple(details.get("body_regions") or ()),
        diagnosis_regions=tuple(
            (item["diagnosis"], frozenset(item["body_regions"]))
            for item in details.get("diagnosis_regions") or ()
        ),
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
