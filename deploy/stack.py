"""``make run``: the whole clinic on one machine with embedded defaults.

A broker (found or started), the sandbox clearinghouse, and every service as its own
process, each with its SQLite file under var/. Ctrl-C stops everything.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import signal
import subprocess
import sys
import threading
import time

import requests

from deploy.kafka import obtain_broker
from shared.config import DEFAULT_PORTS, KafkaSettings
from shared.events import EVENTS
from shared.kafka.clients import ensure_topics, topics_for
from shared.logs import configure_logging

log = logging.getLogger("deploy.stack")
SANDBOX_PORT = 8009
READY_TIMEOUT_SECONDS = 60


def available_services() -> list[str]:
    """The services of this checkout that can be run (``python -m services.<name>``)."""
    return [
        name
        for name in DEFAULT_PORTS
        if importlib.util.find_spec(f"services.{name}.__main__") is not None
    ]


def _wait_ready(urls: dict[str, str]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    pending = dict(urls)
    while pending and time.monotonic() < deadline:
        for name, url in list(pending.items()):
            try:
                if requests.get(url, timeout=1).status_code == 200:
                    del pending[name]
            except requests.RequestException:
                pass
        time.sleep(0.3)
    if pending:
        raise RuntimeError(f"not ready within {READY_TIMEOUT_SECONDS}s: {sorted(pending)}")


def main() -> None:
    """Start everything, print where it is, and wait for Ctrl-C."""
    configure_logging("stack")
    os.makedirs("var", exist_ok=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    port = None if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") else 9092
    with obtain_broker(port=port) as broker:
        env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers}
        ensure_topics(KafkaSettings(bootstrap_servers=broker.bootstrap_servers), topics_for(EVENTS))
        children: dict[str, subprocess.Popen[bytes]] = {
            "sandbox-clearinghouse": subprocess.Popen(
                [sys.executable, "-m", "deploy.sandbox_clearinghouse", "--port", str(SANDBOX_PORT)],
                env=env,
            ),
        }
        readiness = {"sandbox-clearinghouse": f"http://127.0.0.1:{SANDBOX_PORT}/v1/_submissions"}
        for name in available_services():
            children[name] = subprocess.Popen([sys.executable, "-m", f"services.{name}"], env=env)
            readiness[name] = f"http://127.0.0.1:{DEFAULT_PORTS[name]}/readyz"
        try:
            _wait_ready(readiness)
            print(f"\nmedmassage is running (kafka: {broker.source} {broker.bootstrap_servers})")
            for name in available_services():
                print(f"  {name:<22} http://127.0.0.1:{DEFAULT_PORTS[name]}/openapi.json")
            print(
                f"  {'sandbox-clearinghouse':<22} http://127.0.0.1:{SANDBOX_PORT}/v1/_submissions"
            )
            print("Ctrl-C stops everything.\n", flush=True)
            while not stop.is_set():
                dead = [n for n, p in children.items() if p.poll() is not None]
                if dead:
                    log.error("a process exited; stopping the stack", extra={"processes": dead})
                    break
                stop.wait(1)
        except KeyboardInterrupt:
            pass
        finally:
            for process in children.values():
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in children.values():
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


if __name__ == "__main__":
    main()
