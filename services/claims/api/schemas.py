"""HTTP request and response schemas of the claims service (not the event contracts)."""

from __future__ import annotations

from decimal import Decimal

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.claims.domain.balances import AGING_BUCKETS
from services.claims.domain.work_queue import Kind
from services.claims.store.interchanges import STATUSES as INTERCHANGE_STATUSES
from services.claims.store.reports import STATUSES as REPORT_STATUSES
from shared.billing.addresses import is_po_box
from shared.billing.units import COUNTING_METHODS
from shared.events.contracts.claims import CLAIM_STATUSES
from shared.identifiers import is_valid_npi
from shared.web.fields import Text

MODIFIERS = ("59", "XE", "XP", "XS", "XU")
_CODE = validate.Regexp(r"^[A-Z0-9]{5}$", error="A 5-character procedure code.")
_X12_ID = validate.Regexp(r"^[A-Z0-9]{2,15}$", error="2-15 capital letters or digits.")
_NO_DELIMITERS = validate.Regexp(r"^[^*:~^\r\n]+$", error="No * : ~ ^ or line breaks.")


def _npi(value: str) -> None:
    if not is_valid_npi(value):
        raise ValidationError("Not a valid NPI (10 digits with a Luhn check digit).")


def money(**kwargs) -> fields.Decimal:  # type: ignore[no-untyped-def]
    """An amount in dollars and cents, as a string (never a float)."""
    return fields.Decimal(as_string=True, places=2, **kwargs)


_LARGEST_AMOUNT = Decimal("9999999999.99")  # what a Numeric(12, 2) column holds


def _whole_cents(value: Decimal) -> None:
    if abs(value) > _LARGEST_AMOUNT:
        raise ValidationError(f"At most {_LARGEST_AMOUNT}.")
    # Checked on the value as sent: marshmallow's places=2 would round 45.125 silently.
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError("At most 2 decimals (whole cents); nothing is rounded.")


class Cents(fields.Decimal):
    """An amount in whole cents as sent: more decimals are refused, never rounded."""

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(as_string=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        number = super()._deserialize(value, attr, data, **kwargs)
        _whole_cents(number)
        return number.quantize(Decimal("0.01"))




class _DateRange(Schema):
    @validates_schema
    def _ordered(self, data: dict, **_: object) -> None:
        start, end = data.get("effective_from"), data.get("effective_to")
        if start and end and end < start:
            raise ValidationError("Ends before it starts.", "effective_to")


# -- billing setup -------------------------------------------------------------------------


class AddressSchema(Schema):
    line1 = fields.String(required=True, validate=validate.Length(min=1, max=55))
    line2 = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=55))
    city = fields.String(required=True, validate=validate.Length(min=2, max=30))
    state = fields.String(required=True, validate=validate.Regexp(r"^[A-Z]{2}$"))
    postal_code = fields.String(
        required=True,
        validate=validate.Regexp(r"^\d{9}$", error="The billing provider's ZIP+4, 9 digits."),
    )


class StreetAddressSchema(AddressSchema):
    """The billing provider's address: 837P 2010AA N301 must be a street address."""

    @validates_schema
    def _no_po_box(self, data: dict, **_: object) -> None:
        for name in ("line1", "line2"):
            if is_po_box(data.get(name)):
                raise ValidationError(
                    "The billing provider address must be a street address; put a PO Box "
                    "in pay_to_address (837P loop 2010AB).", name)


class PayToAddressSchema(AddressSchema):
    postal_code = fields.String(
        required=True, validate=validate.Regexp(r"^\d{5}(\d{4})?$", error="5 or 9 digits.")
    )


ENTITY_TYPES = ("organisation", "individual")


class BillingProviderSchema(Schema):
    entity_type = fields.String(
        load_default="organisation",
        validate=validate.OneOf(ENTITY_TYPES),
        metadata={"description": "individual: a solo therapist billing under their own NPI "
                                 "(NM1*85*1 with last_name and first_name)."},
    )
    organisation_name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=60),
        metadata={"description": "The practice's name; for an individual, shown on paper."},
    )
    last_name = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=60)
    )
    first_name = fields.String(
        load_default=None, allow_none=True, validate=validate.Length(min=1, max=35)
    )
    npi = fields.String(required=True, validate=_npi)
    ein = fields.String(required=True, validate=validate.Regexp(r"^\d{9}$", error="9 digits."))
    taxonomy_code = fields.String(
        required=True, validate=validate.Regexp(r"^\d{9}[A-Z0-9]$", error="10 characters.")
    )
    address = fields.Nested(StreetAddressSchema, required=True)
    pay_to_address = fields.Nested(
        PayToAddressSchema,
        load_default=None,
        allow_none=True,
        metadata={"description": "Where payment goes when not the billing address (837P "
                                 "2010AB); a PO Box or lock box goes here."},
    )
    submitter_id = fields.String(required=True, validate=_X12_ID)
    submitter_name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    contact_name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    contact_phone = fields.String(
        required=True, validate=validate.Regexp(r"^\d{10}$", error="10 digits.")
    )
    receiver_id = fields.String(required=True, validate=_X12_ID)
    receiver_name = fields.String(required=True, validate=validate.Length(min=1, max=60))

    @validates_schema
    def _individual_named(self, data: dict, **_: object) -> None:
        if data.get("entity_type") == "individual":
            missing = {name: ["An individual billing provider needs it (NM1*85*1)."]
                       for name in ("last_name", "first_name") if not data.get(name)}
            if missing:
                raise ValidationError(missing)


