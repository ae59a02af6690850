"""TOTP second factor (RFC 6238): 6 digits, 30-second steps, one step of clock drift."""

from __future__ import annotations

import binascii

import pyotp

ISSUER = "medmassage"


def new_secret() -> str:
    """A fresh base32 TOTP secret (160 bits, RFC 4226 §4's recommendation)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str, clinic: str) -> str:
    """The otpauth:// URI an authenticator app takes (typed in or pasted, no QR needed)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=f"{ISSUER} {clinic}")


def code_matches(secret: str, code: str) -> bool:
    """Whether ``code`` is the current code (or the one before or after, for clock drift)."""
    digits = "".join(code.split())
    if len(digits) != 6 or not digits.isdigit():
        return False
    try:
        return pyotp.TOTP(secret).verify(digits, valid_window=1)
    except (ValueError, binascii.Error):
        return False  # not a secret this console made (a tampered enrolment form)
