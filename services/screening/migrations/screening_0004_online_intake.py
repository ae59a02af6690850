"""Online intake: invitations, submissions (pending screenings with consent), documents.

Revision ID: screening_0004
Revises: screening_0002
"""

import sqlalchemy as sa
from alembic import op

revision = "screening_0004"
down_revision = "screening_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_invitations",
        sa.Column("invitation_id", sa.String(40), primary_key=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submission_id", sa.String(40), nullable=True),
    )
    op.create_table(
        "intake_submissions",
        sa.Column("submission_id", sa.String(40), primary_key=True),
        sa.Column("client_id", sa.String(40), sa.ForeignKey("clients.client_id"),
                  nullable=False),
        sa.Column("invitation_id", sa.String(40), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("questionnaire", sa.JSON, nullable=False),
        sa.Column("preliminary_outcome", sa.String(30), nullable=False),
        sa.Column("preliminary_reasons", sa.JSON, nullable=False),
        sa.Column("rules_version", sa.String(40), nullable=False),
        sa.Column("secondary_coverage", sa.JSON, nullable=True),
        sa.Column("consent_version", sa.String(40), nullable=False),
        sa.Column("consent_text", sa.Text, nullable=False),
        sa.Column("signature", sa.String(200), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signed_from", sa.String(64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_by", sa.String(200), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("screening_id", sa.String(40), nullable=True),
    )
    op.create_index("ix_intake_submissions_status", "intake_submissions",
                    ["status", "submitted_at"])
    op.create_table(
        "intake_documents",
        sa.Column("document_id", sa.String(40), primary_key=True),
        sa.Column("submission_id", sa.String(40),
                  sa.ForeignKey("intake_submissions.submission_id"), nullable=False),
        sa.Column("client_id", sa.String(40), nullable=False),
        sa.Column("content_type", sa.String(40), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(80), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("submission_id", "sha256", name="uq_intake_documents_content"),
    )


def downgrade() -> None:
    op.drop_table("intake_documents")
    op.drop_index("ix_intake_submissions_status", "intake_submissions")
    op.drop_table("intake_submissions")
    op.drop_table("intake_invitations")
