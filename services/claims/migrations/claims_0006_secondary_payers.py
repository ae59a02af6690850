"""Secondary payers (coordination of benefits): the client's secondary payer on the client
projection, and on a secondary claim the primary claim whose 835 it follows.

Revision ID: claims_0006
Revises: claims_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "claims_0006"
down_revision = "claims_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("clients", sa.Column("secondary_payer_id", sa.String(80), nullable=True))
    op.add_column("claims", sa.Column("primary_claim_id", sa.String(38), nullable=True))
    op.create_index("ix_claims_primary_claim", "claims", ["primary_claim_id"])


def downgrade() -> None:
    op.drop_index("ix_claims_primary_claim", table_name="claims")
    with op.batch_alter_table("claims") as batch:
        batch.drop_column("primary_claim_id")
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("secondary_payer_id")