class PayerSchema(Schema):
    payer_id = fields.String(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=60))
    counting_method = fields.String(required=True, validate=validate.OneOf(COUNTING_METHODS))
    gp_required = fields.Boolean(required=True)
    timely_filing_days = fields.Integer(required=True, validate=validate.Range(min=1, max=3650))
    claim_filing_indicator = fields.String(
        load_default="CI", validate=validate.Regexp(r"^[A-Z0-9]{2}$")
    )
    distinct_modifier = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.OneOf(("59", "XS")),
        metadata={"description": "The distinct-procedure modifier this payer takes for a "
                                 "separate region; null: the one the edit row names."},
    )
    rendering_taxonomy_required = fields.Boolean(
        load_default=False,
        metadata={"description": "Send the rendering provider's taxonomy (PRV*PE)."},
    )


class PayerIdSchema(Schema):
    payer_id = fields.String(
        required=True, validate=[validate.Length(min=2, max=80), _NO_DELIMITERS]
    )


class PayerListSchema(Schema):
    payers = fields.List(fields.Nested(PayerSchema))


class FeeScheduleEntrySchema(_DateRange):
    payer_id = fields.String(required=True, validate=validate.Length(min=2, max=80))
    code = fields.String(required=True, validate=_CODE)
    effective_from = fields.Date(required=True)
    effective_to = fields.Date(load_default=None, allow_none=True)
    charge_per_unit = Cents(required=True, validate=validate.Range(min=0, min_inclusive=False))
    allowed_per_unit = Cents(required=True, validate=validate.Range(min=0, min_inclusive=False))


class FeeScheduleSchema(Schema):
    entries = fields.List(
        fields.Nested(FeeScheduleEntrySchema), required=True, validate=validate.Length(min=1)
    )


class FeeQuerySchema(Schema):
    payer_id = fields.String(load_default=None)
    code = fields.String(load_default=None, validate=_CODE)


class ImportResultSchema(Schema):
    imported = fields.Integer()


class CodingEditSchema(_DateRange):
    payer_id = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=2, max=80),
        metadata={"description": "The payer this row is for; null: every payer without a "
                                 "row of its own for the pair."},
    )
    column1 = fields.String(required=True, validate=_CODE)
    column2 = fields.String(required=True, validate=_CODE)
    modifier_allowed = fields.Boolean(required=True)
    modifier = fields.String(load_default="XS", validate=validate.OneOf(MODIFIERS))
    effective_from = fields.Date(required=True)
    effective_to = fields.Date(load_default=None, allow_none=True)

    @validates_schema
    def _a_pair(self, data: dict, **_: object) -> None:
        if data.get("column1") and data.get("column1") == data.get("column2"):
            raise ValidationError("A pair needs two different codes.", "column2")


class CodingEditListSchema(Schema):
    edits = fields.List(fields.Nested(CodingEditSchema))


class EditQuerySchema(Schema):
    payer_id = fields.String(load_default=None, validate=validate.Length(min=2, max=80))
    on = fields.Date(load_default=None, metadata={"description": "Default: today."})


class TechniqueCodeSchema(Schema):
    technique = fields.String()
    code = fields.String()


class TechniqueCodesSchema(Schema):
    codes = fields.List(fields.Nested(TechniqueCodeSchema))


class UnitLimitSchema(Schema):
    code = fields.String()
    max_units = fields.Integer()
    effective_from = fields.Date()
    effective_to = fields.Date(allow_none=True)


class UnitLimitListSchema(Schema):
    limits = fields.List(fields.Nested(UnitLimitSchema))


class PlaceOfServiceSchema(Schema):
    code = fields.String()
    name = fields.String()


class PlacesOfServiceSchema(Schema):
    places = fields.List(fields.Nested(PlaceOfServiceSchema))


# -- claims --------------------------------------------------------------------------------


class ReasonSchema(Schema):
    code = fields.String()
    text = fields.String()


class ClaimQuerySchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(CLAIM_STATUSES))
    client_id = fields.String(load_default=None)
    served_from = fields.Date(data_key="from", load_default=None)
    served_to = fields.Date(data_key="to", load_default=None)
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))

    @validates_schema
    def _ordered(self, data: dict, **_: object) -> None:
        start, end = data.get("served_from"), data.get("served_to")
        if start and end and end < start:
            raise ValidationError("Ends before it starts.", "to")


class ClaimSummarySchema(Schema):
    claim_id = fields.String()
    session_id = fields.String()
    client_id = fields.String()
    referral_id = fields.String()
    payer_id = fields.String(allow_none=True)
    status = fields.String()
    date_of_service = fields.Date()
    total_charge = money()
    expected_allowed = money()
    frequency = fields.String()
    interchange_control_number = fields.String(allow_none=True)
    replaces_claim_id = fields.String(allow_none=True)
    replaced_by_claim_id = fields.String(allow_none=True)
    primary_claim_id = fields.String(
        allow_none=True,
        metadata={"description": "A secondary claim: the primary claim whose 835 it follows."},
    )
    reasons = fields.List(fields.Nested(ReasonSchema))


class ClaimListSchema(Schema):
    claims = fields.List(fields.Nested(ClaimSummarySchema))


class ClaimLineSchema(Schema):
    code = fields.String()
    modifiers = fields.List(fields.String())
    units = fields.Integer()
    minutes = fields.Integer()
    diagnosis_pointers = fields.List(fields.Integer())
    charge = money()
    expected_allowed = money()


class LineCodingSchema(Schema):
    code = fields.String()
    modifiers = fields.List(fields.String())
    techniques = fields.List(fields.String(), metadata={
        "description": "The techniques billed under the code, as scheduling mapped them "
                       "with the clinic's map (empty for sessions announced in v1)."})
    body_regions = fields.List(fields.String())
    minutes = fields.Integer()
    units_reported = fields.Integer(metadata={"description": "As scheduling counted them."})
    units_billed = fields.Integer(metadata={"description": "As claims recounted them."})
    counting_method = fields.String()
    diagnoses = fields.List(fields.String(), metadata={
        "description": "The diagnoses the line points at (SV107), for its own regions."})
    distinct_from = fields.String(allow_none=True, metadata={
        "description": "The column-1 code a distinct-procedure modifier separates it from."})


class ClaimCodingSchema(Schema):
    claim_id = fields.String()
    lines = fields.List(fields.Nested(LineCodingSchema))


class HistoryEntrySchema(Schema):
    status = fields.String()
    transition = fields.String(
        allow_none=True, metadata={"description": "The lifecycle step; none for a note."}
    )
    reasons = fields.List(fields.Nested(ReasonSchema))
    note = fields.String(allow_none=True)
    evidence = fields.Dict(
        allow_none=True,
        metadata={"description": "The X12 behind the step: which acknowledgement, its control "
                                 "numbers and segments (e.g. AK1/AK2/IK5, TRN/STC/REF*1K)."},
    )
    at = fields.AwareDateTime()


class PaymentAdjustmentSchema(Schema):
    line_number = fields.Integer(
        allow_none=True, metadata={"description": "Our line it adjusts; none: the whole claim."}
    )
    group = fields.String(attribute="group_code", metadata={"description": "CAS01: CO, OA, PI, PR"})
    reason = fields.String(attribute="reason_code", metadata={"description": "The CARC."})
    amount = money()
    description = fields.String(metadata={"description": "The CARC's meaning in words."})


class PaymentRemarkSchema(Schema):
    line_number = fields.Integer(allow_none=True)
    code = fields.String(metadata={"description": "A RARC (LQ, MOA)."})
    description = fields.String()


class PaymentLineSchema(Schema):
    line_number = fields.Integer()
    code = fields.String()
    modifiers = fields.List(fields.String())
    units = fields.Integer()
    charge = money()
    paid = money()
    allowed = money()
    patient_responsibility = money()
    denied = fields.Boolean()


class ClaimPaymentSchema(Schema):
    remittance_id = fields.Integer()
    report_id = fields.Integer()
    trace_number = fields.String(metadata={"description": "TRN02: the check or EFT."})
    payer_id = fields.String(allow_none=True)
    payment_date = fields.Date()
    status_code = fields.String(metadata={"description": "CLP02: 1 paid, 4 denied, 22 reversal."})
    outcome = fields.String()
    charge = money()
    paid = money()
    adjusted = money()
    patient_responsibility = money()
    payer_claim_control_number = fields.String(allow_none=True)
    posted_at = fields.AwareDateTime()
    lines = fields.List(fields.Nested(PaymentLineSchema))
    adjustments = fields.List(fields.Nested(PaymentAdjustmentSchema))
    remarks = fields.List(fields.Nested(PaymentRemarkSchema))


class BalanceSchema(Schema):
    payer = money(metadata={"description": "What the payer is still expected to pay."})
    patient = money(metadata={"description": "What the patient owes."})
    total = money()


