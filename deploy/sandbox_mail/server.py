"""The SMTP sink and its read-only HTTP page, started and stopped together."""

from __future__ import annotations

import json
import threading
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from deploy.sandbox_mail.mailbox import Mailbox


class MailSink:
    """An SMTP server on ``smtp_port`` and, if ``http_port`` is given, a page listing mail."""

    def __init__(self, mailbox: Mailbox, smtp_port: int, http_port: int | None = None,
                 host: str = "127.0.0.1") -> None:
        self.mailbox = mailbox
        self.host = host
        self.smtp_port = smtp_port
        self.controller = Controller(mailbox, hostname=host, port=smtp_port)
        self._httpd = _HTTPServer((host, http_port), _Handler, mailbox) if http_port else None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str | None:
        """Where the mail can be read (GET / as a page, GET /messages as JSON)."""
        if self._httpd is None:
            return None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> MailSink:
        self.controller.start()
        if self._httpd is not None:
            self._thread = threading.Thread(target=self._httpd.serve_forever,
                                            kwargs={"poll_interval": 0.1}, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self.controller.stop()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type, mailbox: Mailbox) -> None:
        self.mailbox = mailbox
        super().__init__(address, handler)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def do_GET(self) -> None:
        summaries = [m.summary() for m in self.server.mailbox.received()]
        if self.path.split("?")[0] == "/messages":
            self._send("application/json", json.dumps({"messages": summaries}).encode())
        elif self.path.split("?")[0] == "/":
            rows = "".join(
                f"<article><h2>{escape(str(s['subject']))}</h2><p>To {escape(', '.join(s['to']))}"
                f" &middot; {escape(str(s['date']))}</p><pre>{escape(s['body'])}</pre></article>"
                for s in reversed(summaries))
            page = (f'<!doctype html><html lang="en"><head><meta charset="utf-8">'
                    f"<title>Sent mail</title></head><body><h1>Sent mail "
                    f"({len(summaries)})</h1>{rows}</body></html>")
            self._send("text/html; charset=utf-8", page.encode())
        else:
            self.send_error(HTTPStatus.NOT_FOUND)

    def log_message(self, format: str, *args: Any) -> None:
        return None

    def _send(self, content_type: str, body: bytes) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
