"""Calendar versions: one counter per therapist and one for the clinic, bumped by triggers in
the transaction of every change to what decides availability, so every process's cache of
availability answers can tell whether an answer still holds (api/availability_cache.py).

Triggers, not code in each command: no writer (a command, a worker, a consumer, an admin's
SQL, another process) can change the calendar and forget to say so. Per therapist, not one
row: on PostgreSQL a counter row is locked until its transaction ends, and one row every
booking updated would queue all bookings behind each other; a therapist's bookings queue on
their therapist row lock already (store/calendar.py). On PostgreSQL the triggers run at
commit (deferred), so the counter is the last lock a transaction takes and held only while
it commits.

What decides availability, and the counter each change bumps:
- appointments and waitlist offers (a held slot): booked, moved, cancelled, held, released:
  ``therapist:<therapist_id>`` (the therapist they now belong to; a move changes a counter
  either way, which is all a reader needs: it compares every counter);
- therapists (name, weekly hours) and their time off: ``therapist:<id>``;
- rooms, services, clinic settings (zone, buffer, notice, horizon): ``clinic``.

Revision ID: scheduling_0008
Revises: scheduling_0007
"""

import sqlalchemy as sa
from alembic import op

revision = "scheduling_0008"
down_revision = "scheduling_0007"
branch_labels = None
depends_on = None

# (table, trigger name part, the SQL naming the counter from a row, updates that count)
_BOOKED_COLUMNS = 'therapist_id, room_id, "start", "end", status'
_WATCHED = (
    ("appointments", "appointments", "'therapist:' || {row}.therapist_id", _BOOKED_COLUMNS),
    ("waitlist_offers", "offers", "'therapist:' || {row}.therapist_id", _BOOKED_COLUMNS),
    ("therapist_time_off", "time_off", "'therapist:' || {row}.therapist_id", None),
    ("therapists", "therapists", "'therapist:' || {row}.id", None),
    ("rooms", "rooms", "'clinic'", None),
    ("services", "services", "'clinic'", None),
    ("clinic_settings", "settings", "'clinic'", None),
)
_EVENTS = ("insert", "update", "delete")


def _bump(scope: str) -> str:
    return ("INSERT INTO calendar_versions (scope, version) VALUES "
            f"({scope}, 1) ON CONFLICT (scope) DO UPDATE SET "
            "version = calendar_versions.version + 1;")


def _when(event: str, columns: str | None) -> str:
    return f"UPDATE OF {columns}" if event == "update" and columns else event.upper()


def upgrade() -> None:
    op.create_table(
        "calendar_versions",
        sa.Column("scope", sa.String(64), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.execute("INSERT INTO calendar_versions (scope, version) VALUES ('clinic', 1)")
    op.execute("INSERT INTO calendar_versions (scope, version) "
               "SELECT 'therapist:' || id, 1 FROM therapists")
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, name, scope, columns in _WATCHED:
        if postgres:
            # One function per table: NEW is not there on DELETE, nor OLD on INSERT.
            op.execute(
                f"CREATE FUNCTION calendar_version_{name}() RETURNS trigger "
                "LANGUAGE plpgsql AS $$ BEGIN "
                f"IF TG_OP = 'DELETE' THEN {_bump(scope.format(row='OLD'))} "
                f"ELSE {_bump(scope.format(row='NEW'))} END IF; "
                "RETURN NULL; END $$")
        for event in _EVENTS:
            trigger = f"calendar_version_{name}_{event}"
            when = _when(event, columns)
            if postgres:
                # Deferred to the commit: a counter's row lock is then the last lock a
                # transaction takes, after the offer, referral, therapist, room and entry
                # locks commands take in that order (commands/waitlist.py). Taken when the
                # row changed, accepting an offer (offer row first, therapist later) and a
                # booking of the same therapist (therapist first) could deadlock.
                op.execute(f"CREATE CONSTRAINT TRIGGER {trigger} AFTER {when} ON {table} "
                           "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                           f"EXECUTE FUNCTION calendar_version_{name}()")
            else:
                row = "OLD" if event == "delete" else "NEW"
                op.execute(f"CREATE TRIGGER {trigger} AFTER {when} ON {table} FOR EACH ROW "
                           f"BEGIN {_bump(scope.format(row=row))} END")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, name, _, _ in _WATCHED:
        for event in _EVENTS:
            trigger = f"calendar_version_{name}_{event}"
            op.execute(f"DROP TRIGGER {trigger} ON {table}" if postgres
                       else f"DROP TRIGGER {trigger}")
        if postgres:
            op.execute(f"DROP FUNCTION calendar_version_{name}()")
    op.drop_table("calendar_versions")
