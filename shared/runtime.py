"""Running a service: HTTP, outbox relay, consumers and workers in one process, or apart.

``python -m services.<name>`` migrates the database and runs everything (the embedded
default); ``migrate`` only brings the database up to date; ``web`` runs only HTTP (for
gunicorn, ``services.<name>.app:create_app()`` instead) and ``workers`` only the
background loops, so production can scale each on its own. ``web`` and ``workers``
never migrate: production runs ``migrate`` once per release, before them.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Protocol

from flask import Flask
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from shared.config import Settings
from shared.logs import configure_logging
from shared.web.headers import ALWAYS
from shared.web.problems import PROBLEM_CONTENT_TYPE, problem_document, slug_of

log = logging.getLogger("shared.runtime")


class _QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without its access log: that line carries the query string,
    where searches put names and birth dates. The app logs its own access line.

    Requests the server refuses before the app sees them (a request line over 64 KiB:
    414; a header line over 64 KiB or more than 100 headers: 431; a malformed request
    line: 400) are answered as problem+json with the security headers, like the app's.
    """

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Refuse the request with a problem document (the standard library's is HTML)."""
        # ``message`` may quote the request line (and so a search's query): neither the
        # answer nor the log repeats it.
        log.info("request refused by the HTTP server", extra={"status": code})
        status = HTTPStatus(code)
        self.send_response(code)
        self.send_header("Connection", "close")
        for name, value in ALWAYS.items():
            self.send_header(name, value)
        body = b""
        if code >= 200 and code not in (204, 205, 304):
            document = problem_document(code, status.phrase, status.description,
                                        slug_of(status.phrase))
            body = json.dumps(document).encode()
            self.send_header("Content-Type", PROBLEM_CONTENT_TYPE)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)


class Loop(Protocol):
    """A background loop: runs until stop() is called."""

    def run(self) -> None: ...
    def stop(self) -> None: ...


@dataclass
class Service:
    """What a service's composition root assembles."""

    settings: Settings
    app: Flask
    loops: list[Loop] = field(default_factory=list)
    migrate: Callable[[], None] = lambda: None


def http_server(app: Flask, host: str, port: int) -> BaseWSGIServer:
    """The threaded HTTP server of ``web`` and ``all`` (port 0: any free port)."""
    return make_server(host, port, app, threaded=True, request_handler=_QuietRequestHandler)


def _supervise(loop: Loop, stop: threading.Event) -> None:
    """Run a loop; if it crashes, log and start it again, so one bug cannot idle a worker."""
    while not stop.is_set():
        try:
            loop.run()
            return
        except Exception:
            log.exception(
                "background loop crashed; restarting", extra={"loop": type(loop).__name__}
            )
            stop.wait(5)


def run(build: Callable[[], Service], argv: list[str] | None = None) -> None:
    """Parse ``[all|web|workers|migrate] [--port N]`` and run until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", nargs="?", choices=("all", "web", "workers", "migrate"),
                        default="all")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)
    service = build()
    configure_logging(service.settings.service)
    if args.mode in ("all", "migrate"):
        service.migrate()
        log.info("database up to date")
        if args.mode == "migrate":
            return
    # What start-up built (modules, the app, schemas, the code sets: ~150k objects) lives
    # as long as the process; kept out of the collector's generations, a full collection
    # no longer walks it every time (docs/PERFORMANCE.md, Remittance posting).
    gc.collect()
    gc.freeze()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    threads: list[threading.Thread] = []
    loops = service.loops if args.mode in ("all", "workers") else []
    for loop in loops:
        thread = threading.Thread(
            target=_supervise, args=(loop, stop), name=type(loop).__name__, daemon=True
        )
        thread.start()
        threads.append(thread)
    server = None
    if args.mode in ("all", "web"):
        port = args.port if args.port is not None else service.settings.port
        server = http_server(service.app, args.host, port)
        threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
        log.info("listening", extra={"port": server.server_port, "mode": args.mode})
    stop.wait()
    log.info("stopping")
    if server is not None:
        server.shutdown()
    for loop in loops:
        loop.stop()
    for thread in threads:
        thread.join(timeout=30)
    log.info("stopped")
