"""A small OpenID Connect provider for tests: discovery, authorize, token, JWKS, over HTTP.

It signs ID tokens with its own RSA key and approves every authorization request for
``person`` (the test sets who is signed in at the provider). ``audience`` lets a test make
it issue tokens meant for another client.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, redirect, request
from jwt.algorithms import RSAAlgorithm
from werkzeug.serving import make_server

CLIENT_ID = "medmassage-console"
CLIENT_SECRET = "console-secret"
KID = "test-provider-key"


@dataclass
class SandboxProvider:
    """The provider's address and what it will say about the next person."""

    issuer: str = ""
    person: str = "fay"
    audience: str = CLIENT_ID
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def app(self) -> Flask:
        """The provider's endpoints."""
        app = Flask("test_oidc_provider")

        @app.get("/.well-known/openid-configuration")
        def discovery() -> Any:
            return jsonify(issuer=self.issuer, authorization_endpoint=f"{self.issuer}/authorize",
                           token_endpoint=f"{self.issuer}/token", jwks_uri=f"{self.issuer}/jwks",
                           response_types_supported=["code"],
                           id_token_signing_alg_values_supported=["RS256"])

        @app.get("/jwks")
        def jwks() -> Any:
            public = RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
            return jsonify(keys=[{**public, "kid": KID, "alg": "RS256", "use": "sig"}])

        @app.get("/authorize")
        def authorize() -> Any:
            args = request.args
            assert args["client_id"] == CLIENT_ID and "openid" in args["scope"].split()
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"nonce": args.get("nonce"), "redirect_uri": args["redirect_uri"],
                                "person": self.person}
            query = urlencode({"code": code, "state": args["state"]})
            return redirect(f"{args['redirect_uri']}?{query}")

        @app.post("/token")
        def token() -> Any:
            if not self._client_authenticated():
                return jsonify(error="invalid_client"), 401
            grant = self.codes.pop(request.form.get("code", ""), None)
            if grant is None or grant["redirect_uri"] != request.form.get("redirect_uri"):
                return jsonify(error="invalid_grant"), 400
            now = int(time.time())
            claims = {"iss": self.issuer, "aud": self.audience, "sub": f"sub-{grant['person']}",
                      "preferred_username": grant["person"], "iat": now, "exp": now + 300,
                      "nonce": grant["nonce"]}
            id_token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KID})
            return jsonify(access_token=secrets.token_urlsafe(16), token_type="Bearer",
                           expires_in=300, id_token=id_token)

        return app

    def _client_authenticated(self) -> bool:
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            given = base64.b64decode(header[6:]).decode()
            return given == f"{CLIENT_ID}:{CLIENT_SECRET}"
        return (request.form.get("client_id"), request.form.get("client_secret")) == (
            CLIENT_ID, CLIENT_SECRET)


@contextmanager
def running_provider() -> Iterator[SandboxProvider]:
    """The provider served over HTTP on a free port until the block ends."""
    provider = SandboxProvider()
    server = make_server("127.0.0.1", 0, provider.app(), threaded=True)
    provider.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join(timeout=10)
