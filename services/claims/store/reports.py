"""The clearinghouse's report mailbox as we keep it: the cursor and every report read.

Reports are stored first, keyed by the mailbox's report id, and processed afterwards, so
reading the same page twice (a crash between reading and recording) changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, func, select, update

from services.claims.store.tables import clearinghouse_reports, mailbox_cursor
from shared.db import insert_if_absent, utcnow

NEW = "new"  # stored, not processed yet
DEFERRED = "deferred"  # answers an interchange whose 999 is not recorded yet: later
PROCESSED = "processed"  # every claim it names was looked at (see note)
HELD = "held"  # could not be read: a person looks (docs/CLAIM_LIFECYCLE.md)
AWAITING_POSTING = "awaiting_posting"  # an 835, kept for remittance posting
POSTED = "posted"  # an 835 whose payments were posted (or held each on its own)
STATUSES = (NEW, DEFERRED, PROCESSED, HELD, AWAITING_POSTING, POSTED)
_DUE = (NEW, DEFERRED)
_CURSOR = "reports"


def cursor(connection: Connection) -> int:
    """The id of the last report read (0: none yet): the next request's ``after``."""
    after = connection.execute(
        select(mailbox_cursor.c.after).where(mailbox_cursor.c.name == _CURSOR)
    ).scalar()
    return int(after or 0)


def advance_cursor(connection: Connection, after: int) -> None:
    """Move the cursor forward to ``after`` (never back)."""
    now = utcnow()
    if insert_if_absent(
        connection, mailbox_cursor, {"name": _CURSOR, "after": after, "updated_at": now}
    ):
        return
    connection.execute(
        update(mailbox_cursor)
        .where(mailbox_cursor.c.name == _CURSOR, mailbox_cursor.c.after < after)
        .values(after=after, updated_at=now)
    )


def store_report(connection: Connection, report: Mapping[str, Any]) -> bool:
    """Keep a report as listed; False when it was kept already."""
    return insert_if_absent(
        connection,
        clearinghouse_reports,
        {
            "report_id": report["id"],
            "kind": report["kind"],
            "interchange_number": report["interchange_number"],
            "x12": report["x12"],
            "created_at": report.get("created_at"),
            "fetched_at": utcnow(),
            "status": NEW,
        },
    )


def due_reports(connection: Connection) -> list[int]:
    """Ids of the reports still to process, in mailbox order."""
    return list(
        connection.execute(
            select(clearinghouse_reports.c.report_id)
            .where(clearinghouse_reports.c.status.in_(_DUE))
            .order_by(clearinghouse_reports.c.report_id)
        ).scalars()
    )


def take_report(
    connection: Connection, report_id: int, statuses: tuple[str, ...] = _DUE
) -> Any:
    """The report, held by this transaction for processing; None when someone did it.

    ``statuses``: what it must still be (to process: new or deferred; to post: awaiting
    posting).
    """
    taken = connection.execute(
        update(clearinghouse_reports)
        .where(
            clearinghouse_reports.c.report_id == report_id,
            clearinghouse_reports.c.status.in_(statuses),
        )
        .values(processed_at=utcnow())
    ).rowcount
    if not taken:
        return None
    return connection.execute(
        select(clearinghouse_reports).where(clearinghouse_reports.c.report_id == report_id)
    ).first()


def finish_report(connection: Connection, report_id: int, status: str, note: str) -> None:
    """Record what became of a report."""
    connection.execute(
        update(clearinghouse_reports)
        .where(clearinghouse_reports.c.report_id == report_id)
        .values(status=status, note=note[:500], processed_at=utcnow())
    )


def list_reports(connection: Connection, status: str | None, limit: int) -> list[Any]:
    """Reports (newest first), of one status when given, without their text."""
    columns = [c for c in clearinghouse_reports.c if c.name != "x12"]
    query = (
        select(*columns).order_by(clearinghouse_reports.c.report_id.desc()).limit(limit)
    )
    if status is not None:
        query = query.where(clearinghouse_reports.c.status == status)
    return list(connection.execute(query))


def reports_awaiting_posting(connection: Connection) -> list[int]:
    """Ids of the 835s read from the mailbox and not posted yet, in mailbox order."""
    return list(
        connection.execute(
            select(clearinghouse_reports.c.report_id)
            .where(clearinghouse_reports.c.status == AWAITING_POSTING)
            .order_by(clearinghouse_reports.c.report_id)
        ).scalars()
    )


def held_reports(connection: Connection) -> list[Any]:
    """Reports that could not be read, without their text, oldest first."""
    columns = [c for c in clearinghouse_reports.c if c.name != "x12"]
    return list(
        connection.execute(
            select(*columns)
            .where(clearinghouse_reports.c.status == HELD)
            .order_by(clearinghouse_reports.c.report_id)
        )
    )


def count_held(connection: Connection) -> int:
    """How many reports wait for a person."""
    return int(
        connection.execute(
            select(func.count())
            .select_from(clearinghouse_reports)
            .where(clearinghouse_reports.c.status == HELD)
        ).scalar_one()
    )
