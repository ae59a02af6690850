"""Prescribed body regions on each referral's window (no diagnosis), and on each session its
place of service and the regions treated outside the referral with the therapist's reason.

Revision ID: scheduling_0005
Revises: scheduling_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "scheduling_0005"
down_revision = "scheduling_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("client_referrals", sa.Column("body_regions", sa.JSON, nullable=True))
    op.add_column("sessions", sa.Column("place_of_service", sa.String(2), nullable=True))
    op.add_column("sessions", sa.Column("regions_outside_referral", sa.JSON, nullable=True))
    op.add_column("sessions", sa.Column("outside_referral_reason", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        for column in ("outside_referral_reason", "regions_outside_referral", "place_of_service"):
            batch.drop_column(column)
    with op.batch_alter_table("client_referrals") as batch:
        batch.drop_column("body_regions")
