"""Billing setup endpoints: billing provider, payers, fee schedules (JSON and CSV), edits."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date
from typing import Any

from flask import Blueprint, Response, request
from marshmallow import ValidationError
from sqlalchemy import Connection

from services.claims.api.common import config
from services.claims.api.schemas import (
    BillingProviderSchema,
    CodingEditListSchema,
    CodingEditSchema,
    EditQuerySchema,
    FeeQuerySchema,
    FeeScheduleEntrySchema,
    FeeScheduleSchema,
    ImportResultSchema,
    PayerIdSchema,
    PayerListSchema,
    PayerSchema,
    PlacesOfServiceSchema,
    TechniqueCodesSchema,
    UnitLimitListSchema,
)
from services.claims.commands import setup as setup_commands
from services.claims.domain.edits import edits_for, modifier_for
from services.claims.domain.errors import BillingProviderNotSetUp, PayerNotFound
from services.claims.domain.records import CodingEdit, FeeScheduleEntry, Payer
from services.claims.domain.units import default_unit_limits
from services.claims.store import setup as setup_store
from shared.billing.place_of_service import places_of_service
from shared.errors import InvalidInput
from shared.uow import UnitOfWork
from shared.web import Problem, allow, api, load_body, load_query, reads, respond, writes

bp = Blueprint("claims_setup", __name__)
FEE_COLUMNS = (
    "payer_id",
    "code",
    "effective_from",
    "effective_to",
    "charge_per_unit",
    "allowed_per_unit",
)


@bp.get("/billing-provider")
@allow("billing")
@api("The clinic's billing provider", response=BillingProviderSchema, errors=(404,))
@reads
def get_billing_provider(connection: Connection) -> Response:
    """Show the billing provider the claims go out under."""
    row = setup_store.get_billing_provider(connection)
    if row is None:
        raise BillingProviderNotSetUp()
    return respond(BillingProviderSchema, _provider_out(row))


@bp.put("/billing-provider")
@allow("billing")
@api(
    "Set the billing provider",
    request=BillingProviderSchema,
    response=BillingProviderSchema,
    errors=(415, 422),
)
@writes
def put_billing_provider(uow: UnitOfWork) -> Response:
    """Create or replace the clinic's billing provider, submitter and receiver ids."""
    data = load_body(BillingProviderSchema)
    setup_commands.set_billing_provider(uow, _provider_row(data))
    return respond(BillingProviderSchema, data)


_PAY_TO_COLUMNS = ("line1", "line2", "city", "state", "postal_code")


def _provider_row(data: dict[str, Any]) -> dict[str, Any]:
    """The billing provider as stored: the addresses in columns of their own."""
    address = data["address"]
    pay_to = data.get("pay_to_address") or {}
    return {
        **{k: v for k, v in data.items() if k not in ("address", "pay_to_address")},
        "address_line1": address["line1"],
        "address_line2": address["line2"],
        "city": address["city"],
        "state": address["state"],
        "postal_code": address["postal_code"],
        **{f"pay_to_{name}": pay_to.get(name) for name in _PAY_TO_COLUMNS},
    }


def _provider_out(row: dict[str, Any]) -> dict[str, Any]:
    fields = BillingProviderSchema().fields
    out = {name: row[name] for name in fields if name in row}
    out["address"] = {
        "line1": row["address_line1"],
        "line2": row["address_line2"],
        "city": row["city"],
        "state": row["state"],
        "postal_code": row["postal_code"],
    }
    out["pay_to_address"] = (
        {name: row[f"pay_to_{name}"] for name in _PAY_TO_COLUMNS}
        if row.get("pay_to_line1") else None
    )
    return out


@bp.get("/payers")
@allow("billing")
@api("Payers set up for billing", response=PayerListSchema)
@reads
def list_payers(connection: Connection) -> Response:
    """Every payer with its counting method, GP switch and timely-filing limit."""
    return respond(PayerListSchema, {"payers": setup_store.list_payers(connection)})


@bp.get("/payers/<payer_id>")
@allow("billing")
@api("One payer", response=PayerSchema, errors=(404,))
@reads
def get_payer(connection: Connection, payer_id: str) -> Response:
    """A payer's billing rules."""
    payer = setup_store.get_payer(connection, payer_id)
    if payer is None:
        raise PayerNotFound(payer_id)
    return respond(PayerSchema, payer)


@bp.put("/payers/<payer_id>")
@allow("billing")
@api("Set up a payer", request=PayerSchema, response=PayerSchema, errors=(415,))
@writes
def put_payer(uow: UnitOfWork, payer_id: str) -> Response:
    """Create or replace a payer (keyed by its X12 payer id)."""
    try:
        PayerIdSchema().load({"payer_id": payer_id})
    except ValidationError as exc:
        raise InvalidInput("Bad payer id.", errors=exc.messages_dict) from exc
    payer = Payer(payer_id=payer_id, **load_body(PayerSchema))
    setup_commands.set_payer(uow, payer)
    return respond(PayerSchema, payer)


@bp.get("/fee-schedules")
@allow("billing")
@api("Fee schedule entries", query=FeeQuerySchema, response=FeeScheduleSchema)
@reads
def list_fees(connection: Connection) -> Response:
    """Fee schedule entries, optionally of one payer and one code."""
    query = load_query(FeeQuerySchema)
    entries = setup_store.fees_for(connection, query["payer_id"], query["code"])
    return respond(FeeScheduleSchema, {"entries": entries})


