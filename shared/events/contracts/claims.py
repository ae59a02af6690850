"""Events the claims service publishes: a claim's life from creation to the payer's answer."""

from marshmallow import fields, validate

from shared.events.contracts.base import Contract
from shared.events.registry import define_event

CLAIM_STATUSES = ("needs_review", "ready", "submitted", "accepted", "rejected")


class Reason(Contract):
    code = fields.String(required=True)
    text = fields.String(required=True)


class ClaimCreatedPayload(Contract):
    claim_id = fields.String(required=True)
    client_id = fields.String(required=True)
    session_id = fields.String(required=True)
    payer_id = fields.String(load_default=None, allow_none=True)
    status = fields.String(required=True, validate=validate.OneOf(CLAIM_STATUSES))
    total_charge = fields.Decimal(as_string=True, required=True)
    expected_allowed = fields.Decimal(as_string=True, required=True)


class ClaimNeedsReviewPayload(Contract):
    claim_id = fields.String(required=True)
    client_id = fields.String(required=True)
    session_id = fields.String(required=True)
    reasons = fields.List(fields.Nested(Reason), required=True, validate=validate.Length(min=1))


class ClaimReadyPayload(Contract):
    claim_id = fields.String(required=True)
    client_id = fields.String(required=True)
    session_id = fields.String(required=True)
    payer_id = fields.String(required=True)
    total_charge = fields.Decimal(as_string=True, required=True)
    expected_allowed = fields.Decimal(as_string=True, required=True)


class ClaimSubmittedPayload(Contract):
    claim_id = fields.String(required=True)
    client_id = fields.String(required=True)
    interchange_control_number = fields.String(required=True)
    submitted_at = fields.AwareDateTime(required=True)


class ClaimAcceptedPayload(Contract):
    claim_id = fields.String(required=True)
    client_id = fields.String(required=True)
    payer_claim_control_number = fields.String(load_default=None, allow_none=True)
    accepted_at = fields.AwareDateTime(required=True)


class ClaimRejectedPayload(Contract):
    claim_id = fields.String(required=True)
    client_id = fields.String(required=True)
    reasons = fields.List(fields.Nested(Reason), required=True, validate=validate.Length(min=1))
    rejected_at = fields.AwareDateTime(required=True)


CLAIM_CREATED = define_event("claims.claim.created", 1, ClaimCreatedPayload,
                             "A claim was built from a completed session.")
CLAIM_NEEDS_REVIEW = define_event("claims.claim.needs_review", 1, ClaimNeedsReviewPayload,
                                  "A claim failed scrubbing and waits for a billing specialist "
                                  "(again, with the current reasons, when a re-scrub changes "
                                  "them).")
CLAIM_READY = define_event("claims.claim.ready", 1, ClaimReadyPayload,
                           "A claim that needed review passed its scrub once newer client or "
                           "referral data arrived; it goes out with the next batch.")
CLAIM_SUBMITTED = define_event("claims.claim.submitted", 1, ClaimSubmittedPayload,
                               "A claim went to the clearinghouse.")
CLAIM_ACCEPTED = define_event("claims.claim.accepted", 1, ClaimAcceptedPayload,
                              "The payer's front end accepted the claim (277CA).")
CLAIM_REJECTED = define_event("claims.claim.rejected", 1, ClaimRejectedPayload,
                              "The clearinghouse or payer rejected the claim.")
