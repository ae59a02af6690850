"""The sandbox clearinghouse's HTTP face: a real socket, so clients meet real network faults."""

import json
import logging
import os
from collections.abc import Iterable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from deploy.sandbox_clearinghouse.clearinghouse import (
    MAX_REPORTS_PER_READ,
    AmbiguousInterchange,
    Clearinghouse,
    Timings,
    UnknownInterchange,
)
from deploy.sandbox_clearinghouse.envelope_check import PYX12
from deploy.sandbox_clearinghouse.faults import Fault
from deploy.sandbox_clearinghouse.rules import RejectionRules
from deploy.sandbox_clearinghouse.submission import NotAnInterchange
from deploy.sandbox_server import SandboxHttp, SandboxHttpServer
from shared.config import PRODUCTION, ConfigurationError

DEFAULT_API_KEYS = ("sandbox-key",)
MIN_API_KEY_LENGTH = 32
X12_CONTENT_TYPES = ("text/plain", "application/edi-x12")

logger = logging.getLogger(__name__)


class SandboxServer(SandboxHttp):
    """A running (or ready to run) sandbox clearinghouse on one port."""

    def __init__(
        self,
        clearinghouse: Clearinghouse,
        api_keys: Iterable[str],
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.clearinghouse = clearinghouse
        self.api_keys = frozenset(api_keys)
        self.faults = clearinghouse.faults
        super().__init__(_Handler, host, port)


def make_server(
    port: int = 0,
    rules: RejectionRules | None = None,
    api_keys: Iterable[str] = DEFAULT_API_KEYS,
    host: str = "127.0.0.1",
    receipt_delay: float | None = None,
    adjudication_delay: float | None = None,
    remittance_delay: float | None = None,
    validation: str | None = None,
) -> SandboxServer:
    """Build a sandbox on `port` (0 = any free port); call `.start()` to serve.

    The delays (seconds from receipt to the A1 277CA, the A2/rejection 277CA and the 835s)
    default to SANDBOX_RECEIPT_DELAY_SECONDS, SANDBOX_ADJUDICATION_DELAY_SECONDS and
    SANDBOX_REMITTANCE_DELAY_SECONDS, else 0, 1 and 2. ``validation`` (else
    SANDBOX_VALIDATION, else pyx12): ``envelope`` checks only the envelope, for benchmarks
    that report pyx12's cost apart (envelope_check.py).
    """
    timings = Timings.from_environment(
        receipt_delay=receipt_delay,
        adjudication_delay=adjudication_delay,
        remittance_delay=remittance_delay,
    )
    validation = validation or os.environ.get("SANDBOX_VALIDATION", "").strip() or PYX12
    clearinghouse = Clearinghouse(rules or RejectionRules(), timings=timings, validation=validation)
    return SandboxServer(clearinghouse, api_keys, host, port)


def check_api_keys(mode: str, api_keys: Iterable[str]) -> None:
    """In production mode refuse the published default key and keys short enough to guess."""
    if mode != PRODUCTION:
        return
    if any(key in DEFAULT_API_KEYS or len(key) < MIN_API_KEY_LENGTH for key in api_keys):
        raise ConfigurationError(
            "SANDBOX_API_KEYS: in MEDMASSAGE_MODE=production every key must be a random "
            f"string of at least {MIN_API_KEY_LENGTH} characters, never the default "
            f"{DEFAULT_API_KEYS[0]!r}"
        )


class _Handler(BaseHTTPRequestHandler):
    server: SandboxHttpServer

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        body = self._read_body()
        if path == "/v1/_faults":
            self._arm_fault(body)
        elif path == "/v1/claims/837":
            if self._suffer_fault("submit"):
                self._submit_837(body)
        else:
            self._send_json(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint: {path}"})

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/v1/_submissions":
            receipts = self.server.sandbox.clearinghouse.receipts()
            self._send_json(HTTPStatus.OK, {"submissions": [r.as_json() for r in receipts]})
        elif url.path == "/v1/claims/277ca":
            if self._suffer_fault():
                self._claim_acknowledgement(parse_qs(url.query))
        elif url.path == "/v1/reports":
            if self._suffer_fault("reports"):
                self._reports(parse_qs(url.query))
        else:
            self._send_json(HTTPStatus.NOT_FOUND, {"error": f"no such endpoint: {url.path}"})

    def do_DELETE(self) -> None:
        if urlsplit(self.path).path == "/v1/_faults":
            self.server.sandbox.faults.clear()
            self.send_response(HTTPStatus.NO_CONTENT)
            self.end_headers()
        else:
            self._send_json(HTTPStatus.NOT_FOUND, {"error": "no such endpoint"})

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)

    def _suffer_fault(self, endpoint: str = "any") -> bool:
        """Apply the armed fault, if any; return whether the request should still be served."""
        sandbox = self.server.sandbox
        fault = sandbox.faults.take(endpoint=endpoint)
        if fault is None:
            return True
        if fault.mode == "503":
            self._send_json(
                HTTPStatus.SERVICE_UNAVAILABLE, {"error": "injected fault"}, {"Retry-After": "1"}
            )
            return False
        if fault.mode == "drop":
            # Close without a status line: the client sees the connection reset or closed.
            self.close_connection = True
            return False
        # A slow server still does the work: a client that gave up may have submitted.
        sandbox.stopping.wait(fault.seconds)
        return True

    def _submit_837(self, body: bytes) -> None:
        if not self._authorised():
            return
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type not in X12_CONTENT_TYPES:
            self._send_json(
                HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                {"error": f"send X12 as one of {', '.join(X12_CONTENT_TYPES)}"},
            )
            return
        try:
            functional_ack = self.server.sandbox.clearinghouse.receive_837(
                body.decode(), api_key=self._api_key()
            )
        except (NotAnInterchange, UnicodeDecodeError) as error:
            self._send_json(HTTPStatus.BAD_REQUEST, {"error": str(error)})
            return
        self._send_x12(functional_ack)

    def _claim_acknowledgement(self, query: dict[str, list[str]]) -> None:
        if not self._authorised():
            return
        clearinghouse = self.server.sandbox.clearinghouse
        if "interchange" not in query:
            pending = clearinghouse.pending_claim_acknowledgements()
            self._send_json(HTTPStatus.OK, {"pending": pending})
            return
        number = query["interchange"][0]
        number = number.zfill(9) if number.isdigit() else number
        sender = query.get("sender", [None])[0]
        try:
            self._send_x12(clearinghouse.claim_acknowledgement(number, sender))
        except UnknownInterchange as error:
            self._send_json(HTTPStatus.NOT_FOUND, {"error": str(error)})
        except AmbiguousInterchange as error:
            self._send_json(HTTPStatus.CONFLICT, {"error": f"{error}; add &sender=<ISA06>"})

    def _reports(self, query: dict[str, list[str]]) -> None:
        if not self._authorised():
            return
        try:
            after = int(query.get("after", ["0"])[0] or 0)
            limit = min(int(query.get("limit", ["100"])[0] or 100), MAX_REPORTS_PER_READ)
            reports = self.server.sandbox.clearinghouse.reports(self._api_key(), after, limit)
        except ValueError:
            self._send_json(
                HTTPStatus.BAD_REQUEST,
                {"error": f"after is an id >= 0, limit 1-{MAX_REPORTS_PER_READ}"},
            )
            return
        next_after = reports[-1].id if reports else after
        self._send_json(
            HTTPStatus.OK,
            {"reports": [report.as_json() for report in reports], "next_after": next_after},
        )

    def _arm_fault(self, body: bytes) -> None:
        try:
            fault = Fault.from_json(json.loads(body or b"{}"))
        except (ValueError, TypeError, AttributeError) as error:
            self._send_json(HTTPStatus.BAD_REQUEST, {"error": str(error)})
            return
        self.server.sandbox.faults.arm(fault)
        self._send_json(HTTPStatus.OK, {"armed": fault.__dict__})

    def _api_key(self) -> str:
        scheme, _, key = self.headers.get("Authorization", "").partition(" ")
        return key.strip() if scheme.lower() == "bearer" else ""

    def _authorised(self) -> bool:
        if self._api_key() in self.server.sandbox.api_keys:
            return True
        self._send_json(
            HTTPStatus.UNAUTHORIZED,
            {"error": "missing or unknown API key"},
            {"WWW-Authenticate": "Bearer"},
        )
        return False

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send_x12(self, text: str) -> None:
        self._send(HTTPStatus.OK, text.encode(), "application/edi-x12", {})

    def _send_json(
        self, status: HTTPStatus, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json", headers or {})

    def _send(self, status: HTTPStatus, body: bytes, content_type: str, headers: dict) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)
