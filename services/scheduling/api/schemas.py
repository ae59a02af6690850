"""HTTP request and response schemas (event payloads live in shared/events/contracts)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from services.scheduling.domain.calendar import SERVICE_DURATIONS
from shared.identifiers import is_valid_npi
from shared.vocabulary import BODY_REGIONS, PRESSURE_LEVELS, TECHNIQUES, TIMED_CODES
from shared.web.fields import Text

MAX_AVAILABILITY_WINDOW = timedelta(days=31)
_ID = validate.Length(min=1, max=64)
# Every date the API takes lies in these years: any record a clinic keeps or visit it books,
# and far enough from datetime's limits (years 1 and 9999) that adding a day, a buffer or a
# time zone offset can never overflow (such dates once answered 500: issue #17).
FIRST_YEAR, LAST_YEAR = 2000, 2099
_YEARS = f"Must lie in the years {FIRST_YEAR}-{LAST_YEAR}."


def _in_calendar_years(value: date) -> None:
    # The year as written, before any time zone arithmetic (which could itself overflow).
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValidationError(_YEARS)


def moment(**options: Any) -> fields.AwareDateTime:
    """An input date-time with its UTC offset, in the calendar's years."""
    return fields.AwareDateTime(validate=_in_calendar_years, **options)


def day(**options: Any) -> fields.Date:
    """An input date in the calendar's years."""
    return fields.Date(validate=_in_calendar_years, **options)


def _ends_after_start(data: dict[str, Any], start: str = "start", end: str = "end") -> None:
    if start in data and end in data and data[end] <= data[start]:
        raise ValidationError("Must be after the start.", end)


# -- calendar data ---------------------------------------------------------------------------


class ShiftSchema(Schema):
    weekday = fields.Integer(required=True, validate=validate.Range(0, 6),
                             metadata={"description": "0 = Monday ... 6 = Sunday"})
    start = fields.Time(required=True, format="%H:%M")
    end = fields.Time(required=True, format="%H:%M")

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        _ends_after_start(data)


class TherapistInSchema(Schema):
    name = Text(required=True, validate=validate.Length(min=1, max=200))
    npi = Text(required=True)
    credentials = Text(required=True, validate=validate.Length(min=1, max=100))
    weekly_hours = fields.List(fields.Nested(ShiftSchema), required=True,
                               metadata={"description": "Local clinic time"})
    staff_subject = Text(load_default=None, allow_none=True,
                         validate=validate.Length(min=1, max=200), metadata={
                             "description": "The therapist's staff login (their tokens' sub): "
                                            "whose sessions they complete and whose clients' "
                                            "records they read. Unique; null: none linked"})

    @validates("npi")
    def _npi(self, value: str, **_: Any) -> None:
        if not is_valid_npi(value):
            raise ValidationError("Not a valid NPI (10 digits with a Luhn check digit).")


class TherapistSchema(TherapistInSchema):
    id = fields.String(required=True)


class TimeOffInSchema(Schema):
    start = moment(required=True)
    end = moment(required=True)

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        _ends_after_start(data)


class TimeOffSchema(TimeOffInSchema):
    id = fields.String(required=True)
    therapist_id = fields.String(required=True)


class RoomInSchema(Schema):
    name = Text(required=True, validate=validate.Length(min=1, max=200))


class RoomSchema(RoomInSchema):
    id = fields.String(required=True)


class ServiceInSchema(Schema):
    name = Text(required=True, validate=validate.Length(min=1, max=200))
    duration_minutes = fields.Integer(required=True,
                                      validate=validate.OneOf(sorted(SERVICE_DURATIONS)))
    default_techniques = fields.List(fields.String(validate=validate.OneOf(sorted(TECHNIQUES))),
                                     load_default=list)


class ServiceSchema(ServiceInSchema):
    id = fields.String(required=True)


class SettingsSchema(Schema):
    time_zone = Text(required=True)
    buffer_minutes = fields.Integer(required=True, validate=validate.Range(0, 240))
    minimum_notice_minutes = fields.Integer(required=True, validate=validate.Range(0, 20_160))
    booking_horizon_days = fields.Integer(required=True, validate=validate.Range(1, 730))
    cancellation_window_hours = fields.Integer(required=True, validate=validate.Range(0, 720))
    no_show_fee = fields.Decimal(required=True, as_string=True, places=2,
                                 validate=validate.Range(min=0))
    late_cancellation_fee = fields.Decimal(required=True, as_string=True, places=2,
                                           validate=validate.Range(min=0))

    @validates("time_zone")
    def _zone(self, value: str, **_: Any) -> None:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValidationError("Unknown IANA time zone.") from exc


