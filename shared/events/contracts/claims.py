"""Events the claims service publishes: a claim's life from creation to the payer's answer.

The states and which step announces which event are services/claims/domain/lifecycle.py
(drawn in docs/CLAIM_LIFECYCLE.md); a test keeps CLAIM_STATUSES equal to its states.
"""

from marshmallow import fields, validate

from shared.events.contracts.base import Contract
from shared.events.registry import define_event

CLAIM_STATUSES = (
    "needs_review", "ready", "submitted", "received", "accepted", "rejected", "no_response",
    "paid", "partially_paid", "denied", "patient_balance", "closed", "voided",
)  # fmt: skip
REJECTED_BY = ("clearinghouse", "payer")
FREQUENCIES = ("1", "7", "8")  # CLM05-3: original, replacement, void
ACKNOWLEDGEMENTS = ("999", "TA1", "277CA")
# What an 835 claim payment meant for the claim (services/claims/domain/remittance.py Outcome).
POSTING_OUTCOMES = ("paid_in_full", "partially_paid", "denied", "patient_balance", "reversal")
ADJUSTMENT_CODE = r"^(CO|OA|PI|PR|CR)-[A-Z0-9]{1,5}$"  # CAS01 group, "-", CAS02 reason (CARC)
# Why an 835, or a claim payment in one, waits for a person instead of being posted.
REMITTANCE_HOLDS = (
    "unreadable_remittance", "unbalanced_remittance", "unreadable", "unmatched", "unbalanced",
    "conflict",
)  # fmt: skip


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
    frequency = fields.String(load_default="1", validate=validate.OneOf(FREQUENCIES))
    replaces_claim_id = fields.String(load_default=None, allow_none=True)


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


class ClaimReceivedPayload(Contract):
    claim_id = fields.String(required=True)
    client_id = fields.String(required=True)
    received_at = fields.AwareDateTime(required=True)


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
    rejected_by = fields.String(load_default=None, allow_none=True,
                                validate=validate.OneOf(REJECTED_BY))


class ClaimNoResponsePayload(Contract):
    claim_id = fields.String(required=True)
    client_id = fields.String(required=True)
    waiting_since = fields.AwareDateTime(required=True)
    flagged_at = fields.AwareDateTime(required=True)


class ClaimAdjudicatedPayload(Contract):
    claim_id = fields.String(required=True)
    client_id = fields.String(required=True)
    payer_claim_control_number = fields.String(load_default=None, allow_none=True)
    paid_amount = fields.Decimal(as_string=True, load_default=None, allow_none=True)
    patient_responsibility = fields.Decimal(as_string=True, load_default=None, allow_none=True)
    adjudicated_at = fields.AwareDateTime(required=True)


class ClaimClosedPayload(Contract):
    claim_id = fields.String(required=True)
    client_id = fields.String(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(("paid_in_full", "written_off")))
    closed_at = fields.AwareDateTime(required=True)
    # What billing wrote off (the open balance unless it said less); billing's words stay in
    # the claims service.
    written_off = fields.Decimal(as_string=True, load_default=None, allow_none=True)


class ClaimAdjustedPayload(Contract):
    claim_id = fields.String(required=True)
    client_id = fields.String(required=True)
    trace_number = fields.String(required=True)  # TRN02: the check or EFT that paid it
    outcome = fields.String(required=True, validate=validate.OneOf(POSTING_OUTCOMES))
    paid = fields.Decimal(as_string=True, required=True)  # CLP04 (negative: a reversal)
    patient_responsibility = fields.Decimal(as_string=True, required=True)  # CLP05
    # Claim-level and line adjustments together, per group and CARC: {"CO-45": "39.11", ...}.
    adjustments = fields.Dict(
        keys=fields.String(validate=validate.Regexp(ADJUSTMENT_CODE)),
        values=fields.Decimal(as_string=True),
        required=True,
    )
    posted_at = fields.AwareDateTime(required=True)


class ClaimVoidedPayload(Contract):
    claim_id = fields.String(required=True)
    client_id = fields.String(required=True)
    void_claim_id = fields.String(required=True)
    voided_at = fields.AwareDateTime(required=True)


class InterchangeHeldPayload(Contract):
    interchange_control_number = fields.String(load_default=None, allow_none=True)
    report_id = fields.Integer(load_default=None, allow_none=True)
    acknowledgement = fields.String(required=True, validate=validate.OneOf(ACKNOWLEDGEMENTS))
    reason = fields.String(required=True)
    held_at = fields.AwareDateTime(required=True)


class RemittanceHeldPayload(Contract):
    report_id = fields.Integer(required=True)  # the mailbox's id of the 835
    trace_number = fields.String(load_default=None, allow_none=True)  # TRN02, when readable
    payer_id = fields.String(load_default=None, allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(REMITTANCE_HOLDS))
    claim_id = fields.String(load_default=None, allow_none=True)  # ours, when it names one
    amount = fields.Decimal(as_string=True, load_default=None, allow_none=True)
    reason = fields.String(required=True)
    held_at = fields.AwareDateTime(required=True)


