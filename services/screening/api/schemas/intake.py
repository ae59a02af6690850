"""Online intake: the form a page builds, what a client sends, what staff review."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.screening.api.schemas.clients import ClientSchema, CoverageSchema
from services.screening.api.schemas.common import text
from services.screening.api.schemas.screenings import QuestionnaireSchema, ReasonSchema
from shared.web.fields import Text, single_line_text


class QuestionSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(
        ["condition", "medications", "platelet_count", "injuries"]))
    code = fields.String(required=True)
    text = fields.String(required=True)
    help = fields.String(required=True)
    rule_codes = fields.List(fields.String(), required=True)
    choices = fields.List(fields.String(), required=True)


class ConsentTextSchema(Schema):
    version = fields.String(required=True)
    text = fields.String(required=True)


class IntakeFormSchema(Schema):
    """Everything the intake page asks, derived from the rules in force."""

    rules_version = fields.String(required=True)
    questions = fields.List(fields.Nested(QuestionSchema), required=True)
    body_regions = fields.List(fields.String(), required=True)
    consent = fields.Nested(ConsentTextSchema, required=True)
    invitation_required = fields.Boolean(required=True)


class IntakeClientSchema(ClientSchema):
    """The client's own details; an email address is needed to sign in later."""

    email = fields.Email(required=True, validate=[validate.Length(max=254), single_line_text],
                         error_messages={"required": "Give your email address: your sign-in "
                                                     "link is sent there.",
                                         "null": "Give your email address: your sign-in "
                                                 "link is sent there."})


class SignedConsentSchema(Schema):
    version = Text(required=True, validate=validate.Length(min=1, max=40))
    signature = text(200, metadata={"description": "The client's full name, typed"})
    agreed = fields.Boolean(required=True, validate=validate.Equal(
        True, error="Tick the box to agree, or call the clinic."))


class IntakeInSchema(Schema):
    """A new client's intake: who they are, who pays, their health answers, their consent."""

    invitation = Text(load_default=None, allow_none=True,
                      validate=validate.Length(min=1, max=500),
                      metadata={"description": "The token of the clinic's intake link"})
    client = fields.Nested(IntakeClientSchema, required=True)
    secondary_coverage = fields.Nested(CoverageSchema, load_default=None, allow_none=True)
    questionnaire = fields.Nested(QuestionnaireSchema, required=True)
    consent = fields.Nested(SignedConsentSchema, required=True)

    @validates_schema
    def _secondary_after_primary(self, data: dict[str, Any], **_: Any) -> None:
        secondary = data.get("secondary_coverage")
        primary = (data.get("client") or {}).get("coverage")
        if secondary is None:
            return
        if primary is None:
            raise ValidationError("Give your primary insurance first.", "secondary_coverage")
        if (secondary["payer_id"], secondary["member_id"]) == (
                primary["payer_id"], primary["member_id"]):
            raise ValidationError("The secondary insurance must differ from the primary.",
                                  "secondary_coverage")


class NextStepSchema(Schema):
    heading = fields.String(required=True)
    text = fields.String(required=True)


class IntakeReceiptSchema(Schema):
    """What the client is told: their intake is pending, and what to do next."""

    submission_id = fields.String(required=True)
    status = fields.String(required=True)
    preliminary_outcome = fields.String(required=True)
    bookable_after_review = fields.Boolean(required=True)
    next_step = fields.Nested(NextStepSchema, required=True)
    reasons = fields.List(fields.String(), required=True)
    upload_token = fields.String(required=True, metadata={
        "description": "Bearer token for POST /intake/api/documents, valid one day"})


class DocumentOutSchema(Schema):
    document_id = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    uploaded_at = fields.AwareDateTime(required=True)


class InvitationInSchema(Schema):
    email = fields.Email(load_default=None, allow_none=True, validate=validate.Length(max=254))


class InvitationOutSchema(Schema):
    invitation_id = fields.String(required=True)
    email = fields.String(allow_none=True)
    expires_at = fields.AwareDateTime(required=True)
    link = fields.String(required=True, metadata={"description": "Single use; shown once"})


class SubmissionOutSchema(Schema):
    """A submission as staff review it before confirming it."""

    submission_id = fields.String(required=True)
    client_id = fields.String(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    birth_date = fields.Date(required=True)
    status = fields.String(required=True)
    preliminary_outcome = fields.String(required=True)
    preliminary_reasons = fields.List(fields.Nested(ReasonSchema), required=True)
    questionnaire = fields.Nested(QuestionnaireSchema, required=True)
    secondary_coverage = fields.Nested(CoverageSchema, allow_none=True, required=True)
    consent_version = fields.String(required=True)
    signature = fields.String(required=True)
    signed_at = fields.AwareDateTime(required=True)
    signed_from = fields.String(required=True)
    submitted_at = fields.AwareDateTime(required=True)
    screening_id = fields.String(allow_none=True, required=True)
    documents = fields.List(fields.Nested(DocumentOutSchema), required=True)


class SubmissionListSchema(Schema):
    submissions = fields.List(fields.Nested(SubmissionOutSchema), required=True)


class SubmissionQuerySchema(Schema):
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=500))
