"""Sign-in through the clinic's OpenID Connect provider (authorization code flow).

authlib builds the authorization request and redeems the code; the ID token is checked
here with PyJWT against the provider's published keys: signature, issuer, audience,
expiry and the nonce this browser was given (OpenID Connect Core 1.0 §3.1.3.7). The
provider says who the person is; the console's own account (matched on a claim, by
default ``preferred_username``) says what they may do, so an unknown person gets nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import jwt
import requests
from authlib.integrations.requests_client import OAuth2Session

SCOPE = "openid profile email"
CLOCK_SKEW_SECONDS = 30


class ProviderRefused(Exception):
    """The provider's answer does not sign anyone in; the message says why (for the log)."""


@dataclass(frozen=True)
class OidcSettings:
    """The provider and this console's registration with it."""

    issuer: str
    client_id: str
    client_secret: str
    username_claim: str = "preferred_username"
    label: str = "the clinic's account"


class Provider:
    """The provider's metadata and keys, fetched once and reused."""

    def __init__(self, settings: OidcSettings, timeout: float = 10.0) -> None:
        self.settings = settings
        self.timeout = timeout
        self._metadata: dict[str, Any] | None = None
        self._keys: jwt.PyJWKClient | None = None
        self._lock = threading.Lock()

    def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (``/.well-known/openid-configuration``)."""
        with self._lock:
            if self._metadata is None:
                url = f"{self.settings.issuer.rstrip('/')}/.well-known/openid-configuration"
                try:
                    answer = requests.get(url, timeout=self.timeout)
                    answer.raise_for_status()
                    document = answer.json()
                except (requests.RequestException, ValueError) as exc:
                    raise ProviderRefused(f"no discovery document at {url}: {exc}") from exc
                if document.get("issuer") != self.settings.issuer:
                    raise ProviderRefused("the discovery document names another issuer")
                self._metadata = document
                self._keys = jwt.PyJWKClient(document["jwks_uri"], timeout=self.timeout)
            return self._metadata

    def _client(self, redirect_uri: str) -> OAuth2Session:
        return OAuth2Session(self.settings.client_id, self.settings.client_secret,
                             scope=SCOPE, redirect_uri=redirect_uri)

    def authorization_url(self, redirect_uri: str, state: str, nonce: str) -> str:
        """Where to send the browser to sign in."""
        url, _ = self._client(redirect_uri).create_authorization_url(
            self.metadata()["authorization_endpoint"], state=state, nonce=nonce)
        return url

    def identify(self, redirect_uri: str, code: str, nonce: str) -> dict[str, Any]:
        """Redeem the code; the verified claims of the ID token."""
        metadata = self.metadata()
        try:
            token = self._client(redirect_uri).fetch_token(
                metadata["token_endpoint"], code=code, timeout=self.timeout)
        except Exception as exc:  # authlib raises its own errors and requests' alike
            raise ProviderRefused(f"the code was not redeemed: {exc}") from exc
        id_token = token.get("id_token")
        if not id_token:
            raise ProviderRefused("the token answer holds no ID token")
        assert self._keys is not None
        try:
            key = self._keys.get_signing_key_from_jwt(id_token)
            claims = jwt.decode(
                id_token, key.key, algorithms=["RS256", "ES256", "EdDSA"],
                audience=self.settings.client_id, issuer=self.settings.issuer,
                leeway=CLOCK_SKEW_SECONDS, options={"require": ["iss", "aud", "exp", "iat",
                                                                "sub", "nonce"]})
        except jwt.PyJWTError as exc:
            raise ProviderRefused(f"the ID token is not valid: {exc}") from exc
        if claims.get("nonce") != nonce:
            raise ProviderRefused("the ID token's nonce is not this browser's")
        return claims
