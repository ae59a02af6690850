"""Staff tokens: Ed25519-signed JWTs, signed where staff log in and checked by the services.

Services hold public keys only, as a JWKS (``MEDMASSAGE_JWT_PUBLIC_KEYS``); a stolen
service secret cannot mint a token. Each token names its key in the ``kid`` header and
is checked against that key alone, so a set holding an old and a new key lets tokens of
both pass while the new key takes over (SECURITY.md, "Rotating the signing key").
The private key lives where tokens are signed: ``medmassage-token``, the demo stack, the
tests. No Flask here, so all of them can use this module.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm

from shared import dev_keys
from shared.config import PRODUCTION, ConfigurationError, Settings

ISSUER = "medmassage"
ROLES = ("front_desk", "therapist", "billing", "ops", "admin")
PUBLIC_KEYS_SETTING = "MEDMASSAGE_JWT_PUBLIC_KEYS"
PRIVATE_KEY_SETTING = "MEDMASSAGE_JWT_PRIVATE_KEY"
SIGNING_ALGORITHM = "EdDSA"
MIN_RSA_BITS = 2048
# Clocks of the signing machine and the services may differ a little.
CLOCK_SKEW = timedelta(seconds=30)
REQUIRED_CLAIMS = ("iss", "sub", "iat", "exp")
ACCEPTED_KEYS = f"only Ed25519 (OKP) keys or RSA keys of {MIN_RSA_BITS} bits or more are accepted"

PublicKey = Ed25519PublicKey | RSAPublicKey


class TokenRefused(Exception):
    """A token that does not let its bearer in; the message says why (for logs only)."""


@dataclass(frozen=True)
class StaffClaims:
    """Who a verified token speaks for and the roles it grants."""

    subject: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class VerifyingKey:
    """One public key of the set; its type alone decides the algorithm a token may use."""

    kid: str
    key: PublicKey
    algorithm: str

    def fingerprint(self) -> bytes:
        """The key's public material, to recognise the same key under another kid."""
        return self.key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@dataclass(frozen=True)
class KeySet:
    """The public keys staff tokens may be signed with, by kid."""

    keys: Mapping[str, VerifyingKey]

    @classmethod
    def from_jwks(cls, text: str, setting: str = PUBLIC_KEYS_SETTING) -> KeySet:
        """Read a JWKS document; refuse anything but public Ed25519 or strong RSA keys."""
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(
                f"{setting} is not a JWKS: give the JSON document or a path to it"
            ) from exc
        entries = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(entries, list) or not entries:
            raise ConfigurationError(f"{setting} holds no keys (a JWKS has a 'keys' list)")
        keys: dict[str, VerifyingKey] = {}
        for entry in entries:
            key = _verifying_key(entry, setting)
            if key.kid in keys:
                raise ConfigurationError(f"{setting}: the kid {key.kid!r} names two keys")
            keys[key.kid] = key
        return cls(keys)

    def shares_a_key_with(self, other: KeySet) -> bool:
        """Whether any key of this set is also in ``other``, whatever its kid."""
        theirs = {key.fingerprint() for key in other.keys.values()}
        return any(key.fingerprint() in theirs for key in self.keys.values())


def _verifying_key(entry: Any, setting: str) -> VerifyingKey:
    if not isinstance(entry, dict):
        raise ConfigurationError(f"{setting}: every key is a JSON object (a JWK)")
    kid = entry.get("kid")
    if not isinstance(kid, str) or not kid:
        raise ConfigurationError(f"{setting}: every key needs a kid, tokens name their key by it")
    kty = entry.get("kty")
    if kty == "oct":
        raise ConfigurationError(
            f"{setting}: key {kid!r} is symmetric (oct): whoever can check tokens with it could "
            f"sign them too; {ACCEPTED_KEYS}"
        )
    if "d" in entry:
        raise ConfigurationError(
            f"{setting}: key {kid!r} holds private material; services take public keys only"
        )
    try:
        if kty == "OKP" and entry.get("crv") == "Ed25519":
            return VerifyingKey(kid, OKPAlgorithm.from_jwk(entry), SIGNING_ALGORITHM)
        if kty == "RSA":
            key = RSAAlgorithm.from_jwk(entry)
            if isinstance(key, RSAPublicKey) and key.key_size >= MIN_RSA_BITS:
                return VerifyingKey(kid, key, "RS256")
            size = key.key_size if isinstance(key, RSAPublicKey) else "?"
            raise ConfigurationError(f"{setting}: key {kid!r} is RSA of {size} bits, too weak; "
                                     f"{ACCEPTED_KEYS}")
    except jwt.InvalidKeyError as exc:
        raise ConfigurationError(f"{setting}: key {kid!r} cannot be read: {exc}") from exc
    kind = "/".join(str(part) for part in (kty, entry.get("crv")) if part)
    raise ConfigurationError(f"{setting}: key {kid!r} is {kind or 'of no type'}; {ACCEPTED_KEYS}")


