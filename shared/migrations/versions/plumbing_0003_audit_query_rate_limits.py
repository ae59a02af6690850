"""Audit entries keep a staff search's terms; public rate-limit buckets shared by all workers.

Revision ID: plumbing_0003
Revises: plumbing_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "plumbing_0003"
down_revision = "plumbing_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("query", sa.Text, nullable=True))
    op.create_table(
        "rate_limit_buckets",
        sa.Column("key", sa.String(100), primary_key=True),
        sa.Column("tokens", sa.Double, nullable=False),
        sa.Column("refilled_at", sa.Double, nullable=False),
    )
    op.create_index("ix_rate_limit_buckets_refilled_at", "rate_limit_buckets", ["refilled_at"])


def downgrade() -> None:
    op.drop_index("ix_rate_limit_buckets_refilled_at", "rate_limit_buckets")
    op.drop_table("rate_limit_buckets")
    with op.batch_alter_table("audit_log") as audit_log:
        audit_log.drop_column("query")
