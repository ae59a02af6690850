"""The sandbox SMS provider's HTTP face: a real socket, so the adapter meets real faults.

    POST   /v1/messages        send (Bearer key; Idempotency-Key or reference dedupes)
    GET    /v1/messages        every message taken, with its statuses
    GET    /v1/messages/<id>   one message
    POST   /v1/_inbound        play a phone texting the clinic: {"from": ..., "body": "STOP"}
    POST   /v1/_faults         arm a fault: {"mode": "503"|"slow"|"drop", "count", "seconds"}
    DELETE /v1/_faults         disarm
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from deploy.sandbox_server import SandboxHttp, SandboxHttpServer
from deploy.sandbox_sms.faults import Fault, Faults
from deploy.sandbox_sms.provider import Provider, Refused

DEFAULT_API_KEYS = ("sandbox-sms-key",)
DEFAULT_CALLBACK_SECRET = "sandbox-sms-callback-secret"
log = logging.getLogger(__name__)


class SmsSandbox(SandboxHttp):
    """A running (or ready to run) sandbox SMS provider on one port."""

    def __init__(self, provider: Provider, api_keys: Iterable[str], host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.provider = provider
        self.api_keys = frozenset(api_keys)
        self.faults = Faults()
        super().__init__(_Handler, host, port)


def make_server(port: int = 0, host: str = "127.0.0.1",
                api_keys: Iterable[str] = DEFAULT_API_KEYS,
                callback_secret: str = DEFAULT_CALLBACK_SECRET, inbound_url: str | None = None,
                undeliverable: Iterable[str] = ()) -> SmsSandbox:
    """A sandbox on ``port`` (0: any free port); call ``.start()`` to serve."""
    provider = Provider(callback_secret, inbound_url, frozenset(undeliverable))
    return SmsSandbox(provider, api_keys, host, port)


class _Handler(BaseHTTPRequestHandler):
    server: SandboxHttpServer

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        body = self._json_body()
        if body is None:
            return
        sandbox = self.server.sandbox
        if path == "/v1/messages":
            if self._authorised() and self._suffer_fault():
                self._send_message(body)
        elif path == "/v1/_inbound":
            phone, text = body.get("from"), body.get("body")
            if not isinstance(phone, str) or not isinstance(text, str):
                self._json(HTTPStatus.BAD_REQUEST, {"error": "from and body are required"})
                return
            sandbox.provider.reply(phone, text)
            self._json(HTTPStatus.ACCEPTED, {"from": phone, "body": text})
        elif path == "/v1/_faults":
            try:
                fault = Fault.from_json(body)
            except ValueError as exc:
                self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
                return
            sandbox.faults.arm(fault)
            self._json(HTTPStatus.OK, {"armed": fault.__dict__})
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint: {path}"})

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        provider = self.server.sandbox.provider
        if path == "/v1/messages":
            self._json(HTTPStatus.OK, {"messages": [t.as_json() for t in provider.texts()]})
        elif path.startswith("/v1/messages/"):
            text = provider.text(path.rsplit("/", 1)[1])
            if text is None:
                self._json(HTTPStatus.NOT_FOUND, {"error": "no such message"})
            else:
                self._json(HTTPStatus.OK, text.as_json())
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint: {path}"})

    def do_DELETE(self) -> None:
        if urlsplit(self.path).path == "/v1/_faults":
            self.server.sandbox.faults.clear()
            self.send_response(HTTPStatus.NO_CONTENT)
            self.end_headers()
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": "no such endpoint"})

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _send_message(self, body: dict[str, Any]) -> None:
        try:
            text, created = self.server.sandbox.provider.take(
                body, self.headers.get("Idempotency-Key"))
        except Refused as exc:
            self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc), "code": exc.code})
            return
        status = HTTPStatus.CREATED if created else HTTPStatus.OK
        self._json(status, {"id": text.id, "status": text.status})

    def _suffer_fault(self) -> bool:
        sandbox = self.server.sandbox
        fault = sandbox.faults.take()
        if fault is None:
            return True
        if fault.mode == "503":
            self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "injected fault"})
            return False
        if fault.mode == "drop":
            self.close_connection = True
            return False
        sandbox.stopping.wait(fault.seconds)  # slow: the message is still taken afterwards
        return True

    def _authorised(self) -> bool:
        scheme, _, key = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and key.strip() in self.server.sandbox.api_keys:
            return True
        self._json(HTTPStatus.UNAUTHORIZED, {"error": "missing or unknown API key"})
        return False

    def _json_body(self) -> dict[str, Any] | None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            self._json(HTTPStatus.BAD_REQUEST, {"error": "send a JSON object"})
            return None
        return body

    def _json(self, status: HTTPStatus, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