class ClaimDetailSchema(ClaimSummarySchema):
    payer_claim_control_number = fields.String(allow_none=True)
    lines = fields.List(fields.Nested(ClaimLineSchema))
    history = fields.List(fields.Nested(HistoryEntrySchema))
    payments = fields.List(fields.Nested(ClaimPaymentSchema))
    balance = fields.Nested(BalanceSchema)


class WriteOffSchema(Schema):
    reason = Text(required=True, validate=validate.Length(min=1, max=150))
    amount = money(
        load_default=None, allow_none=True, validate=validate.Range(min=0, min_inclusive=False),
        metadata={"description": "What was not collected; the whole open balance when absent."},
    )


class ResubmitSchema(Schema):
    member_id = fields.String(validate=[validate.Length(min=2, max=80), _NO_DELIMITERS])


class InterchangeQuerySchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(INTERCHANGE_STATUSES))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class InterchangeSchema(Schema):
    interchange_control_number = fields.String()
    payer_id = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    unreadable_answers = fields.Integer()
    reason = fields.String(allow_none=True, metadata={"description": "Why it failed or is held."})
    created_at = fields.AwareDateTime()
    submitted_at = fields.AwareDateTime(allow_none=True)
    claim_ids = fields.List(fields.String())


class InterchangeListSchema(Schema):
    interchanges = fields.List(fields.Nested(InterchangeSchema))


class ReportQuerySchema(Schema):
    status = fields.String(load_default=None, validate=validate.OneOf(REPORT_STATUSES))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class ReportSchema(Schema):
    report_id = fields.Integer()
    kind = fields.String()
    interchange_control_number = fields.String(allow_none=True)
    status = fields.String()
    note = fields.String(allow_none=True)
    created_at = fields.String(allow_none=True)
    fetched_at = fields.AwareDateTime()
    processed_at = fields.AwareDateTime(allow_none=True)


class ReportListSchema(Schema):
    reports = fields.List(fields.Nested(ReportSchema))


class RescrubResultSchema(Schema):
    scrubbed = fields.Integer()
    ready = fields.Integer()


class ReceivableSchema(Schema):
    status = fields.String()
    payer_id = fields.String(allow_none=True)
    claims = fields.Integer()
    total_charge = money()
    expected_allowed = money()


class ReceivablesSchema(Schema):
    rows = fields.List(fields.Nested(ReceivableSchema))
    total_charge = money()
    expected_allowed = money()


# -- billing's work queue and A/R aging ------------------------------------------------------


class WorkQueueQuerySchema(Schema):
    kind = fields.String(load_default=None, validate=validate.OneOf([k.value for k in Kind]))
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=1000))


class ActionSchema(Schema):
    action = fields.String()
    description = fields.String()
    method = fields.String(allow_none=True, metadata={"description": "None: done outside."})
    path = fields.String(allow_none=True)


class WorkItemSchema(Schema):
    kind = fields.String()
    claim_id = fields.String(allow_none=True)
    client_id = fields.String(allow_none=True)
    payer_id = fields.String(allow_none=True)
    status = fields.String(allow_none=True)
    exception_id = fields.Integer(allow_none=True)
    report_id = fields.Integer(allow_none=True)
    interchange_control_number = fields.String(allow_none=True)
    trace_number = fields.String(allow_none=True)
    echoed_claim_id = fields.String(allow_none=True)
    reasons = fields.List(fields.Nested(ReasonSchema))
    entered_at = fields.AwareDateTime()
    age_days = fields.Integer(metadata={"description": "Days since it entered this state."})
    amount_at_stake = money(allow_none=True)
    actions = fields.List(fields.Nested(ActionSchema))


class WorkQueueSchema(Schema):
    items = fields.List(fields.Nested(WorkItemSchema))
    counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class ResolveSchema(Schema):
    note = Text(required=True, validate=validate.Length(min=1, max=200))


class AgingQuerySchema(Schema):
    as_of = fields.Date(load_default=None)


class AgingBucketSchema(Schema):
    bucket = fields.String(validate=validate.OneOf([name for name, _, _ in AGING_BUCKETS]))
    claims = fields.Integer()
    insurance = money(metadata={"description": "Owed by the payer."})
    patient = money(metadata={"description": "Owed by patients."})
    amount = money()


class AgingRowSchema(Schema):
    payer_id = fields.String(allow_none=True)
    buckets = fields.List(fields.Nested(AgingBucketSchema))
    claims = fields.Integer()
    total = money()


class AgingSchema(Schema):
    as_of = fields.Date()
    basis = fields.String(metadata={"description": "What a balance's age counts from."})
    payers = fields.List(fields.Nested(AgingRowSchema))
    totals = fields.List(fields.Nested(AgingBucketSchema))
    claims = fields.Integer()
    total = money()