def load_key_set(source: str, setting: str = PUBLIC_KEYS_SETTING) -> KeySet:
    """A key set from a JWKS's text or from the path of a file holding one."""
    text = source.strip()
    if not text.startswith("{"):
        try:
            text = Path(text).read_text()
        except OSError as exc:
            raise ConfigurationError(
                f"{setting}: cannot read the JWKS file {text!r} ({exc.strerror})"
            ) from exc
    return KeySet.from_jwks(text, setting)


def development_key_set() -> KeySet:
    """The published development public key (shared/dev_keys): never in production."""
    return load_key_set(str(dev_keys.PUBLIC_KEYS))


def staff_key_set(mode: str, public_keys: str) -> KeySet:
    """The keys a service checks staff tokens with; refuses what production must not run on."""
    if not public_keys.strip():
        if mode == PRODUCTION:
            raise ConfigurationError(
                f"MEDMASSAGE_MODE=production needs {PUBLIC_KEYS_SETTING}: the JWKS (or its path) "
                "of the public keys staff tokens are signed with; `medmassage-token keygen` "
                "makes a key pair"
            )
        return development_key_set()
    keys = load_key_set(public_keys)
    if mode == PRODUCTION and keys.shares_a_key_with(development_key_set()):
        raise ConfigurationError(
            f"{PUBLIC_KEYS_SETTING} holds the published development key (shared/dev_keys), "
            "with which anyone can sign an admin token: remove it (MEDMASSAGE_MODE=production)"
        )
    return keys


# How many verified tokens a process remembers: a clinic's staff hold a few dozen at once.
REMEMBERED_TOKENS = 1024


@dataclass(frozen=True)
class _Verified:
    claims: StaffClaims
    key: VerifyingKey
    expires: float


class VerifiedTokens:
    """Tokens this process has verified, until each one's ``exp``: least recently used go first.

    Checking the Ed25519 signature and parsing the token again on every request of the same
    login was ~13% of a booking's CPU (docs/PERFORMANCE.md, "Booking"). A remembered token
    is the exact text that passed every check; the checks that depend on time only get
    easier as time passes (iat, nbf), except ``exp``, so an entry is used only before it.
    Refused tokens are never remembered. Thread-safe (threaded servers, tests).
    """

    def __init__(self, size: int = REMEMBERED_TOKENS, clock: Callable[[], float] = time.time):
        self._size = size
        self._clock = clock
        self._entries: OrderedDict[str, _Verified] = OrderedDict()
        self._lock = threading.Lock()

    def recall(self, token: str, keys: KeySet) -> StaffClaims | None:
        """The claims of ``token`` if it passed before, has not expired, and its key is still
        in ``keys`` (a set without it refuses it, as SECURITY.md's key retirement says)."""
        with self._lock:
            entry = self._entries.get(token)
            if entry is None:
                return None
            if self._clock() >= entry.expires or keys.keys.get(entry.key.kid) is not entry.key:
                del self._entries[token]
                return None
            self._entries.move_to_end(token)
            return entry.claims

    def remember(self, token: str, claims: StaffClaims, key: VerifyingKey, expires: float) -> None:
        """Keep a token that passed every check, until ``expires`` (its exp, in seconds)."""
        with self._lock:
            self._entries[token] = _Verified(claims, key, expires)
            self._entries.move_to_end(token)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