class SecondaryClaimCreatedPayload(Contract):
    """A claim to the client's secondary payer, made when the primary's 835 was posted."""

    claim_id = fields.String(required=True)  # the secondary claim
    primary_claim_id = fields.String(required=True)
    client_id = fields.String(required=True)
    session_id = fields.String(required=True)
    payer_id = fields.String(required=True)  # the secondary payer
    primary_payer_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(CLAIM_STATUSES))
    total_charge = fields.Decimal(as_string=True, required=True)
    primary_paid = fields.Decimal(as_string=True, required=True)  # 2320 AMT*D
    # What the primary left for the patient (PR): what the secondary is asked to consider,
    # and what waits before the patient is billed.
    amount_billed = fields.Decimal(as_string=True, required=True)
    created_at = fields.AwareDateTime(required=True)


CLAIM_CREATED = define_event("claims.claim.created", 1, ClaimCreatedPayload,
                             "A claim was built from a completed session, or from an older "
                             "claim it corrects, replaces (frequency 7) or voids (frequency 8).")
CLAIM_NEEDS_REVIEW = define_event("claims.claim.needs_review", 1, ClaimNeedsReviewPayload,
                                  "A claim failed scrubbing and waits for a billing specialist "
                                  "(again, with the current reasons, when a re-scrub changes "
                                  "them).")
CLAIM_READY = define_event("claims.claim.ready", 1, ClaimReadyPayload,
                           "A claim that needed review passed its scrub once newer client or "
                           "referral data arrived; it goes out with the next batch.")
CLAIM_SUBMITTED = define_event("claims.claim.submitted", 1, ClaimSubmittedPayload,
                               "The clearinghouse's 999 accepted the claim's transaction set.")
CLAIM_RECEIVED = define_event("claims.claim.received", 1, ClaimReceivedPayload,
                              "The payer's front end received the claim (277CA A0/A1); no "
                              "verdict yet.")
CLAIM_ACCEPTED = define_event("claims.claim.accepted", 1, ClaimAcceptedPayload,
                              "The payer's front end accepted the claim into adjudication "
                              "(277CA A2/A5).")
CLAIM_REJECTED = define_event("claims.claim.rejected", 1, ClaimRejectedPayload,
                              "The clearinghouse (999, TA1, refusal) or the payer's front end "
                              "(277CA A3/A4/A6/A7/A8) rejected the claim.")
CLAIM_NO_RESPONSE = define_event("claims.claim.no_response", 1, ClaimNoResponsePayload,
                                 "A sent claim had no acknowledgement for CLAIMS_NO_RESPONSE_DAYS "
                                 "and waits in billing's work queue.")
CLAIM_PAID = define_event("claims.claim.paid", 1, ClaimAdjudicatedPayload,
                          "An 835 paid the claim; nothing is left for the patient.")
CLAIM_PARTIALLY_PAID = define_event("claims.claim.partially_paid", 1, ClaimAdjudicatedPayload,
                                    "An 835 paid less than expected; a balance is open.")
CLAIM_DENIED = define_event("claims.claim.denied", 1, ClaimAdjudicatedPayload,
                            "An 835 adjudicated the claim and paid nothing.")
CLAIM_PATIENT_BALANCE = define_event("claims.claim.patient_balance", 1, ClaimAdjudicatedPayload,
                                     "An 835 left patient responsibility to bill the client.")
CLAIM_REVERSED = define_event("claims.claim.reversed", 1, ClaimAdjudicatedPayload,
                              "An 835 reversed the payer's earlier adjudication of the claim "
                              "(CLP02 22); a corrected one is expected.")
CLAIM_CLOSED = define_event("claims.claim.closed", 1, ClaimClosedPayload,
                            "Nothing is owed on the claim any more: paid in full or written off.")
CLAIM_ADJUSTED = define_event("claims.claim.adjusted", 1, ClaimAdjustedPayload,
                              "An 835 claim payment was posted to the claim: what the payer "
                              "paid, each adjustment (group, CARC, amount) and what the patient "
                              "owes; a reversal posts the same amounts negative.")
CLAIM_VOIDED = define_event("claims.claim.voided", 1, ClaimVoidedPayload,
                            "The payer accepted our void (frequency 8) of the claim.")
INTERCHANGE_HELD = define_event("claims.interchange.held", 1, InterchangeHeldPayload,
                                "An acknowledgement (999, TA1 or 277CA) could not be read or "
                                "matched to what we sent; it is held for a person (ops alert).")
REMITTANCE_HELD = define_event("claims.remittance.held", 1, RemittanceHeldPayload,
                               "An 835, or one claim payment in it, could not be posted: "
                               "unreadable, unbalanced, for a claim we do not know, or one the "
                               "claim's state cannot take; held for a person (ops alert).",
                               keyed_by="the report (report-<id>)")
CLAIM_SECONDARY_CREATED = define_event(
    "claims.claim.secondary_created", 1, SecondaryClaimCreatedPayload,
    "The primary's 835 left patient responsibility and the client has a secondary payer: a "
    "claim to that payer (SBR01=S, the primary's adjudication in 2320/2430) was made; the "
    "patient is billed only after its 835.",
)
