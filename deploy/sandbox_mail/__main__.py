"""Run the SMTP sink: python -m deploy.sandbox_mail [--smtp-port 8025] [--http-port 8011]."""

from __future__ import annotations

import argparse
import os
import signal
import threading

from deploy.sandbox_mail.mailbox import Mailbox
from deploy.sandbox_mail.server import MailSink


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGTERM or Ctrl-C."""
    env = os.environ.get
    parser = argparse.ArgumentParser(prog="python -m deploy.sandbox_mail")
    parser.add_argument("--host", default=env("SANDBOX_MAIL_HOST", "127.0.0.1"),
                        help="address to bind (a container passes 0.0.0.0)")
    parser.add_argument("--smtp-port", type=int, default=int(env("SANDBOX_SMTP_PORT", "8025")))
    parser.add_argument("--http-port", type=int, default=int(env("SANDBOX_MAIL_PORT", "8011")))
    parser.add_argument("--maildir", default=env("SANDBOX_MAILDIR"),
                        help="also keep each message in this maildir")
    parser.add_argument("--delay", type=float, default=0.0,
                        help="seconds the server takes over each message")
    args = parser.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    mailbox = Mailbox(args.maildir, delay=args.delay)
    with MailSink(mailbox, args.smtp_port, args.http_port, args.host) as sink:
        print(f"SMTP sink on {sink.host}:{sink.smtp_port}; sent mail at {sink.url}/", flush=True)
        stop.wait()


if __name__ == "__main__":
    main()