@dataclass(frozen=True)
class TokenVerifier:
    """Checks staff tokens: signature by a key of the set, issuer, times, lifetime, roles.

    A verifier remembers the tokens it let in (``VerifiedTokens``), one verifier per key
    set: a service started with a new set starts with nothing remembered.
    """

    keys: KeySet
    max_lifetime: timedelta
    verified: VerifiedTokens = field(default_factory=VerifiedTokens, compare=False, repr=False)

    def verify(self, token: str) -> StaffClaims:
        """The claims of a valid token; raises TokenRefused for anything else."""
        remembered = self.verified.recall(token, self.keys)
        if remembered is not None:
            return remembered
        claims, key, expires = self._check(token)
        self.verified.remember(token, claims, key, expires)
        return claims

    def _check(self, token: str) -> tuple[StaffClaims, VerifyingKey, float]:
        """Every check of a token: its claims, the key that signed it, and its exp."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError as exc:
            raise TokenRefused(f"not a JWT: {exc}") from exc
        key = self.keys.keys.get(kid) if isinstance(kid, str) else None
        if key is None:
            raise TokenRefused(f"no key of the set has the token's kid {str(kid)[:64]!r}")
        try:
            claims = jwt.decode(
                token, key.key, algorithms=[key.algorithm], issuer=ISSUER, leeway=CLOCK_SKEW,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.InvalidTokenError as exc:
            raise TokenRefused(str(exc)) from exc
        self._check_lifetime(claims["iat"], claims["exp"])
        if not claims["sub"]:
            raise TokenRefused("the subject is empty")
        return StaffClaims(claims["sub"], _roles(claims.get("roles"))), key, float(claims["exp"])

    def _check_lifetime(self, issued: Any, expires: Any) -> None:
        # A stolen token is good until it expires: a lifetime past a working day is refused
        # whoever signed it (MEDMASSAGE_TOKEN_MAX_HOURS).
        if not all(_is_number(value) for value in (issued, expires)):
            raise TokenRefused("iat and exp must be numbers")
        if expires - issued > self.max_lifetime.total_seconds():
            raise TokenRefused(f"the token lives longer than {self.max_lifetime}")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _roles(value: Any) -> tuple[str, ...]:
    """The roles claim: a non-empty list of known role names, nothing else."""
    if not isinstance(value, list) or not value:
        raise TokenRefused("roles must be a non-empty list")
    if not all(isinstance(role, str) and role in ROLES for role in value):
        raise TokenRefused("roles must name only known roles")
    return tuple(dict.fromkeys(value))


def staff_token_verifier(settings: Settings) -> TokenVerifier:
    """The verifier a service runs with, from its settings (refusing unsafe ones)."""
    return TokenVerifier(
        staff_key_set(settings.mode, settings.jwt_public_keys),
        timedelta(hours=settings.token_max_hours),
    )


@dataclass(frozen=True)
class SigningKey:
    """An Ed25519 private key and the kid its public half has in the services' key set."""

    kid: str
    key: Ed25519PrivateKey

    def sign(
        self,
        subject: str,
        roles: Iterable[str],
        lifetime: timedelta,
        issued_at: datetime | None = None,
    ) -> str:
        """A staff token for ``subject`` granting ``roles`` for ``lifetime``."""
        roles = list(roles)
        if not roles or set(roles) - set(ROLES):
            raise ValueError(f"roles must be some of {ROLES}; got {roles}")
        if not subject:
            raise ValueError("a token needs a subject")
        now = issued_at or datetime.now(UTC)
        claims = {"iss": ISSUER, "sub": subject, "roles": roles, "iat": now, "exp": now + lifetime}
        return jwt.encode(claims, self.key, algorithm=SIGNING_ALGORITHM, headers={"kid": self.kid})

    def public_jwk(self) -> dict[str, str]:
        """The public half as a JWK with its kid, for the services' key set."""
        return {**_public_members(self.key.public_key()), "kid": self.kid, "alg": SIGNING_ALGORITHM,
                "use": "sig"}

    def private_pem(self) -> bytes:
        """The private key as unencrypted PKCS#8 PEM (keep it in a secret manager)."""
        return self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )


def _public_members(key: Ed25519PublicKey) -> dict[str, str]:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": _base64url(raw)}


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def thumbprint(key: Ed25519PublicKey) -> str:
    """The key's RFC 7638 JWK thumbprint: the kid a key gets unless it is given one."""
    canonical = json.dumps(_public_members(key), sort_keys=True, separators=(",", ":"))
    return _base64url(hashlib.sha256(canonical.encode()).digest())


def generate_signing_key(kid: str | None = None) -> SigningKey:
    """A new Ed25519 key pair, named ``kid`` or by its thumbprint."""
    key = Ed25519PrivateKey.generate()
    return SigningKey(kid or thumbprint(key.public_key()), key)


def load_signing_key(
    source: str, kid: str | None = None, setting: str = PRIVATE_KEY_SETTING
) -> SigningKey:
    """An Ed25519 private key from PEM text or a PEM file's path, named ``kid``."""
    text = source.strip()
    if not text.startswith("-----BEGIN"):
        try:
            text = Path(text).read_text()
        except OSError as exc:
            raise ConfigurationError(
                f"{setting}: cannot read the key file {text!r} ({exc.strerror})"
            ) from exc
    try:
        key = serialization.load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError(f"{setting} is not an unencrypted PEM private key") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise ConfigurationError(f"{setting} must be an Ed25519 private key "
                                 "(`medmassage-token keygen` makes one)")
    return SigningKey(kid or thumbprint(key.public_key()), key)


def development_signing_key() -> SigningKey:
    """The published development private key: its tokens pass in development mode only."""
    return load_signing_key(str(dev_keys.PRIVATE_KEY), dev_keys.KID)


def signing_key_from(source: str, kid: str | None = None) -> SigningKey:
    """The key MEDMASSAGE_JWT_PRIVATE_KEY gives, or the development key when it is empty."""
    return load_signing_key(source, kid) if source.strip() else development_signing_key()


def public_jwks(*keys: SigningKey) -> dict[str, list[dict[str, str]]]:
    """A JWKS of the public halves of ``keys``."""
    return {"keys": [key.public_jwk() for key in keys]}
