"""The waitlist (entries, offers holding slots, openings to offer), referral follow-up
notices (once per referral version and threshold) and therapists' calendar-feed secrets.

Revision ID: scheduling_0007
Revises: scheduling_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "scheduling_0007"
down_revision = "scheduling_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "waitlist_entries",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("service_id", sa.String(36), sa.ForeignKey("services.id"), nullable=False),
        sa.Column("therapist_id", sa.String(36), sa.ForeignKey("therapists.id"), nullable=True),
        sa.Column("windows", sa.JSON, nullable=False),
        sa.Column("earliest_on", sa.Date, nullable=True),
        sa.Column("latest_on", sa.Date, nullable=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("appointment_id", sa.String(36), nullable=True),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_waitlist_entries_status_position", "waitlist_entries",
                    ["status", "position"])
    op.create_table(
        "waitlist_offers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("entry_id", sa.String(36), sa.ForeignKey("waitlist_entries.id"),
                  nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("therapist_id", sa.String(36), nullable=False),
        sa.Column("room_id", sa.String(36), nullable=False),
        sa.Column("service_id", sa.String(36), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hold_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("offered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("appointment_id", sa.String(36), nullable=True),
        sa.UniqueConstraint("token_hash", name="uq_waitlist_offers_token_hash"),
    )
    op.create_index("ix_waitlist_offers_status_start", "waitlist_offers", ["status", "start"])
    op.create_index("ix_waitlist_offers_entry", "waitlist_offers", ["entry_id"])
    op.create_table(
        "waitlist_openings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("therapist_id", sa.String(36), nullable=False),
        sa.Column("start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "referral_notices",
        sa.Column("referral_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("threshold", sa.String(20), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("noticed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "therapist_feeds",
        sa.Column("therapist_id", sa.String(36), sa.ForeignKey("therapists.id"),
                  primary_key=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("secret_hash", name="uq_therapist_feeds_secret_hash"),
    )


def downgrade() -> None:
    op.drop_table("therapist_feeds")
    op.drop_table("referral_notices")
    op.drop_table("waitlist_openings")
    op.drop_index("ix_waitlist_offers_entry", "waitlist_offers")
    op.drop_index("ix_waitlist_offers_status_start", "waitlist_offers")
    op.drop_table("waitlist_offers")
    op.drop_index("ix_waitlist_entries_status_position", "waitlist_entries")
    op.drop_table("waitlist_entries")
