"""Alembic environment shared by every service: online migrations on the given engine."""

from alembic import context

engine = context.config.attributes["engine"]

with engine.connect() as connection:
    connection.execution_options(sqlite_immediate=True)
    context.configure(connection=connection, render_as_batch=True)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Several processes (gunicorn workers, replicas) start at once; one migrates,
            # the others wait here and then find nothing left to do.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7243001)")
        context.run_migrations()
