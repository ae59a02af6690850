"""The care team: which therapist (by staff login) has an appointment with which client.

Revision ID: screening_0002
Revises: screening_0001
"""

import sqlalchemy as sa
from alembic import op

revision = "screening_0002"
down_revision = "screening_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "care_team",
        sa.Column("appointment_id", sa.String(64), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("staff_subject", sa.String(200), nullable=True),
        sa.Column("cancelled", sa.Boolean, nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_care_team_subject_client", "care_team", ["staff_subject", "client_id"])


def downgrade() -> None:
    op.drop_index("ix_care_team_subject_client", "care_team")
    op.drop_table("care_team")
