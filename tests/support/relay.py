"""A TCP relay in front of a server that counts round trips: how often the client spoke
again after the server had answered.

Pipelined statements go out before any answer comes back, so they count once; statements
sent one at a time, each after the previous one's answer, count once each. Used to show
that PostgreSQL reads sent together (``shared/read_together.py``) cost one round trip.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class CountingRelay:
    """Listens on a free loopback port and relays each connection to ``target``."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self._target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._round_trips = 0
        self._server_spoke_last: dict[int, bool] = {}
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def round_trips(self) -> int:
        with self._lock:
            return self._round_trips

    @contextmanager
    def counting(self) -> Iterator[list[int]]:
        """Yields a one-item list filled, at the end, with the round trips made inside."""
        before = self.round_trips
        made: list[int] = []
        yield made
        made.append(self.round_trips - before)

    def close(self) -> None:
        self._listener.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            server = socket.create_connection(self._target)
            key = id(client)
            with self._lock:
                self._server_spoke_last[key] = True
            threading.Thread(target=self._pump, args=(client, server, key, True),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, key, False),
                             daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, key: int,
              from_client: bool) -> None:
        try:
            while data := source.recv(65536):
                with self._lock:
                    # Counted before forwarding: the answer cannot overtake its question.
                    if from_client and self._server_spoke_last[key]:
                        self._round_trips += 1
                    self._server_spoke_last[key] = not from_client
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)
