"""Alembic migrations: one shared environment, the plumbing tables, and a folder per service.

Each service keeps its revisions in ``services/<name>/migrations``; the plumbing tables
every service has (outbox, processed events, idempotency keys) live once, here, on
their own branch. ``migrate`` upgrades every head, so a service database gets both.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

HERE = Path(__file__).parent


def alembic_config(engine: Engine, service_versions: Path | None) -> Config:
    """An in-memory Alembic config for one service's database (None: plumbing only)."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    locations = [HERE / "versions"] + ([service_versions] if service_versions else [])
    config.set_main_option("version_locations", " ".join(str(p) for p in locations))
    config.set_main_option("path_separator", "space")
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, service_versions: Path | None = None) -> None:
    """Bring a service database up to date (idempotent; run on every start)."""
    command.upgrade(alembic_config(engine, service_versions), "heads")
