"""``python -m deploy.kafka``: obtain a broker, print its address, keep it until Ctrl-C."""

from __future__ import annotations

import argparse
import contextlib
import signal
import threading

from deploy.kafka.broker import obtain_broker
from shared.logs import configure_logging


def main() -> None:
    """Run a broker in the foreground."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=9092)
    args = parser.parse_args()
    configure_logging("kafka")
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with obtain_broker(port=args.port) as broker:
        print(f"KAFKA_BOOTSTRAP_SERVERS={broker.bootstrap_servers} ({broker.source})", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stopped.wait()


if __name__ == "__main__":
    main()
