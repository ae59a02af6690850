"""Booking codes: scheduling issues the widget's codes (hashed; one per client).

Revision ID: scheduling_0002
Revises: scheduling_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "scheduling_0002"
down_revision = "scheduling_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "booking_codes",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("lookup", sa.String(4), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("misses", sa.Integer, nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("lookup", name="uq_booking_codes_lookup"),
    )


def downgrade() -> None:
    op.drop_table("booking_codes")
