"""Referrals in and out, revocations, and the common diagnoses list."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.screening.api.schemas.common import optional_text
from shared.web.fields import Text


class ReferralSchema(Schema):
    """A physician's referral; semantic checks (NPI, ICD-10-CM, dates) follow the shapes."""

    physician_name = Text(required=True, validate=validate.Length(max=200))
    physician_npi = Text(required=True, validate=validate.Length(max=10),
                         metadata={"description": "10 digits, Luhn check digit"})
    diagnoses = fields.List(
        Text(validate=validate.Length(max=8)),
        required=True,
        validate=validate.Length(max=12),
        metadata={"description": "ICD-10-CM codes, principal diagnosis first"},
    )
    codes = fields.List(Text(), load_default=list,
                        metadata={"description": "CPT 97124 and/or 97140"})
    techniques = fields.List(Text(), load_default=list)
    body_regions = fields.List(Text(), required=True)
    visits_per_week = fields.Integer(required=True)
    weeks = fields.Integer(required=True)
    authorized_visits = fields.Integer(required=True)
    authorization_number = optional_text(50)
    start_on = fields.Date(required=True)
    end_on = fields.Date(required=True, metadata={"description": "last day covered"})


class ReferralOutSchema(ReferralSchema):
    referral_id = fields.String(required=True)
    client_id = fields.String(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True)
    closed_on = fields.Date(allow_none=True, required=True)
    recorded_at = fields.AwareDateTime(required=True)
    updated_at = fields.AwareDateTime(required=True)


class ReferralListSchema(Schema):
    referrals = fields.List(fields.Nested(ReferralOutSchema), required=True)


class RevocationSchema(Schema):
    reason = Text(multiline=True, load_default=None, allow_none=True,
                  validate=validate.Length(min=1, max=1000))


class DiagnosisQuerySchema(Schema):
    q = Text(load_default="", validate=validate.Length(max=60),
             metadata={"description": "part of a code or description"})


class DiagnosisSchema(Schema):
    code = fields.String(required=True)
    description = fields.String(required=True)


class DiagnosisListSchema(Schema):
    diagnoses = fields.List(fields.Nested(DiagnosisSchema), required=True)
