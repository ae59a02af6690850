"""Events the scheduling service publishes: appointments and completed sessions."""

from marshmallow import fields, validate

from shared.billing.units import COUNTING_METHODS
from shared.events.contracts.base import (
    Contract,
    Physician,
    body_region,
    technique,
    timed_code,
    why,
)
from shared.events.registry import define_event


class AppointmentPayload(Contract):
    appointment_id = fields.String(required=True)
    client_id = fields.String(required=True)
    referral_id = fields.String(required=True)
    therapist_id = fields.String(required=True)
    room_id = fields.String(required=True)
    service = fields.String(required=True)
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)
    series_id = fields.String(load_default=None, allow_none=True)
    # Added to v1 (optional: readers of older events see null).
    therapist_staff_subject = fields.String(
        load_default=None,
        allow_none=True,
        metadata=why(
            "Screening: the therapist's staff login, so that they (and no other therapist) "
            "may read this client's screenings and referrals; null while the therapist has "
            "no login linked."
        ),
    )


class AppointmentRescheduledPayload(AppointmentPayload):
    previous_start = fields.AwareDateTime(required=True)
    late = fields.Boolean(required=True)


class AppointmentCancelledPayload(Contract):
    appointment_id = fields.String(required=True)
    client_id = fields.String(required=True)
    referral_id = fields.String(required=True)
    cancelled_at = fields.AwareDateTime(required=True)
    late = fields.Boolean(required=True)
    fee = fields.Decimal(as_string=True, load_default=None, allow_none=True)


class AppointmentNoShowPayload(Contract):
    appointment_id = fields.String(required=True)
    client_id = fields.String(required=True)
    referral_id = fields.String(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    fee = fields.Decimal(as_string=True, load_default=None, allow_none=True)


class CodeUnits(Contract):
    code = timed_code()
    minutes = fields.Integer(required=True, validate=validate.Range(min=0))
    units = fields.Integer(required=True, validate=validate.Range(min=0))


class TechniqueMinutes(Contract):
    technique = technique()
    minutes = fields.Integer(required=True, validate=validate.Range(min=1))
    body_regions = fields.List(body_region(), required=True, validate=validate.Length(min=1))


class SessionFacts(Contract):
    """What every version of session.completed says about the visit itself."""

    session_id = fields.String(required=True)
    appointment_id = fields.String(required=True)
    client_id = fields.String(required=True)
    referral_id = fields.String(required=True)
    rendering_provider = fields.Nested(
        Physician, required=True, metadata=why("Claims: rendering provider (2310B), the therapist.")
    )
    date_of_service = fields.Date(
        required=True, metadata=why("Claims: DTP*472, in the clinic's time zone.")
    )
    place_of_service = fields.String(required=True, validate=validate.Regexp(r"^\d{2}$"))


class SessionCompletedPayload(SessionFacts):
    """What a claim is built from: units per code and the minutes behind them.

    The SOAP note and any override reason stay in scheduling: claims does not need them.
    """

    counting_method = fields.String(
        required=True,
        validate=validate.OneOf(COUNTING_METHODS),
        metadata=why("How units were counted."),
    )
    codes = fields.List(
        fields.Nested(CodeUnits),
        required=True,
        validate=validate.Length(min=1),
        metadata=why("Claims: one SV1 line per code."),
    )
    techniques = fields.List(
        fields.Nested(TechniqueMinutes),
        required=True,
        metadata=why("Claims: recount per_code, check regions."),
    )
    completed_at = fields.AwareDateTime(required=True)


class BilledLine(Contract):
    """One code as given: the minutes behind it, the units scheduling counted, where, how."""

    code = timed_code()
    technique = technique()
    minutes = fields.Integer(required=True, validate=validate.Range(min=1))
    units = fields.Integer(
        required=True,
        validate=validate.Range(min=0),
        metadata=why("Claims: compared with its own recount under the payer's rule; a "
                     "difference is a scrub reason, never trusted silently."),
    )
    body_regions = fields.List(body_region(), required=True, validate=validate.Length(min=1))


class SessionCompletedV2Payload(SessionFacts):
    """v2: per code, the technique, minutes, units counted and body regions treated.

    Claims owns billing interpretation: it recounts units under the payer's rule and
    never re-maps techniques to codes (docs/DOMAIN.md). v1 events still read.
    """

    counting_method = fields.String(
        required=True,
        validate=validate.OneOf(COUNTING_METHODS),
        metadata=why("How scheduling counted units (claims recounts under the payer's)."),
    )
    lines = fields.List(
        fields.Nested(BilledLine),
        required=True,
        validate=validate.Length(min=1),
        metadata=why("Claims: SV1 lines and the diagnoses each points at, by region."),
    )
    regions_outside_referral = fields.List(
        body_region(),
        load_default=list,
        metadata=why("Claims: regions treated that the referral does not prescribe; "
                     "flagged on the claim for a person."),
    )
    outside_referral_reason = fields.String(
        load_default=None,
        allow_none=True,
        metadata=why("Claims: the therapist's reason for treating outside the referral."),
    )
    completed_at = fields.AwareDateTime(required=True)


class ReferralExpiringPayload(Contract):
    referral_id = fields.String(required=True)
    client_id = fields.String(required=True)
    end_on = fields.Date(required=True)
    days_left = fields.Integer(required=True, validate=validate.Range(min=0))


class ReferralExhaustedPayload(Contract):
    """Visits used up, or one left: time to ask the physician for a renewal."""

    referral_id = fields.String(required=True)
    client_id = fields.String(required=True)
    authorized_visits = fields.Integer(required=True, validate=validate.Range(min=1))
    visits_used = fields.Integer(required=True, validate=validate.Range(min=0))
    visits_left = fields.Integer(required=True, validate=validate.Range(min=0))


class WaitlistEntryPayload(Contract):
    entry_id = fields.String(required=True)
    client_id = fields.String(required=True)
    service = fields.String(required=True)
    therapist_id = fields.String(load_default=None, allow_none=True)
    recorded_at = fields.AwareDateTime(required=True)


class WaitlistOfferPayload(Contract):
    """A freed slot offered to one waitlisted client, held until ``hold_until``."""

    offer_id = fields.String(required=True)
    entry_id = fields.String(required=True)
    client_id = fields.String(required=True)
    therapist_id = fields.String(required=True)
    service = fields.String(required=True)
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)
    hold_until = fields.AwareDateTime(required=True)
    # Added to v1 (optional: readers of older events see null).
    respond_url = fields.String(
        load_default=None,
        allow_none=True,
        metadata=why(
            "Notifications: the client's accept/decline link, to send as it is. It carries "
            "a single-use secret that expires with the hold: never log it."
        ),
    )