# -- availability -----------------------------------------------------------------------------


class AvailabilityQuery(Schema):
    service = Text(required=True, validate=_ID)
    from_ = moment(required=True, data_key="from")
    to = moment(required=True)
    therapist = Text(validate=_ID)

    @validates_schema
    def _window(self, data: dict[str, Any], **_: Any) -> None:
        if "from_" in data and "to" in data:
            if data["to"] <= data["from_"]:
                raise ValidationError("Must be after from.", "to")
            if data["to"] - data["from_"] > MAX_AVAILABILITY_WINDOW:
                raise ValidationError("The window may span at most 31 days.", "to")


class SlotSchema(Schema):
    therapist_id = fields.String(required=True)
    therapist_name = fields.String(required=True)
    room_id = fields.String(required=True)
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)


class AvailabilitySchema(Schema):
    service = fields.String(required=True)
    slots = fields.List(fields.Nested(SlotSchema), required=True)


# -- appointments ---------------------------------------------------------------------------


class BookingInSchema(Schema):
    client_id = Text(required=True, validate=_ID)
    service_id = Text(required=True, validate=_ID)
    therapist_id = Text(required=True, validate=_ID)
    room_id = Text(load_default=None, validate=_ID)
    start = moment(required=True)


class SeriesInSchema(Schema):
    client_id = Text(required=True, validate=_ID)
    service_id = Text(required=True, validate=_ID)
    therapist_id = Text(required=True, validate=_ID)
    room_id = Text(load_default=None, validate=_ID)
    first_start = moment(required=True)
    visits_per_week = fields.Integer(required=True, validate=validate.Range(1, 7))
    weeks = fields.Integer(required=True, validate=validate.Range(1, 52))
    weekdays = fields.List(fields.Integer(validate=validate.Range(0, 6)), load_default=None,
                           metadata={"description": "0 = Monday; default: spread evenly"})


class RescheduleInSchema(Schema):
    start = moment(required=True)
    therapist_id = Text(load_default=None, validate=_ID)
    room_id = Text(load_default=None, validate=_ID)


class AppointmentsQuery(Schema):
    client_id = Text(validate=_ID)
    therapist_id = Text(validate=_ID)
    from_ = moment(data_key="from")
    to = moment()
    limit = fields.Integer(load_default=500, validate=validate.Range(1, 1000))


class AppointmentSchema(Schema):
    id = fields.String(required=True)
    client_id = fields.String(required=True)
    referral_id = fields.String(required=True)
    therapist_id = fields.String(required=True)
    room_id = fields.String(required=True)
    service_id = fields.String(required=True)
    start = fields.AwareDateTime(required=True)
    end = fields.AwareDateTime(required=True)
    status = fields.String(required=True)
    series_id = fields.String(allow_none=True)
    late = fields.Boolean(allow_none=True)
    fee = fields.Decimal(as_string=True, places=2, allow_none=True)
    booked_at = fields.AwareDateTime(required=True)


class SeriesSchema(Schema):
    series_id = fields.String(required=True)
    appointments = fields.List(fields.Nested(AppointmentSchema), required=True)


class CalendarQuery(Schema):
    from_ = moment(data_key="from", metadata={"description": "Default: 30 days ago"})
    to = moment(metadata={"description": "Default: 180 days from now; at most a year after from"})


# -- sessions -------------------------------------------------------------------------------


class TechniqueInSchema(Schema):
    technique = fields.String(required=True, validate=validate.OneOf(sorted(TECHNIQUES)))
    minutes = fields.Integer(required=True, validate=validate.Range(1, 90))
    body_regions = fields.List(fields.String(validate=validate.OneOf(sorted(BODY_REGIONS))),
                               required=True, validate=validate.Length(min=1))
    pressure = fields.String(load_default=None, validate=validate.OneOf(PRESSURE_LEVELS))


class SoapNoteSchema(Schema):
    subjective = Text(multiline=True, required=True, validate=validate.Length(max=2000))
    objective = Text(multiline=True, required=True, validate=validate.Length(max=2000))
    assessment = Text(multiline=True, required=True, validate=validate.Length(max=2000))
    plan = Text(multiline=True, required=True, validate=validate.Length(max=2000))


