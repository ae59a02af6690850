"""Billing interpretation (issue #13): a solo therapist as billing provider and a pay-to
address; each payer's distinct-procedure modifier and PRV*PE switch; coding edits per payer.

Revision ID: claims_0005
Revises: claims_0004
"""

import sqlalchemy as sa
from alembic import op

revision = "claims_0005"
down_revision = "claims_0004"
branch_labels = None
depends_on = None

_PAY_TO = (
    ("pay_to_line1", 55),
    ("pay_to_line2", 55),
    ("pay_to_city", 30),
    ("pay_to_state", 2),
    ("pay_to_postal_code", 9),
)


def upgrade() -> None:
    op.add_column(
        "billing_provider",
        sa.Column("entity_type", sa.String(12), nullable=False, server_default="organisation"),
    )
    op.add_column("billing_provider", sa.Column("last_name", sa.String(60), nullable=True))
    op.add_column("billing_provider", sa.Column("first_name", sa.String(35), nullable=True))
    for name, length in _PAY_TO:
        op.add_column("billing_provider", sa.Column(name, sa.String(length), nullable=True))
    op.add_column("payers", sa.Column("distinct_modifier", sa.String(2), nullable=True))
    op.add_column(
        "payers",
        sa.Column(
            "rendering_taxonomy_required", sa.Boolean, nullable=False, server_default=sa.false()
        ),
    )
    # "" = every payer (a unique key treats NULLs as distinct, "" it does not).
    op.add_column(
        "coding_edits",
        sa.Column("payer_id", sa.String(80), nullable=False, server_default=""),
    )
    # Nothing refers to coding_edits, so SQLite may rebuild it to change the key. The
    # default only filled the existing rows: every insert names its payer (or "").
    with op.batch_alter_table("coding_edits") as batch:
        batch.drop_constraint("uq_coding_edit_start", type_="unique")
        batch.create_unique_constraint(
            "uq_coding_edit_start", ["payer_id", "column1", "column2", "effective_from"]
        )
        batch.alter_column("payer_id", existing_type=sa.String(80), server_default=None)


def downgrade() -> None:
    op.execute("DELETE FROM coding_edits WHERE payer_id <> ''")
    with op.batch_alter_table("coding_edits") as batch:
        batch.drop_constraint("uq_coding_edit_start", type_="unique")
        batch.create_unique_constraint(
            "uq_coding_edit_start", ["column1", "column2", "effective_from"]
        )
        batch.drop_column("payer_id")
    with op.batch_alter_table("payers", recreate="never") as batch:
        batch.drop_column("rendering_taxonomy_required")
        batch.drop_column("distinct_modifier")
    with op.batch_alter_table("billing_provider", recreate="never") as batch:
        for name, _ in reversed(_PAY_TO):
            batch.drop_column(name)
        batch.drop_column("first_name")
        batch.drop_column("last_name")
        batch.drop_column("entity_type")
