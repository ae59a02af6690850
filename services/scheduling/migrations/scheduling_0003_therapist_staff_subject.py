"""A therapist's staff login: whose sessions they complete, whose clients' records they read.

Revision ID: scheduling_0003
Revises: scheduling_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "scheduling_0003"
down_revision = "scheduling_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("therapists", sa.Column("staff_subject", sa.String(200), nullable=True))
    # A unique index rather than a constraint: SQLite cannot add a constraint to a table,
    # and both databases let any number of rows hold NULL (no login linked yet).
    op.create_index("uq_therapists_staff_subject", "therapists", ["staff_subject"],
                    unique=True)


def downgrade() -> None:
    op.drop_index("uq_therapists_staff_subject", "therapists")
    with op.batch_alter_table("therapists") as batch:
        batch.drop_column("staff_subject")
