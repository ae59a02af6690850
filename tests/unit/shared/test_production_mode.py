"""MEDMASSAGE_MODE: what production refuses to run on, for the key set and the sandbox."""

from __future__ import annotations

import json

import pytest

from deploy import stack
from deploy.sandbox_clearinghouse.__main__ import main as sandbox_main
from deploy.sandbox_clearinghouse.__main__ import parse_arguments
from deploy.sandbox_clearinghouse.server import check_api_keys
from shared import dev_keys
from shared.config import ConfigurationError, Settings, load_settings
from shared.tokens import generate_signing_key, public_jwks, staff_key_set

STRONG = "x" * 32


def test_the_mode_is_development_unless_production_is_asked_for(monkeypatch):
    monkeypatch.delenv("MEDMASSAGE_MODE", raising=False)
    assert load_settings("screening").mode == "development"
    monkeypatch.setenv("MEDMASSAGE_MODE", " Production ")
    assert load_settings("screening").mode == "production"


@pytest.mark.parametrize("mode", ["prod", "", "staging"])
def test_an_unknown_mode_is_refused_by_its_setting_name(monkeypatch, mode):
    monkeypatch.setenv("MEDMASSAGE_MODE", mode)
    with pytest.raises(ConfigurationError, match="MEDMASSAGE_MODE"):
        load_settings("screening")
    with pytest.raises(ConfigurationError, match="MEDMASSAGE_MODE"):
        Settings(service="t", database_url="sqlite://", mode=mode)


def test_the_key_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("MEDMASSAGE_JWT_PUBLIC_KEYS", "/etc/medmassage/keys.json")
    monkeypatch.setenv("MEDMASSAGE_TOKEN_MAX_HOURS", "4")
    settings = load_settings("claims")
    assert (settings.jwt_public_keys, settings.token_max_hours) == ("/etc/medmassage/keys.json", 4)
    monkeypatch.setenv("MEDMASSAGE_TOKEN_MAX_HOURS", "0")
    with pytest.raises(ConfigurationError, match="MEDMASSAGE_TOKEN_MAX_HOURS"):
        load_settings("claims")


def test_development_without_keys_checks_tokens_with_the_development_key():
    for unset in ("", "   "):
        assert set(staff_key_set("development", unset).keys) == {dev_keys.KID}


def test_production_refuses_to_run_without_a_key_set():
    for unset in ("", "   \n"):
        with pytest.raises(ConfigurationError, match="MEDMASSAGE_JWT_PUBLIC_KEYS"):
            staff_key_set("production", unset)


def test_production_refuses_a_key_set_holding_the_development_key_under_any_kid():
    own = generate_signing_key("2026-01").public_jwk()
    development = json.loads(dev_keys.PUBLIC_KEYS.read_text())["keys"][0]
    for entries in ([development], [own, development], [own, {**development, "kid": "innocent"}]):
        with pytest.raises(ConfigurationError, match=r"MEDMASSAGE_JWT_PUBLIC_KEYS.*development"):
            staff_key_set("production", json.dumps({"keys": entries}))


@pytest.mark.parametrize(
    "weak",
    ["change-me", '{"keys": [{"kty": "oct", "k": "Y2hhbmdlLW1l", "kid": "hs"}]}', '{"keys": []}'],
    ids=["the-old-k8s-secret", "symmetric-key", "no-keys"],
)
def test_production_refuses_a_weak_or_unusable_key_setting_by_its_name(weak):
    with pytest.raises(ConfigurationError, match="MEDMASSAGE_JWT_PUBLIC_KEYS"):
        staff_key_set("production", weak)


def test_production_runs_on_a_key_set_of_its_own():
    own = generate_signing_key("2026-01")
    assert set(staff_key_set("production", json.dumps(public_jwks(own))).keys) == {"2026-01"}


@pytest.mark.parametrize("keys", [["sandbox-key"], ["short-but-not-default"],
                                  [STRONG, "sandbox-key"]])
def test_the_sandbox_refuses_default_or_short_api_keys_in_production(keys):
    with pytest.raises(ConfigurationError, match="SANDBOX_API_KEYS"):
        check_api_keys("production", keys)


def test_the_sandbox_takes_any_key_in_development_and_long_random_ones_in_production():
    check_api_keys("development", ["sandbox-key"])
    check_api_keys("production", [STRONG, "y" * 40])


def test_the_sandbox_refuses_to_start_on_its_default_key_in_production(monkeypatch):
    monkeypatch.setenv("MEDMASSAGE_MODE", "production")
    monkeypatch.delenv("SANDBOX_API_KEYS", raising=False)
    with pytest.raises(ConfigurationError, match="SANDBOX_API_KEYS"):
        sandbox_main(["--port", "0"])
    monkeypatch.setenv("SANDBOX_API_KEYS", "sandbox-key")
    with pytest.raises(ConfigurationError, match="SANDBOX_API_KEYS"):
        sandbox_main(["--port", "0"])


def test_the_sandbox_listens_on_the_loopback_address_unless_told_otherwise(monkeypatch):
    monkeypatch.delenv("SANDBOX_HOST", raising=False)
    assert parse_arguments([]).host == "127.0.0.1"
    assert parse_arguments(["--host", "0.0.0.0"]).host == "0.0.0.0"  # a container's choice


def test_make_run_starts_the_sandbox_without_a_host_so_it_stays_on_loopback(monkeypatch):
    spawned: dict[str, tuple[str, ...]] = {}
    monkeypatch.setattr(stack, "ensure_topics", lambda *_: None)
    monkeypatch.setattr(stack.Stack, "wait_ready", lambda *_: None)
    monkeypatch.setattr(stack.Stack, "_spawn",
                        lambda _, name, *args: spawned.__setitem__(name, args))
    stack.Stack("127.0.0.1:1").start()
    assert spawned["sandbox"][0] == "deploy.sandbox_clearinghouse"
    assert "--host" not in spawned["sandbox"]
