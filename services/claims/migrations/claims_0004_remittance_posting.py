"""Remittance posting: 835 payments, their lines, adjustments and remarks, provider-level
adjustments, what waits for a person, billing's write-offs and balances moved to the patient,
and when an interchange was held.

Revision ID: claims_0004
Revises: claims_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "claims_0004"
down_revision = "claims_0003"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _money(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Numeric(12, 2), nullable=nullable)


def _payment_key() -> list[sa.Column]:
    return [
        sa.Column("remittance_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    ]


def _of_payment(name: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["remittance_id", "position"],
        ["claim_payments.remittance_id", "claim_payments.position"],
        name=name,
    )


def upgrade() -> None:
    op.add_column("interchanges", _when("held_at", nullable=True))
    op.create_table(
        "remittances",
        sa.Column("remittance_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "report_id",
            sa.Integer,
            sa.ForeignKey("clearinghouse_reports.report_id"),
            nullable=False,
        ),
        sa.Column("interchange_control_number", sa.String(9), nullable=False),
        sa.Column("transaction_control_number", sa.String(9), nullable=False),
        sa.Column("trace_number", sa.String(50), nullable=False),
        sa.Column("payer_key", sa.String(80), nullable=False),
        sa.Column("payer_id", sa.String(80), nullable=True),
        sa.Column("payer_name", sa.String(60), nullable=False),
        sa.Column("payee_npi", sa.String(80), nullable=True),
        _money("payment_amount"),
        sa.Column("payment_method", sa.String(3), nullable=False),
        sa.Column("handling_code", sa.String(2), nullable=False),
        sa.Column("payment_date", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("note", sa.String(500), nullable=True),
        _when("posted_at"),
        sa.UniqueConstraint(
            "report_id", "transaction_control_number", name="uq_remittances_report"
        ),
        sa.UniqueConstraint("payer_key", "trace_number", name="uq_remittances_trace"),
    )
    op.create_table(
        "claim_payments",
        sa.Column(
            "remittance_id",
            sa.Integer,
            sa.ForeignKey("remittances.remittance_id"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("claim_id", sa.String(38), sa.ForeignKey("claims.claim_id"), nullable=False),
        sa.Column("echoed_claim_id", sa.String(38), nullable=False),
        sa.Column("status_code", sa.String(2), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        _money("charge"),
        _money("paid"),
        _money("adjusted"),
        _money("patient_responsibility"),
        sa.Column("payer_claim_control_number", sa.String(50), nullable=True),
        _when("posted_at"),
    )
    op.create_index("ix_claim_payments_claim", "claim_payments", ["claim_id"])
    op.create_table(
        "payment_lines",
        sa.Column("remittance_id", sa.Integer, primary_key=True),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("line_number", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(5), nullable=False),
        sa.Column("modifiers", sa.String(20), nullable=False),
        sa.Column("units", sa.Integer, nullable=False),
        _money("charge"),
        _money("paid"),
        _money("allowed"),
        _money("patient_responsibility"),
        sa.Column("denied", sa.Boolean, nullable=False),
        _of_payment("fk_payment_lines_payment"),
    )
    op.create_table(
        "payment_adjustments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *_payment_key(),
        sa.Column("line_number", sa.Integer, nullable=True),
        sa.Column("group_code", sa.String(2), nullable=False),
        sa.Column("reason_code", sa.String(5), nullable=False),
        _money("amount"),
        _of_payment("fk_payment_adjustments_payment"),
    )
    op.create_index(
        "ix_payment_adjustments_payment", "payment_adjustments", ["remittance_id", "position"]
    )
    op.create_table(
        "payment_remarks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *_payment_key(),
        sa.Column("line_number", sa.Integer, nullable=True),
        sa.Column("code", sa.String(30), nullable=False),
        _of_payment("fk_payment_remarks_payment"),
    )
    op.create_index("ix_payment_remarks_payment", "payment_remarks", ["remittance_id", "position"])
    op.create_table(
        "provider_adjustments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "remittance_id",
            sa.Integer,
            sa.ForeignKey("remittances.remittance_id"),
            nullable=False,
        ),
        sa.Column("provider_id", sa.String(80), nullable=False),
        sa.Column("fiscal_period_end", sa.Date, nullable=False),
        sa.Column("reason_code", sa.String(2), nullable=False),
        sa.Column("reference", sa.String(50), nullable=True),
        _money("amount"),
    )
    op.create_index(
        "ix_provider_adjustments_remittance_id", "provider_adjustments", ["remittance_id"]
    )
    op.create_table(
        "remittance_exceptions",
        sa.Column("exception_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("report_id", sa.Integer, nullable=False),
        sa.Column(
            "remittance_id",
            sa.Integer,
            sa.ForeignKey("remittances.remittance_id"),
            nullable=False,
        ),
        sa.Column("position", sa.Integer, nullable=True),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("echoed_claim_id", sa.String(38), nullable=True),
        sa.Column("claim_id", sa.String(38), nullable=True),
        _money("amount", nullable=True),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("segments", sa.Text, nullable=True),
        _when("created_at"),
        _when("resolved_at", nullable=True),
        sa.Column("resolved_by", sa.String(100), nullable=True),
        sa.Column("resolution", sa.String(200), nullable=True),
    )
    op.create_index(
        "ix_remittance_exceptions_open", "remittance_exceptions", ["resolved_at", "kind"]
    )
    op.create_table(
        "balance_actions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("claim_id", sa.String(38), sa.ForeignKey("claims.claim_id"), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        _money("amount"),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.Column("recorded_by", sa.String(100), nullable=True),
        _when("at"),
    )
    op.create_index("ix_balance_actions_claim_id", "balance_actions", ["claim_id"])


def downgrade() -> None:
    op.drop_index("ix_balance_actions_claim_id", "balance_actions")
    op.drop_table("balance_actions")
    op.drop_index("ix_remittance_exceptions_open", "remittance_exceptions")
    op.drop_table("remittance_exceptions")
    op.drop_index("ix_provider_adjustments_remittance_id", "provider_adjustments")
    op.drop_table("provider_adjustments")
    op.drop_index("ix_payment_remarks_payment", "payment_remarks")
    op.drop_table("payment_remarks")
    op.drop_index("ix_payment_adjustments_payment", "payment_adjustments")
    op.drop_table("payment_adjustments")
    op.drop_table("payment_lines")
    op.drop_index("ix_claim_payments_claim", "claim_payments")
    op.drop_table("claim_payments")
    op.drop_table("remittances")
    with op.batch_alter_table("interchanges", recreate="never") as batch:
        batch.drop_column("held_at")
