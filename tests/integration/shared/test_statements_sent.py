"""The tests' record of the SQL sent (tests/support/statements.py), on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine.interfaces import CacheStats

from shared.db import make_engine
from tests.support.statements import statements_sent

SELECT_ONE = text("SELECT :one")


def test_each_statement_sent_in_the_block_is_recorded_with_its_parameters_and_cache_use(
    database_url: str,
):
    engine = make_engine(database_url)
    with statements_sent(engine) as sent, engine.connect() as connection:
        for _ in range(2):
            connection.execute(SELECT_ONE, {"one": 1})
    selects = [one for one in sent if one.statement.startswith("SELECT")]
    assert len(selects) == 2
    assert not any(one.executemany for one in selects)
    assert selects[1].cache_hit is CacheStats.CACHE_HIT
    given = selects[1].parameters  # a dict or a tuple, as the driver's style wants
    assert list(given.values() if isinstance(given, dict) else given) == [1]
    engine.dispose()


def test_nothing_is_recorded_after_the_block_even_when_it_failed(database_url: str):
    engine = make_engine(database_url)
    with pytest.raises(RuntimeError), statements_sent(engine) as sent:
        raise RuntimeError("the test's work failed")
    with engine.connect() as connection:
        connection.execute(SELECT_ONE, {"one": 1})
    assert sent == []
    engine.dispose()
