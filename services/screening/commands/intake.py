"""Online intake: the clinic invites, the client sends their intake, staff confirm it.

A submission registers the client (the same command the front desk uses) and keeps their
answers as a *pending* screening: nobody books on a client's own word, so the
``screening.completed`` event that makes a client bookable is emitted only when staff
confirm (``confirm_intake``), with the rules and date of that day.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from services.screening import domain
from services.screening.commands.clients import register_client
from services.screening.commands.screenings import screen_client
from services.screening.domain import intake_links
from services.screening.domain.documents import check_document
from services.screening.domain.intake import Consent, next_step
from services.screening.domain.intake_errors import (
    AlreadyRegistered,
    ConsentChanged,
    InvitationRefused,
    InvitationRequired,
    SubmissionNotFound,
    SubmissionNotPending,
)
from services.screening.store import document_files
from services.screening.store import intake as store
from shared.events.contracts.screening import INTAKE_SUBMITTED
from shared.uow import UnitOfWork

log = logging.getLogger("services.screening.intake")


def invite(uow: UnitOfWork, email: str | None, now: datetime, days: int,
           key: str) -> dict[str, Any]:
    """A single-use intake link for a new client, valid ``days`` (its token is signed)."""
    row = {"invitation_id": store.new_id("iv"), "email": email,
           "created_by": uow.actor or "anonymous", "created_at": now,
           "expires_at": now + timedelta(days=days), "used_at": None, "submission_id": None}
    store.add_invitation(uow.connection, row)
    token = intake_links.sign(key, intake_links.INVITATION, row["invitation_id"])
    log.info("intake invitation created", extra={"invitation_id": row["invitation_id"]})
    return {**row, "token": token}


def submit_intake(
    uow: UnitOfWork, intake: dict[str, Any], *, invitation_token: str | None, open_to_all: bool,
    rules: domain.ScreeningRules, consent: Consent, today: date, now: datetime,
    signed_from: str, link_key: str, invitation_days: int,
) -> dict[str, Any]:
    """Register the client, keep their answers as a pending screening and their consent.

    Returns the stored submission with ``next_step`` (what the client is told) and an
    ``upload_token`` for their referral documents.
    """
    invitation_id = _usable_invitation(uow, invitation_token, open_to_all, link_key,
                                       invitation_days, now)
    if intake["consent"]["version"] != consent.version:
        raise ConsentChanged(consent.version)
    answers = intake["questionnaire"]
    try:
        preliminary = domain.evaluate(_questionnaire_of(answers), rules, today)
    except domain.InvalidQuestionnaire as invalid:
        # The page shows each message beside its field: name them as the body nests them.
        errors = {f"questionnaire.{name}": messages
                  for name, messages in (invalid.errors or {"_schema": [str(invalid)]}).items()}
        raise domain.InvalidQuestionnaire(invalid.detail, errors=errors) from None
    try:
        # The secondary payer is the client's, like the primary: kept on their record for
        # claims (register_client checks it and emits the contact and sign-in key events).
        # The page sends it beside the client; a client body may carry it itself.
        secondary = intake["secondary_coverage"] or intake["client"].get("secondary_coverage")
        client = register_client(uow, {**intake["client"], "secondary_coverage": secondary})
    except domain.DuplicateClient:
        # A public page must not tell who is a client: no id, only what to do.
        raise AlreadyRegistered() from None
    submission = store.add_submission(uow.connection, {
        "submission_id": store.new_id("in"), "client_id": client["client_id"],
        "invitation_id": invitation_id, "questionnaire": answers,
        "preliminary_outcome": preliminary.outcome,
        "preliminary_reasons": [{"code": r.code, "text": r.text} for r in preliminary.reasons],
        "rules_version": preliminary.rules_version,
        "consent_version": consent.version, "consent_text": consent.text,
        "signature": intake["consent"]["signature"], "signed_at": now,
        "signed_from": signed_from, "submitted_at": now})
    if invitation_id is not None and not store.use_invitation(
            uow.connection, invitation_id, submission["submission_id"], now):
        raise InvitationRefused("used")
    uow.emit(INTAKE_SUBMITTED, client["client_id"], {
        "submission_id": submission["submission_id"], "client_id": client["client_id"],
        "invitation_id": invitation_id, "submitted_at": now})
    log.info("intake submitted", extra={"client_id": client["client_id"],
                                        "submission_id": submission["submission_id"]})
    return {**submission, "next_step": next_step(preliminary.outcome),
            "upload_token": intake_links.sign(link_key, intake_links.UPLOAD,
                                              submission["submission_id"])}


def confirm_intake(uow: UnitOfWork, submission_id: str, rules: domain.ScreeningRules,
                   today: date, now: datetime) -> dict[str, Any]:
    """Staff confirm a pending intake: it becomes the client's screening (and its event)."""
    submission = store.submission(uow.connection, submission_id)
    if submission is None:
        raise SubmissionNotFound(submission_id)
    if submission["status"] != store.PENDING:
        raise SubmissionNotPending(submission["screening_id"])
    screening = screen_client(uow, submission["client_id"], submission["questionnaire"],
                              rules, today)
    if not store.confirm(uow.connection, submission_id, screening["screening_id"],
                         uow.actor or "anonymous", now):
        raise SubmissionNotPending(None)  # confirmed meanwhile by someone else: roll back
    return screening


