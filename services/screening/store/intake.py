"""Intake as stored: invitations, submissions (pending screenings) and document records."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

# The client record's own coverage (de)serialisers: a secondary coverage is stored the same.
from services.screening.store.clients import _coverage_from_json
from services.screening.store.tables import (
    clients,
    intake_documents,
    intake_invitations,
    intake_submissions,
)

PENDING, CONFIRMED = "pending", "confirmed"


def new_id(prefix: str) -> str:
    """A fresh id with a readable prefix (``iv_``, ``in_``, ``dc_``)."""
    return f"{prefix}_{uuid.uuid4().hex}"


def add_invitation(connection: Connection, row: dict[str, Any]) -> None:
    """Store a new invitation."""
    connection.execute(insert(intake_invitations).values(**row))


def invitation(connection: Connection, invitation_id: str) -> dict[str, Any] | None:
    """One invitation, or None."""
    row = connection.execute(select(intake_invitations).where(
        intake_invitations.c.invitation_id == invitation_id)).first()
    return dict(row._mapping) if row else None


def use_invitation(connection: Connection, invitation_id: str, submission_id: str,
                   now: datetime) -> bool:
    """Mark an unused invitation used by this submission; False when it was used already.

    A compare-and-set: of two submissions racing with one link, only one wins.
    """
    changed = connection.execute(
        update(intake_invitations)
        .where(intake_invitations.c.invitation_id == invitation_id,
               intake_invitations.c.used_at.is_(None))
        .values(used_at=now, submission_id=submission_id)
    ).rowcount
    return changed == 1


def add_submission(connection: Connection, row: dict[str, Any]) -> dict[str, Any]:
    """Store a new pending submission."""
    values = {**row, "status": PENDING, "confirmed_by": None, "confirmed_at": None,
              "screening_id": None}
    connection.execute(insert(intake_submissions).values(**values))
    return values


# The secondary coverage staff review is the client's record's, where intake puts it (the
# submission's own column is no longer written).
_WITH_NAMES = select(*(column for column in intake_submissions.c
                       if column.name != "secondary_coverage"),
                     clients.c.secondary_coverage,
                     clients.c.first_name, clients.c.last_name, clients.c.birth_date).join(
    clients, clients.c.client_id == intake_submissions.c.client_id)


def submission(connection: Connection, submission_id: str) -> dict[str, Any] | None:
    """One submission with the client's name and birth date, or None."""
    row = connection.execute(_WITH_NAMES.where(
        intake_submissions.c.submission_id == submission_id)).first()
    return _submission_of(row) if row else None


def pending(connection: Connection, limit: int) -> list[dict[str, Any]]:
    """Submissions waiting for staff, oldest first, with the clients' names."""
    rows = connection.execute(
        _WITH_NAMES
        .where(intake_submissions.c.status == PENDING)
        .order_by(intake_submissions.c.submitted_at, intake_submissions.c.submission_id)
        .limit(limit))
    return [_submission_of(row) for row in rows]


def _submission_of(row: Any) -> dict[str, Any]:
    values = dict(row._mapping)
    values["secondary_coverage"] = _coverage_from_json(values["secondary_coverage"])
    return values


def confirm(connection: Connection, submission_id: str, screening_id: str, by: str,
            now: datetime) -> bool:
    """Mark a pending submission confirmed as a screening; False when it no longer is pending."""
    changed = connection.execute(
        update(intake_submissions)
        .where(intake_submissions.c.submission_id == submission_id,
               intake_submissions.c.status == PENDING)
        .values(status=CONFIRMED, confirmed_by=by, confirmed_at=now, screening_id=screening_id)
    ).rowcount
    return changed == 1


def add_document(connection: Connection, row: dict[str, Any]) -> dict[str, Any]:
    """Record an uploaded document (its bytes are already in their file)."""
    connection.execute(insert(intake_documents).values(**row))
    return row


def document_with_hash(connection: Connection, submission_id: str,
                       sha256: str) -> dict[str, Any] | None:
    """The submission's document with this content, if it was uploaded before."""
    row = connection.execute(select(intake_documents).where(
        intake_documents.c.submission_id == submission_id,
        intake_documents.c.sha256 == sha256)).first()
    return dict(row._mapping) if row else None


def documents(connection: Connection, submission_id: str) -> list[dict[str, Any]]:
    """The submission's documents, in upload order."""
    rows = connection.execute(
        select(intake_documents)
        .where(intake_documents.c.submission_id == submission_id)
        .order_by(intake_documents.c.uploaded_at, intake_documents.c.document_id))
    return [dict(row._mapping) for row in rows]