class CompletionInSchema(Schema):
    techniques = fields.List(fields.Nested(TechniqueInSchema), required=True,
                             validate=validate.Length(min=1, max=20))
    soap_note = fields.Nested(SoapNoteSchema, required=True)
    override_reason = Text(multiline=True, load_default=None, validate=validate.Length(max=500))
    admin_override_reason = Text(
        load_default=None, validate=validate.Length(min=1, max=500), metadata={
            "description": "Admins only: why they complete another therapist's appointment, "
                           "or one that has not started yet (kept with the session and in the "
                           "audit trail)"})
    # The place is checked against the CMS list when the session is recorded (422 names
    # the field), so 00 or an unassigned number is refused there rather than at the payer.
    place_of_service = fields.String(
        load_default="11", validate=validate.Regexp(r"^\d{2}$", error="2 digits."),
        metadata={"description": "CMS place-of-service code; 11 (office) by default"})
    outside_referral_reason = Text(
        multiline=True, load_default=None, validate=validate.Length(max=500), metadata={
            "description": "Why regions the referral does not prescribe were treated; "
                           "required then (the claim is flagged for review)"})


class BilledCodeSchema(Schema):
    code = fields.String(required=True, validate=validate.OneOf(sorted(TIMED_CODES)))
    minutes = fields.Integer(required=True)
    units = fields.Integer(required=True)


class SessionSchema(Schema):
    id = fields.String(required=True)
    appointment_id = fields.String(required=True)
    client_id = fields.String(required=True)
    referral_id = fields.String(required=True)
    therapist_id = fields.String(required=True)
    date_of_service = fields.Date(required=True)
    counting_method = fields.String(required=True)
    codes = fields.List(fields.Nested(BilledCodeSchema), required=True)
    techniques = fields.List(fields.Nested(TechniqueInSchema), required=True)
    overridden = fields.List(fields.String(), required=True)
    override_reason = fields.String(allow_none=True)
    soap_note = fields.Nested(SoapNoteSchema, required=True)
    completed_at = fields.AwareDateTime(required=True)
    completed_by = fields.String(allow_none=True, metadata={"description": "The staff login"})
    admin_overrode = fields.List(fields.String(), allow_none=True, metadata={
        "description": "What an admin's override went past: not_own_appointment, not_started"})
    admin_override_reason = fields.String(allow_none=True)
    place_of_service = fields.String(allow_none=True)
    regions_outside_referral = fields.List(fields.String(), allow_none=True)
    outside_referral_reason = fields.String(allow_none=True)


class PrescriptionViewSchema(Schema):
    appointment_id = fields.String(required=True)
    referral_id = fields.String(required=True)
    prescribed_regions = fields.List(fields.String(), allow_none=True, metadata={
        "description": "The body regions the referral prescribes; null when not known yet"})
    restricted_regions = fields.List(fields.String(), required=True)
    restricted_techniques = fields.List(fields.String(), required=True)
    pressure_limit = fields.String(allow_none=True)


# -- eligibility -----------------------------------------------------------------------------


class EligibilityQuery(Schema):
    on = day(metadata={"description": "Default: today in the clinic's time zone"})


class ScreeningViewSchema(Schema):
    screening_id = fields.String(required=True)
    outcome = fields.String(required=True)
    screened_on = fields.Date(required=True)
    expires_on = fields.Date(required=True)
    restricted_techniques = fields.List(fields.String(), required=True)
    restricted_regions = fields.List(fields.String(), required=True)
    pressure_limit = fields.String(allow_none=True)
    recorded_at = fields.AwareDateTime(required=True)


class ReferralViewSchema(Schema):
    referral_id = fields.String(required=True)
    version = fields.Integer(required=True)
    status = fields.String(required=True)
    start_on = fields.Date(allow_none=True)
    end_on = fields.Date(allow_none=True)
    authorized_visits = fields.Integer(allow_none=True)
    visits_used = fields.Integer(required=True)
    visits_left = fields.Integer(required=True)
    closed_on = fields.Date(allow_none=True)


class EligibilitySchema(Schema):
    client_id = fields.String(required=True)
    known = fields.Boolean(required=True, metadata={"description": "Seen in screening's events"})
    on = fields.Date(required=True)
    bookable = fields.Boolean(required=True)
    reasons = fields.List(fields.String(), required=True)
    screening = fields.Nested(ScreeningViewSchema, allow_none=True)
    referrals = fields.List(fields.Nested(ReferralViewSchema), required=True)


# -- booking codes -----------------------------------------------------------------------------


class BookingCodeSchema(Schema):
    """A new booking code, shown this once: scheduling keeps only a hash of its secret."""

    client_id = fields.String(required=True)
    booking_code = fields.String(required=True, metadata={
        "description": "10 characters as XXXX-XXXXXX; case, spaces and dashes do not matter"})
    expires_at = fields.AwareDateTime(required=True)
    widget_link = fields.String(required=True, metadata={
        "description": "The widget with the code filled in (the code is in the #fragment, "
                       "which browsers never send to a server)"})