def upload_document(uow: UnitOfWork, upload_token: str, content: bytes, *, link_key: str,
                    directory: Path, max_bytes: int, scan_command: str, scan_timeout: float,
                    now: datetime) -> dict[str, Any]:
    """Keep a referral document for the submission the token names (PDF, PNG or JPEG)."""
    try:
        submission_id = intake_links.verify_id(link_key, intake_links.UPLOAD, upload_token,
                                            intake_links.UPLOAD_LIFETIME)
    except intake_links.TokenRefused as refused:
        raise InvitationRefused("upload_expired" if refused.expired else "invalid") from None
    submission = store.submission(uow.connection, submission_id)
    if submission is None:
        raise SubmissionNotFound(submission_id)
    checked = check_document(content, max_bytes)
    existing = store.document_with_hash(uow.connection, submission_id, checked.sha256)
    if existing is not None:
        return existing
    document_files.store_document(directory, checked, content, scan_command, scan_timeout)
    row = store.add_document(uow.connection, {
        "document_id": store.new_id("dc"), "submission_id": submission_id,
        "client_id": submission["client_id"], "content_type": checked.content_type,
        "size": checked.size, "sha256": checked.sha256, "file_name": checked.file_name,
        "uploaded_at": now})
    log.info("intake document stored", extra={"submission_id": submission_id,
                                              "document_id": row["document_id"]})
    return row


def _usable_invitation(uow: UnitOfWork, token: str | None, open_to_all: bool, key: str,
                       days: int, now: datetime) -> str | None:
    if token is None:
        if not open_to_all:
            raise InvitationRequired()
        return None
    try:
        invitation_id = intake_links.verify_id(key, intake_links.INVITATION, token,
                                            timedelta(days=days))
    except intake_links.TokenRefused as refused:
        raise InvitationRefused("expired" if refused.expired else "invalid") from None
    row = store.invitation(uow.connection, invitation_id)
    if row is None:
        raise InvitationRefused("invalid")
    if row["used_at"] is not None:
        raise InvitationRefused("used")
    if now >= row["expires_at"]:
        raise InvitationRefused("expired")
    return invitation_id


def _questionnaire_of(answers: dict[str, Any]) -> domain.Questionnaire:
    return domain.Questionnaire(
        conditions=answers["conditions"], medications=answers["medications"],
        injuries=[domain.Injury(**injury) for injury in answers["injuries"]],
        platelet_count=answers["platelet_count"], notes=answers["notes"])
