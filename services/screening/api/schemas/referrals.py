"""Referrals in and out, revocations, and the common diagnoses list."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.screening.api.schemas.common import identifier, optional_text
from shared.web.fields import Text


class DiagnosisRegionsSchema(Schema):
    diagnosis = Text(required=True, validate=validate.Length(max=8))
    body_regions = fields.List(Text(validate=validate.Length(max=40)), required=True,
                               validate=validate.Length(min=1, max=30))


class ReferralSchema(Schema):
    """A physician's referral; semantic checks (NPI, ICD-10-CM, dates) follow the shapes.

    The physician is named in parts (last, first, credential). ``physician_name`` is the
    display name: with the parts it may be left out (it is composed), without them it is
    split only when it splits one way ("Anna Smith MD"), else refused (422).
    """

    physician_last_name = optional_text(60)
    physician_first_name = optional_text(35)
    physician_credential = optional_text(20)
    physician_name = Text(load_default=None, allow_none=True, validate=validate.Length(max=200),
                          metadata={"description": "display name; see the parts"})
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
    diagnosis_regions = fields.List(
        fields.Nested(DiagnosisRegionsSchema), load_default=None, allow_none=True,
        validate=validate.Length(max=12),
        metadata={"description": "the prescribed regions each diagnosis covers; may be left "
                                 "out only with one diagnosis or one region"})
    authorization_number = identifier(required=False)
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
