"""Screening a client from the questionnaire, and lifting it with a physician's clearance."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from services.screening import domain
from services.screening.commands.events import screening_data
from services.screening.store import clients, screenings
from shared.db import utcnow
from shared.events.contracts.screening import SCREENING_COMPLETED
from shared.uow import UnitOfWork

log = logging.getLogger("services.screening.commands")


def screen_client(
    uow: UnitOfWork, client_id: str, answers: dict[str, Any], rules: domain.ScreeningRules,
    today: date,
) -> dict[str, Any]:
    """Evaluate the questionnaire with the rules table and record the verdict as of today."""
    outcome = domain.evaluate(_questionnaire_of(answers), rules, today)
    clients.require(uow.connection, client_id, lock=True)
    screening = screenings.add(uow.connection, client_id, outcome, questionnaire=answers,
                               recorded_by=_recorder(uow), recorded_at=utcnow())
    uow.emit(SCREENING_COMPLETED, client_id, screening_data(screening))
    log.info("client screened", extra={"client_id": client_id,
                                       "screening_id": screening["screening_id"],
                                       "outcome": outcome.outcome})
    return screening


def clear_client(
    uow: UnitOfWork, client_id: str, clearance: domain.Clearance, today: date
) -> dict[str, Any]:
    """Lift the current needs_clearance / not_eligible screening; its precautions stay.

    The clearance is a new screening row that names the one it clears.
    """
    clearance.check_dated_by(today)
    clients.require(uow.connection, client_id, lock=True)
    current = screenings.latest(uow.connection, client_id)
    if current is None:
        raise domain.ClearanceNotNeeded("The client has not been screened yet.")
    outcome = screenings.outcome_of(current)
    if not domain.is_current(outcome, today):
        raise domain.ClearanceNotNeeded("The client's screening has expired; screen them again.")
    screening = screenings.add(
        uow.connection, client_id, domain.apply_clearance(outcome, clearance),
        questionnaire=current["questionnaire"], recorded_by=_recorder(uow),
        recorded_at=utcnow(), clears_screening_id=current["screening_id"],
    )
    uow.emit(SCREENING_COMPLETED, client_id, screening_data(screening))
    log.info("client cleared", extra={"client_id": client_id,
                                      "screening_id": screening["screening_id"]})
    return screening


def _questionnaire_of(answers: dict[str, Any]) -> domain.Questionnaire:
    return domain.Questionnaire(
        conditions=answers["conditions"],
        medications=answers["medications"],
        injuries=[domain.Injury(**injury) for injury in answers["injuries"]],
        platelet_count=answers["platelet_count"],
        notes=answers["notes"],
    )


def _recorder(uow: UnitOfWork) -> str:
    return uow.actor or "anonymous"
