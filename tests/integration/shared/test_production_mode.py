"""MEDMASSAGE_MODE at start: production refuses unsafe keys, development says it loudly."""

from __future__ import annotations

import importlib
import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from services.claims.config import load_config as load_claims_config
from shared import dev_keys
from shared.config import ConfigurationError
from shared.tokens import development_signing_key, generate_signing_key, public_jwks
from tests.support.http import auth
from tests.support.webapp import make_app

ROOT = Path(__file__).resolve().parents[3]
SERVICES = ("screening", "scheduling", "claims", "notifications")
# Each service's own production secret, set where a test is about something else.
OTHER_SECRETS = {"CLAIMS_CLEARINGHOUSE_API_KEY": "k" * 40, "NOTIFICATIONS_SECRET": "n" * 40}
OWN_KEY = generate_signing_key("clinic-2026-01")
OWN_KEYS = json.dumps(public_jwks(OWN_KEY))


@pytest.fixture
def database(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'notes.db'}"


def production(database: str, **overrides: Any):  # type: ignore[no-untyped-def]
    settings = {"mode": "production", "jwt_public_keys": OWN_KEYS, **overrides}
    return make_app(database, **settings)


def _rsa_jwks(bits: int) -> str:
    public = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
    return json.dumps({"keys": [{**json.loads(RSAAlgorithm.to_jwk(public)), "kid": "r"}]})


def test_a_production_service_starts_on_its_own_keys_and_refuses_development_tokens(database):
    http = production(database).test_client()
    own = OWN_KEY.sign("alice", ["front_desk"], timedelta(hours=1))
    assert http.post("/notes", json={"text": "hi"},
                     headers={"Authorization": f"Bearer {own}"}).status_code == 201
    assert http.post("/notes", json={"text": "hi"}, headers=auth("front_desk")).status_code == 401


@pytest.mark.parametrize(
    ("public_keys", "why"),
    [
        ("", "needs MEDMASSAGE_JWT_PUBLIC_KEYS"),
        (dev_keys.PUBLIC_KEYS.read_text(), "development key"),
        (str(dev_keys.PUBLIC_KEYS), "development key"),
        (json.dumps(public_jwks(OWN_KEY, development_signing_key())), "development key"),
        ("change-me", "cannot read"),
        ('{"keys": [{"kty": "oct", "k": "Y2hhbmdlLW1l", "kid": "hs"}]}', "symmetric"),
        (_rsa_jwks(1024), "too weak"),
    ],
    ids=["no-keys", "dev-key-text", "dev-key-path", "dev-key-among-others", "k8s-change-me",
         "symmetric", "rsa-1024"],
)
def test_production_refuses_to_start_on_keys_it_must_not_trust(database, public_keys, why):
    with pytest.raises(ConfigurationError, match="MEDMASSAGE_JWT_PUBLIC_KEYS") as refused:
        production(database, jwt_public_keys=public_keys)
    assert why in str(refused.value)


def test_development_says_loudly_that_a_published_key_signs_its_tokens(database, caplog):
    with caplog.at_level(logging.WARNING, logger="shared.service"):
        make_app(database)
    (warning,) = [r for r in caplog.records if r.name == "shared.service"]
    assert warning.levelno == logging.WARNING
    assert "MEDMASSAGE_MODE" in warning.getMessage()
    assert "published development key" in warning.getMessage()


def test_production_starts_without_the_development_warning(database, caplog):
    with caplog.at_level(logging.WARNING, logger="shared.service"):
        production(database)
    assert [r for r in caplog.records if r.name == "shared.service"] == []


def _kubernetes_secret() -> dict[str, str]:
    documents = yaml.safe_load_all((ROOT / "deploy" / "k8s" / "medmassage.yaml").read_text())
    (secret,) = [d for d in documents if d["kind"] == "Secret"]
    return secret["stringData"]


def test_the_kubernetes_secret_runs_in_production_with_no_usable_placeholder_key():
    secret = _kubernetes_secret()
    assert secret["MEDMASSAGE_MODE"] == "production"
    # Empty, so a service refuses to start until someone fills it in: no placeholder such
    # as the old `change-me` (then an HS256 secret services accepted) can pass for a key.
    assert secret["MEDMASSAGE_JWT_PUBLIC_KEYS"] == ""
    assert "MEDMASSAGE_JWT_SECRET" not in secret


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_refuses_to_start_on_the_kubernetes_secret_as_shipped(
    service, monkeypatch, tmp_path
):
    for name, value in _kubernetes_secret().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("NOTIFICATIONS_SECRET", "n" * 40)  # not what this test is about
    monkeypatch.setenv(f"{service.upper()}_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    create_app = importlib.import_module(f"services.{service}.app").create_app
    with pytest.raises(ConfigurationError, match="MEDMASSAGE_JWT_PUBLIC_KEYS"):
        create_app()


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_refuses_the_development_key_in_production(service, monkeypatch, tmp_path):
    monkeypatch.setenv("MEDMASSAGE_MODE", "production")
    monkeypatch.setenv("MEDMASSAGE_JWT_PUBLIC_KEYS", str(dev_keys.PUBLIC_KEYS))
    for name, value in OTHER_SECRETS.items():
        monkeypatch.setenv(name, value)  # not what this test is about
    monkeypatch.setenv(f"{service.upper()}_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    create_app = importlib.import_module(f"services.{service}.app").create_app
    with pytest.raises(ConfigurationError, match=r"MEDMASSAGE_JWT_PUBLIC_KEYS.*development"):
        create_app()


def test_claims_refuses_the_sandbox_clearinghouse_key_in_production(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDMASSAGE_MODE", "production")
    monkeypatch.setenv("CLAIMS_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    with pytest.raises(ConfigurationError, match="CLAIMS_CLEARINGHOUSE_API_KEY"):
        load_claims_config()
    monkeypatch.setenv("CLAIMS_CLEARINGHOUSE_API_KEY", "k" * 40)
    assert load_claims_config().clearinghouse_api_key == "k" * 40


def test_notifications_refuses_the_development_secret_in_production(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDMASSAGE_MODE", "production")
    monkeypatch.setenv("MEDMASSAGE_JWT_PUBLIC_KEYS", OWN_KEYS)
    monkeypatch.setenv("NOTIFICATIONS_DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite'}")
    create_app = importlib.import_module("services.notifications.app").create_app
    with pytest.raises(ConfigurationError, match="NOTIFICATIONS_SECRET"):
        create_app()
