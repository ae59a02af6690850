"""Billable at the source: secondary coverage, the client's time zone, the referring
physician's name in parts, and which prescribed regions each diagnosis covers.

Revision ID: screening_0003
Revises: screening_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "screening_0003"
down_revision = "screening_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("clients", sa.Column("time_zone", sa.String(64), nullable=True))
    op.add_column("clients", sa.Column("secondary_coverage", sa.JSON, nullable=True))
    # Referrals recorded before keep their one-line name until amended: splitting it here
    # would be the guesswork the parts exist to end.
    op.add_column("referrals", sa.Column("physician_last_name", sa.String(60), nullable=True))
    op.add_column("referrals", sa.Column("physician_first_name", sa.String(35), nullable=True))
    op.add_column("referrals", sa.Column("physician_credential", sa.String(20), nullable=True))
    op.add_column("referrals", sa.Column("diagnosis_regions", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("referrals", recreate="never") as referrals:
        for column in ("diagnosis_regions", "physician_credential", "physician_first_name",
                       "physician_last_name"):
            referrals.drop_column(column)
    with op.batch_alter_table("clients", recreate="never") as clients:
        clients.drop_column("secondary_coverage")
        clients.drop_column("time_zone")
