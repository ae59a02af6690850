"""``make run``'s demo clinic: loaded through the APIs; loading it again adds nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from deploy import demo
from deploy.kafka import Broker
from deploy.stack import Stack, load_demo_and_print_access
from shared.tokens import ROLES, TokenVerifier, development_key_set
from tests.e2e.support import running_stack
from tests.support.http import auth, staff_token
from tests.support.waiting import wait_for

ADMIN = staff_token("demo-test", "admin")


@pytest.fixture(scope="module")
def stack(kafka_broker: Broker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The whole stack on fresh databases."""
    with running_stack(kafka_broker.bootstrap_servers, tmp_path_factory.mktemp("demo")) as running:
        yield running


@pytest.fixture(scope="module")
def loaded_twice(stack: Stack) -> tuple[demo.DemoClinic, demo.DemoClinic]:
    """The demo data loaded, then loaded again as a second ``make run`` would."""
    urls = {name: stack.url(name) for name in stack.ports}
    return demo.load_demo_data(urls, ADMIN), demo.load_demo_data(urls, ADMIN)


def get(stack: Stack, service: str, path: str, **params: str) -> Any:
    """GET as the clinic's admin; the answer must be 200."""
    response = requests.get(stack.url(service) + path, params=params, headers=auth("admin"),
                            timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def test_loading_the_demo_again_reuses_everything(stack, loaded_twice):
    first, second = loaded_twice

    assert first == second
    assert len(get(stack, "scheduling", "/therapists")) == len(demo.THERAPISTS)
    assert len(get(stack, "scheduling", "/rooms")) == len(demo.ROOMS)
    assert len(get(stack, "scheduling", "/services")) == len(demo.SERVICES)
    assert len(get(stack, "claims", "/payers")["payers"]) == len(demo.PAYERS)
    fees = get(stack, "claims", "/fee-schedules")["entries"]
    assert len(fees) == sum(len(payer.fees) for payer in demo.PAYERS)
    for client in demo.CLIENTS:
        client_id = first.clients[client.key]
        found = get(stack, "screening", "/clients", last_name=client.last_name,
                    birth_date=client.birth_date)["clients"]
        assert [c["client_id"] for c in found] == [client_id]
        screenings = get(stack, "screening", f"/clients/{client_id}/screenings")["screenings"]
        assert len(screenings) == 1
        referrals = get(stack, "screening", f"/clients/{client_id}/referrals")["referrals"]
        assert len(referrals) == (1 if client.gets_referral else 0)


def test_the_demo_clients_are_screened_as_intended(stack, loaded_twice):
    clinic = loaded_twice[0]
    outcomes = {
        client.key: get(stack, "screening",
                        f"/clients/{clinic.clients[client.key]}/screenings")["screenings"][0]
        ["outcome"]
        for client in demo.CLIENTS
    }

    assert outcomes == {client.key: client.intended_outcome for client in demo.CLIENTS}
    assert set(outcomes.values()) == {"cleared", "cleared_with_precautions", "needs_clearance",
                                      "not_eligible"}


def test_only_the_cleared_demo_clients_can_be_booked(stack, loaded_twice):
    clinic = loaded_twice[0]

    def bookable() -> dict[str, bool] | None:
        views = {client.key: get(stack, "scheduling",
                                 f"/clients/{clinic.clients[client.key]}/eligibility")
                 for client in demo.CLIENTS}
        if not all(view["screening"] for view in views.values()):
            return None  # screening's events are still on their way
        return {key: view["bookable"] for key, view in views.items()}

    seen = wait_for(bookable, timeout=30, interval=0.2, what="scheduling to learn every client")
    assert seen == {client.key: client.gets_referral for client in demo.CLIENTS}


def test_every_demo_payer_is_one_the_demo_clients_are_covered_by(stack, loaded_twice):
    clinic = loaded_twice[0]
    payers = {payer["payer_id"] for payer in get(stack, "claims", "/payers")["payers"]}
    covered_by = {
        get(stack, "screening", f"/clients/{client_id}")["coverage"]["payer_id"]
        for client_id in clinic.clients.values()
    }

    assert covered_by == payers == {payer.payer_id for payer in demo.PAYERS}


def test_make_run_prints_a_token_per_role_and_a_booking_code(stack, loaded_twice, capsys,
                                                             monkeypatch):
    monkeypatch.delenv("MEDMASSAGE_JWT_PRIVATE_KEY", raising=False)  # the development key
    load_demo_and_print_access(stack)
    printed = capsys.readouterr().out.splitlines()

    tokens = {line.split()[0]: line.split()[1] for line in printed if line.split()[:1] in
              [[role] for role in ROLES]}
    verifier = TokenVerifier(development_key_set(), timedelta(hours=12))
    assert {role: verifier.verify(token).roles
            for role, token in tokens.items()} == {role: (role,) for role in ROLES}
    assert f"{stack.url('scheduling')}/widget/" in "\n".join(printed)
    code = next(line.split()[-1] for line in printed if "booking code" in line)
    link = next(line.split()[-1] for line in printed if "link" in line)
    assert link == f"{stack.url('scheduling')}/widget/#code={code}"
    client_id = loaded_twice[0].clients["cleared"]
    assert f"demo client {client_id}" in "\n".join(printed)
    # The code books for that client: the widget reads their (no such) visit as a 404.
    answer = requests.get(f"{stack.url('scheduling')}/widget/api/appointments/none",
                          headers={"Authorization": f"Bearer {code}"}, timeout=10)
    assert answer.status_code == 404


def test_no_client_name_birth_date_member_id_or_diagnosis_reaches_any_log(
    stack: Stack, loaded_twice: tuple[demo.DemoClinic, demo.DemoClinic]
) -> None:
    def known_to_scheduling(client_id: str) -> bool:
        response = requests.get(f"{stack.url('scheduling')}/clients/{client_id}/eligibility",
                                headers=auth("front_desk"), timeout=10)
        return response.status_code == 200

    # The events (and whatever the consumers log about them) must have flowed first.
    wait_for(lambda: all(known_to_scheduling(c) for c in loaded_twice[0].clients.values()),
             what="events to reach scheduling")
    secrets = set()
    for client in demo.CLIENTS:
        secrets |= {client.first_name, client.last_name, client.birth_date, client.member_id}
        for code in client.diagnoses:
            secrets |= {code, code.replace(".", "")}
    assert stack.log_dir is not None
    logs = {path.name: path.read_text(errors="replace")
            for path in Path(stack.log_dir).glob("*.log")}
    assert any(logs.values()), "the services wrote no log lines at all"
    leaks = {(name, secret) for name, text in logs.items() for secret in secrets if secret in text}
    assert leaks == set()
