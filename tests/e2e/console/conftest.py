"""The clinic console against the real stack, driven in headless Chromium.

One stack per module (console first, then the four services, the sandbox clearinghouse,
which rejects member id BAD123, and the sandbox SMS provider and mail sink), the demo clinic
loaded through the APIs, and one console account per role: the admin's made by
``create-user`` as ``make run`` does.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from deploy import demo
from deploy.kafka import Broker
from deploy.kafka.local import free_port
from deploy.stack import Stack
from tests.e2e.support import (
    GROUP_PREFIX_SETTING,
    REJECTED_MEMBER_ID,
    SERVICES,
    log_tails,
    new_group_prefix,
    stack_environment,
    start_groups_at_the_end,
)
from tests.support.console import PASSWORD, build_console
from tests.support.http import staff_token

# The README's pictures are refreshed only when asked (MEDMASSAGE_UPDATE_SCREENSHOTS=1), so
# that a test run leaves the work tree as it found it; otherwise they go to a temp folder.
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[3] / "docs" / "console"
SCREENSHOTS = (DOCS_SCREENSHOTS if os.environ.get("MEDMASSAGE_UPDATE_SCREENSHOTS") == "1"
               else Path(tempfile.gettempdir()) / "medmassage-console-screenshots")
# The accounts each test signs in with (the therapist's is linked to demo therapist Dana).
ACCOUNTS = {"frontdesk": "front_desk", "dana.whitfield": "therapist", "billing": "billing",
            "ops": "ops"}


@dataclass
class ConsoleStack:
    """The running stack, its demo clinic and the console's accounts."""

    stack: Stack
    clinic: demo.DemoClinic
    admin_password: str

    @property
    def url(self) -> str:
        """The console's address."""
        return self.stack.url("console")


@pytest.fixture(scope="module")
def console_stack(kafka_broker: Broker,
                  tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleStack]:
    """The whole clinic with the console, each process on a free port and a fresh database."""
    directory = tmp_path_factory.mktemp("console-e2e")
    (directory / "logs").mkdir()
    rules = directory / "sandbox-rules.json"
    rules.write_text(json.dumps({"reject_member_ids": [REJECTED_MEMBER_ID]}))
    prefix = new_group_prefix()
    stack = Stack(
        kafka_broker.bootstrap_servers,
        ports={name: free_port() for name in ("console", *SERVICES)},
        # The outside parties too, so that this stack shares no port with another run's.
        sandbox_port=free_port(), sms_port=free_port(), mail_port=free_port(),
        smtp_port=free_port(),
        env={**stack_environment(directory), GROUP_PREFIX_SETTING: prefix,
             "CONSOLE_DATABASE_URL": ""},
        log_dir=str(directory / "logs"), sandbox_rules=str(rules))
    start_groups_at_the_end(kafka_broker.bootstrap_servers, prefix)
    try:
        try:
            stack.start()
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\n\n{log_tails(directory / 'logs')}") from exc
        clinic = demo.load_demo_data({name: stack.url(name) for name in stack.ports},
                                     staff_token("e2e-admin", "admin"))
        admin_password = stack.create_console_account("admin", "admin", "Clinic Admin")
        # The other accounts straight into the console's database (what create-user does,
        # without a process each).
        console = build_console(f"sqlite:///{directory / 'var' / 'console.db'}")
        for username, role in ACCOUNTS.items():
            console.add_account(username, role)
        yield ConsoleStack(stack, clinic, admin_password)
    finally:
        stack.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Attach the tail of every process's log to the report of a failed console test."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    running = getattr(item, "funcargs", {}).get("console_stack")
    if report.failed and isinstance(running, ConsoleStack) and running.stack.log_dir:
        report.sections.append(("stack logs (tail)", log_tails(running.stack.log_dir)))


@dataclass
class Staff:
    """A browser tab of one signed-in person, and what went wrong in it."""

    page: Page
    problems: list[str]


def open_tab(browser: Browser, width: int = 1280, height: int = 900) -> Staff:
    """A fresh browser context; script errors and CSP violations are collected."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" and "status of 4" not in message.text else None)
    return Staff(page, problems)


def sign_in(console: ConsoleStack, staff: Staff, username: str,
            password: str = PASSWORD) -> None:
    """Sign in through the form, by keyboard."""
    page = staff.page
    page.goto(f"{console.url}/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/home")


@pytest.fixture
def tab(browser: Browser) -> Iterator[Staff]:
    """One person's tab; the test fails if the page logged a script error or a CSP violation."""
    staff = open_tab(browser)
    yield staff
    staff.page.context.close()
    assert staff.problems == []


def screenshot(page: Page, name: str) -> None:
    """Keep a picture of the page (for docs/console, linked from the README, when asked)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
