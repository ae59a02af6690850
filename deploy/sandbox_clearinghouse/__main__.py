"""Run the sandbox clearinghouse: python -m deploy.sandbox_clearinghouse [--port 8009]."""

import argparse
import contextlib
import logging
import os

from deploy.sandbox_clearinghouse.rules import RejectionRules
from deploy.sandbox_clearinghouse.server import DEFAULT_API_KEYS, make_server


def main() -> None:
    """Parse the command line and serve until interrupted."""
    parser = argparse.ArgumentParser(prog="python -m deploy.sandbox_clearinghouse")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("SANDBOX_PORT", "8009")),
        help="port to listen on (default 8009; env SANDBOX_PORT)",
    )
    parser.add_argument(
        "--host",
        default=os.environ.get("SANDBOX_HOST", "0.0.0.0"),
        help="address to bind (default 0.0.0.0 so a container can publish it; env SANDBOX_HOST)",
    )
    parser.add_argument("--rules", help="JSON file of rejection rules")
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        help="accepted bearer key (repeatable; env SANDBOX_API_KEYS, comma-separated)",
    )
    args = parser.parse_args()
    api_keys = args.api_keys or _keys_from_env() or list(DEFAULT_API_KEYS)
    rules = RejectionRules.from_file(args.rules) if args.rules else RejectionRules()
    logging.basicConfig(level=logging.INFO)
    server = make_server(port=args.port, rules=rules, api_keys=api_keys, host=args.host)
    logging.getLogger(__name__).info("sandbox clearinghouse listening on %s", server.url)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


def _keys_from_env() -> list[str]:
    return [key.strip() for key in os.environ.get("SANDBOX_API_KEYS", "").split(",") if key.strip()]


if __name__ == "__main__":
    main()
