"""Billing setup: the clinic's billing provider, payers, fee schedules and coding edits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from services.claims.domain.errors import InvalidBillingProvider, UnknownPayers
from services.claims.domain.records import CodingEdit, FeeScheduleEntry, Payer
from services.claims.store import setup
from services.claims.x12.assemble import x12_parties
from shared.uow import UnitOfWork


def set_billing_provider(uow: UnitOfWork, provider: Mapping[str, Any]) -> None:
    """Create or replace the billing provider, once the 837P writer accepts it."""
    try:
        x12_parties(provider)  # the same checks the 837P writer will make
    except ValueError as exc:
        raise InvalidBillingProvider(str(exc)) from exc
    setup.put_billing_provider(uow.connection, dict(provider))


def set_payer(uow: UnitOfWork, payer: Payer) -> None:
    """Create or replace a payer's billing rules."""
    setup.put_payer(uow.connection, payer)


def save_fees(uow: UnitOfWork, entries: Sequence[FeeScheduleEntry]) -> int:
    """Create or replace fee schedule entries of payers already set up; how many."""
    known = {payer.payer_id for payer in setup.list_payers(uow.connection)}
    unknown = sorted({entry.payer_id for entry in entries} - known)
    if unknown:
        raise UnknownPayers(unknown)
    return setup.put_fees(uow.connection, entries)


def save_coding_edit(uow: UnitOfWork, edit: CodingEdit) -> None:
    """Create or replace a coding edit (keyed by payer, code pair and start date)."""
    if edit.payer_id is not None and setup.get_payer(uow.connection, edit.payer_id) is None:
        raise UnknownPayers([edit.payer_id])
    setup.put_coding_edit(uow.connection, edit)
