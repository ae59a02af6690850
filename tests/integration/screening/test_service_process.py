"""``python -m services.screening`` serves HTTP and runs its relay and expiry job itself."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import requests

from deploy.kafka.local import free_port
from tests.integration.screening.builders import FRONT_DESK, a_client, a_referral
from tests.integration.screening.kafka_reading import read_client_events
from tests.support.waiting import wait_for


def test_the_service_process_publishes_registrations_and_expires_old_referrals(
    kafka_settings, tmp_path
):
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": os.getcwd(),
        "SCREENING_DATABASE_URL": f"sqlite:///{tmp_path / 'screening.db'}",
        "SCREENING_PORT": str(port),
        "SCREENING_EXPIRY_INTERVAL_SECONDS": "0.2",
        "KAFKA_BOOTSTRAP_SERVERS": kafka_settings.bootstrap_servers,
    }
    process = subprocess.Popen([sys.executable, "-m", "services.screening"], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _ready(url), timeout=30, what="the service to be ready")
        client = requests.post(f"{url}/clients", json=a_client(), headers=FRONT_DESK, timeout=5)
        client_id = client.json()["client_id"]
        referral = requests.post(f"{url}/clients/{client_id}/referrals",
                                 json=a_referral(end_on="2026-03-31"), headers=FRONT_DESK,
                                 timeout=5)
        assert (client.status_code, referral.status_code) == (201, 201)

        received = read_client_events(kafka_settings, client_id, 7)
    finally:
        process.send_signal(signal.SIGTERM)
        exit_code = process.wait(timeout=30)

    assert sorted(event.type for _, event in received) == [
        "screening.client.contact.v1",
        "screening.client.enrolled.v1",
        "screening.client.registered.v1",
        "screening.referral.expired.v1",
        "screening.referral.recorded.v1",
        "screening.referral.window.v1",
        "screening.referral.window.v1",
    ]
    assert exit_code == 0


def _ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/readyz", timeout=1).status_code == 200
    except requests.ConnectionError:
        return False
