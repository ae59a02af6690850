"""A real SMTP server in this process (aiosmtpd's Controller) that keeps what it is sent.

The same sink ``make run`` starts (deploy/sandbox_mail): recipients starting with
``bounce`` are refused with 550, and ``delay`` makes each message take that long. A second
kind demands TLS (STARTTLS or implicit) and a login, with a certificate made for the test.
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from deploy.kafka.local import free_port
from deploy.sandbox_mail import Mailbox, MailSink


@contextmanager
def smtp_server(delay: float = 0.0) -> Iterator[MailSink]:
    """Start an SMTP server on a free loopback port; ``.mailbox.received()`` lists the mail."""
    with MailSink(Mailbox(delay=delay), free_port()) as sink:
        yield sink


@dataclass(frozen=True)
class TlsMaterial:
    """A throw-away self-signed certificate for 127.0.0.1 (its own trust anchor) and its key."""

    certificate: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certificate, self.key)
        return context


def self_signed(directory: Path) -> TlsMaterial:
    """A certificate for 127.0.0.1 / localhost, valid for a day (cryptography, no openssl)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256()))
    material = TlsMaterial(directory / "smtp-cert.pem", directory / "smtp-key.pem")
    material.certificate.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    material.key.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return material


class _Logins:
    """aiosmtpd authenticator: one user name and password."""

    def __init__(self, username: str, password: str) -> None:
        self.username, self.password = username.encode(), password.encode()

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str,
                 auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and (
            auth_data.login == self.username and auth_data.password == self.password)
        return AuthResult(success=ok, handled=False)


@contextmanager
def tls_smtp_server(directory: Path, username: str, password: str,
                    implicit: bool = False) -> Iterator[tuple[Controller, Mailbox, TlsMaterial]]:
    """An SMTP server that demands TLS (STARTTLS, or implicit TLS) and a login."""
    material = self_signed(directory)
    mailbox = Mailbox()
    options: dict[str, Any] = {"authenticator": _Logins(username, password),
                               "auth_require_tls": True}
    if implicit:
        # aiosmtpd counts only STARTTLS as TLS for auth_require_tls; here every byte is TLS.
        options.update(server_hostname="127.0.0.1", auth_require_tls=False)
        controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(),
                                ssl_context=material.server_context(), **options)
    else:
        controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(),
                                tls_context=material.server_context(), require_starttls=True,
                                **options)
    controller.start()
    try:
        yield controller, mailbox, material
    finally:
        controller.stop()
