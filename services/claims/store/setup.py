"""Billing setup: the clinic's billing provider, payers, fee schedules and coding edits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from services.claims.domain.records import CodingEdit, FeeScheduleEntry, Payer
from services.claims.store.tables import billing_provider, coding_edits, fee_schedules, payers
from shared.db import insert_if_absent, utcnow

PROVIDER_ROW = 1
EVERY_PAYER = ""  # coding_edits.payer_id of an edit for every payer
_CACHE_KEY = "claims.billing_setup"


@dataclass(frozen=True)
class BillingSetup:
    """The whole billing setup at once: small, read by every claim, rarely changed."""

    provider: dict[str, Any] | None
    payers: dict[str, Payer]
    fees: tuple[FeeScheduleEntry, ...]
    edits: tuple[CodingEdit, ...]


def billing_setup(connection: Connection) -> BillingSetup:
    """The billing setup, read once per transaction (a consumer batch builds many claims)."""
    transaction = connection.get_transaction()
    cached = connection.info.get(_CACHE_KEY)
    # Holding the transaction object keeps its identity from being reused by a later one.
    if cached is not None and cached[0] is transaction:
        return cached[1]
    current = BillingSetup(
        provider=get_billing_provider(connection),
        payers={payer.payer_id: payer for payer in list_payers(connection)},
        fees=tuple(fees_for(connection)),
        edits=tuple(coding_edits_in(connection)),
    )
    connection.info[_CACHE_KEY] = (transaction, current)
    return current


def get_billing_provider(connection: Connection) -> dict[str, Any] | None:
    """The clinic's billing provider, or None until billing sets it up."""
    row = connection.execute(
        select(billing_provider).where(billing_provider.c.id == PROVIDER_ROW)
    ).first()
    return dict(row._mapping) if row else None


def put_billing_provider(connection: Connection, values: dict[str, Any]) -> None:
    """Create or replace the clinic's billing provider."""
    values = {**values, "updated_at": utcnow()}
    if not insert_if_absent(connection, billing_provider, {"id": PROVIDER_ROW, **values}):
        connection.execute(
            update(billing_provider).where(billing_provider.c.id == PROVIDER_ROW).values(**values)
        )


def put_payer(connection: Connection, payer: Payer) -> None:
    """Create or replace a payer's billing rules."""
    values = {
        "name": payer.name,
        "counting_method": payer.counting_method,
        "gp_required": payer.gp_required,
        "timely_filing_days": payer.timely_filing_days,
        "claim_filing_indicator": payer.claim_filing_indicator,
        "distinct_modifier": payer.distinct_modifier,
        "rendering_taxonomy_required": payer.rendering_taxonomy_required,
        "updated_at": utcnow(),
    }
    if not insert_if_absent(connection, payers, {"payer_id": payer.payer_id, **values}):
        connection.execute(
            update(payers).where(payers.c.payer_id == payer.payer_id).values(**values)
        )


def get_payer(connection: Connection, payer_id: str) -> Payer | None:
    """A payer's billing rules, or None when the payer is not set up."""
    row = connection.execute(select(payers).where(payers.c.payer_id == payer_id)).first()
    return _payer(row) if row else None


def list_payers(connection: Connection) -> list[Payer]:
    """Every payer set up, by id."""
    return [_payer(row) for row in connection.execute(select(payers).order_by(payers.c.payer_id))]


def _payer(row: Any) -> Payer:
    return Payer(
        payer_id=row.payer_id,
        name=row.name,
        counting_method=row.counting_method,
        gp_required=row.gp_required,
        timely_filing_days=row.timely_filing_days,
        claim_filing_indicator=row.claim_filing_indicator,
        distinct_modifier=row.distinct_modifier,
        rendering_taxonomy_required=row.rendering_taxonomy_required,
    )


def put_fees(connection: Connection, entries: Iterable[FeeScheduleEntry]) -> int:
    """Create or replace fee schedule entries (keyed by payer, code and start date)."""
    count = 0
    for entry in entries:
        key = and_(
            fee_schedules.c.payer_id == entry.payer_id,
            fee_schedules.c.code == entry.code,
            fee_schedules.c.effective_from == entry.effective_from,
        )
        values = {
            "effective_to": entry.effective_to,
            "charge_per_unit": entry.charge_per_unit,
            "allowed_per_unit": entry.allowed_per_unit,
        }
        updated = connection.execute(update(fee_schedules).where(key).values(**values)).rowcount
        if not updated:
            connection.execute(
                insert(fee_schedules).values(
                    payer_id=entry.payer_id,
                    code=entry.code,
                    effective_from=entry.effective_from,
                    **values,
                )
            )
        count += 1
    return count


def fees_for(
    connection: Connection, payer_id: str | None = None, code: str | None = None
) -> list[FeeScheduleEntry]:
    """Fee schedule entries, optionally of one payer and one code, oldest start first."""
    query = select(fee_schedules).order_by(
        fee_schedules.c.payer_id, fee_schedules.c.code, fee_schedules.c.effective_from
    )
    if payer_id is not None:
        query = query.where(fee_schedules.c.payer_id == payer_id)
    if code is not None:
        query = query.where(fee_schedules.c.code == code)
    return [
        FeeScheduleEntry(
            payer_id=row.payer_id,
            code=row.code,
            effective_from=row.effective_from,
            effective_to=row.effective_to,
            charge_per_unit=row.charge_per_unit,
            allowed_per_unit=row.allowed_per_unit,
        )
        for row in connection.execute(query)
    ]


def put_coding_edit(connection: Connection, edit: CodingEdit) -> None:
    """Create or replace a coding edit (keyed by its code pair and start date)."""
    payer_key = edit.payer_id or EVERY_PAYER
    key = and_(
        coding_edits.c.payer_id == payer_key,
        coding_edits.c.column1 == edit.column1,
        coding_edits.c.column2 == edit.column2,
        coding_edits.c.effective_from == edit.effective_from,
    )
    values = {
        "modifier_allowed": edit.modifier_allowed,
        "modifier": edit.modifier,
        "effective_to": edit.effective_to,
    }
    if not connection.execute(update(coding_edits).where(key).values(**values)).rowcount:
        connection.execute(
            insert(coding_edits).values(
                payer_id=payer_key,
                column1=edit.column1,
                column2=edit.column2,
                effective_from=edit.effective_from,
                **values,
            )
        )


def coding_edits_in(connection: Connection) -> list[CodingEdit]:
    """Every coding edit, by pair, payer (every payer's first) and start."""
    query = select(coding_edits).order_by(
        coding_edits.c.column1,
        coding_edits.c.column2,
        coding_edits.c.payer_id,
        coding_edits.c.effective_from,
    )
    return [
        CodingEdit(
            column1=row.column1,
            column2=row.column2,
            modifier_allowed=row.modifier_allowed,
            modifier=row.modifier,
            effective_from=row.effective_from,
            effective_to=row.effective_to,
            payer_id=row.payer_id or None,
        )
        for row in connection.execute(query)
    ]
