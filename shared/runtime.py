"""Running a service: HTTP, outbox relay, consumers and workers in one process, or apart.

``python -m services.<name>`` migrates the database and runs everything (the embedded
default); ``migrate`` only brings the database up to date; ``web`` runs only HTTP (for
gunicorn, ``services.<name>.app:create_app()`` instead) and ``workers`` only the
background loops, so production can scale each on its own. ``web`` and ``workers``
never migrate: production runs ``migrate`` once per release, before them.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server

from shared.config import Settings
from shared.logs import configure_logging

log = logging.getLogger("shared.runtime")


class _QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler without its access log: that line carries the query string,
    where searches put names and birth dates. The app logs its own access line."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None


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
        server = make_server(args.host, port, service.app, threaded=True,
                             request_handler=_QuietRequestHandler)
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
