"""Scheduling tables: calendar, appointments, sessions and the eligibility projection.

Revision ID: scheduling_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "scheduling_0001"
down_revision = None
branch_labels = ("scheduling",)
depends_on = None


def _moment() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "therapists",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("npi", sa.String(10), nullable=False),
        sa.Column("credentials", sa.String(100), nullable=False),
        sa.Column("weekly_hours", sa.JSON, nullable=False),
        sa.Column("created_at", _moment(), nullable=False),
    )
    op.create_table(
        "therapist_time_off",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("therapist_id", sa.String(36), sa.ForeignKey("therapists.id"), nullable=False),
        sa.Column("start", _moment(), nullable=False),
        sa.Column("end", _moment(), nullable=False),
    )
    op.create_index(
        "ix_time_off_therapist_start", "therapist_time_off", ["therapist_id", "start"]
    )
    op.create_table(
        "rooms",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", _moment(), nullable=False),
    )
    op.create_table(
        "services",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("duration_minutes", sa.Integer, nullable=False),
        sa.Column("default_techniques", sa.JSON, nullable=False),
        sa.Column("created_at", _moment(), nullable=False),
    )
    op.create_table(
        "clinic_settings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("buffer_minutes", sa.Integer, nullable=False),
        sa.Column("minimum_notice_minutes", sa.Integer, nullable=False),
        sa.Column("booking_horizon_days", sa.Integer, nullable=False),
        sa.Column("cancellation_window_hours", sa.Integer, nullable=False),
        sa.Column("no_show_fee", sa.Numeric(12, 2), nullable=False),
        sa.Column("late_cancellation_fee", sa.Numeric(12, 2), nullable=False),
        sa.Column("updated_at", _moment(), nullable=False),
    )
    op.create_table(
        "appointments",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("referral_id", sa.String(64), nullable=False),
        sa.Column("therapist_id", sa.String(36), sa.ForeignKey("therapists.id"), nullable=False),
        sa.Column("room_id", sa.String(36), sa.ForeignKey("rooms.id"), nullable=False),
        sa.Column("service_id", sa.String(36), sa.ForeignKey("services.id"), nullable=False),
        sa.Column("start", _moment(), nullable=False),
        sa.Column("end", _moment(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("series_id", sa.String(36), nullable=True),
        sa.Column("late", sa.Boolean, nullable=True),
        sa.Column("fee", sa.Numeric(12, 2), nullable=True),
        sa.Column("booked_at", _moment(), nullable=False),
        sa.Column("changed_at", _moment(), nullable=False),
    )
    # The overlap re-check at booking reads a therapist's or a room's visits by start.
    op.create_index("ix_appointments_therapist_start", "appointments", ["therapist_id", "start"])
    op.create_index("ix_appointments_room_start", "appointments", ["room_id", "start"])
    op.create_index("ix_appointments_client_start", "appointments", ["client_id", "start"])
    op.create_index("ix_appointments_referral_status", "appointments", ["referral_id", "status"])
    op.create_table(
        "sessions",
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
        sa.Column("soap_note", sa.JSON, nullable=False),
        sa.Column("completed_at", _moment(), nullable=False),
    )
    op.create_table(
        "known_clients",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("updated_at", _moment(), nullable=False),
    )
    op.create_table(
        "client_screenings",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("screening_id", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(40), nullable=False),
        sa.Column("reason_codes", sa.JSON, nullable=False),
        sa.Column("restricted_techniques", sa.JSON, nullable=False),
        sa.Column("restricted_regions", sa.JSON, nullable=False),
        sa.Column("pressure_limit", sa.String(20), nullable=True),
        sa.Column("screened_on", sa.Date, nullable=False),
        sa.Column("expires_on", sa.Date, nullable=False),
        sa.Column("recorded_at", _moment(), nullable=False),
    )
    op.create_table(
        "client_referrals",
        sa.Column("referral_id", sa.String(64), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("start_on", sa.Date, nullable=True),
        sa.Column("end_on", sa.Date, nullable=True),
        sa.Column("authorized_visits", sa.Integer, nullable=True),
        sa.Column("closed_on", sa.Date, nullable=True),
        sa.Column("updated_at", _moment(), nullable=False),
    )
    op.create_index("ix_client_referrals_client_id", "client_referrals", ["client_id"])


def downgrade() -> None:
    op.drop_index("ix_client_referrals_client_id", "client_referrals")
    for table in ("client_referrals", "client_screenings", "known_clients", "sessions"):
        op.drop_table(table)
    for index in (
        "ix_appointments_referral_status",
        "ix_appointments_client_start",
        "ix_appointments_room_start",
        "ix_appointments_therapist_start",
    ):
        op.drop_index(index, "appointments")
    op.drop_table("appointments")
    op.drop_table("clinic_settings")
    op.drop_table("services")
    op.drop_table("rooms")
    op.drop_index("ix_time_off_therapist_start", "therapist_time_off")
    op.drop_table("therapist_time_off")
    op.drop_table("therapists")
