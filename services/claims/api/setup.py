"""Billing setup endpoints: billing provider, payers, fee schedules (JSON and CSV), edits."""

from __future__ import annotations

import csv
import io
from typing import Any

from flask import Blueprint, Response, request
from marshmallow import ValidationError

from services.claims.domain.records import CodingEdit, FeeScheduleEntry, Payer
from services.claims.schemas import (
    BillingProviderSchema,
    CodingEditListSchema,
    CodingEditSchema,
    FeeQuerySchema,
    FeeScheduleEntrySchema,
    FeeScheduleSchema,
    ImportResultSchema,
    PayerIdSchema,
    PayerListSchema,
    PayerSchema,
)
from services.claims.store import setup
from services.claims.x12.assemble import x12_parties
from shared.db import read_only
from shared.web import (
    Problem,
    allow,
    api,
    load_body,
    load_query,
    respond,
    service_context,
    unit_of_work,
)

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
def get_billing_provider() -> Response:
    """Show the billing provider the claims go out under."""
    with read_only(service_context().engine) as connection:
        row = setup.get_billing_provider(connection)
    if row is None:
        raise Problem(404, "Not set up", "No billing provider yet.", "not-found")
    return respond(BillingProviderSchema, _provider_out(row))


@bp.put("/billing-provider")
@allow("billing")
@api(
    "Set the billing provider",
    request=BillingProviderSchema,
    response=BillingProviderSchema,
    errors=(415, 422),
)
def put_billing_provider() -> Response:
    """Create or replace the clinic's billing provider, submitter and receiver ids."""
    data = load_body(BillingProviderSchema)
    row = {**{k: v for k, v in data.items() if k != "address"}, **_address_columns(data)}
    try:
        x12_parties(row)  # the same checks the 837P writer will make
    except ValueError as exc:
        raise Problem(422, "Cannot bill under this provider", str(exc), "invalid-setup") from exc
    with unit_of_work() as connection:
        setup.put_billing_provider(connection, row)
    return respond(BillingProviderSchema, data)


def _address_columns(data: dict[str, Any]) -> dict[str, Any]:
    address = data["address"]
    return {
        "address_line1": address["line1"],
        "address_line2": address["line2"],
        "city": address["city"],
        "state": address["state"],
        "postal_code": address["postal_code"],
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
    return out


@bp.get("/payers")
@allow("billing")
@api("Payers set up for billing", response=PayerListSchema)
def list_payers() -> Response:
    """Every payer with its unit method, GP switch and timely-filing limit."""
    with read_only(service_context().engine) as connection:
        payers = setup.list_payers(connection)
    return respond(PayerListSchema, {"payers": payers})


@bp.get("/payers/<payer_id>")
@allow("billing")
@api("One payer", response=PayerSchema, errors=(404,))
def get_payer(payer_id: str) -> Response:
    """A payer's billing rules."""
    with read_only(service_context().engine) as connection:
        payer = setup.get_payer(connection, payer_id)
    if payer is None:
        raise Problem(404, "No such payer", f"Payer {payer_id} is not set up.", "not-found")
    return respond(PayerSchema, payer)


@bp.put("/payers/<payer_id>")
@allow("billing")
@api("Set up a payer", request=PayerSchema, response=PayerSchema, errors=(415,))
def put_payer(payer_id: str) -> Response:
    """Create or replace a payer (keyed by its X12 payer id)."""
    try:
        PayerIdSchema().load({"payer_id": payer_id})
    except ValidationError as exc:
        raise Problem(
            400, "Invalid request", "Bad payer id.", "validation-error", errors=exc.messages
        ) from exc
    data = load_body(PayerSchema)
    payer = Payer(payer_id=payer_id, **data)
    with unit_of_work() as connection:
        setup.put_payer(connection, payer)
    return respond(PayerSchema, payer)


@bp.get("/fee-schedules")
@allow("billing")
@api("Fee schedule entries", query=FeeQuerySchema, response=FeeScheduleSchema)
def list_fees() -> Response:
    """Fee schedule entries, optionally of one payer and one code."""
    query = load_query(FeeQuerySchema)
    with read_only(service_context().engine) as connection:
        entries = setup.fees_for(connection, query["payer_id"], query["code"])
    return respond(FeeScheduleSchema, {"entries": entries})


@bp.post("/fee-schedules")
@allow("billing")
@api(
    "Add or replace fee schedule entries",
    request=FeeScheduleSchema,
    response=ImportResultSchema,
    errors=(415, 422),
)
def post_fees() -> Response:
    """Create or replace entries keyed by payer, code and effective date."""
    data = load_body(FeeScheduleSchema)
    return _save_fees([FeeScheduleEntry(**entry) for entry in data["entries"]])


@bp.post("/fee-schedules/import")
@allow("billing")
@api("Import a fee schedule CSV", response=ImportResultSchema, errors=(415, 422))
def import_fees() -> Response:
    """Load fee schedule entries from CSV (header: payer_id,code,effective_from,...)."""
    if request.mimetype != "text/csv":
        raise Problem(
            415, "Unsupported Media Type", "Send the file as text/csv.", "unsupported-media-type"
        )
    reader = csv.DictReader(io.StringIO(request.get_data(as_text=True)))
    missing = [c for c in FEE_COLUMNS if c not in (reader.fieldnames or []) and c != "effective_to"]
    if missing:
        raise Problem(
            400,
            "Invalid request",
            "The CSV header lacks columns.",
            "validation-error",
            errors={"header": [f"missing {', '.join(missing)}"]},
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
        raise Problem(
            400,
            "Invalid request",
            "Some lines are wrong; nothing was imported.",
            "validation-error",
            errors=errors or {"body": ["no fee lines"]},
        )
    return _save_fees(entries)


def _save_fees(entries: list[FeeScheduleEntry]) -> Response:
    with unit_of_work() as connection:
        known = {payer.payer_id for payer in setup.list_payers(connection)}
        unknown = sorted({entry.payer_id for entry in entries} - known)
        if unknown:
            raise Problem(
                422, "Unknown payer", "Set up the payers first.", "unknown-payer", payers=unknown
            )
        count = setup.put_fees(connection, entries)
    return respond(ImportResultSchema, {"imported": count})


@bp.get("/coding-edits")
@allow("billing")
@api("The coding-edit table", response=CodingEditListSchema)
def list_edits() -> Response:
    """Every procedure-to-procedure edit with its dates."""
    with read_only(service_context().engine) as connection:
        edits = setup.coding_edits_in(connection)
    return respond(CodingEditListSchema, {"edits": edits})


@bp.post("/coding-edits")
@allow("billing")
@api(
    "Add or replace a coding edit",
    request=CodingEditSchema,
    response=CodingEditSchema,
    errors=(415,),
)
def post_edit() -> Response:
    """Create or replace an edit keyed by its code pair and effective date."""
    edit = CodingEdit(**load_body(CodingEditSchema))
    with unit_of_work() as connection:
        setup.put_coding_edit(connection, edit)
    return respond(CodingEditSchema, edit)
