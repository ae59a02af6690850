"""Payers: unit_method is called counting_method, as in every other service.

Revision ID: claims_0002
Revises: claims_0001
"""

from alembic import op

revision = "claims_0002"
down_revision = "claims_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # In place on both backends (SQLite renames a column itself since 3.25): recreating the
    # table would drop payers while fee_schedules rows still refer to it.
    with op.batch_alter_table("payers", recreate="never") as batch:
        batch.alter_column("unit_method", new_column_name="counting_method")


def downgrade() -> None:
    with op.batch_alter_table("payers", recreate="never") as batch:
        batch.alter_column("counting_method", new_column_name="unit_method")
