"""HTTP schemas of client self-service and of the proposed series of a plan of care."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.scheduling.api.schemas import moment
from shared.web.fields import Text

_ID = validate.Length(min=1, max=64)


class ClinicLinksSchema(Schema):
    intake_url = fields.String(allow_none=True, required=True,
                               metadata={"description": "The new client intake page, if online"})


class SignInRequestSchema(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=254))


class SignInAnswerSchema(Schema):
    detail = fields.String(required=True)


class ClientSessionInSchema(Schema):
    """Exactly one of: the secret of an emailed sign-in link, or a booking code."""

    sign_in = Text(load_default=None, validate=validate.Length(min=10, max=200))
    booking_code = Text(load_default=None, validate=validate.Length(min=1, max=40))

    @validates_schema
    def _exactly_one(self, data: dict[str, Any], **_: Any) -> None:
        if (data.get("sign_in") is None) == (data.get("booking_code") is None):
            raise ValidationError("Give either sign_in or booking_code.", "sign_in")


class ClientSessionSchema(Schema):
    token = fields.String(required=True, metadata={
        "description": "Authorization: Bearer <token> for /widget/api/me/..."})
    expires_at = fields.AwareDateTime(required=True)


class TermsSchema(Schema):
    allowed = fields.Boolean(required=True)
    late = fields.Boolean(required=True)
    fee = fields.Decimal(required=True, as_string=True, places=2)
    free_until = fields.AwareDateTime(required=True)


class OwnVisitSchema(Schema):
    id = fields.String(required=True)
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)
    status = fields.String(required=True)
    therapist_id = fields.String(required=True)
    service_id = fields.String(required=True)
    therapist_name = fields.String(required=True)
    service_name = fields.String(required=True)
    late = fields.Boolean(required=True)
    fee = fields.Decimal(allow_none=True, as_string=True, places=2)
    terms = fields.Nested(TermsSchema, allow_none=True, required=True)


class PolicySchema(Schema):
    cancellation_window_hours = fields.Integer(required=True)
    late_cancellation_fee = fields.Decimal(required=True, as_string=True, places=2)
    no_show_fee = fields.Decimal(required=True, as_string=True, places=2)


class OwnVisitsSchema(Schema):
    upcoming = fields.List(fields.Nested(OwnVisitSchema), required=True)
    past = fields.List(fields.Nested(OwnVisitSchema), required=True)
    time_zone = fields.String(required=True)
    policy = fields.Nested(PolicySchema, required=True)


class CancelInSchema(Schema):
    accept_fee = fields.Boolean(load_default=False, metadata={
        "description": "The client agrees to the late-cancellation fee the terms show"})


class MoveInSchema(CancelInSchema):
    start = moment(required=True)


class OwnBookingInSchema(Schema):
    service_id = fields.String(required=True, validate=_ID)
    therapist_id = fields.String(required=True, validate=_ID)
    start = moment(required=True)


class ProposalInSchema(Schema):
    """A plan of care from its first visit; the frequency defaults to the referral's."""

    service_id = fields.String(required=True, validate=_ID)
    therapist_id = fields.String(required=True, validate=_ID)
    first_start = moment(required=True)
    frequency = Text(load_default=None, validate=validate.Length(min=1, max=200),
                     metadata={"description": "e.g. 2x/week for 4 weeks, then weekly for 4 weeks"})
    weekdays = fields.List(fields.Integer(validate=validate.Range(min=0, max=6)),
                           load_default=None, validate=validate.Length(min=1, max=7))


class StaffProposalInSchema(ProposalInSchema):
    client_id = fields.String(required=True, validate=_ID)


class ProposedDateSchema(Schema):
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)
    bookable = fields.Boolean(required=True)
    reasons = fields.List(fields.String(), required=True)


class ProposalSchema(Schema):
    frequency = fields.String(required=True)
    dates = fields.List(fields.Nested(ProposedDateSchema), required=True)


class DatesInSchema(Schema):
    """The dates of a proposal to book, all or nothing."""

    service_id = fields.String(required=True, validate=_ID)
    therapist_id = fields.String(required=True, validate=_ID)
    starts = fields.List(moment(), required=True, validate=validate.Length(min=1, max=200))


class StaffDatesInSchema(DatesInSchema):
    client_id = fields.String(required=True, validate=_ID)


class BookedSeriesSchema(Schema):
    appointments = fields.List(fields.Nested(OwnVisitSchema), required=True)
