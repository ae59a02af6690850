"""Writers to one SQLite file take turns across processes, through a lock file beside it."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
from pathlib import Path

import pytest
from sqlalchemy import text

from shared.db import _turns_for_file, make_engine, write_transaction


def _try_the_lock(path: str, answer: multiprocessing.Queue) -> None:
    descriptor = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        answer.put("taken")
    except BlockingIOError:
        answer.put("held by another process")


def _try_the_inherited_turns(database: str, answer: multiprocessing.Queue) -> None:
    # The child's own descriptor, not the one it inherited from its parent.
    descriptor = _turns_for_file(database)._descriptor()
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        answer.put("taken")
    except BlockingIOError:
        answer.put("held by another process")


@pytest.fixture
def database(tmp_path: Path) -> str:
    path = str(tmp_path / "clinic.db")
    with write_transaction(make_engine(f"sqlite:///{path}")) as connection:
        connection.execute(text("CREATE TABLE log (what TEXT)"))
    return os.path.realpath(path)


@pytest.mark.parametrize("target", [_try_the_lock, _try_the_inherited_turns])
def test_while_one_process_writes_another_waits_for_its_turn(database: str, target) -> None:
    # gunicorn forks its workers from one parent: a lock descriptor they inherited would be
    # shared with the parent's and keep nobody apart, so each process opens its own.
    context = multiprocessing.get_context("fork")
    engine = make_engine(f"sqlite:///{database}")
    answers = context.Queue()
    lock_file = database + ".write-turn" if target is _try_the_lock else database

    with write_transaction(engine) as connection:
        connection.execute(text("INSERT INTO log VALUES ('parent')"))
        during = context.Process(target=target, args=(lock_file, answers))
        during.start()
        during.join(30)
    after = context.Process(target=target, args=(lock_file, answers))
    after.start()
    after.join(30)

    assert [answers.get(timeout=10), answers.get(timeout=10)] == [
        "held by another process", "taken"]


def test_a_write_transaction_inside_another_on_one_thread_is_refused(database: str) -> None:
    engine = make_engine(f"sqlite:///{database}")

    with write_transaction(engine), pytest.raises(RuntimeError, match="nested"), \
            write_transaction(engine):
        pass
