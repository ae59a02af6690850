"""Scheduling's tables (SQLAlchemy Core); the migration in ../migrations creates the same."""

import sqlalchemy as sa

from shared.db import UtcDateTime

metadata = sa.MetaData()

therapists = sa.Table(
    "therapists",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("npi", sa.String(10), nullable=False),
    sa.Column("credentials", sa.String(100), nullable=False),
    # [[weekday, "HH:MM", "HH:MM"], ...] in the clinic's local time.
    sa.Column("weekly_hours", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    # The therapist's staff login (their tokens' subject), one therapist per login; NULL
    # (any number of them) until an admin links one.
    sa.Column("staff_subject", sa.String(200), nullable=True),
    sa.Index("uq_therapists_staff_subject", "staff_subject", unique=True),
)

time_off = sa.Table(
    "therapist_time_off",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("therapist_id", sa.String(36), sa.ForeignKey("therapists.id"), nullable=False),
    sa.Column("start", UtcDateTime, nullable=False),
    sa.Column("end", UtcDateTime, nullable=False),
    sa.Index("ix_time_off_therapist_start", "therapist_id", "start"),
)

rooms = sa.Table(
    "rooms",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

services = sa.Table(
    "services",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("duration_minutes", sa.Integer, nullable=False),
    sa.Column("default_techniques", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

# One row (id = 1) once an admin saved the settings; the defaults apply until then.
clinic_settings = sa.Table(
    "clinic_settings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("time_zone", sa.String(64), nullable=False),
    sa.Column("buffer_minutes", sa.Integer, nullable=False),
    sa.Column("minimum_notice_minutes", sa.Integer, nullable=False),
    sa.Column("booking_horizon_days", sa.Integer, nullable=False),
    sa.Column("cancellation_window_hours", sa.Integer, nullable=False),
    sa.Column("no_show_fee", sa.Numeric(12, 2), nullable=False),
    sa.Column("late_cancellation_fee", sa.Numeric(12, 2), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

appointments = sa.Table(
    "appointments",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("referral_id", sa.String(64), nullable=False),
    sa.Column("therapist_id", sa.String(36), sa.ForeignKey("therapists.id"), nullable=False),
    sa.Column("room_id", sa.String(36), sa.ForeignKey("rooms.id"), nullable=False),
    sa.Column("service_id", sa.String(36), sa.ForeignKey("services.id"), nullable=False),
    sa.Column("start", UtcDateTime, nullable=False),
    sa.Column("end", UtcDateTime, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("series_id", sa.String(36), nullable=True),
    sa.Column("late", sa.Boolean, nullable=True),
    sa.Column("fee", sa.Numeric(12, 2), nullable=True),
    sa.Column("booked_at", UtcDateTime, nullable=False),
    sa.Column("changed_at", UtcDateTime, nullable=False),
    sa.Index("ix_appointments_therapist_start", "therapist_id", "start"),
    sa.Index("ix_appointments_room_start", "room_id", "start"),
    sa.Index("ix_appointments_client_start", "client_id", "start"),
    sa.Index("ix_appointments_referral_status", "referral_id", "status"),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column(
        "appointment_id", sa.String(36), sa.ForeignKey("appointments.id"),
        nullable=False, unique=True,
    ),
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("referral_id", sa.String(64), nullable=False),
    sa.Column("therapist_id", sa.String(36), nullable=False),
    sa.Column("date_of_service", sa.Date, nullable=False),
    sa.Column("techniques", sa.JSON, nullable=False),
    sa.Column("codes", sa.JSON, nullable=False),
    sa.Column("counting_method", sa.String(20), nullable=False),
    sa.Column("overridden", sa.JSON, nullable=False),
    sa.Column("override_reason", sa.Text, nullable=True),
    # The SOAP note is clinical content: it stays here, never in events or logs.
    sa.Column("soap_note", sa.JSON, nullable=False),
    sa.Column("completed_at", UtcDateTime, nullable=False),
    # Who recorded it (their staff login), and what an admin's override went past and why;
    # NULL for sessions recorded before these were kept.
    sa.Column("completed_by", sa.String(200), nullable=True),
    sa.Column("admin_overrode", sa.JSON, nullable=True),
    sa.Column("admin_override_reason", sa.Text, nullable=True),
    # CMS place-of-service code; NULL for sessions recorded before it was kept (all 11).
    sa.Column("place_of_service", sa.String(2), nullable=True),
    # Regions treated that the referral does not prescribe, and the therapist's reason.
    sa.Column("regions_outside_referral", sa.JSON, nullable=True),
    sa.Column("outside_referral_reason", sa.Text, nullable=True),
)

# -- booking codes: the widget's credential, one per client ---------------------------------

# Never the code itself (services/scheduling/domain/booking_codes.py): its lookup id, to
# find it by, and a hash of its secret. Issuing a new code replaces the client's row.
booking_codes = sa.Table(
    "booking_codes",
    metadata,
    sa.Column("client_id", sa.String(64), primary_key=True),
    sa.Column("lookup", sa.String(4), nullable=False),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("issued_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    # Wrong secrets presented since the code was issued or last accepted.
    sa.Column("misses", sa.Integer, nullable=False),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
    sa.UniqueConstraint("lookup", name="uq_booking_codes_lookup"),
)


# -- the eligibility projection, fed by screening's events --------------------------------

clients = sa.Table(
    "known_clients",
    metadata,
    sa.Column("client_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

client_screenings = sa.Table(
    "client_screenings",
    metadata,
    sa.Column("client_id", sa.String(64), primary_key=True),
    sa.Column("screening_id", sa.String(64), nullable=False),
    sa.Column("outcome", sa.String(40), nullable=False),
    sa.Column("reason_codes", sa.JSON, nullable=False),
    sa.Column("restricted_techniques", sa.JSON, nullable=False),
    sa.Column("restricted_regions", sa.JSON, nullable=False),
    sa.Column("pressure_limit", sa.String(20), nullable=True),
    sa.Column("screened_on", sa.Date, nullable=False),
    sa.Column("expires_on", sa.Date, nullable=False),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
)

client_referrals = sa.Table(
    "client_referrals",
    metadata,
    sa.Column("referral_id", sa.String(64), primary_key=True),
    sa.Column("client_id", sa.String(64), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # active, revoked, expired
    # Always set from screening.referral.window; empty only in rows projected before it,
    # when a revocation or expiry that overtook its referral carried no dates.
    sa.Column("start_on", sa.Date, nullable=True),
    sa.Column("end_on", sa.Date, nullable=True),
    sa.Column("authorized_visits", sa.Integer, nullable=True),
    sa.Column("closed_on", sa.Date, nullable=True),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # The prescribed body regions (no diagnosis); NULL when the window did not say.
    sa.Column("body_regions", sa.JSON, nullable=True),
    # The prescribed frequency ("2x/week for 4 weeks"), for proposing the plan's visits.
    sa.Column("frequency", sa.String(200), nullable=True),
)


# -- client self-service (issue #14): who a sign-in email belongs to, and sign-in links -----

# From screening.client.sign_in_key: only a hash of the client's email address, to find whose
# sign-in is asked for; the address itself stays with screening and notifications.
client_contacts = sa.Table(
    "client_contacts",
    metadata,
    sa.Column("client_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("email_key", sa.String(64), nullable=True),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    sa.Index("ix_client_contacts_email_key", "email_key"),
)

# A sign-in link emailed to a client: never the link itself, a SHA-256 of its secret;
# used at most once, until it expires.
client_sign_in_links = sa.Table(
    "client_sign_in_links",
    metadata,
    sa.Column("link_hash", sa.String(64), primary_key=True),
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("used_at", UtcDateTime, nullable=True),
    sa.Index("ix_client_sign_in_links_client", "client_id", "created_at"),
)


# -- the waitlist (store/waitlist.py) -------------------------------------------------------

waitlist_entries = sa.Table(
    "waitlist_entries",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("service_id", sa.String(36), sa.ForeignKey("services.id"), nullable=False),
    sa.Column("therapist_id", sa.String(36), sa.ForeignKey("therapists.id"), nullable=True),
    # [[weekday, "HH:MM", "HH:MM"], ...] in the clinic's local time; [] = any time.
    sa.Column("windows", sa.JSON, nullable=False),
    sa.Column("earliest_on", sa.Date, nullable=True),
    sa.Column("latest_on", sa.Date, nullable=True),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # waiting, offered, booked, left
    sa.Column("appointment_id", sa.String(36), nullable=True),
    sa.Column("joined_at", UtcDateTime, nullable=False),
    sa.Column("changed_at", UtcDateTime, nullable=False),
    sa.Index("ix_waitlist_entries_status_position", "status", "position"),
)

waitlist_offers = sa.Table(
    "waitlist_offers",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("entry_id", sa.String(36), sa.ForeignKey("waitlist_entries.id"), nullable=False),
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("therapist_id", sa.String(36), nullable=False),
    sa.Column("room_id", sa.String(36), nullable=False),
    sa.Column("service_id", sa.String(36), nullable=False),
    sa.Column("start", UtcDateTime, nullable=False),
    sa.Column("end", UtcDateTime, nullable=False),
    sa.Column("hold_until", UtcDateTime, nullable=False),
    # open (the slot is held), accepted, declined, expired, withdrawn
    sa.Column("status", sa.String(20), nullable=False),
    # Never the link's token: its SHA-256, to find the offer by (domain/waitlist.py).
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("offered_at", UtcDateTime, nullable=False),
    sa.Column("closed_at", UtcDateTime, nullable=True),
    sa.Column("appointment_id", sa.String(36), nullable=True),
    sa.UniqueConstraint("token_hash", name="uq_waitlist_offers_token_hash"),
    sa.Index("ix_waitlist_offers_status_start", "status", "start"),
    sa.Index("ix_waitlist_offers_entry", "entry_id"),
)

# Freed time not yet offered: a span of one therapist's, or (start and end NULL) all their
# time up to the booking horizon, after their working hours or time off changed.
waitlist_openings = sa.Table(
    "waitlist_openings",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("therapist_id", sa.String(36), nullable=False),
    sa.Column("start", UtcDateTime, nullable=True),
    sa.Column("end", UtcDateTime, nullable=True),
    sa.Column("recorded_at", UtcDateTime, nullable=False),
)


# -- referral follow-up (store/follow_up.py): once per referral version and threshold ------

referral_notices = sa.Table(
    "referral_notices",
    metadata,
    sa.Column("referral_id", sa.String(64), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("threshold", sa.String(20), primary_key=True),  # expiring, one_left, used_up
    sa.Column("client_id", sa.String(64), nullable=False),
    sa.Column("noticed_at", UtcDateTime, nullable=False),
)


# -- therapists' calendar subscriptions (store/feeds.py) -----------------------------------

therapist_feeds = sa.Table(
    "therapist_feeds",
    metadata,
    sa.Column("therapist_id", sa.String(36), sa.ForeignKey("therapists.id"), primary_key=True),
    sa.Column("secret_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.UniqueConstraint("secret_hash", name="uq_therapist_feeds_secret_hash"),
)


# -- what every availability answer was computed at (api/availability_cache.py) ------------

# One counter per therapist ("therapist:<id>") and one for the clinic ("clinic"), bumped by
# triggers (migration scheduling_0008) in the transaction of every change to appointments,
# waitlist offers, therapists, time off, rooms, services or settings; never by code.
calendar_versions = sa.Table(
    "calendar_versions",
    metadata,
    sa.Column("scope", sa.String(64), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False),
)
