"""``make run``: the whole clinic on one machine with embedded defaults.

A broker (found or started), the sandbox clearinghouse, the sandbox SMS provider, a local
SMTP sink (whose mail can be read on a small page), and every service as its own process,
each with its SQLite file under var/. Ctrl-C stops everything. The same ``Stack`` runs
the end-to-end tests, on free ports and temporary databases.
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
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import requests

from deploy import demo
from deploy.kafka import obtain_broker
from shared.clock import CLOCK_FILE_SETTING
from shared.config import DEFAULT_PORTS, DEVELOPMENT, KafkaSettings, load_mode
from shared.events import EVENTS
from shared.kafka.clients import ensure_topics, topics_for
from shared.logs import configure_logging
from shared.tokens import PRIVATE_KEY_SETTING, ROLES, signing_key_from

log = logging.getLogger("deploy.stack")
SANDBOX_PORT = 8009
SMS_PORT = 8010
MAIL_PORT = 8011  # the SMTP sink's read-only page of sent mail
SMTP_PORT = 8025
CONSOLE = "console"
CONSOLE_PORT = 8000
# The demo's console accounts, one per role; the therapist's is linked to a demo therapist
# (deploy/demo.py THERAPISTS' staff_subject) so her schedule shows on "Today".
DEMO_ACCOUNTS = (("frontdesk", "front_desk", "Front Desk"),
                 ("dana.whitfield", "therapist", "Dana Whitfield"),
                 ("billing", "billing", "Billing Office"),
                 ("ops", "ops", "Operations"),
                 ("admin", "admin", "Clinic Admin"))
READY_TIMEOUT_SECONDS = 60
DEMO_TOKEN_LIFETIME = timedelta(hours=8)


def available_services() -> list[str]:
    """The services of this checkout that can be run (``python -m services.<name>``)."""
    return [name for name in DEFAULT_PORTS
            if importlib.util.find_spec(f"services.{name}.__main__") is not None]


@dataclass
class Stack:
    """The sandbox clearinghouse and every service, each its own process."""

    bootstrap_servers: str
    # The console runs when it has a port here (it is the first address ``make run`` prints).
    ports: dict[str, int] = field(
        default_factory=lambda: {CONSOLE: CONSOLE_PORT, **DEFAULT_PORTS})
    sandbox_port: int = SANDBOX_PORT
    sms_port: int = SMS_PORT
    mail_port: int = MAIL_PORT
    smtp_port: int = SMTP_PORT
    env: dict[str, str] = field(default_factory=dict)
    log_dir: str | None = None
    sandbox_rules: str | None = None  # a JSON rules file: which claims the sandbox rejects
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def url(self, name: str) -> str:
        """Base URL of a service, of ``sandbox``, ``sms`` (the SMS provider) or ``mail``."""
        outside = {"sandbox": self.sandbox_port, "sms": self.sms_port, "mail": self.mail_port}
        port = outside[name] if name in outside else self.ports[name]
        return f"http://127.0.0.1:{port}"

    def _environment(self) -> dict[str, str]:
        env = {**os.environ, **self.env, "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap_servers,
               "CLAIMS_CLEARINGHOUSE_URL": self.url("sandbox"),
               "NOTIFICATIONS_SMS_URL": self.url("sms"),
               "NOTIFICATIONS_SMTP_HOST": "127.0.0.1",
               "NOTIFICATIONS_SMTP_PORT": str(self.smtp_port)}
        if "notifications" in self.ports:
            env["NOTIFICATIONS_PUBLIC_URL"] = self.url("notifications")
        if "scheduling" in self.ports and "SCHEDULING_WAITLIST_LINK_BASE" not in self.env:
            # Offer links in messages open the widget of this stack's scheduling.
            env["SCHEDULING_WAITLIST_LINK_BASE"] = f"{self.url('scheduling')}/widget/offer.html"
        for name, port in self.ports.items():
            env[f"{name.upper()}_PORT"] = str(port)
            # The console calls each service's API (services/console/config.py).
            env[f"CONSOLE_{name.upper()}_URL"] = self.url(name)
        return env

    def _spawn(self, name: str, *args: str) -> None:
        output = None
        if self.log_dir:
            output = open(os.path.join(self.log_dir, f"{name}.log"), "ab")  # noqa: SIM115
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", *args], env=self._environment(), stdout=output,
            stderr=subprocess.STDOUT if output else None)

    def start(self, services: list[str] | None = None) -> None:
        """Create the topics, start everything and wait until each answers ready."""
        ensure_topics(KafkaSettings(bootstrap_servers=self.bootstrap_servers),
                      topics_for(EVENTS))
        rules = ["--rules", self.sandbox_rules] if self.sandbox_rules else []
        self._spawn("sandbox", "deploy.sandbox_clearinghouse", "--port", str(self.sandbox_port),
                    *rules)
        self._start_outside_parties_of_notifications()
        if CONSOLE in self.ports and services is None:
            self._spawn(CONSOLE, f"services.{CONSOLE}")
        for name in services or available_services():
            self._spawn(name, f"services.{name}")
        self.wait_ready()

    def _start_outside_parties_of_notifications(self) -> None:
        """The SMS provider (texts from phones go to notifications) and the SMTP sink."""
        inbound = (["--inbound-url", f"{self.url('notifications')}/sms/inbound"]
                   if "notifications" in self.ports else [])
        self._spawn("sms", "deploy.sandbox_sms", "--port", str(self.sms_port), *inbound)
        var = self._environment().get("MEDMASSAGE_VAR_DIR") or "var"
        maildir = os.path.join(var, "mail")
        self._spawn("mail", "deploy.sandbox_mail", "--smtp-port", str(self.smtp_port),
                    "--http-port", str(self.mail_port), "--maildir", maildir)

    def start_service(self, name: str) -> None:
        """(Re)start one service process, e.g. after killing it in a fault test."""
        self._spawn(name, f"services.{name}")
        self.wait_ready([name])

    def wait_ready(self, names: list[str] | None = None) -> None:
        """Poll readiness endpoints until all answer 200."""
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        probes = {"sandbox": "/v1/_submissions", "sms": "/v1/messages", "mail": "/messages"}
        pending = {n: f"{self.url(n)}{probes.get(n, '/readyz')}"
                   for n in (names or list(self.processes))}
        while pending and time.monotonic() < deadline:
            for name, url in list(pending.items()):
                if self.processes[name].poll() is not None:
                    raise RuntimeError(f"{name} exited during start")
                try:
                    if requests.get(url, timeout=1).status_code == 200:
                        del pending[name]
                except requests.RequestException:
                    pass
            time.sleep(0.2)
        if pending:
            raise RuntimeError(f"not ready within {READY_TIMEOUT_SECONDS}s: {sorted(pending)}")

    def create_console_account(self, username: str, role: str, name: str) -> str:
        """An account (or a new password for it) in the console; its generated password."""
        answer = subprocess.run(
            [sys.executable, "-m", f"services.{CONSOLE}", "create-user", username, "--role", role,
             "--name", name, "--generate", "--reset"],
            env=self._environment(), capture_output=True, text=True, timeout=120, check=False)
        if answer.returncode != 0:
            raise RuntimeError(f"create-user {username}: {answer.stderr.strip()}")
        return answer.stdout.strip().splitlines()[-1]

    def dead(self) -> list[str]:
        """Processes that have exited."""
        return [name for name, p in self.processes.items() if p.poll() is not None]

    def stop(self) -> None:
        """SIGTERM everything, wait, SIGKILL what does not stop."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()


