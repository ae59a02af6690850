"""The claim lifecycle: when a state began, who rejected, history steps with their X12
evidence, unreadable answers per interchange, and the clearinghouse's report mailbox.

Revision ID: claims_0003
Revises: claims_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "claims_0003"
down_revision = "claims_0002"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    # Columns added in place (SQLite ADD COLUMN): recreating claims would drop a table
    # that claim_lines and claim_history refer to.
    op.add_column("claims", _when("status_changed_at", nullable=True))
    op.add_column("claims", sa.Column("rejected_by", sa.String(20), nullable=True))
    op.add_column("claim_history", sa.Column("transition", sa.String(30), nullable=True))
    op.add_column("claim_history", sa.Column("evidence", sa.Text, nullable=True))
    op.add_column(
        "interchanges",
        sa.Column("unreadable_answers", sa.Integer, nullable=False, server_default="0"),
    )
    claims = sa.table(
        "claims",
        sa.column("status", sa.String),
        sa.column("status_changed_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    # A claim's current state began at its last change at the latest.
    op.execute(claims.update().values(status_changed_at=claims.c.updated_at))
    interchanges = sa.table("interchanges", sa.column("status", sa.String))
    # "acknowledged" (every claim answered by the per-interchange 277CA) is no longer a
    # state of its own: answers come through the mailbox, claim by claim.
    op.execute(
        interchanges.update()
        .where(interchanges.c.status == "acknowledged")
        .values(status="accepted")
    )
    op.create_table(
        "clearinghouse_reports",
        sa.Column("report_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(10), nullable=False),
        sa.Column("interchange_number", sa.Integer, nullable=True),
        sa.Column("x12", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=True),
        _when("fetched_at"),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        _when("processed_at", nullable=True),
    )
    op.create_index(
        "ix_clearinghouse_reports_status", "clearinghouse_reports", ["status", "report_id"]
    )
    op.create_table(
        "mailbox_cursor",
        sa.Column("name", sa.String(20), primary_key=True),
        sa.Column("after", sa.Integer, nullable=False),
        _when("updated_at"),
    )


def downgrade() -> None:
    op.drop_table("mailbox_cursor")
    op.drop_index("ix_clearinghouse_reports_status", "clearinghouse_reports")
    op.drop_table("clearinghouse_reports")
    with op.batch_alter_table("interchanges", recreate="never") as batch:
        batch.drop_column("unreadable_answers")
    with op.batch_alter_table("claim_history", recreate="never") as batch:
        batch.drop_column("evidence")
        batch.drop_column("transition")
    with op.batch_alter_table("claims", recreate="never") as batch:
        batch.drop_column("rejected_by")
        batch.drop_column("status_changed_at")
