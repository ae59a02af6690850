"""Events the screening service publishes: clients, screenings, referrals."""

from marshmallow import fields, validate

from shared.events.contracts.base import (
    Address,
    Contract,
    Person,
    Physician,
    body_region,
    pressure_level,
    technique,
    timed_code,
)
from shared.events.registry import define_event

OUTCOMES = ("cleared", "cleared_with_precautions", "needs_clearance", "not_eligible")
RELATIONSHIPS = ("self", "spouse", "child", "other")


class Coverage(Contract):
    payer_id = fields.String(required=True)
    payer_name = fields.String(required=True)
    member_id = fields.String(required=True)
    group_number = fields.String(load_default=None, allow_none=True)
    relationship_to_subscriber = fields.String(required=True,
                                               validate=validate.OneOf(RELATIONSHIPS))
    # Present when the client is not the subscriber (2010BA is then someone else).
    subscriber = fields.Nested(Person, load_default=None, allow_none=True)


class ClientPayload(Contract):
    """What billing needs to know about a client; contact details stay in screening."""

    client_id = fields.String(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    birth_date = fields.Date(required=True)
    sex = fields.String(required=True, validate=validate.OneOf(["F", "M", "U"]))
    address = fields.Nested(Address, required=True)
    coverage = fields.Nested(Coverage, load_default=None, allow_none=True)


class ScreeningCompletedPayload(Contract):
    """A screening outcome; reasons travel as codes only (they reveal health conditions)."""

    screening_id = fields.String(required=True)
    client_id = fields.String(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(OUTCOMES))
    reason_codes = fields.List(fields.String(), required=True)
    restricted_techniques = fields.List(technique(), required=True)
    restricted_regions = fields.List(body_region(), required=True)
    pressure_limit = pressure_level(load_default=None, allow_none=True)
    screened_on = fields.Date(required=True)
    expires_on = fields.Date(required=True)
    rules_version = fields.String(required=True)
    cleared_by_physician = fields.Boolean(required=True)
    recorded_at = fields.AwareDateTime(required=True)


class ReferralPayload(Contract):
    """A physician's referral as recorded or amended; ``version`` orders the amendments."""

    referral_id = fields.String(required=True)
    client_id = fields.String(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    physician = fields.Nested(Physician, required=True)
    diagnoses = fields.List(fields.String(), required=True, validate=validate.Length(min=1))
    codes = fields.List(timed_code(), required=True)
    techniques = fields.List(technique(), required=True)
    body_regions = fields.List(body_region(), required=True)
    visits_per_week = fields.Integer(required=True)
    weeks = fields.Integer(required=True)
    authorized_visits = fields.Integer(required=True, validate=validate.Range(min=1))
    authorization_number = fields.String(load_default=None, allow_none=True)
    start_on = fields.Date(required=True)
    end_on = fields.Date(required=True)


class ReferralClosedPayload(Contract):
    """A referral that can no longer be booked or billed against."""

    referral_id = fields.String(required=True)
    client_id = fields.String(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    closed_on = fields.Date(required=True)


CLIENT_REGISTERED = define_event("screening.client.registered", 1, ClientPayload,
                                 "A new client was registered at intake.")
CLIENT_UPDATED = define_event("screening.client.updated", 1, ClientPayload,
                              "A client's demographics or coverage changed.")
SCREENING_COMPLETED = define_event("screening.screening.completed", 1, ScreeningCompletedPayload,
                                   "A health screening (or physician clearance) decided.")
REFERRAL_RECORDED = define_event("screening.referral.recorded", 1, ReferralPayload,
                                 "A physician's referral was recorded.")
REFERRAL_AMENDED = define_event("screening.referral.amended", 1, ReferralPayload,
                                "A referral was amended; the payload is the whole new version.")
REFERRAL_REVOKED = define_event("screening.referral.revoked", 1, ReferralClosedPayload,
                                "A referral was revoked.")
REFERRAL_EXPIRED = define_event("screening.referral.expired", 1, ReferralClosedPayload,
                                "A referral passed its end date.")
