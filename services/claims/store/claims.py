"""Claims, their lines and state history."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from services.claims.domain.claim import ClaimLine
from services.claims.domain.claim_ids import ECHO_LENGTH, echo_key, echoes
from services.claims.domain.errors import ClaimNotFound
from services.claims.domain.lifecycle import BILLED, State
from services.claims.domain.records import Reason
from services.claims.domain.remittance_matching import SentClaim, SentLine
from services.claims.domain.resubmission import ClaimStanding
from services.claims.store.tables import claim_history, claim_lines, claims
from services.claims.x12.model import ClaimFrequency
from shared.bulk import execute_many
from shared.db import utcnow
from shared.json_text import dumps

BILLED_STATUSES = tuple(sorted(state.value for state in BILLED))
VOID_FREQUENCY = "8"  # a void bills nothing: not a receivable
_IDS_PER_QUERY = 500  # ids bound in one IN (...): well under SQLite's variable limit

# Built once: these run for every claim, and building a statement costs several times
# what SQLite takes to run it.
_INSERT_HISTORY = insert(claim_history)
_CHANGE_STATE: dict[tuple[str, ...], Any] = {}  # by the columns a change sets
# By a change's keys in order: the columns it sets, and its keys as bound ("_" first).
_CHANGE_SHAPES: dict[tuple[str, ...], tuple[tuple[str, ...], tuple[str, ...]]] = {}
_INSERT_CLAIM = insert(claims)
_CLAIM_OF_ATTEMPT = select(claims.c.claim_id).where(
    claims.c.session_id == bindparam("session_id"), claims.c.attempt == bindparam("attempt")
)
_VISITS_BILLED = select(func.count(claims.c.session_id.distinct())).where(
    claims.c.referral_id == bindparam("referral_id"),
    claims.c.session_id != bindparam("except_session"),
    claims.c.status.in_(BILLED_STATUSES),
)
_UNITS_SAME_DAY = (
    select(claim_lines.c.code, func.sum(claim_lines.c.units))
    .join(claims, claims.c.claim_id == claim_lines.c.claim_id)
    .where(
        claims.c.client_id == bindparam("client_id"),
        claims.c.date_of_service == bindparam("day"),
        claims.c.session_id != bindparam("except_session"),
        claims.c.status.in_(BILLED_STATUSES),
        claims.c.replaced_by_claim_id.is_(None),
        claims.c.frequency != VOID_FREQUENCY,
    )
    .group_by(claim_lines.c.code)
)
_NEEDING_REVIEW = (
    select(claims)
    .where(claims.c.client_id == bindparam("client_id"), claims.c.status == "needs_review")
    .order_by(claims.c.created_at, claims.c.claim_id)
)


def reasons_json(reasons: Iterable[Reason]) -> str:
    """Reasons as stored: a JSON list of {code, text}."""
    if not reasons:  # most claim payments have none: no encoder run for them
        return "[]"
    return dumps([{"code": r.code, "text": r.text} for r in reasons])


def insert_claim(
    connection: Connection, values: dict[str, Any], lines: Sequence[ClaimLine]
) -> bool:
    """Store a new claim with its lines and history; False when the session already has it.

    A look-up, not a savepoint around the insert (which cost a third of making a claim):
    the unique (session_id, attempt) constraint still has the last word when two
    PostgreSQL writers race, and the loser's IntegrityError undoes its transaction (the
    consumer applies that event again and finds this claim).
    """
    attempt = {"session_id": values["session_id"], "attempt": values["attempt"]}
    if connection.execute(_CLAIM_OF_ATTEMPT, attempt).first() is not None:
        return False
    claim, lines_rows, history = new_claim_rows(values, lines, utcnow())
    connection.execute(_INSERT_CLAIM, claim)
    if lines_rows:
        connection.execute(_INSERT_LINES, lines_rows)
    record_histories(connection, [history])
    return True


def update_claim(connection: Connection, claim_id: str, **values: Any) -> None:
    """Change some columns of a claim."""
    connection.execute(
        update(claims).where(claims.c.claim_id == claim_id).values(updated_at=utcnow(), **values)
    )


def write_lines(
    connection: Connection, claim_id: str, lines: Sequence[ClaimLine], replace: bool = True
) -> None:
    """Write a claim's service lines, replacing those it had."""
    if replace:
        connection.execute(delete(claim_lines).where(claim_lines.c.claim_id == claim_id))
    if lines:
        connection.execute(_INSERT_LINES, line_rows(claim_id, lines))


