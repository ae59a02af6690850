"""Run the sandbox SMS provider: python -m deploy.sandbox_sms [--port 8010]."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os

from deploy.sandbox_sms.server import DEFAULT_API_KEYS, DEFAULT_CALLBACK_SECRET, make_server


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line, with defaults from the environment."""
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m deploy.sandbox_sms")
    parser.add_argument("--port", type=int, default=int(env("SANDBOX_SMS_PORT", "8010")))
    parser.add_argument("--host", default=env("SANDBOX_SMS_HOST", "127.0.0.1"))
    parser.add_argument("--api-key", action="append", dest="api_keys",
                        help="accepted bearer key (repeatable; default sandbox-sms-key)")
    parser.add_argument("--callback-secret",
                        default=env("SANDBOX_SMS_CALLBACK_SECRET", DEFAULT_CALLBACK_SECRET),
                        help="signs status and inbound callbacks (X-Sandbox-Signature)")
    parser.add_argument("--inbound-url", default=env("SANDBOX_SMS_INBOUND_URL"),
                        help="where texts from phones (STOP) are forwarded")
    parser.add_argument("--undeliverable", action="append", default=[],
                        help="a number whose messages are reported undelivered (repeatable)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted."""
    args = parse_arguments(argv)
    logging.basicConfig(level=logging.INFO)
    server = make_server(port=args.port, host=args.host,
                         api_keys=args.api_keys or DEFAULT_API_KEYS,
                         callback_secret=args.callback_secret, inbound_url=args.inbound_url,
                         undeliverable=args.undeliverable)
    logging.getLogger(__name__).info("sandbox SMS provider listening on %s", server.url)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
