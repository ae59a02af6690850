"""Client self-service: contacts (an email hash), sign-in links, each referral's frequency.

Revision ID: scheduling_0006
Revises: scheduling_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "scheduling_0006"
down_revision = "scheduling_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "client_contacts",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("email_key", sa.String(64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_client_contacts_email_key", "client_contacts", ["email_key"])
    op.create_table(
        "client_sign_in_links",
        sa.Column("link_hash", sa.String(64), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_client_sign_in_links_client", "client_sign_in_links",
                    ["client_id", "created_at"])
    op.add_column("client_referrals", sa.Column("frequency", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("client_referrals") as batch:
        batch.drop_column("frequency")
    op.drop_index("ix_client_sign_in_links_client", "client_sign_in_links")
    op.drop_table("client_sign_in_links")
    op.drop_index("ix_client_contacts_email_key", "client_contacts")
    op.drop_table("client_contacts")
