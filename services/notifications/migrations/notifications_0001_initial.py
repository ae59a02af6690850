"""Notifications tables: contact and appointment projections, preferences, opt-outs, messages.

Revision ID: notifications_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "notifications_0001"
down_revision = None
branch_labels = ("notifications",)
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "contacts",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("time_zone", sa.String(64), nullable=True),
        _when("updated_at"),
    )
    op.create_table(
        "appointments",
        sa.Column("appointment_id", sa.String(64), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        _when("start", nullable=True),
        _when("changed_at"),
        _when("updated_at"),
    )
    op.create_index("ix_appointments_client_id", "appointments", ["client_id"])
    op.create_table(
        "preferences",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("category", sa.String(40), primary_key=True),
        sa.Column("channels", sa.String(40), nullable=False),
        _when("updated_at"),
    )
    op.create_table(
        "opt_outs",
        sa.Column("channel", sa.String(10), primary_key=True),
        sa.Column("address", sa.String(320), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=True),
        sa.Column("how", sa.String(20), nullable=False),
        _when("created_at"),
    )
    op.create_table(
        "messages",
        sa.Column("message_id", sa.String(36), primary_key=True),
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("audience", sa.String(10), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("appointment_id", sa.String(64), nullable=True),
        _when("appointment_start", nullable=True),
        sa.Column("lead_minutes", sa.Integer, nullable=True),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        _when("due_at"),
        _when("deadline", nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        _when("lease_until", nullable=True),
        sa.Column("recipient", sa.String(320), nullable=True),
        sa.Column("provider_id", sa.String(100), nullable=True),
        sa.Column("reason", sa.String(500), nullable=True),
        _when("created_at"),
        _when("sent_at", nullable=True),
        _when("updated_at"),
        sa.UniqueConstraint("key", name="uq_messages_key"),
    )
    op.create_index("ix_messages_due", "messages", ["state", "due_at"])
    op.create_index("ix_messages_client", "messages", ["client_id", "created_at"])
    op.create_index("ix_messages_appointment", "messages", ["appointment_id"])
    op.create_index("ix_messages_provider", "messages", ["provider_id"])


def downgrade() -> None:
    for table in ("messages", "opt_outs", "preferences", "appointments", "contacts"):
        op.drop_table(table)
