"""Screening tables: clients, screenings, referrals.

Revision ID: screening_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "screening_0001"
down_revision = None
branch_labels = ("screening",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("client_id", sa.String(40), primary_key=True),
        sa.Column("identity_key", sa.String(400), nullable=False, unique=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("last_name_key", sa.String(100), nullable=False),
        sa.Column("birth_date", sa.Date, nullable=False),
        sa.Column("sex", sa.String(1), nullable=False),
        sa.Column("address", sa.JSON, nullable=False),
        sa.Column("phone", sa.String(30), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("coverage", sa.JSON, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_clients_search", "clients", ["last_name_key", "birth_date"])
    op.create_table(
        "screenings",
        sa.Column("screening_id", sa.String(40), primary_key=True),
        sa.Column(
            "client_id", sa.String(40), sa.ForeignKey("clients.client_id"), nullable=False
        ),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(30), nullable=False),
        sa.Column("reasons", sa.JSON, nullable=False),
        sa.Column("restricted_techniques", sa.JSON, nullable=False),
        sa.Column("restricted_regions", sa.JSON, nullable=False),
        sa.Column("pressure_limit", sa.String(20), nullable=True),
        sa.Column("screened_on", sa.Date, nullable=False),
        sa.Column("expires_on", sa.Date, nullable=False),
        sa.Column("rules_version", sa.String(40), nullable=False),
        sa.Column("questionnaire", sa.JSON, nullable=False),
        sa.Column("clears_screening_id", sa.String(40), nullable=True),
        sa.Column("clearance_physician_name", sa.String(200), nullable=True),
        sa.Column("clearance_physician_npi", sa.String(10), nullable=True),
        sa.Column("cleared_on", sa.Date, nullable=True),
        sa.Column("clearance_note", sa.Text, nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("client_id", "number", name="uq_screenings_client_number"),
    )
    op.create_table(
        "referrals",
        sa.Column("referral_id", sa.String(40), primary_key=True),
        sa.Column(
            "client_id", sa.String(40), sa.ForeignKey("clients.client_id"), nullable=False
        ),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("physician_name", sa.String(200), nullable=False),
        sa.Column("physician_npi", sa.String(10), nullable=False),
        sa.Column("diagnoses", sa.JSON, nullable=False),
        sa.Column("codes", sa.JSON, nullable=False),
        sa.Column("techniques", sa.JSON, nullable=False),
        sa.Column("body_regions", sa.JSON, nullable=False),
        sa.Column("visits_per_week", sa.Integer, nullable=False),
        sa.Column("weeks", sa.Integer, nullable=False),
        sa.Column("authorized_visits", sa.Integer, nullable=False),
        sa.Column("authorization_number", sa.String(50), nullable=True),
        sa.Column("start_on", sa.Date, nullable=False),
        sa.Column("end_on", sa.Date, nullable=False),
        sa.Column("closed_on", sa.Date, nullable=True),
        sa.Column("revoke_reason", sa.Text, nullable=True),
        sa.Column("correlation_id", sa.String(200), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_referrals_client", "referrals", ["client_id"])
    op.create_index("ix_referrals_due", "referrals", ["status", "end_on"])


def downgrade() -> None:
    op.drop_index("ix_referrals_due", "referrals")
    op.drop_index("ix_referrals_client", "referrals")
    op.drop_table("referrals")
    op.drop_table("screenings")
    op.drop_index("ix_clients_search", "clients")
    op.drop_table("clients")
