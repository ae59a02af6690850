"""What every sandbox outside party shares: a real HTTP socket served on a background thread.

The sandbox clearinghouse and the sandbox SMS provider each hand their handler class and
themselves (the handlers reach it as ``self.server.sandbox``) to ``SandboxHttp``; starting,
stopping and the ``with`` block are the same for both.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class SandboxHttpServer(ThreadingHTTPServer):
    """The socket: handlers reach their sandbox through ``self.server.sandbox``."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 sandbox: object) -> None:
        super().__init__(address, handler)
        self.sandbox = sandbox


class SandboxHttp:
    """A sandbox on one port, served in a background thread (or the caller's)."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], host: str, port: int,
                 server_class: type[SandboxHttpServer] = SandboxHttpServer) -> None:
        # Set by stop(): handlers sleeping in a "slow" fault wake up and give up.
        self.stopping = threading.Event()
        self._httpd = server_class((host, port), handler, self)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:8009."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        """Serve in a background thread and return self."""
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        self._httpd.serve_forever()

    def stop(self) -> None:
        """Stop serving, cut short any slow-fault sleep, and free the port."""
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