def load_demo_and_print_access(stack: Stack) -> None:
    """Load the demo clinic, then print a staff token per role and a client's booking code."""
    # The development key unless MEDMASSAGE_JWT_PRIVATE_KEY gives the stack's own.
    key = signing_key_from(os.environ.get(PRIVATE_KEY_SETTING, ""))
    admin = key.sign("demo-admin", ["admin"], DEMO_TOKEN_LIFETIME)
    clinic = demo.load_demo_data({name: stack.url(name) for name in DEFAULT_PORTS}, admin)
    print("\nDemo staff tokens (8 hours; send as 'Authorization: Bearer <token>'):")
    for role in ROLES:
        print(f"  {role:<12} {key.sign(f'demo-{role}', [role], DEMO_TOKEN_LIFETIME)}")
    client_id = clinic.clients["cleared"]
    code = demo.booking_code(stack.url("scheduling"), admin, client_id)
    if CONSOLE in stack.processes:
        print(f"\nClinic console: {stack.url(CONSOLE)}/ (demo accounts, new passwords each run)")
        for username, role, name in DEMO_ACCOUNTS:
            password = stack.create_console_account(username, role, name)
            print(f"  {role:<12} {username:<16} {password}")
    print(f"\nBooking widget: {stack.url('scheduling')}/widget/")
    print(f"  booking code of demo client {client_id}: {code['booking_code']}")
    print(f"  or the link that fills it in: {code['widget_link']}")


def main() -> None:
    """Start everything, print where it is, and wait for Ctrl-C."""
    configure_logging("stack")
    os.makedirs("var", exist_ok=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    port = None if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") else 9092
    with obtain_broker(port=port) as broker:
        # Screening dates referrals and screenings by the clinic's day, like scheduling does.
        zone = os.environ.get("SCREENING_CLINIC_TIMEZONE", demo.TIME_ZONE)
        env = {"SCREENING_CLINIC_TIMEZONE": zone}
        if load_mode() == DEVELOPMENT:
            # The demo's test clock: `python -m shared.clock advance 24` lets a visit booked
            # for tomorrow be recorded now (docs/OPERATIONS.md §Test clock).
            env[CLOCK_FILE_SETTING] = (os.environ.get(CLOCK_FILE_SETTING)
                                       or str(Path("var", "clock").resolve()))
        stack = Stack(broker.bootstrap_servers, env=env)
        try:
            stack.start()
            print(f"\nmedmassage is running (kafka: {broker.source} {broker.bootstrap_servers})")
            print(f"  {'console':<22} {stack.url(CONSOLE)}/")
            for name in available_services():
                print(f"  {name:<22} {stack.url(name)}/openapi.json")
            print(f"  {'sandbox clearinghouse':<22} {stack.url('sandbox')}/v1/_submissions")
            print(f"  {'sandbox SMS provider':<22} {stack.url('sms')}/v1/messages")
            print(f"  {'SMTP sink':<22} 127.0.0.1:{stack.smtp_port}; sent mail: "
                  f"{stack.url('mail')}/ (JSON: /messages; maildir var/mail)")
            if CLOCK_FILE_SETTING in env:
                print(f"  {'test clock':<22} {CLOCK_FILE_SETTING}={env[CLOCK_FILE_SETTING]} "
                      "python -m shared.clock advance HOURS")
            load_demo_and_print_access(stack)
            print("Ctrl-C stops everything.\n", flush=True)
            while not stop.is_set():
                if stack.dead():
                    log.error("a process exited; stopping", extra={"processes": stack.dead()})
                    break
                stop.wait(1)
        except KeyboardInterrupt:
            pass
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