def history_entry(
    claim_id: str,
    status: str,
    reasons: str,
    note: str | None,
    at: datetime,
    *,
    transition: str | None = None,
    evidence: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One entry of a claim's history as stored: a lifecycle step, or a note (no transition)."""
    return {
        "claim_id": claim_id,
        "status": status,
        "transition": transition,
        "reasons": reasons,
        "note": note[:200] if note else None,
        "evidence": dumps(evidence) if evidence is not None else None,
        "at": at,
    }


def record_history(
    connection: Connection,
    claim_id: str,
    status: str,
    reasons: str,
    note: str | None = None,
    *,
    transition: str | None = None,
    evidence: dict[str, Any] | None = None,
) -> None:
    """Append an entry to a claim's history: a lifecycle step, or a note (no transition)."""
    record_histories(connection, [history_entry(
        claim_id, status, reasons, note, utcnow(), transition=transition, evidence=evidence
    )])  # fmt: skip


def record_histories(connection: Connection, entries: Sequence[dict[str, Any]]) -> None:
    """Append history entries (``history_entry``) of several claims, in one statement."""
    if entries:
        execute_many(connection, _INSERT_HISTORY, entries)


def record_notes(
    connection: Connection, claim_ids: Sequence[str], status: str, note: str
) -> None:
    """Append the same note (no step, no reasons) to several claims' histories."""
    now = utcnow()
    record_histories(
        connection, [history_entry(claim_id, status, "[]", note, now) for claim_id in claim_ids]
    )


def change_states(connection: Connection, changes: Sequence[dict[str, Any]]) -> int:
    """Move claims, each only while it is still in its ``from_status``; how many moved.

    Compare-and-set: a claim a concurrent step moved first is not changed (the caller
    compares the count). Each change names ``claim_id``, ``from_status`` and the columns to
    set; changes setting the same columns go in one executemany.
    """
    moved = 0
    by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for change in changes:
        keys = tuple(change)
        shape = _CHANGE_SHAPES.get(keys)
        if shape is None:
            columns = tuple(sorted(change.keys() - {"claim_id", "from_status"}))
            shape = _CHANGE_SHAPES[keys] = (columns, tuple(f"_{key}" for key in keys))
        columns, names = shape
        by_columns.setdefault(columns, []).append(dict(zip(names, change.values(), strict=True)))
    for columns, same in by_columns.items():
        statement = _CHANGE_STATE.get(columns)
        if statement is None:
            statement = _CHANGE_STATE[columns] = (
                update(claims)
                .where(claims.c.claim_id == bindparam("_claim_id"),
                       claims.c.status == bindparam("_from_status"))
                .values({column: bindparam(f"_{column}") for column in columns})
            )  # fmt: skip
        moved += execute_many(connection, statement, same)
    return moved


def standing_of(row: Any) -> ClaimStanding:
    """What the resubmission rules look at, from a claims row."""
    snapshot = json.loads(row.snapshot or "{}")
    return ClaimStanding(
        state=State(row.status),
        frequency=ClaimFrequency(row.frequency),
        original_reference=snapshot.get("original_reference"),
        payer_claim_control_number=row.payer_claim_control_number,
        superseded_by=row.replaced_by_claim_id,
    )


def get_claim(connection: Connection, claim_id: str) -> Any:
    """A claim row; ClaimNotFound when no claim has this id."""
    row = connection.execute(select(claims).where(claims.c.claim_id == claim_id)).first()
    if row is None:
        raise ClaimNotFound(claim_id)
    return row


def claim_detail(connection: Connection, claim_id: str) -> dict[str, Any]:
    """A claim in full: its columns, lines and history, reasons as lists (ClaimNotFound)."""
    detail = _summary(get_claim(connection, claim_id))
    detail["lines"] = lines_of(connection, claim_id)
    detail["history"] = [
        {
            "status": h.status,
            "transition": h.transition,
            "reasons": json.loads(h.reasons),
            "note": h.note,
            "evidence": json.loads(h.evidence) if h.evidence else None,
            "at": h.at,
        }
        for h in history_of(connection, claim_id)
    ]
    return detail


def _summary(row: Any) -> dict[str, Any]:
    summary = dict(row._mapping)
    number = row.interchange_number
    summary["interchange_control_number"] = f"{number:09d}" if number is not None else None
    summary["reasons"] = json.loads(row.reasons)
    return summary


def claims_needing_review(connection: Connection, client_id: str) -> list[Any]:
    """The client's claims parked for review, oldest first."""
    return list(connection.execute(_NEEDING_REVIEW, {"client_id": client_id}))


def visits_billed(connection: Connection, referral_id: str, except_session: str) -> int:
    """Sessions other than ``except_session`` billed (or about to be) against a referral."""
    found = connection.execute(
        _VISITS_BILLED, {"referral_id": referral_id, "except_session": except_session}
    )
    return int(found.scalar())


def units_billed_on(
    connection: Connection, client_id: str, day: date, except_session: str
) -> dict[str, int]:
    """Units per code billed (or about to be) for the client on ``day`` by other sessions."""
    rows = connection.execute(
        _UNITS_SAME_DAY, {"client_id": client_id, "day": day, "except_session": except_session}
    )
    return {code: int(units) for code, units in rows}


# A claim line's columns in the order ``_line`` reads them, after the claim id.
_LINES = select(
    claim_lines.c.claim_id, claim_lines.c.code, claim_lines.c.units, claim_lines.c.minutes,
    claim_lines.c.modifiers, claim_lines.c.diagnosis_pointers, claim_lines.c.charge,
    claim_lines.c.expected_allowed,
).order_by(claim_lines.c.claim_id, claim_lines.c.line_number)  # fmt: skip


def lines_of(connection: Connection, claim_id: str) -> list[ClaimLine]:
    """A claim's service lines in order."""
    rows = connection.execute(_LINES.where(claim_lines.c.claim_id == claim_id))
    return [_line(row) for row in rows]


# What posting an 835 reads of a claim (not its session, snapshot or corrections, which are
# kilobytes of JSON per claim). Built once with the ids bound per call: an 835 asks for
# hundreds of claims at a time, and building the statement each time cost more than reading.
_AS_BILLED = select(
    claims.c.claim_id, claims.c.client_id, claims.c.status, claims.c.status_changed_at,
    claims.c.reasons, claims.c.frequency, claims.c.payer_claim_control_number,
    claims.c.correlation_id,
).where(claims.c.claim_id.in_(bindparam("ids", expanding=True)))  # fmt: skip
_LINES_AS_BILLED = select(
    claim_lines.c.claim_id, claim_lines.c.code, claim_lines.c.modifiers, claim_lines.c.units,
    claim_lines.c.charge, claim_lines.c.expected_allowed,
).where(claim_lines.c.claim_id.in_(bindparam("ids", expanding=True))).order_by(
    claim_lines.c.claim_id, claim_lines.c.line_number
)  # fmt: skip


def claims_as_billed(
    connection: Connection, claim_ids: Iterable[str]
) -> dict[str, tuple[Any, SentClaim]]:
    """The claims of these ids (the columns their lifecycle steps need) and their lines as
    billed, by id; a query for claims and one for lines per few hundred ids."""
    found: dict[str, tuple[Any, list[SentLine]]] = {}
    wanted = sorted(set(claim_ids))
    for start in range(0, len(wanted), _IDS_PER_QUERY):
        ids = {"ids": wanted[start : start + _IDS_PER_QUERY]}
        for row in connection.execute(_AS_BILLED, ids):
            found[row.claim_id] = (row, [])
        # The SentLine straight from the row: what sent_claim() would make of its ClaimLine.
        for claim_id, code, modifiers, units, charge, expected in connection.execute(
            _LINES_AS_BILLED, ids
        ):
            found[claim_id][1].append(SentLine(
                code, _modifiers(modifiers), units, charge, expected
            ))  # fmt: skip
    return {
        claim_id: (row, SentClaim(claim_id, tuple(lines)))
        for claim_id, (row, lines) in found.items()
    }


def _modifiers(stored: str) -> tuple[str, ...]:
    # As stored by write_lines: joined with commas, "" for none (most lines have none).
    if "," not in stored:
        return (stored,) if stored else ()
    return tuple(m for m in stored.split(",") if m)


def _line(row: Any) -> ClaimLine:
    # By position (a _LINES row): a Row's attributes cost more than its unpacking.
    _, code, units, minutes, modifiers, pointers, charge, expected = row
    return ClaimLine(
        code=code,
        units=units,
        minutes=minutes,
        modifiers=tuple(m for m in modifiers.split(",") if m),
        diagnosis_pointers=tuple(int(p) for p in pointers.split(",") if p),
        charge=charge,
        expected_allowed=expected,
    )


def history_of(connection: Connection, claim_id: str) -> list[Any]:
    """A claim's state history, oldest first."""
    return list(
        connection.execute(
            select(claim_history)
            .where(claim_history.c.claim_id == claim_id)
            .order_by(claim_history.c.id)
        )
    )


def search_claims(
    connection: Connection,
    status: str | None = None,
    client_id: str | None = None,
    served_from: date | None = None,
    served_to: date | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Summaries of the claims matching the filters, newest date of service first."""
    query = select(claims).order_by(claims.c.date_of_service.desc(), claims.c.claim_id).limit(limit)
    if status is not None:
        query = query.where(claims.c.status == status)
    if client_id is not None:
        query = query.where(claims.c.client_id == client_id)
    if served_from is not None:
        query = query.where(claims.c.date_of_service >= served_from)
    if served_to is not None:
        query = query.where(claims.c.date_of_service <= served_to)
    return [_summary(row) for row in connection.execute(query)]


def claims_in_interchange(connection: Connection, control_number: int) -> list[Any]:
    """The claims that went out in one interchange."""
    return list(
        connection.execute(
            select(claims)
            .where(claims.c.interchange_number == control_number)
            .order_by(claims.c.claim_id)
        )
    )


def claims_echoed(
    connection: Connection, echo: str, interchange_number: int | None = None
) -> list[Any]:
    """The claims a payer's echo of CLM01 names (whole or cut to 20 characters).

    Within the interchange the answer is about when that is known; otherwise among all.
    """
    query = select(claims).where(
        func.upper(func.substr(claims.c.claim_id, 1, ECHO_LENGTH)) == echo_key(echo)
    )
    if interchange_number is not None:
        query = query.where(claims.c.interchange_number == interchange_number)
    return [row for row in connection.execute(query) if echoes(row.claim_id, echo)]


def claims_in_states_since(
    connection: Connection, statuses: Iterable[str], before: datetime
) -> list[Any]:
    """Claims in one of ``statuses`` that entered it before ``before``, oldest first."""
    return list(
        connection.execute(
            select(claims)
            .where(claims.c.status.in_(list(statuses)), claims.c.status_changed_at < before)
            .order_by(claims.c.status_changed_at, claims.c.claim_id)
        )
    )


def receivables(connection: Connection) -> list[dict[str, Any]]:
    """Charges and expected amounts per state and payer (replaced claims and voids left out)."""
    rows = connection.execute(
        select(
            claims.c.status,
            claims.c.payer_id,
            func.count().label("claims"),
            func.sum(claims.c.total_charge).label("total_charge"),
            func.sum(claims.c.expected_allowed).label("expected_allowed"),
        )
        .where(claims.c.replaced_by_claim_id.is_(None), claims.c.frequency != VOID_FREQUENCY)
        .group_by(claims.c.status, claims.c.payer_id)
        .order_by(claims.c.status, claims.c.payer_id)
    )
    return [
        {
            "status": row.status,
            "payer_id": row.payer_id,
            "claims": int(row.claims),
            "total_charge": exact(row.total_charge),
            "expected_allowed": exact(row.expected_allowed),
        }
        for row in rows
    ]


def exact(value: Any) -> Decimal:
    """A sum of amounts as read back, exact to the cent (zero when there was nothing to sum).

    SQLite sums NUMERIC as a double; every term has whole cents, so rounding to the cent
    gives back the exact total.
    """
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def clients_with_claims_to_review(connection: Connection) -> list[str]:
    """Clients that have claims parked for review."""
    return list(
        connection.execute(
            select(claims.c.client_id.distinct())
            .where(claims.c.status == "needs_review")
            .order_by(claims.c.client_id)
        ).scalars()
    )


# --- intake ---

# Built once, like the other statements here: a new insert(claim_lines) per claim was
# compiled again for every claim by shared/bulk.py (its prepared statements are kept by
# statement), a fifth of making a claim, and each kept its entry there for good.
_INSERT_LINES = insert(claim_lines)


def line_rows(claim_id: str, lines: Sequence[ClaimLine]) -> list[dict[str, Any]]:
    """A claim's service lines as stored, numbered from 1."""
    return [
        {
            "claim_id": claim_id,
            "line_number": number,
            "code": line.code,
            "modifiers": ",".join(line.modifiers),
            "units": line.units,
            "minutes": line.minutes,
            "diagnosis_pointers": ",".join(str(p) for p in line.diagnosis_pointers),
            "charge": line.charge,
            "expected_allowed": line.expected_allowed,
        }
        for number, line in enumerate(lines, start=1)
    ]


def new_claim_rows(
    values: dict[str, Any], lines: Sequence[ClaimLine], now: datetime
) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any]]:
    """A new claim as stored: its row (``values`` less its ``transition``), its lines and
    its first history entry ("created"), all made ``now``."""
    claim = {"created_at": now, "updated_at": now, "status_changed_at": now, **values}
    transition = claim.pop("transition")
    history = history_entry(
        values["claim_id"], values["status"], values["reasons"], "created", now,
        transition=transition,
    )
    return claim, line_rows(values["claim_id"], lines), history


def write_new_claims(
    connection: Connection,
    claim_rows: Sequence[dict[str, Any]],
    lines: Sequence[dict[str, Any]],
    history: Sequence[dict[str, Any]],
) -> None:
    """Store claims made together (``new_claim_rows``): one executemany per table."""
    execute_many(connection, _INSERT_CLAIM, claim_rows)
    execute_many(connection, _INSERT_LINES, lines)
    record_histories(connection, history)
