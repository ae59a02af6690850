"""``medmassage-admin create-user`` (``python -m services.console create-user``)."""

from __future__ import annotations

import io

import pytest

from services.console.app import create_app
from services.console.commands.cli import create_user, main
from tests.support.console import Console, console_config, sign_in


@pytest.fixture
def config(tmp_path):  # type: ignore[no-untyped-def]
    return console_config(f"sqlite:///{tmp_path / 'console.db'}")


def test_the_first_admin_gets_a_generated_password_that_signs_in(config, capsys):
    assert create_user(["ada", "--role", "admin", "--name", "Ada Admin", "--generate"],
                       config) == 0
    password = capsys.readouterr().out.strip()
    browser = Console(create_app(config), config).client()
    assert sign_in(browser, "ada", password).headers["Location"].endswith("/home")


def test_a_password_from_standard_input_must_meet_the_rules(config, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert create_user(["bob", "--role", "billing"], config) == 1
    assert "Use at least 12 characters." in capsys.readouterr().err


def test_an_existing_account_is_refused_unless_reset_is_asked_for(config, capsys):
    assert create_user(["ops1", "--role", "ops", "--generate"], config) == 0
    assert create_user(["ops1", "--role", "ops", "--generate"], config) == 1
    assert "exists already" in capsys.readouterr().err
    assert create_user(["ops1", "--role", "ops", "--generate", "--reset"], config) == 0


def test_other_commands_are_answered_with_the_usage(capsys):
    assert main(["delete-everything"]) == 2
    assert "usage: medmassage-admin create-user" in capsys.readouterr().err
