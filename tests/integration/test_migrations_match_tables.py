"""Each service's migrations build exactly the tables its code declares, on both backends.

The code's tables are the service's own (its ``store/tables.py``) plus the plumbing tables
every service database has (outbox, processed events, idempotency keys, audit log), whose
migrations live once in ``shared/migrations/versions``. Alembic's autogenerate comparison
of the migrated database against those tables must find nothing to change: a column,
index or constraint added on one side only would otherwise go unnoticed until a deploy.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from pprint import pformat
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Date, Engine, Integer, MetaData, String, Table

from shared.db import UtcDateTime, make_engine
from shared.migrations import migrate

# (service package, module with the service's ``metadata``): the migrations are the
# package's ``migrations`` folder. A tables module that moves only needs changing here.
SERVICES: list[tuple[str, str]] = [
    ("services.screening", "services.screening.store.tables"),
    ("services.scheduling", "services.scheduling.store.tables"),
    ("services.claims", "services.claims.store.tables"),
    ("services.notifications", "services.notifications.store.tables"),
    ("services.console", "services.console.store.tables"),
]

# Modules with a ``metadata`` holding plumbing tables that shared/migrations/versions builds.
PLUMBING_TABLE_MODULES: list[str] = [
    "shared.outbox",
    "shared.inbox",
    "shared.web.transactions",
    "shared.web.audit",
    "shared.web.ratelimit",
]

ALEMBIC_VERSION_TABLES = frozenset({"alembic_version"})


def migrations_folder(package: str) -> Path:
    """The service package's ``migrations`` folder (its own revisions)."""
    module = importlib.import_module(package)
    assert module.__file__ is not None, f"{package} is not a regular package"
    folder = Path(module.__file__).parent / "migrations"
    assert folder.is_dir(), f"{package} has no migrations folder at {folder}"
    return folder


def combined_metadata(modules: list[str]) -> MetaData:
    """One MetaData with copies of the tables from each module's ``metadata``."""
    combined = MetaData()
    for name in modules:
        source = getattr(importlib.import_module(name), "metadata", None)
        assert isinstance(source, MetaData), (
            f"{name} has no `metadata`: if its tables moved, update the lists at the top of "
            f"{Path(__file__).name}"
        )
        for table in source.tables.values():
            assert table.key not in combined.tables, f"table {table.key} declared twice ({name})"
            table.to_metadata(combined)
    return combined


def not_alembics_own(name: str | None, type_: str, _parents: dict[str, Any]) -> bool:
    """Leave Alembic's version table out of the comparison."""
    return not (type_ == "table" and name in ALEMBIC_VERSION_TABLES)


def differences(engine: Engine, metadata: MetaData) -> list[Any]:
    """Alembic's autogenerate diff from the database to ``metadata`` (empty: they match)."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "compare_server_default": True,
                "include_name": not_alembics_own,
            },
        )
        return compare_metadata(context, metadata)


def explain(diff: list[Any], where: str) -> str:
    """The diff, one change per line, with what to do about it."""
    changes = "\n".join(pformat(change, width=100) for change in diff)
    return (
        f"{where}: the migrated database and the declared tables differ "
        f"(add_* = declared but not migrated, remove_* = migrated but not declared):\n"
        f"{changes}"
    )


@pytest.fixture
def engine(database_url: str) -> Engine:
    """An engine on a fresh empty database (SQLite, then PostgreSQL)."""
    return make_engine(database_url)


def test_the_plumbing_migrations_build_exactly_the_plumbing_tables(engine: Engine) -> None:
    """shared/migrations/versions alone builds the shared tables as the code declares them."""
    migrate(engine)
    diff = differences(engine, combined_metadata(PLUMBING_TABLE_MODULES))
    assert diff == [], explain(diff, f"plumbing on {engine.dialect.name}")


@pytest.mark.parametrize(
    ("package", "tables_module"), SERVICES, ids=[package for package, _ in SERVICES]
)
def test_each_services_migrations_build_exactly_its_tables_and_the_plumbing_ones(
    engine: Engine, package: str, tables_module: str
) -> None:
    """A service's migrations (with the plumbing ones) build exactly its declared tables."""
    migrate(engine, migrations_folder(package))
    declared = combined_metadata([tables_module, *PLUMBING_TABLE_MODULES])
    diff = differences(engine, declared)
    assert diff == [], explain(diff, f"{package} on {engine.dialect.name}")


def touched(operation: tuple[Any, ...]) -> tuple[str, str | None, str | None]:
    """An autogenerate operation as (kind, table, column or index or None)."""
    kind = operation[0]
    if kind in {"add_table", "remove_table"}:
        return kind, operation[1].name, None
    if kind in {"add_index", "remove_index"}:
        return kind, operation[1].table.name, operation[1].name
    if kind in {"add_column", "remove_column"}:
        return kind, operation[2], operation[3].name
    if kind.startswith("modify_"):
        return kind, operation[2], operation[3]
    return kind, None, None


def test_the_comparison_notices_tables_columns_and_types_that_differ(engine: Engine) -> None:
    """The check is not blind: an extra table, an extra column and changed types all show."""
    package, tables_module = SERVICES[0]
    migrate(engine, migrations_folder(package))
    declared = combined_metadata([tables_module, *PLUMBING_TABLE_MODULES])
    own = combined_metadata([tables_module]).tables
    table = next(
        declared.tables[key]
        for key in sorted(own)
        if any(isinstance(column.type, UtcDateTime) for column in own[key].columns)
        and any(type(column.type) is String for column in own[key].columns)
    )
    moment = next(column for column in table.columns if isinstance(column.type, UtcDateTime))
    moment.type = Date()  # a time declared as a date
    text = next(column for column in table.columns if type(column.type) is String)
    text.type = String(text.type.length + 1)  # type: ignore[attr-defined]
    table.append_column(Column("never_migrated", Integer, nullable=True))
    Table("never_migrated", declared, Column("id", Integer, primary_key=True))

    operations = [
        touched(operation)
        for change in differences(engine, declared)
        for operation in (change if isinstance(change, list) else [change])
    ]

    assert {op for op in operations if op[1] in {table.name, "never_migrated"}} == {
        ("modify_type", table.name, moment.name),
        ("modify_type", table.name, text.name),
        ("add_column", table.name, "never_migrated"),
        ("add_table", "never_migrated", None),
    }
