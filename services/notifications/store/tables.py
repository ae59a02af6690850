"""Tables of the notifications database (SQLAlchemy Core); migrations/ creates the same ones."""

from sqlalchemy import Column, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

from shared.db import UtcDateTime

metadata = MetaData()

# -- projections of other services' events ---------------------------------------------

# screening.client.contact: the newest version wins (save_if_newer).
contacts = Table(
    "contacts",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("first_name", String(100), nullable=False),
    Column("email", String(320), nullable=True),
    Column("phone", String(20), nullable=True),
    Column("time_zone", String(64), nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
)

# scheduling.appointment.*: the latest state by event time; a cancellation is final.
appointments = Table(
    "appointments",
    metadata,
    Column("appointment_id", String(64), primary_key=True),
    Column("client_id", String(64), nullable=False, index=True),
    Column("status", String(20), nullable=False),  # booked | cancelled
    Column("start", UtcDateTime, nullable=True),  # null: known only as cancelled
    Column("changed_at", UtcDateTime, nullable=False),  # the event's time
    Column("updated_at", UtcDateTime, nullable=False),
)

# -- the client's choices -----------------------------------------------------------------

preferences = Table(
    "preferences",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("category", String(40), primary_key=True),
    Column("channels", String(40), nullable=False),  # "email,sms", "sms", "" (none)
    Column("updated_at", UtcDateTime, nullable=False),
)

# An address that asked for nothing more on a channel (STOP by SMS, an unsubscribe link).
opt_outs = Table(
    "opt_outs",
    metadata,
    Column("channel", String(10), primary_key=True),
    Column("address", String(320), primary_key=True),
    Column("client_id", String(64), nullable=True),
    Column("how", String(20), nullable=False),  # stop | unsubscribe
    Column("created_at", UtcDateTime, nullable=False),
)

# -- the messages: one row per message key, claimed before it is sent ---------------------

messages = Table(
    "messages",
    metadata,
    Column("message_id", String(36), primary_key=True),  # uuid5 of the key
    Column("key", String(300), nullable=False),
    Column("kind", String(30), nullable=False),
    Column("channel", String(10), nullable=False),
    Column("audience", String(10), nullable=False),  # client | clinic
    Column("client_id", String(64), nullable=False),
    Column("appointment_id", String(64), nullable=True),
    Column("appointment_start", UtcDateTime, nullable=True),  # the visit time it is about
    Column("lead_minutes", Integer, nullable=True),  # reminders only
    Column("details", Text, nullable=False),  # JSON: the non-contact facts the template uses
    Column("state", String(20), nullable=False),
    Column("due_at", UtcDateTime, nullable=False),
    Column("deadline", UtcDateTime, nullable=True),  # not sent at or after this
    Column("attempts", Integer, nullable=False),
    Column("lease_until", UtcDateTime, nullable=True),
    Column("recipient", String(320), nullable=True),
    Column("provider_id", String(100), nullable=True),
    Column("reason", String(500), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("updated_at", UtcDateTime, nullable=False),
    UniqueConstraint("key", name="uq_messages_key"),
    Index("ix_messages_due", "state", "due_at"),
    Index("ix_messages_client", "client_id", "created_at"),
    Index("ix_messages_appointment", "appointment_id"),
    Index("ix_messages_provider", "provider_id"),
)
