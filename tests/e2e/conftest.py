"""End-to-end fixtures: one running stack per test module, one browser for the whole
session, and the stack's logs when a test fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

from deploy.kafka import Broker
from deploy.stack import Stack
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS
from tests.e2e.support import REJECTED_MEMBER_ID, log_tails, running_stack


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, driven by Playwright: one for every page test of the session
    (each test opens its own context). Chromium missing is a failure, not a skip."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run deploy/ensure-tools.sh"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def e2e_stack(kafka_broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Sandbox + every service as its own process; the sandbox rejects member id BAD123."""
    directory = tmp_path_factory.mktemp("e2e")
    with running_stack(kafka_broker.bootstrap_servers, directory,
                       reject_member_ids=(REJECTED_MEMBER_ID,)) as stack:
        yield stack


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Attach the tail of every process's log to the report of a failed e2e test."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    stack = getattr(item, "funcargs", {}).get("e2e_stack")
    if report.failed and isinstance(stack, Stack) and stack.log_dir:
        report.sections.append(("stack logs (tail)", log_tails(stack.log_dir)))
