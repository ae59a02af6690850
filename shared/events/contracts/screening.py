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
    why,
)
from shared.events.registry import define_event
from shared.vocabulary import SCREENING_OUTCOMES

RELATIONSHIPS = ("self", "spouse", "child", "other")
# A recorded or amended referral is active; revoked and expired ones are closed.
REFERRAL_WINDOW_STATUSES = ("active", "revoked", "expired")


class Coverage(Contract):
    payer_id = fields.String(
        required=True, metadata=why("Claims: the payer billed (2010BB) and its fee schedule.")
    )
    payer_name = fields.String(required=True, metadata=why("Claims: payer name in loop 2010BB."))
    member_id = fields.String(required=True, metadata=why("Claims: subscriber id (2010BA NM109)."))
    group_number = fields.String(
        load_default=None, allow_none=True, metadata=why("Claims: SBR03 group number.")
    )
    relationship_to_subscriber = fields.String(
        required=True, validate=validate.OneOf(RELATIONSHIPS)
    )
    # Present when the client is not the subscriber (2010BA is then someone else).
    subscriber = fields.Nested(
        Person,
        load_default=None,
        allow_none=True,
        metadata=why("Claims: the subscriber (2010BA) when the client is a dependant."),
    )


class ClientPayload(Contract):
    """What billing needs to know about a client; contact details stay in screening.

    Only claims reads it: scheduling needs no demographics and reads ClientEnrolledPayload.
    """

    client_id = fields.String(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    first_name = fields.String(
        required=True, metadata=why("Claims: patient name (2010BA/2010CA).")
    )
    last_name = fields.String(
        required=True, metadata=why("Claims: patient name (2010BA/2010CA).")
    )
    birth_date = fields.Date(
        required=True, metadata=why("Claims: DMG segment; payers match members by it.")
    )
    sex = fields.String(required=True, validate=validate.OneOf(["F", "M", "U"]))
    address = fields.Nested(
        Address, required=True, metadata=why("Claims: N3/N4 of the patient or subscriber loop.")
    )
    coverage = fields.Nested(
        Coverage,
        load_default=None,
        allow_none=True,
        metadata=why("Claims: who pays; null for self-pay."),
    )
    # Added to v1 (optional: readers of older events see null).
    secondary_coverage = fields.Nested(
        Coverage,
        load_default=None,
        allow_none=True,
        metadata=why(
            "Claims: the secondary payer (coordination of benefits), billed after the "
            "primary's 835 is posted; null when the client has one payer or none."
        ),
    )


class ClientContactPayload(Contract):
    """How to reach a client: for notifications only (no health data, no coverage)."""

    client_id = fields.String(required=True)
    version = fields.Integer(
        required=True,
        validate=validate.Range(min=1),
        metadata=why("The client record's version; the newest wins."),
    )
    first_name = fields.String(
        required=True, metadata=why("Notifications: the greeting; the only name a message uses.")
    )
    email = fields.String(load_default=None, allow_none=True)
    phone = fields.String(
        load_default=None,
        allow_none=True,
        metadata=why("Notifications: SMS, in E.164 (+15551234567)."),
    )
    time_zone = fields.String(
        load_default=None,
        allow_none=True,
        metadata=why("Notifications: reminders and quiet hours in the client's zone (IANA "
                     "name); null means the clinic's."),
    )


class DiagnosisRegions(Contract):
    diagnosis = fields.String(required=True)
    body_regions = fields.List(body_region(), required=True, validate=validate.Length(min=1))


class ClientEnrolledPayload(Contract):
    """That a client exists, and nothing about them: for services that need no PHI."""

    client_id = fields.String(
        required=True, metadata=why("Scheduling: the client may be issued a booking code.")
    )
    version = fields.Integer(
        required=True,
        validate=validate.Range(min=1),
        metadata=why("The client record's version, as in client.registered/updated."),
    )


class ScreeningCompletedPayload(Contract):
    """A screening outcome; reasons travel as codes only (they reveal health conditions)."""

    screening_id = fields.String(required=True)
    client_id = fields.String(required=True)
    outcome = fields.String(required=True, validate=validate.OneOf(SCREENING_OUTCOMES))
    reason_codes = fields.List(
        fields.String(), required=True, metadata=why("Codes only, never conditions or medications.")
    )
    restricted_techniques = fields.List(
        technique(), required=True, metadata=why("Scheduling: need an override reason.")
    )
    restricted_regions = fields.List(
        body_region(), required=True, metadata=why("Scheduling: regions to avoid.")
    )
    pressure_limit = pressure_level(load_default=None, allow_none=True)
    screened_on = fields.Date(required=True)
    expires_on = fields.Date(required=True, metadata=why("Scheduling: no booking after this date."))
    rules_version = fields.String(required=True)
    cleared_by_physician = fields.Boolean(required=True)
    recorded_at = fields.AwareDateTime(required=True)


class ReferralPayload(Contract):
    """A physician's referral as recorded or amended; ``version`` orders the amendments.

    Only claims reads it: scheduling books against no diagnosis, physician or
    authorization number and reads ReferralWindowPayload.
    """

    referral_id = fields.String(required=True)
    client_id = fields.String(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    physician = fields.Nested(
        Physician, required=True, metadata=why("Claims: referring provider (2310A).")
    )
    diagnoses = fields.List(
        fields.String(),
        required=True,
        validate=validate.Length(min=1),
        metadata=why("Claims: HI codes (principal diagnosis first)."),
    )
    codes = fields.List(timed_code(), required=True)
    techniques = fields.List(technique(), required=True)
    body_regions = fields.List(body_region(), required=True)
    # Added to v1 (optional: older events read as "every diagnosis covers every region").
    diagnosis_regions = fields.List(
        fields.Nested(DiagnosisRegions),
        load_default=list,
        metadata=why(
            "Claims: which prescribed body regions each diagnosis covers, so each 837P line "
            "points (SV107) at the diagnoses of the regions it treated (docs/DOMAIN.md)."
        ),
    )
    visits_per_week = fields.Integer(required=True)
    weeks = fields.Integer(required=True)
    authorized_visits = fields.Integer(
        required=True,
        validate=validate.Range(min=1),
        metadata=why("Claims: visits left to bill."),
    )
    authorization_number = fields.String(
        load_default=None, allow_none=True, metadata=why("Claims: prior authorization (REF*G1).")
    )
    start_on = fields.Date(required=True, metadata=why("Claims: first covered day."))
    end_on = fields.Date(required=True, metadata=why("Claims: last covered day."))


class ReferralClosedPayload(Contract):
    """A referral that can no longer be billed against; scheduling reads its window instead."""

    referral_id = fields.String(required=True)
    client_id = fields.String(required=True)
    version = fields.Integer(required=True, validate=validate.Range(min=1))
    closed_on = fields.Date(required=True)


class ReferralWindowPayload(Contract):
    """A referral as booking sees it at one version: its dates, visits and whether it is open.

    Published with each referral.recorded/amended/revoked/expired, in the same transaction,
    for services that book rather than bill: no diagnosis, physician, prescribed codes or
    authorization number.
    """

    referral_id = fields.String(
        required=True,
        metadata=why("Scheduling: the referral a visit is booked against (and counted on)."),
    )
    client_id = fields.String(required=True)
    version = fields.Integer(
        required=True,
        validate=validate.Range(min=1),
        metadata=why("The referral's version, as in referral.recorded/amended/revoked/expired; "
                     "the newest wins, and at one version a close beats the open window."),
    )
    status = fields.String(
        required=True,
        validate=validate.OneOf(REFERRAL_WINDOW_STATUSES),
        metadata=why("Scheduling: only an active referral is booked against; revoked and "
                     "expired close it."),
    )
    start_on = fields.Date(
        required=True, metadata=why("Scheduling: no visit is booked before this day.")
    )
    end_on = fields.Date(
        required=True, metadata=why("Scheduling: no visit is booked after this day.")
    )
    authorized_visits = fields.Integer(
        required=True,
        validate=validate.Range(min=1),
        metadata=why("Scheduling: visits left = authorized visits - visits booked."),
    )
    closed_on = fields.Date(
        required=True,
        allow_none=True,
        metadata=why("Scheduling: shown to the front desk, the day it was revoked or "
                     "expired; null while active."),
    )
    # Added to v1 (optional: older events read as "no frequency known").
    frequency = fields.String(
        load_default=None,
        allow_none=True,
        metadata=why("Scheduling: the prescribed frequency (e.g. '2x/week for 4 weeks'), "
                     "turned into a proposed series of the plan of care's visits."),
    )
    # Added to v1 (optional: older windows read as null, "not known").
    body_regions = fields.List(
        body_region(),
        load_default=None,
        allow_none=True,
        metadata=why("Scheduling: the prescribed body regions, shown to the therapist before "
                     "the session; treating another needs a reason and is flagged. Regions "
                     "only: no diagnosis travels to scheduling."),
    )


CLIENT_REGISTERED = define_event(
    "screening.client.registered", 1, ClientPayload, "A new client was registered at intake."
)
CLIENT_UPDATED = define_event(
    "screening.client.updated", 1, ClientPayload, "A client's demographics or coverage changed."
)
CLIENT_CONTACT = define_event(
    "screening.client.contact",
    1,
    ClientContactPayload,
    "A client's contact details as registered or changed: for reminders and notices only.",
)
CLIENT_ENROLLED = define_event(
    "screening.client.enrolled",
    1,
    ClientEnrolledPayload,
    "A client was registered or their record changed; the id and version only, no PHI.",
)
SCREENING_COMPLETED = define_event(
    "screening.screening.completed",
    1,
    ScreeningCompletedPayload,
    "A health screening (or physician clearance) decided.",
)
REFERRAL_RECORDED = define_event(
    "screening.referral.recorded", 1, ReferralPayload, "A physician's referral was recorded."
)
REFERRAL_AMENDED = define_event(
    "screening.referral.amended",
    1,
    ReferralPayload,
    "A referral was amended; the payload is the whole new version.",
)
REFERRAL_REVOKED = define_event(
    "screening.referral.revoked", 1, ReferralClosedPayload, "A referral was revoked."
)
REFERRAL_EXPIRED = define_event(
    "screening.referral.expired", 1, ReferralClosedPayload, "A referral passed its end date."
)
REFERRAL_WINDOW = define_event(
    "screening.referral.window",
    1,
    ReferralWindowPayload,
    "A referral's window at its newest version (published with each referral event): "
    "dates, authorized visits and whether it is open; no diagnosis, physician or "
    "authorization number.",
)


# -- online intake (issue #14 item 1) ----------------------------------------------------------


class IntakeSubmittedPayload(Contract):
    """A client sent their intake: a pending screening waits for staff. No answers travel."""

    submission_id = fields.String(
        required=True, metadata=why("Notifications: the front desk's 'to confirm' notice.")
    )
    client_id = fields.String(required=True)
    invitation_id = fields.String(
        load_default=None, allow_none=True,
        metadata=why("The clinic's invitation it answered; null when started from the widget."),
    )
    submitted_at = fields.AwareDateTime(required=True)


class ClientSignInKeyPayload(Contract):
    """A hash of the client's email address, for finding whose emailed sign-in is asked for.

    Scheduling may not read contact details (docs/ARCHITECTURE.md, "Events"): it gets this
    minimal event instead of screening.client.contact.
    """

    client_id = fields.String(required=True)
    version = fields.Integer(
        required=True,
        validate=validate.Range(min=1),
        metadata=why("The client record's version; the newest wins."),
    )
    email_sha256 = fields.String(
        required=True,
        allow_none=True,
        metadata=why("Scheduling: shared.contact_keys.email_key of the address; null when "
                     "the client has none (they sign in with a booking code)."),
    )


INTAKE_SUBMITTED = define_event(
    "screening.intake.submitted",
    1,
    IntakeSubmittedPayload,
    "A new client completed online intake; their screening is pending until staff confirm.",
)
CLIENT_SIGN_IN_KEY = define_event(
    "screening.client.sign_in_key",
    1,
    ClientSignInKeyPayload,
    "A client's email address as a hash (registered or changed): for self-service sign-in.",
)
