"""Tables of the claims database (SQLAlchemy Core); migrations/ creates the same ones."""

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from shared.db import UtcDateTime

metadata = MetaData()


def money(name: str) -> Column:
    """An exact amount in dollars and cents."""
    return Column(name, Numeric(12, 2), nullable=False)


# -- projections of other services' events ---------------------------------------------

clients = Table(
    "clients",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("payload", Text, nullable=False),  # the event's data, as published (JSON)
    Column("updated_at", UtcDateTime, nullable=False),
    # The secondary coverage's payer, when there is one: posting an 835 asks it of many
    # claims at once (commands/coordination.py) without reading each payload.
    Column("secondary_payer_id", String(80), nullable=True),
)

referrals = Table(
    "referrals",
    metadata,
    Column("referral_id", String(64), primary_key=True),
    Column("client_id", String(64), nullable=False, index=True),
    # recorded/amended and revoked/expired may arrive in any order: each half keeps its
    # own newest version so an older event never overwrites a newer one.
    Column("details_version", Integer, nullable=True),
    Column("payload", Text, nullable=True),
    Column("closed_version", Integer, nullable=True),
    Column("closed_on", Date, nullable=True),
    Column("closed_as", String(20), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
)

# -- billing setup ---------------------------------------------------------------------

billing_provider = Table(
    "billing_provider",
    metadata,
    Column("id", Integer, primary_key=True),  # always 1: one clinic per database
    Column("organisation_name", String(60), nullable=False),
    Column("npi", String(10), nullable=False),
    Column("ein", String(9), nullable=False),
    Column("taxonomy_code", String(10), nullable=False),
    Column("address_line1", String(55), nullable=False),
    Column("address_line2", String(55), nullable=True),
    Column("city", String(30), nullable=False),
    Column("state", String(2), nullable=False),
    Column("postal_code", String(9), nullable=False),
    Column("submitter_id", String(15), nullable=False),
    Column("submitter_name", String(60), nullable=False),
    Column("contact_name", String(60), nullable=False),
    Column("contact_phone", String(10), nullable=False),
    Column("receiver_id", String(15), nullable=False),
    Column("receiver_name", String(60), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # organisation, or individual: a solo therapist billing under their own NPI (NM1*85*1).
    Column("entity_type", String(12), nullable=False, server_default="organisation"),
    Column("last_name", String(60), nullable=True),
    Column("first_name", String(35), nullable=True),
    # 2010AB pay-to address (may be a PO Box); all null when payment goes to the billing address.
    Column("pay_to_line1", String(55), nullable=True),
    Column("pay_to_line2", String(55), nullable=True),
    Column("pay_to_city", String(30), nullable=True),
    Column("pay_to_state", String(2), nullable=True),
    Column("pay_to_postal_code", String(9), nullable=True),
)

payers = Table(
    "payers",
    metadata,
    Column("payer_id", String(80), primary_key=True),  # the X12 payer id (2010BB NM109)
    Column("name", String(60), nullable=False),
    Column("counting_method", String(10), nullable=False),  # cms or per_code
    Column("gp_required", Boolean, nullable=False),
    Column("timely_filing_days", Integer, nullable=False),
    Column("claim_filing_indicator", String(2), nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("distinct_modifier", String(2), nullable=True),  # 59 or XS; null: as the edit says
    Column("rendering_taxonomy_required", Boolean, nullable=False, server_default=false()),
)

fee_schedules = Table(
    "fee_schedules",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("payer_id", String(80), ForeignKey("payers.payer_id"), nullable=False),
    Column("code", String(5), nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("effective_to", Date, nullable=True),
    money("charge_per_unit"),
    money("allowed_per_unit"),
    UniqueConstraint("payer_id", "code", "effective_from", name="uq_fee_schedule_start"),
)

coding_edits = Table(
    "coding_edits",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("column1", String(5), nullable=False),
    Column("column2", String(5), nullable=False),
    Column("modifier_allowed", Boolean, nullable=False),
    Column("modifier", String(2), nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("effective_to", Date, nullable=True),
    Column("payer_id", String(80), nullable=False),  # "": every payer
    UniqueConstraint(
        "payer_id", "column1", "column2", "effective_from", name="uq_coding_edit_start"
    ),
)

# -- claims and interchanges -------------------------------------------------------------

interchanges = Table(
    "interchanges",
    metadata,
    Column("control_number", Integer, primary_key=True, autoincrement=False),  # ISA13
    Column("payer_id", String(80), nullable=False),
    Column("sender_id", String(15), nullable=False),  # ISA06
    Column("x12", Text, nullable=False),  # sent as stored, on every attempt
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, nullable=False),
    Column("lease_until", UtcDateTime, nullable=True),
    Column("last_error", String(500), nullable=True),
    Column("functional_ack", Text, nullable=True),  # the 999 (or TA1) that decided it
    Column("claim_ack", Text, nullable=True),  # the 277CA (before the report mailbox)
    # Answers that could not be read or matched, in a row; past the limit it is held.
    Column("unreadable_answers", Integer, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime, nullable=False),
    Column("submitted_at", UtcDateTime, nullable=True),
    Column("acknowledged_at", UtcDateTime, nullable=True),
    Column("held_at", UtcDateTime, nullable=True),  # when it was last held for a person
    Index("ix_interchanges_status", "status", "next_attempt_at"),
)

control_numbers = Table(
    "control_numbers",
    metadata,
    Column("name", String(20), primary_key=True),
    Column("last_value", Integer, nullable=False),
)

claims = Table(
    "claims",
    metadata,
    Column("claim_id", String(38), primary_key=True),  # CLM01: 20 characters (38 before)
    Column("session_id", String(64), nullable=False),
    Column("attempt", Integer, nullable=False),  # 1 = the original, 2... = replacements
    Column("client_id", String(64), nullable=False),
    Column("referral_id", String(64), nullable=False),
    Column("payer_id", String(80), nullable=True),
    Column("status", String(20), nullable=False),  # domain/lifecycle.py State
    Column("status_changed_at", UtcDateTime, nullable=True),  # when it entered that state
    Column("rejected_by", String(20), nullable=True),  # clearinghouse or payer
    Column("date_of_service", Date, nullable=False),
    money("total_charge"),
    money("expected_allowed"),
    Column("reasons", Text, nullable=False),  # JSON list of {code, text}
    Column("session", Text, nullable=False),  # the session.completed data (JSON)
    Column("snapshot", Text, nullable=True),  # client, referral, payer as billed (JSON)
    Column("corrections", Text, nullable=True),  # billing's overrides (JSON)
    Column("frequency", String(1), nullable=False),
    Column("replaces_claim_id", String(38), nullable=True),
    Column("replaced_by_claim_id", String(38), nullable=True),
    Column("interchange_number", Integer, ForeignKey("interchanges.control_number"), nullable=True),
    Column("payer_claim_control_number", String(50), nullable=True),
    Column("correlation_id", String(64), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("ready_at", UtcDateTime, nullable=True),
    # A secondary claim: the primary claim whose 835 it follows (commands/coordination.py).
    Column("primary_claim_id", String(38), nullable=True),
    # The guarantee that a session is billed once: one original claim per session, and
    # each replacement takes the next attempt number.
    UniqueConstraint("session_id", "attempt", name="uq_claims_session_attempt"),
    Index("ix_claims_status_payer", "status", "payer_id"),
    Index("ix_claims_client", "client_id"),
    Index("ix_claims_referral", "referral_id"),
    Index("ix_claims_interchange", "interchange_number"),
    Index("ix_claims_primary_claim", "primary_claim_id"),
    # The batcher's look for ready claims not yet in an interchange, per payer, oldest
    # first, read from the index alone; and the no-response check (claims_0007).
    Index("ix_claims_waiting_batch", "status", "interchange_number", "payer_id", "ready_at",
          "claim_id"),
    Index("ix_claims_status_since", "status", "status_changed_at"),
)

claim_lines = Table(
    "claim_lines",
    metadata,
    Column("claim_id", String(38), ForeignKey("claims.claim_id"), primary_key=True),
    Column("line_number", Integer, primary_key=True),
    Column("code", String(5), nullable=False),
    Column("modifiers", String(20), nullable=False),  # comma-separated, in SV101 order
    Column("units", Integer, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("diagnosis_pointers", String(20), nullable=False),  # comma-separated
    money("charge"),
    money("expected_allowed"),
)

claim_history = Table(
    "claim_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("claim_id", String(38), ForeignKey("claims.claim_id"), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("transition", String(30), nullable=True),  # the lifecycle step; None: a note
    Column("reasons", Text, nullable=False),
    Column("note", String(200), nullable=True),
    Column("evidence", Text, nullable=True),  # the X12 behind the step (JSON)
    Column("at", UtcDateTime, nullable=False),
)

# -- the clearinghouse's report mailbox ----------------------------------------------------

clearinghouse_reports = Table(
    "clearinghouse_reports",
    metadata,
    Column("report_id", Integer, primary_key=True, autoincrement=False),  # the mailbox's id
    Column("kind", String(10), nullable=False),  # 277CA or 835
    Column("interchange_number", Integer, nullable=True),  # the ISA13 of ours it answers
    Column("x12", Text, nullable=False),
    Column("created_at", String(40), nullable=True),  # as the clearinghouse stated it
    Column("fetched_at", UtcDateTime, nullable=False),
    Column("status", String(20), nullable=False),  # store/reports.py
    Column("note", String(500), nullable=True),
    Column("processed_at", UtcDateTime, nullable=True),
    Index("ix_clearinghouse_reports_status", "status", "report_id"),
)

mailbox_cursor = Table(
    "mailbox_cursor",
    metadata,
    Column("name", String(20), primary_key=True),
    Column("after", Integer, nullable=False),  # the last report id read (the next ?after=)
    Column("updated_at", UtcDateTime, nullable=False),
)


# -- remittance (835) posting ----------------------------------------------------------------

remittances = Table(
    "remittances",
    metadata,
    Column("remittance_id", Integer, primary_key=True, autoincrement=True),
    Column("report_id", Integer, ForeignKey("clearinghouse_reports.report_id"), nullable=False),
    Column("interchange_control_number", String(9), nullable=False),  # ISA13
    Column("transaction_control_number", String(9), nullable=False),  # ST02
    Column("trace_number", String(50), nullable=False),  # TRN02: the check or EFT number
    # The payer's id (N1*PR N104, REF*2U), else its name: a trace is unique per payer.
    Column("payer_key", String(80), nullable=False),
    Column("payer_id", String(80), nullable=True),
    Column("payer_name", String(60), nullable=False),
    Column("payee_npi", String(80), nullable=True),  # N1*PE N104 when N103 is XX
    money("payment_amount"),  # BPR02, negative for a debit
    Column("payment_method", String(3), nullable=False),  # BPR04
    Column("handling_code", String(2), nullable=False),  # BPR01
    Column("payment_date", Date, nullable=False),  # BPR16
    Column("status", String(20), nullable=False),  # posted, or held (nothing posted)
    Column("note", String(500), nullable=True),
    Column("posted_at", UtcDateTime, nullable=False),
    UniqueConstraint("report_id", "transaction_control_number", name="uq_remittances_report"),
    UniqueConstraint("payer_key", "trace_number", name="uq_remittances_trace"),
)

claim_payments = Table(
    "claim_payments",
    metadata,
    Column("remittance_id", Integer, ForeignKey("remittances.remittance_id"), primary_key=True),
    Column("position", Integer, primary_key=True),  # the CLP's place in the remittance, from 1
    Column("claim_id", String(38), ForeignKey("claims.claim_id"), nullable=False),
    Column("echoed_claim_id", String(38), nullable=False),  # CLP01
    Column("status_code", String(2), nullable=False),  # CLP02
    Column("outcome", String(20), nullable=False),  # domain/remittance.py Outcome
    money("charge"),  # CLP03
    money("paid"),  # CLP04
    money("adjusted"),  # every CAS amount, claim and lines
    money("patient_responsibility"),  # CLP05
    Column("payer_claim_control_number", String(50), nullable=True),  # CLP07
    Column("posted_at", UtcDateTime, nullable=False),
    Index("ix_claim_payments_claim", "claim_id"),
)

payment_lines = Table(
    "payment_lines",
    metadata,
    Column("remittance_id", Integer, primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("line_number", Integer, primary_key=True),  # our line it pays (claim_lines)
    Column("code", String(5), nullable=False),
    Column("modifiers", String(20), nullable=False),  # comma-separated, as we billed them
    Column("units", Integer, nullable=False),
    money("charge"),  # SVC02
    money("paid"),  # SVC03
    money("allowed"),  # AMT*B6, else paid + patient responsibility
    money("patient_responsibility"),  # the line's PR adjustments
    Column("denied", Boolean, nullable=False),
    ForeignKeyConstraint(
        ["remittance_id", "position"],
        ["claim_payments.remittance_id", "claim_payments.position"],
        name="fk_payment_lines_payment",
    ),
)

payment_adjustments = Table(
    "payment_adjustments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("remittance_id", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("line_number", Integer, nullable=True),  # None: a claim-level CAS
    Column("group_code", String(2), nullable=False),  # CAS01: CO, OA, PI, PR (CR)
    Column("reason_code", String(5), nullable=False),  # CARC
    money("amount"),
    ForeignKeyConstraint(
        ["remittance_id", "position"],
        ["claim_payments.remittance_id", "claim_payments.position"],
        name="fk_payment_adjustments_payment",
    ),
    Index("ix_payment_adjustments_payment", "remittance_id", "position"),
)

payment_remarks = Table(
    "payment_remarks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("remittance_id", Integer, nullable=False),
    Column("position", Integer, nullable=False),
    Column("line_number", Integer, nullable=True),  # None: a claim-level remark (MOA)
    Column("code", String(30), nullable=False),  # RARC (LQ*HE, MOA) or NCPDP (LQ*RX)
    ForeignKeyConstraint(
        ["remittance_id", "position"],
        ["claim_payments.remittance_id", "claim_payments.position"],
        name="fk_payment_remarks_payment",
    ),
    Index("ix_payment_remarks_payment", "remittance_id", "position"),
)

provider_adjustments = Table(
    "provider_adjustments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "remittance_id", Integer, ForeignKey("remittances.remittance_id"), nullable=False,
        index=True,
    ),
    Column("provider_id", String(80), nullable=False),  # PLB01
    Column("fiscal_period_end", Date, nullable=False),  # PLB02
    Column("reason_code", String(2), nullable=False),  # PLB03-1
    Column("reference", String(50), nullable=True),  # PLB03-2
    money("amount"),  # positive: taken from the payment; negative: added to it
)

remittance_exceptions = Table(
    "remittance_exceptions",
    metadata,
    Column("exception_id", Integer, primary_key=True, autoincrement=True),
    Column("report_id", Integer, nullable=False),
    Column("remittance_id", Integer, ForeignKey("remittances.remittance_id"), nullable=False),
    Column("position", Integer, nullable=True),  # the CLP's place; None: the whole remittance
    Column("kind", String(30), nullable=False),  # REMITTANCE_HOLDS
    Column("echoed_claim_id", String(38), nullable=True),  # CLP01, when readable
    Column("claim_id", String(38), nullable=True),  # ours, when it names one
    Column("amount", Numeric(12, 2), nullable=True),  # CLP04, or BPR02 for a remittance
    Column("reasons", Text, nullable=False),  # JSON list of {code, text}
    Column("segments", Text, nullable=True),  # JSON list: an unreadable loop as sent
    Column("created_at", UtcDateTime, nullable=False),
    Column("resolved_at", UtcDateTime, nullable=True),
    Column("resolved_by", String(100), nullable=True),
    Column("resolution", String(200), nullable=True),
    Index("ix_remittance_exceptions_open", "resolved_at", "kind"),
)

balance_actions = Table(
    "balance_actions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("claim_id", String(38), ForeignKey("claims.claim_id"), nullable=False, index=True),
    Column("action", String(20), nullable=False),  # write_off, bill_patient, bill_secondary
    money("amount"),
    Column("reason", String(200), nullable=True),  # billing's words (a write-off's reason)
    Column("recorded_by", String(100), nullable=True),
    Column("at", UtcDateTime, nullable=False),
)
