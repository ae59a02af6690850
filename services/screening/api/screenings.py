"""Health screenings, physician clearances, and the rules table a UI offers."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response

from services.screening.api.common import caller, config, invalid_field, require_client
from services.screening.domain import (
    INJURY_KINDS,
    Clearance,
    ClearanceNotNeeded,
    Injury,
    Questionnaire,
    apply_clearance,
    evaluate,
    is_current,
)
from services.screening.publishing import screening_data
from services.screening.schemas.screenings import (
    ClearanceSchema,
    QuestionnaireSchema,
    ScreeningListSchema,
    ScreeningOutSchema,
    ScreeningRulesSchema,
)
from services.screening.store import screenings
from shared.db import read_only, utcnow
from shared.events.contracts.screening import SCREENING_COMPLETED
from shared.vocabulary import BODY_REGIONS, PRESSURE_LEVELS, TECHNIQUES
from shared.web import (
    Problem,
    allow,
    api,
    idempotent,
    load_body,
    public,
    respond,
    service_context,
    unit_of_work,
)
from shared.web.events import emit_from_request

bp = Blueprint("screenings", __name__)
log = logging.getLogger("services.screening.api")


def present(screening: dict[str, Any]) -> dict[str, Any]:
    """A stored screening as the API shows it, with its clearance (if any) grouped."""
    if screening["clearance_physician_npi"] is None:
        return {**screening, "cleared_by_physician": False, "clearance": None}
    clearance = {
        "physician_name": screening["clearance_physician_name"],
        "physician_npi": screening["clearance_physician_npi"],
        "cleared_on": screening["cleared_on"],
        "note": screening["clearance_note"] or "",
        "clears_screening_id": screening["clears_screening_id"],
    }
    return {**screening, "cleared_by_physician": True, "clearance": clearance}


def _questionnaire_of(answers: dict[str, Any]) -> Questionnaire:
    unknown = sorted(set(answers["conditions"]) - config().rules.conditions.keys())
    if unknown:
        raise invalid_field("conditions", f"Unknown conditions {unknown}; GET /screening-rules "
                                          "lists the known ones.")
    return Questionnaire(
        conditions=answers["conditions"],
        medications=answers["medications"],
        injuries=[Injury(**injury) for injury in answers["injuries"]],
        platelet_count=answers["platelet_count"],
        notes=answers["notes"],
    )


@bp.post("/clients/<client_id>/screenings")
@allow("front_desk")
@api("Screen a client from their health questionnaire", request=QuestionnaireSchema,
     response=ScreeningOutSchema, status=201, errors=(404,))
@idempotent
def screen_client(client_id: str) -> Response:
    """Evaluate the questionnaire with the rules table and record the verdict."""
    answers = load_body(QuestionnaireSchema)
    outcome = evaluate(_questionnaire_of(answers), config().rules, config().today())
    with unit_of_work() as connection:
        require_client(connection, client_id, lock=True)
        screening = screenings.add(connection, client_id, outcome, questionnaire=answers,
                                   recorded_by=caller(), recorded_at=utcnow())
        emit_from_request(connection, SCREENING_COMPLETED, client_id, screening_data(screening))
    log.info("client screened", extra={"client_id": client_id,
                                       "screening_id": screening["screening_id"],
                                       "outcome": outcome.outcome})
    return respond(ScreeningOutSchema, present(screening), 201)


@bp.post("/clients/<client_id>/clearances")
@allow("front_desk")
@api("Record a physician's clearance of the screening that waits for one",
     request=ClearanceSchema, response=ScreeningOutSchema, status=201, errors=(404, 422))
@idempotent
def clear_client(client_id: str) -> Response:
    """Lift the current needs_clearance / not_eligible screening; its precautions stay."""
    data = load_body(ClearanceSchema)
    if data["cleared_on"] > config().today():
        raise invalid_field("cleared_on", "Must not be in the future.")
    clearance = Clearance(
        physician_name=data["physician_name"],
        physician_npi=data["physician_npi"],
        cleared_on=data["cleared_on"],
        restricted_techniques=frozenset(data["restricted_techniques"]),
        restricted_regions=frozenset(data["restricted_regions"]),
        pressure_limit=data["pressure_limit"],
        note=data["note"],
    )
    with unit_of_work() as connection:
        require_client(connection, client_id, lock=True)
        current = screenings.latest(connection, client_id)
        if current is None:
            raise _nothing_to_clear("The client has not been screened yet.")
        outcome = screenings.outcome_of(current)
        if not is_current(outcome, config().today()):
            raise _nothing_to_clear("The client's screening has expired; screen them again.")
        try:
            cleared = apply_clearance(outcome, clearance)
        except ClearanceNotNeeded:
            raise _nothing_to_clear(
                f"The current screening is {outcome.outcome}; it needs no clearance."
            ) from None
        screening = screenings.add(
            connection, client_id, cleared, questionnaire=current["questionnaire"],
            recorded_by=caller(), recorded_at=utcnow(),
            clears_screening_id=current["screening_id"],
        )
        emit_from_request(connection, SCREENING_COMPLETED, client_id, screening_data(screening))
    log.info("client cleared", extra={"client_id": client_id,
                                      "screening_id": screening["screening_id"]})
    return respond(ScreeningOutSchema, present(screening), 201)


def _nothing_to_clear(detail: str) -> Problem:
    return Problem(422, "No screening awaits clearance", detail, "clearance-not-needed")


@bp.get("/clients/<client_id>/screenings")
@allow("front_desk", "therapist")
@api("A client's screenings, newest first", response=ScreeningListSchema, errors=(404,))
def list_screenings(client_id: str) -> Response:
    """Every screening of the client, the current one first."""
    with read_only(service_context().engine) as connection:
        require_client(connection, client_id)
        found = screenings.history(connection, client_id)
    return respond(ScreeningListSchema, {"screenings": [present(s) for s in found]})


@bp.get("/clients/<client_id>/screenings/<screening_id>")
@allow("front_desk", "therapist")
@api("One screening", response=ScreeningOutSchema, errors=(404,))
def get_screening(client_id: str, screening_id: str) -> Response:
    """One of the client's screenings."""
    with read_only(service_context().engine) as connection:
        require_client(connection, client_id)
        screening = screenings.get(connection, client_id, screening_id)
    if screening is None:
        raise Problem(404, "Screening not found", f"No screening {screening_id} for this client.",
                      "screening-not-found")
    return respond(ScreeningOutSchema, present(screening))


@bp.get("/screening-rules")
@public
@api("The rules version and the questionnaire's vocabulary", response=ScreeningRulesSchema)
def screening_rules() -> Response:
    """What an intake form can ask: conditions, injury kinds, regions; and the rules in force."""
    rules = config().rules
    return respond(ScreeningRulesSchema, {
        "version": rules.version,
        "valid_for_months": rules.valid_for_months,
        "conditions": [{"code": code, "label": label} for code, label in rules.conditions.items()],
        "rules": [{"code": r.code, "text": r.text, "outcome": r.outcome} for r in rules.rules],
        "injury_kinds": sorted(INJURY_KINDS),
        "body_regions": sorted(BODY_REGIONS),
        "techniques": sorted(TECHNIQUES),
        "pressure_levels": list(PRESSURE_LEVELS),
    })
