"""Run the sandbox clearinghouse: python -m deploy.sandbox_clearinghouse [--port 8009]."""

import argparse
import contextlib
import logging
import os

from deploy.sandbox_clearinghouse.envelope_check import PYX12, VALIDATIONS
from deploy.sandbox_clearinghouse.rules import RejectionRules
from deploy.sandbox_clearinghouse.server import DEFAULT_API_KEYS, check_api_keys, make_server
from shared.config import load_mode


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, with defaults from the environment."""
    parser = argparse.ArgumentParser(prog="python -m deploy.sandbox_clearinghouse")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("SANDBOX_PORT", "8009")),
        help="port to listen on (default 8009; env SANDBOX_PORT)",
    )
    parser.add_argument(
        "--host",
        default=os.environ.get("SANDBOX_HOST", "127.0.0.1"),
        help="address to bind (default 127.0.0.1; a container passes 0.0.0.0; env SANDBOX_HOST)",
    )
    parser.add_argument("--rules", help="JSON file of rejection and adjudication rules")
    for stage, env, default in (
        ("receipt", "SANDBOX_RECEIPT_DELAY_SECONDS", 0),
        ("adjudication", "SANDBOX_ADJUDICATION_DELAY_SECONDS", 1),
        ("remittance", "SANDBOX_REMITTANCE_DELAY_SECONDS", 2),
    ):
        parser.add_argument(
            f"--{stage}-delay",
            type=float,
            help=f"seconds from receipt to the {stage} report (default {default}; env {env})",
        )
    parser.add_argument(
        "--validation",
        choices=VALIDATIONS,
        default=os.environ.get("SANDBOX_VALIDATION") or PYX12,
        help="pyx12: validate every 837P in full (default); envelope: only its counts and "
        "control numbers, for benchmarks that report pyx12's cost apart (env SANDBOX_VALIDATION)",
    )
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        help="accepted bearer key (repeatable; env SANDBOX_API_KEYS, comma-separated)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve until interrupted; refuse weak keys in production."""
    args = parse_arguments(argv)
    api_keys = args.api_keys or _keys_from_env() or list(DEFAULT_API_KEYS)
    check_api_keys(load_mode(), api_keys)
    rules = RejectionRules.from_file(args.rules) if args.rules else RejectionRules()
    logging.basicConfig(level=logging.INFO)
    server = make_server(
        port=args.port,
        rules=rules,
        api_keys=api_keys,
        host=args.host,
        receipt_delay=args.receipt_delay,
        adjudication_delay=args.adjudication_delay,
        remittance_delay=args.remittance_delay,
        validation=args.validation,
    )
    logging.getLogger(__name__).info("sandbox clearinghouse listening on %s", server.url)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


def _keys_from_env() -> list[str]:
    return [key.strip() for key in os.environ.get("SANDBOX_API_KEYS", "").split(",") if key.strip()]


if __name__ == "__main__":
    main()
