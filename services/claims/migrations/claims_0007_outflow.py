"""Indexes for the claims process's own polls: the batcher's look for ready claims not yet in
an interchange, and the no-response check's look for claims waiting since a date.

Both ran every round over every claim in the state (the batcher's over all ready claims,
those already in an interchange awaiting their 999 included); with these they read only
the claims that qualify, from the index alone (docs/PERFORMANCE.md, "Claims", round 3).

Revision ID: claims_0007
Revises: claims_0006
"""

from alembic import op

revision = "claims_0007"
down_revision = "claims_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_claims_waiting_batch",
        "claims",
        ["status", "interchange_number", "payer_id", "ready_at", "claim_id"],
    )
    op.create_index("ix_claims_status_since", "claims", ["status", "status_changed_at"])


def downgrade() -> None:
    op.drop_index("ix_claims_status_since", table_name="claims")
    op.drop_index("ix_claims_waiting_batch", table_name="claims")
