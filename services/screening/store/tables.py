"""The screening database: clients, their screenings and their physicians' referrals."""

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from shared.db import UtcDateTime

metadata = MetaData()

clients = Table(
    "clients",
    metadata,
    Column("client_id", String(40), primary_key=True),
    # client_identity_key(): one row per person, whatever the spelling at the desk.
    Column("identity_key", String(400), nullable=False, unique=True),
    Column("version", Integer, nullable=False),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("last_name_key", String(100), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("sex", String(1), nullable=False),
    Column("address", JSON, nullable=False),
    Column("phone", String(30), nullable=True),  # E.164
    Column("email", String(254), nullable=True),
    Column("time_zone", String(64), nullable=True),  # IANA; null: the clinic's
    Column("coverage", JSON, nullable=True),  # the primary payer
    Column("secondary_coverage", JSON, nullable=True),  # needs a primary, another payer
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_clients_search", "last_name_key", "birth_date"),
)

screenings = Table(
    "screenings",
    metadata,
    Column("screening_id", String(40), primary_key=True),
    Column("client_id", String(40), ForeignKey("clients.client_id"), nullable=False),
    # 1, 2, 3... per client: the highest is the client's current screening.
    Column("number", Integer, nullable=False),
    Column("outcome", String(30), nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("restricted_techniques", JSON, nullable=False),
    Column("restricted_regions", JSON, nullable=False),
    Column("pressure_limit", String(20), nullable=True),
    Column("screened_on", Date, nullable=False),
    Column("expires_on", Date, nullable=False),
    Column("rules_version", String(40), nullable=False),
    Column("questionnaire", JSON, nullable=False),
    Column("clears_screening_id", String(40), nullable=True),
    Column("clearance_physician_name", String(200), nullable=True),
    Column("clearance_physician_npi", String(10), nullable=True),
    Column("cleared_on", Date, nullable=True),
    Column("clearance_note", Text, nullable=True),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("recorded_by", String(200), nullable=False),
    UniqueConstraint("client_id", "number", name="uq_screenings_client_number"),
)

referrals = Table(
    "referrals",
    metadata,
    Column("referral_id", String(40), primary_key=True),
    Column("client_id", String(40), ForeignKey("clients.client_id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("physician_name", String(200), nullable=False),  # the display name
    # The parts 2310A is written from; null only on referrals recorded before 0003.
    Column("physician_last_name", String(60), nullable=True),
    Column("physician_first_name", String(35), nullable=True),
    Column("physician_credential", String(20), nullable=True),
    Column("physician_npi", String(10), nullable=False),
    Column("diagnoses", JSON, nullable=False),
    # [{diagnosis, body_regions}] in diagnosis order; null on referrals recorded before 0003
    # (read as []: "every diagnosis covers every region").
    Column("diagnosis_regions", JSON, nullable=True),
    Column("codes", JSON, nullable=False),
    Column("techniques", JSON, nullable=False),
    Column("body_regions", JSON, nullable=False),
    Column("visits_per_week", Integer, nullable=False),
    Column("weeks", Integer, nullable=False),
    Column("authorized_visits", Integer, nullable=False),
    Column("authorization_number", String(50), nullable=True),
    Column("start_on", Date, nullable=False),
    Column("end_on", Date, nullable=False),
    Column("closed_on", Date, nullable=True),
    Column("revoke_reason", Text, nullable=True),
    # The flow that recorded the referral; its expiry, caused by no request, carries it on.
    Column("correlation_id", String(200), nullable=True),
    Column("recorded_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Index("ix_referrals_client", "client_id"),
    Index("ix_referrals_due", "status", "end_on"),
)

# -- the care team projection, fed by scheduling's appointment events -----------------------

# One row per appointment: which therapist (by staff login) sees the client in it. A
# therapist reads a client's screenings and referrals while any of their appointments
# with the client is not cancelled (domain/care_team.py).
care_team = Table(
    "care_team",
    metadata,
    Column("appointment_id", String(64), primary_key=True),
    Column("client_id", String(64), nullable=False),
    # NULL while the therapist has no staff login linked (or a cancellation came first).
    Column("staff_subject", String(200), nullable=True),
    Column("cancelled", Boolean, nullable=False),
    # When the event that wrote the row happened: an older event never overwrites it.
    Column("as_of", UtcDateTime, nullable=False),
    Index("ix_care_team_subject_client", "staff_subject", "client_id"),
)

# -- online intake (issue #14): invitations, submissions awaiting staff, documents ----------

# A link the clinic sends a new client; used at most once (``used_at``), until ``expires_at``.
intake_invitations = Table(
    "intake_invitations",
    metadata,
    Column("invitation_id", String(40), primary_key=True),
    Column("email", String(254), nullable=True),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Column("used_at", UtcDateTime, nullable=True),
    Column("submission_id", String(40), nullable=True),
)

# A client's intake: their answers as a *pending* screening until staff confirm it (then
# ``screening_id`` names the screening it became), and the consent they signed.
intake_submissions = Table(
    "intake_submissions",
    metadata,
    Column("submission_id", String(40), primary_key=True),
    Column("client_id", String(40), ForeignKey("clients.client_id"), nullable=False),
    Column("invitation_id", String(40), nullable=True),
    Column("status", String(20), nullable=False),
    Column("questionnaire", JSON, nullable=False),
    Column("preliminary_outcome", String(30), nullable=False),
    Column("preliminary_reasons", JSON, nullable=False),
    Column("rules_version", String(40), nullable=False),
    Column("secondary_coverage", JSON, nullable=True),
    Column("consent_version", String(40), nullable=False),
    Column("consent_text", Text, nullable=False),
    Column("signature", String(200), nullable=False),
    Column("signed_at", UtcDateTime, nullable=False),
    Column("signed_from", String(64), nullable=False),
    Column("submitted_at", UtcDateTime, nullable=False),
    Column("confirmed_by", String(200), nullable=True),
    Column("confirmed_at", UtcDateTime, nullable=True),
    Column("screening_id", String(40), nullable=True),
    Index("ix_intake_submissions_status", "status", "submitted_at"),
)

# An uploaded referral document: the bytes live in a file named by their SHA-256 under
# SCREENING_INTAKE_DOCUMENTS_DIR, never in the database.
intake_documents = Table(
    "intake_documents",
    metadata,
    Column("document_id", String(40), primary_key=True),
    Column("submission_id", String(40), ForeignKey("intake_submissions.submission_id"),
           nullable=False),
    Column("client_id", String(40), nullable=False),
    Column("content_type", String(40), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("file_name", String(80), nullable=False),
    Column("uploaded_at", UtcDateTime, nullable=False),
    UniqueConstraint("submission_id", "sha256", name="uq_intake_documents_content"),
)
