"""The sandbox SMS provider behaves like a real one: keys, numbers, idempotent sends, STOP,
signed callbacks, faults."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import requests

from deploy.sandbox_sms import SmsSandbox, make_server
from tests.support.waiting import wait_for

KEY = {"Authorization": "Bearer sandbox-sms-key"}


class _Catcher(BaseHTTPRequestHandler):
    caught: list[tuple[dict, str]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.caught.append((json.loads(body), self.headers["X-Sandbox-Signature"]))
        expected = hmac.new(b"sandbox-sms-callback-secret", body, hashlib.sha256).hexdigest()
        self.send_response(204 if expected == self.headers["X-Sandbox-Signature"] else 400)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def callbacks() -> Iterator[tuple[str, list]]:  # type: ignore[type-arg]
    _Catcher.caught = []
    server = HTTPServer(("127.0.0.1", 0), _Catcher)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Catcher.caught
    server.shutdown()


@pytest.fixture
def sms(callbacks) -> Iterator[SmsSandbox]:  # type: ignore[no-untyped-def]
    with make_server(inbound_url=f"{callbacks[0]}/inbound", undeliverable=["+15550000000"]) as s:
        yield s


def send(sms: SmsSandbox, headers: dict, **body: str) -> requests.Response:  # type: ignore[type-arg]
    return requests.post(f"{sms.url}/v1/messages", json=body, headers=headers, timeout=5)


def test_a_message_is_taken_once_per_idempotency_key_and_reported_delivered(sms, callbacks):
    url, caught = callbacks
    first = send(sms, {**KEY, "Idempotency-Key": "k-1"}, to="+15551112222", body="Hi",
                 status_callback=f"{url}/status", reference="m-1")
    again = send(sms, {**KEY, "Idempotency-Key": "k-1"}, to="+15551112222", body="Hi",
                 status_callback=f"{url}/status", reference="m-1")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert len(requests.get(f"{sms.url}/v1/messages", timeout=5).json()["messages"]) == 1
    wait_for(lambda: [c for c, _ in caught if c["status"] == "delivered"], timeout=5)
    assert [c["status"] for c, _ in caught] == ["sent", "delivered"]
    assert caught[0][0]["reference"] == "m-1"


def test_bad_keys_numbers_and_bodies_are_refused(sms):
    assert send(sms, {}, to="+15551112222", body="Hi").status_code == 401
    bad_number = send(sms, KEY, to="555-1212", body="Hi")
    assert bad_number.status_code == 400 and bad_number.json()["code"] == "invalid_number"
    assert send(sms, KEY, to="+15551112222", body="").json()["code"] == "invalid_body"


def test_a_number_that_texted_stop_gets_nothing_more_and_the_clinic_hears_of_it(sms, callbacks):
    _, caught = callbacks
    requests.post(f"{sms.url}/v1/_inbound", json={"from": "+15553334444", "body": "STOP"},
                  timeout=5)
    assert caught[-1][0] == {"from": "+15553334444", "to": None, "body": "STOP"}
    refused = send(sms, KEY, to="+15553334444", body="Hi")
    assert refused.status_code == 400 and refused.json()["code"] == "opted_out"


def test_an_undeliverable_number_is_reported(sms, callbacks):
    url, caught = callbacks
    send(sms, KEY, to="+15550000000", body="Hi", status_callback=f"{url}/status")
    wait_for(lambda: [c for c, _ in caught if c["status"] == "undelivered"], timeout=5)


def test_armed_faults_fail_the_next_sends_then_stop(sms):
    requests.post(f"{sms.url}/v1/_faults", json={"mode": "503", "count": 2}, timeout=5)
    statuses = [send(sms, KEY, to="+15551112222", body="Hi").status_code for _ in range(3)]
    assert statuses == [503, 503, 201]
    requests.post(f"{sms.url}/v1/_faults", json={"mode": "drop"}, timeout=5)
    with pytest.raises(requests.ConnectionError):
        send(sms, KEY, to="+15551112222", body="Hi")
    assert requests.post(f"{sms.url}/v1/_faults", json={"mode": "slow"},
                         timeout=5).status_code == 400
