"""A clearinghouse a test scripts, on a real socket: the answers the sandbox never gives.

POST /v1/claims/837 answers whatever the test set (by default a 999 accepting the
interchange's one transaction set); GET /v1/reports lists the reports the test added, with
the mailbox contract's cursor (docs/CLEARINGHOUSE_API.md). Nothing is mocked: the
claims service's own client talks HTTP to it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from services.claims.x12.syntax import split_segments
from tests.unit.claims.acknowledgement_texts import a_999

API_KEY = "sandbox-key"


@dataclass(frozen=True)
class Submitted:
    """What an 837P POSTed to the fake carried: its control numbers and claim ids."""

    interchange: int  # ISA13
    group: int  # GS06
    claim_ids: tuple[str, ...]


def accepting_999(submitted: Submitted) -> str:
    """A 999 accepting the interchange's transaction set 0001."""
    return a_999(submitted.group, [("0001", "A")])


@dataclass
class ScriptedClearinghouse:
    """What the fake answers and lists; tests change ``answer`` and call ``add_report``."""

    answer: Callable[[Submitted], str] = accepting_999
    submitted: list[Submitted] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_report(self, kind: str, x12: str, interchange: int | None = None) -> int:
        """List a report in the mailbox; its id."""
        with self.lock:
            report_id = len(self.reports) + 1
            self.reports.append({
                "id": report_id,
                "kind": kind,
                "created_at": "2026-12-01T23:10:00Z",
                "interchange_control_number": f"{interchange:09d}" if interchange else None,
                "x12": x12,
            })
            return report_id

    def receive(self, body: str) -> str:
        segments = split_segments(body).segments
        submitted = Submitted(
            interchange=int(segments[0][13]),
            group=int(next(s for s in segments if s[0] == "GS")[6]),
            claim_ids=tuple(s[1] for s in segments if s[0] == "CLM"),
        )
        with self.lock:
            self.submitted.append(submitted)
        return self.answer(submitted)

    def page(self, after: int, limit: int) -> dict[str, Any]:
        with self.lock:
            listed = [r for r in self.reports if r["id"] > after][:limit]
        return {"reports": listed, "next_after": listed[-1]["id"] if listed else after}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        if not self._authorised():
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        self._send(HTTPStatus.OK, self.server.script.receive(body), "application/edi-x12")

    def do_GET(self) -> None:
        if not self._authorised():
            return
        url = urlsplit(self.path)
        if url.path != "/v1/reports":
            self._send(HTTPStatus.NOT_FOUND, json.dumps({"error": "no such endpoint"}))
            return
        query = parse_qs(url.query)
        after, limit = int(query.get("after", ["0"])[0]), int(query.get("limit", ["100"])[0])
        self._send(HTTPStatus.OK, json.dumps(self.server.script.page(after, limit)))

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {API_KEY}":
            return True
        self._send(HTTPStatus.UNAUTHORIZED, json.dumps({"error": "missing or unknown API key"}))
        return False

    def _send(self, status: HTTPStatus, body: str, content_type: str = "application/json") -> None:
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    def __init__(self, script: ScriptedClearinghouse) -> None:
        self.script = script
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


@contextmanager
def scripted_clearinghouse() -> Iterator[tuple[str, ScriptedClearinghouse]]:
    """Serve a scripted clearinghouse in a thread; (its URL, the script)."""
    script = ScriptedClearinghouse()
    server = _Server(script)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield server.url, script
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