class WaitlistOfferClosedPayload(Contract):
    offer_id = fields.String(required=True)
    entry_id = fields.String(required=True)
    client_id = fields.String(required=True)
    # accepted: booked (appointment_id set); declined or expired: offered to the next.
    outcome = fields.String(
        required=True, validate=validate.OneOf(["accepted", "declined", "expired", "withdrawn"])
    )
    appointment_id = fields.String(load_default=None, allow_none=True)
    closed_at = fields.AwareDateTime(required=True)


APPOINTMENT_BOOKED = define_event(
    "scheduling.appointment.booked", 1, AppointmentPayload, "A client was booked into a slot."
)
APPOINTMENT_RESCHEDULED = define_event(
    "scheduling.appointment.rescheduled",
    1,
    AppointmentRescheduledPayload,
    "An appointment moved to another time or therapist.",
)
APPOINTMENT_CANCELLED = define_event(
    "scheduling.appointment.cancelled",
    1,
    AppointmentCancelledPayload,
    "An appointment was cancelled.",
)
APPOINTMENT_NO_SHOW = define_event(
    "scheduling.appointment.no_show", 1, AppointmentNoShowPayload, "The client did not come."
)
SESSION_COMPLETED = define_event(
    "scheduling.session.completed",
    1,
    SessionCompletedPayload,
    "A session was given and recorded; carries units per code.",
)
SESSION_COMPLETED_V2 = define_event(
    "scheduling.session.completed",
    2,
    SessionCompletedV2Payload,
    "A session was given and recorded; per code its technique, minutes, units and regions.",
)
REFERRAL_EXPIRING = define_event(
    "scheduling.referral.expiring",
    1,
    ReferralExpiringPayload,
    "A referral ends within the clinic's notice days: ask the physician for a renewal.",
)
REFERRAL_EXHAUSTED = define_event(
    "scheduling.referral.exhausted",
    1,
    ReferralExhaustedPayload,
    "A referral's visits are used up, or one is left: ask the physician for a renewal.",
)
WAITLIST_JOINED = define_event(
    "scheduling.waitlist.joined", 1, WaitlistEntryPayload, "A client joined the waitlist."
)
WAITLIST_LEFT = define_event(
    "scheduling.waitlist.left",
    1,
    WaitlistEntryPayload,
    "A client left (or was taken off) the waitlist.",
)
WAITLIST_OFFERED = define_event(
    "scheduling.waitlist.offered",
    1,
    WaitlistOfferPayload,
    "A freed slot was offered to the first eligible waitlisted client, held for a while.",
)
WAITLIST_OFFER_CLOSED = define_event(
    "scheduling.waitlist.offer_closed",
    1,
    WaitlistOfferClosedPayload,
    "A waitlist offer was accepted (and booked), declined, expired or withdrawn.",
)


# -- client self-service (issue #14 item 2) ----------------------------------------------------


class ClientSignInLinkPayload(Contract):
    """A sign-in link for a client's self-service, for notifications to email to them.

    The link is a credential: single-use, valid ``expires_at`` (minutes), and worthless
    once used; it travels here because only notifications can send mail, and the topic
    should keep a short retention.
    """

    client_id = fields.String(
        required=True, metadata=why("Notifications: whose email address to send it to.")
    )
    link = fields.String(required=True, metadata=why("Notifications: the link to send."))
    expires_at = fields.AwareDateTime(
        required=True, metadata=why("Notifications: 'valid until' in the message; drop it after.")
    )


CLIENT_SIGN_IN_LINK = define_event(
    "scheduling.client.sign_in_link",
    1,
    ClientSignInLinkPayload,
    "A client asked to sign in to self-service: email them this single-use link.",
)
