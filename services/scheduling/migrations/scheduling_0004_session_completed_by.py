"""Who completed each session, and what an admin's override went past and why.

Revision ID: scheduling_0004
Revises: scheduling_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "scheduling_0004"
down_revision = "scheduling_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sessions", sa.Column("completed_by", sa.String(200), nullable=True))
    op.add_column("sessions", sa.Column("admin_overrode", sa.JSON, nullable=True))
    op.add_column("sessions", sa.Column("admin_override_reason", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        for column in ("admin_override_reason", "admin_overrode", "completed_by"):
            batch.drop_column(column)
