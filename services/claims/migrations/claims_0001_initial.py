"""Claims tables: projections, billing setup, claims, interchanges; default coding edit.

Revision ID: claims_0001
Revises:
"""

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "claims_0001"
down_revision = None
branch_labels = ("claims",)
depends_on = None


def _money(name: str) -> sa.Column:
    return sa.Column(name, sa.Numeric(12, 2), nullable=False)


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "clients",
        sa.Column("client_id", sa.String(64), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        _when("updated_at"),
    )
    op.create_table(
        "referrals",
        sa.Column("referral_id", sa.String(64), primary_key=True),
        sa.Column("client_id", sa.String(64), nullable=False, index=True),
        sa.Column("details_version", sa.Integer, nullable=True),
        sa.Column("payload", sa.Text, nullable=True),
        sa.Column("closed_version", sa.Integer, nullable=True),
        sa.Column("closed_on", sa.Date, nullable=True),
        sa.Column("closed_as", sa.String(20), nullable=True),
        _when("updated_at"),
    )
    op.create_table(
        "billing_provider",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("organisation_name", sa.String(60), nullable=False),
        sa.Column("npi", sa.String(10), nullable=False),
        sa.Column("ein", sa.String(9), nullable=False),
        sa.Column("taxonomy_code", sa.String(10), nullable=False),
        sa.Column("address_line1", sa.String(55), nullable=False),
        sa.Column("address_line2", sa.String(55), nullable=True),
        sa.Column("city", sa.String(30), nullable=False),
        sa.Column("state", sa.String(2), nullable=False),
        sa.Column("postal_code", sa.String(9), nullable=False),
        sa.Column("submitter_id", sa.String(15), nullable=False),
        sa.Column("submitter_name", sa.String(60), nullable=False),
        sa.Column("contact_name", sa.String(60), nullable=False),
        sa.Column("contact_phone", sa.String(10), nullable=False),
        sa.Column("receiver_id", sa.String(15), nullable=False),
        sa.Column("receiver_name", sa.String(60), nullable=False),
        _when("updated_at"),
    )
    op.create_table(
        "payers",
        sa.Column("payer_id", sa.String(80), primary_key=True),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("unit_method", sa.String(10), nullable=False),
        sa.Column("gp_required", sa.Boolean, nullable=False),
        sa.Column("timely_filing_days", sa.Integer, nullable=False),
        sa.Column("claim_filing_indicator", sa.String(2), nullable=False),
        _when("updated_at"),
    )
    op.create_table(
        "fee_schedules",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("payer_id", sa.String(80), sa.ForeignKey("payers.payer_id"), nullable=False),
        sa.Column("code", sa.String(5), nullable=False),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("effective_to", sa.Date, nullable=True),
        _money("charge_per_unit"),
        _money("allowed_per_unit"),
        sa.UniqueConstraint("payer_id", "code", "effective_from", name="uq_fee_schedule_start"),
    )
    edits = op.create_table(
        "coding_edits",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("column1", sa.String(5), nullable=False),
        sa.Column("column2", sa.String(5), nullable=False),
        sa.Column("modifier_allowed", sa.Boolean, nullable=False),
        sa.Column("modifier", sa.String(2), nullable=False),
        sa.Column("effective_from", sa.Date, nullable=False),
        sa.Column("effective_to", sa.Date, nullable=True),
        sa.UniqueConstraint("column1", "column2", "effective_from", name="uq_coding_edit_start"),
    )
    # docs/DOMAIN.md §Edits: 97140 with 97124 on separate regions -> XS on the column-2 code.
    op.bulk_insert(
        edits,
        [
            {
                "column1": "97140",
                "column2": "97124",
                "modifier_allowed": True,
                "modifier": "XS",
                "effective_from": date(2015, 1, 1),
                "effective_to": None,
            }
        ],
    )
    op.create_table(
        "interchanges",
        sa.Column("control_number", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("payer_id", sa.String(80), nullable=False),
        sa.Column("sender_id", sa.String(15), nullable=False),
        sa.Column("x12", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        _when("next_attempt_at"),
        _when("lease_until", nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("functional_ack", sa.Text, nullable=True),
        sa.Column("claim_ack", sa.Text, nullable=True),
        _when("created_at"),
        _when("submitted_at", nullable=True),
        _when("acknowledged_at", nullable=True),
    )
    op.create_index("ix_interchanges_status", "interchanges", ["status", "next_attempt_at"])
    counters = op.create_table(
        "control_numbers",
        sa.Column("name", sa.String(20), primary_key=True),
        sa.Column("last_value", sa.Integer, nullable=False),
    )
    op.bulk_insert(counters, [{"name": "interchange", "last_value": 0}])
    op.create_table(
        "claims",
        sa.Column("claim_id", sa.String(38), primary_key=True),
        sa.Column("session_id", sa.String(64), nullable=False),
        sa.Column("attempt", sa.Integer, nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("referral_id", sa.String(64), nullable=False),
        sa.Column("payer_id", sa.String(80), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("date_of_service", sa.Date, nullable=False),
        _money("total_charge"),
        _money("expected_allowed"),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("session", sa.Text, nullable=False),
        sa.Column("snapshot", sa.Text, nullable=True),
        sa.Column("corrections", sa.Text, nullable=True),
        sa.Column("frequency", sa.String(1), nullable=False),
        sa.Column("replaces_claim_id", sa.String(38), nullable=True),
        sa.Column("replaced_by_claim_id", sa.String(38), nullable=True),
        sa.Column(
            "interchange_number",
            sa.Integer,
            sa.ForeignKey("interchanges.control_number"),
            nullable=True,
        ),
        sa.Column("payer_claim_control_number", sa.String(50), nullable=True),
        sa.Column("correlation_id", sa.String(64), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        _when("ready_at", nullable=True),
        sa.UniqueConstraint("session_id", "attempt", name="uq_claims_session_attempt"),
    )
    op.create_index("ix_claims_status_payer", "claims", ["status", "payer_id"])
    op.create_index("ix_claims_client", "claims", ["client_id"])
    op.create_index("ix_claims_referral", "claims", ["referral_id"])
    op.create_index("ix_claims_interchange", "claims", ["interchange_number"])
    op.create_table(
        "claim_lines",
        sa.Column("claim_id", sa.String(38), sa.ForeignKey("claims.claim_id"), primary_key=True),
        sa.Column("line_number", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(5), nullable=False),
        sa.Column("modifiers", sa.String(20), nullable=False),
        sa.Column("units", sa.Integer, nullable=False),
        sa.Column("minutes", sa.Integer, nullable=False),
        sa.Column("diagnosis_pointers", sa.String(20), nullable=False),
        _money("charge"),
        _money("expected_allowed"),
    )
    op.create_table(
        "claim_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "claim_id", sa.String(38), sa.ForeignKey("claims.claim_id"), nullable=False, index=True
        ),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("note", sa.String(200), nullable=True),
        _when("at"),
    )


def downgrade() -> None:
    for table in (
        "claim_history",
        "claim_lines",
        "claims",
        "control_numbers",
        "interchanges",
        "coding_edits",
        "fee_schedules",
        "payers",
        "billing_provider",
        "referrals",
        "clients",
    ):
        op.drop_table(table)
