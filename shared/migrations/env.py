"""Alembic environment shared by every service: online migrations on the given engine."""

from alembic import context

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    connection.execution_options(sqlite_immediate=True)
    context.configure(connection=connection, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