@bp.post("/fee-schedules")
@allow("billing")
@api(
    "Add or replace fee schedule entries",
    request=FeeScheduleSchema,
    response=ImportResultSchema,
    errors=(415, 422),
)
@writes
def post_fees(uow: UnitOfWork) -> Response:
    """Create or replace entries keyed by payer, code and effective date."""
    entries = [FeeScheduleEntry(**entry) for entry in load_body(FeeScheduleSchema)["entries"]]
    return respond(ImportResultSchema, {"imported": setup_commands.save_fees(uow, entries)})


@bp.post("/fee-schedules/import")
@allow("billing")
@api("Import a fee schedule CSV", response=ImportResultSchema, errors=(415, 422))
@writes
def import_fees(uow: UnitOfWork) -> Response:
    """Load fee schedule entries from CSV (header: payer_id,code,effective_from,...)."""
    entries = _fee_entries_from_csv()
    return respond(ImportResultSchema, {"imported": setup_commands.save_fees(uow, entries)})


def _fee_entries_from_csv() -> list[FeeScheduleEntry]:
    """The request's CSV lines as entries; every wrong line is named, or nothing is taken."""
    if request.mimetype != "text/csv":
        raise Problem(
            415, "Unsupported Media Type", "Send the file as text/csv.", "unsupported-media-type"
        )
    reader = csv.DictReader(io.StringIO(request.get_data(as_text=True)))
    missing = [c for c in FEE_COLUMNS if c not in (reader.fieldnames or []) and c != "effective_to"]
    if missing:
        raise InvalidInput(
            "The CSV header lacks columns.", errors={"header": [f"missing {', '.join(missing)}"]}
        )
    entries, errors = [], {}
    schema = FeeScheduleEntrySchema()
    for number, row in enumerate(reader, start=2):  # line 1 is the header
        values = {k: (v.strip() if v else None) for k, v in row.items() if k in FEE_COLUMNS}
        try:
            entries.append(FeeScheduleEntry(**schema.load(values)))
        except ValidationError as exc:
            errors[f"line {number}"] = exc.messages
    if errors or not entries:
        raise InvalidInput(
            "Some lines are wrong; nothing was imported.",
            errors=errors or {"body": ["no fee lines"]},
        )
    return entries


@bp.get("/coding-edits")
@allow("billing")
@api("The coding-edit table", query=EditQuerySchema, response=CodingEditListSchema)
@reads
def list_edits(connection: Connection) -> Response:
    """Every procedure-to-procedure edit with its dates; or, given a payer and a day, the
    rows in force for that payer that day, each with the modifier that payer gets."""
    query = load_query(EditQuerySchema)
    edits = setup_store.coding_edits_in(connection)
    if query["payer_id"] is None and query["on"] is None:
        return respond(CodingEditListSchema, {"edits": edits})
    payer = None
    if query["payer_id"] is not None:
        payer = setup_store.get_payer(connection, query["payer_id"])
        if payer is None:
            raise PayerNotFound(query["payer_id"])
    day = query["on"] or date.today()
    in_force = [
        replace(edit, modifier=modifier_for(edit, payer))
        for edit in edits_for(edits, query["payer_id"], day)
    ]
    return respond(CodingEditListSchema, {"edits": in_force})


@bp.get("/technique-codes")
@allow("billing")
@api("Which code each technique bills under", response=TechniqueCodesSchema)
@reads
def technique_codes(connection: Connection) -> Response:
    """The clinic's technique -> code map (``CLAIMS_TECHNIQUE_CODES``, the file scheduling
    maps with). Claims itself never maps: each session.completed v2 line names the code
    scheduling gave its technique, and a claim's lines show which techniques they bill."""
    codes = config().technique_codes
    return respond(TechniqueCodesSchema, {
        "codes": [{"technique": t, "code": c} for t, c in sorted(codes.items())]
    })


@bp.get("/unit-limits")
@allow("billing")
@api("Daily unit limits per code (MUE-style)", response=UnitLimitListSchema)
@reads
def unit_limits(connection: Connection) -> Response:
    """Most units of each code billed for one client on one day, with their dates."""
    return respond(UnitLimitListSchema, {"limits": default_unit_limits()})


@bp.get("/places-of-service")
@allow("billing")
@api("The CMS place-of-service codes a session may name", response=PlacesOfServiceSchema)
@reads
def places(connection: Connection) -> Response:
    """Every code on the CMS list, with its name."""
    return respond(PlacesOfServiceSchema, {
        "places": [{"code": c, "name": n} for c, n in sorted(places_of_service().items())]
    })


@bp.post("/coding-edits")
@allow("billing")
@api(
    "Add or replace a coding edit",
    request=CodingEditSchema,
    response=CodingEditSchema,
    errors=(415,),
)
@writes
def post_edit(uow: UnitOfWork) -> Response:
    """Create or replace an edit keyed by its code pair and effective date."""
    edit = CodingEdit(**load_body(CodingEditSchema))
    setup_commands.save_coding_edit(uow, edit)
    return respond(CodingEditSchema, edit)
