"""Health screenings, physician clearances, and the rules table a UI offers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from sqlalchemy import Connection

from services.screening.api.common import config, require_readable_client
from services.screening.api.schemas.screenings import (
    ClearanceSchema,
    QuestionnaireSchema,
    ScreeningListSchema,
    ScreeningOutSchema,
    ScreeningRulesSchema,
)
from services.screening.commands import screenings as commands
from services.screening.domain import INJURY_KINDS, Clearance
from services.screening.store import screenings
from shared.uow import UnitOfWork
from shared.vocabulary import BODY_REGIONS, PRESSURE_LEVELS, TECHNIQUES
from shared.web import allow, api, load_body, public, reads, respond, writes

bp = Blueprint("screenings", __name__)


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


@bp.post("/clients/<client_id>/screenings")
@allow("front_desk")
@api("Screen a client from their health questionnaire", request=QuestionnaireSchema,
     response=ScreeningOutSchema, status=201, errors=(404,))
@writes
def screen_client(uow: UnitOfWork, client_id: str) -> Response:
    """Evaluate the questionnaire with the rules table and record the verdict."""
    answers = load_body(QuestionnaireSchema)
    screening = commands.screen_client(uow, client_id, answers, config().rules, config().today())
    return respond(ScreeningOutSchema, present(screening), 201)


@bp.post("/clients/<client_id>/clearances")
@allow("front_desk")
@api("Record a physician's clearance of the screening that waits for one",
     request=ClearanceSchema, response=ScreeningOutSchema, status=201, errors=(404, 422))
@writes
def clear_client(uow: UnitOfWork, client_id: str) -> Response:
    """Lift the current needs_clearance / not_eligible screening; its precautions stay."""
    clearance = Clearance(**load_body(ClearanceSchema))
    screening = commands.clear_client(uow, client_id, clearance, config().today())
    return respond(ScreeningOutSchema, present(screening), 201)


@bp.get("/clients/<client_id>/screenings")
@allow("front_desk", "therapist")
@api("A client's screenings, newest first (a therapist: of a client they treat)",
     response=ScreeningListSchema, errors=(404,))
@reads
def list_screenings(connection: Connection, client_id: str) -> Response:
    """Every screening of the client, the current one first."""
    require_readable_client(connection, client_id)
    found = screenings.history(connection, client_id)
    return respond(ScreeningListSchema, {"screenings": [present(s) for s in found]})


@bp.get("/clients/<client_id>/screenings/<screening_id>")
@allow("front_desk", "therapist")
@api("One screening (a therapist: of a client they treat)", response=ScreeningOutSchema,
     errors=(404,))
@reads
def get_screening(connection: Connection, client_id: str, screening_id: str) -> Response:
    """One of the client's screenings."""
    require_readable_client(connection, client_id)
    return respond(ScreeningOutSchema,
                   present(screenings.require(connection, client_id, screening_id)))


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
