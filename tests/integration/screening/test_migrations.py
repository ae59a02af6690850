"""The screening migration builds exactly the tables store/tables.py describes."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from services.screening.store import metadata


def test_the_migrated_database_matches_the_table_definitions(app):
    ours = set(metadata.tables)

    def only_ours(name, type_, parent_names) -> bool:  # type: ignore[no-untyped-def]
        # The shared plumbing tables (outbox, idempotency keys...) are not ours to describe.
        return type_ != "table" or name in ours

    engine = app.extensions["medmassage"].engine
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": only_ours})
        differences = compare_metadata(context, metadata)

    assert differences == []
