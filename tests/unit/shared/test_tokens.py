"""Staff tokens: Ed25519 signatures checked against a key set by kid, lifetime, claim shapes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import stat
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from shared import dev_keys
from shared.auth_cli import main as token_cli
from shared.config import ConfigurationError
from shared.tokens import (
    KeySet,
    SigningKey,
    TokenRefused,
    TokenVerifier,
    VerifiedTokens,
    development_signing_key,
    generate_signing_key,
    load_key_set,
    public_jwks,
)

TWELVE_HOURS = timedelta(hours=12)
# The HS256 key that signed staff tokens and booking codes alike before issue #17.
OLD_SHARED_SECRET = "medmassage-dev-only-secret-change-me-0000"


def verifier_of(*keys: SigningKey, max_lifetime: timedelta = TWELVE_HOURS) -> TokenVerifier:
    """A verifier whose key set holds the public halves of ``keys``."""
    return TokenVerifier(KeySet.from_jwks(json.dumps(public_jwks(*keys))), max_lifetime)


def forged(key: SigningKey, headers: dict[str, Any] | None = None, **changes: Any) -> str:
    """A token signed by ``key`` with claims a well-behaved signer would not write."""
    now = int(datetime.now(UTC).timestamp())
    claims = {"iss": "medmassage", "sub": "mallory", "roles": ["front_desk"], "iat": now,
              "exp": now + 3600, **changes}
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, key.key, algorithm="EdDSA",
                      headers={"kid": key.kid} if headers is None else headers)


def hs256_by_hand(claims: dict[str, Any], secret: bytes, kid: str) -> str:
    """An HS256 token, without PyJWT's refusal to use a public key as an HMAC secret."""
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    header = part(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = part(json.dumps(claims, default=lambda moment: int(moment.timestamp())).encode())
    signature = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{part(signature)}"


def jwks_text(*entries: dict[str, Any]) -> str:
    return json.dumps({"keys": list(entries)})


@pytest.fixture(scope="module")
def key() -> SigningKey:
    return generate_signing_key("k-2026-01")


def test_a_token_carries_its_subject_and_roles_and_passes_with_its_key(key):
    token = key.sign("alice", ["billing", "ops"], timedelta(minutes=5))
    claims = verifier_of(key).verify(token)
    assert (claims.subject, claims.roles) == ("alice", ("billing", "ops"))
    assert jwt.get_unverified_header(token) == {"alg": "EdDSA", "kid": "k-2026-01", "typ": "JWT"}


def test_an_expired_token_and_one_signed_by_another_key_are_refused(key):
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    expired = key.sign("alice", ["billing"], timedelta(minutes=5), issued_at=an_hour_ago)
    with pytest.raises(TokenRefused, match="expired"):
        verifier_of(key).verify(expired)
    impostor = SigningKey(key.kid, generate_signing_key().key)  # same kid, other key
    with pytest.raises(TokenRefused, match="Signature"):
        verifier_of(key).verify(impostor.sign("alice", ["admin"], timedelta(minutes=5)))


def test_tokens_are_signed_only_with_known_roles():
    with pytest.raises(ValueError, match="superuser"):
        development_signing_key().sign("mallory", ["superuser"], timedelta(hours=1))
    with pytest.raises(ValueError):
        development_signing_key().sign("mallory", [], timedelta(hours=1))


def test_both_keys_pass_during_a_rollover_and_old_tokens_fail_once_the_old_key_is_removed():
    old, new = generate_signing_key("2026-01"), generate_signing_key("2026-07")
    old_token = old.sign("alice", ["front_desk"], timedelta(hours=8))
    new_token = new.sign("bob", ["front_desk"], timedelta(hours=8))

    rollover = verifier_of(old, new)
    assert rollover.verify(old_token).subject == "alice"
    assert rollover.verify(new_token).subject == "bob"

    after = verifier_of(new)
    assert after.verify(new_token).subject == "bob"
    with pytest.raises(TokenRefused, match="kid"):
        after.verify(old_token)


def test_a_token_living_longer_than_the_maximum_is_refused_whoever_signed_it(key):
    assert verifier_of(key).verify(key.sign("alice", ["ops"], TWELVE_HOURS)).subject == "alice"
    with pytest.raises(TokenRefused, match="longer"):
        verifier_of(key).verify(key.sign("alice", ["ops"], TWELVE_HOURS + timedelta(seconds=1)))
    a_year = key.sign("alice", ["admin"], timedelta(days=365))
    with pytest.raises(TokenRefused, match="longer"):
        verifier_of(key).verify(a_year)
    with pytest.raises(TokenRefused, match="longer"):
        verifier_of(key, max_lifetime=timedelta(hours=1)).verify(
            key.sign("alice", ["ops"], timedelta(hours=2)))


class Clock:
    """Seconds since the epoch, moved by the test (the remembered tokens' clock only)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).timestamp()

    def __call__(self) -> float:
        return self.now


def test_a_verified_token_is_remembered_until_its_exp_and_not_a_moment_longer(key):
    clock = Clock()
    remembered = VerifiedTokens(clock=clock)
    verifier = TokenVerifier(verifier_of(key).keys, TWELVE_HOURS, remembered)
    token = key.sign("alice", ["front_desk"], timedelta(minutes=5))
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]

    first = verifier.verify(token)
    assert remembered.recall(token, verifier.keys) == first
    assert verifier.verify(token) == first

    clock.now = exp - 0.001
    assert remembered.recall(token, verifier.keys) == first
    clock.now = exp
    assert remembered.recall(token, verifier.keys) is None
    assert len(remembered) == 0  # forgotten, not kept past its exp


def test_only_the_exact_text_that_passed_is_remembered_and_refusals_never_are(key):
    verifier = verifier_of(key)
    token = key.sign("alice", ["front_desk"], timedelta(minutes=5))
    verifier.verify(token)
    header, body, signature = token.split(".")
    other = "A" if signature[0] != "A" else "B"
    tampered = f"{header}.{body}.{other}{signature[1:]}"  # another signature, same claims
    with pytest.raises(TokenRefused):
        verifier.verify(tampered)
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    expired = key.sign("alice", ["front_desk"], timedelta(minutes=5), issued_at=an_hour_ago)
    with pytest.raises(TokenRefused, match="expired"):
        verifier.verify(expired)
    assert len(verifier.verified) == 1


def test_a_remembered_token_is_refused_once_its_key_leaves_the_set():
    old, new = generate_signing_key("2026-01"), generate_signing_key("2026-07")
    token = old.sign("alice", ["front_desk"], timedelta(hours=8))
    remembered = VerifiedTokens()
    rollover = TokenVerifier(verifier_of(old, new).keys, TWELVE_HOURS, remembered)
    assert rollover.verify(token).subject == "alice"
    # Even sharing what was remembered, a set without the key refuses the token.
    retired = TokenVerifier(verifier_of(new).keys, TWELVE_HOURS, remembered)
    with pytest.raises(TokenRefused, match="kid"):
        retired.verify(token)
    assert remembered.recall(token, retired.keys) is None


def test_the_least_recently_used_token_is_forgotten_first_when_full(key):
    remembered = VerifiedTokens(size=2)
    verifier = TokenVerifier(verifier_of(key).keys, TWELVE_HOURS, remembered)
    first, second, third = (key.sign(name, ["billing"], timedelta(minutes=5))
                            for name in ("alice", "bob", "carol"))
    verifier.verify(first)
    verifier.verify(second)
    verifier.verify(first)  # used again: bob's is now the oldest
    verifier.verify(third)
    assert len(remembered) == 2
    assert remembered.recall(second, verifier.keys) is None
    assert remembered.recall(first, verifier.keys).subject == "alice"
    assert remembered.recall(third, verifier.keys).subject == "carol"


@pytest.mark.parametrize("missing", ["iat", "exp", "sub", "iss"])
def test_a_token_without_a_required_claim_is_refused(key, missing):
    with pytest.raises(TokenRefused, match=missing):
        verifier_of(key).verify(forged(key, **{missing: None}))


def test_a_token_without_a_kid_or_with_an_unknown_kid_is_refused(key):
    with pytest.raises(TokenRefused, match="kid"):
        verifier_of(key).verify(forged(key, headers={}))
    with pytest.raises(TokenRefused, match="kid"):
        verifier_of(key).verify(forged(key, headers={"kid": "someone-elses"}))


def test_times_that_are_not_numbers_are_refused(key):
    now = int(datetime.now(UTC).timestamp())
    with pytest.raises(TokenRefused):
        verifier_of(key).verify(forged(key, iat=str(now), exp=str(now + 60)))
    with pytest.raises(TokenRefused):
        verifier_of(key).verify(forged(key, iat=[now]))


@pytest.mark.parametrize(
    "roles",
    [7, {"admin": True}, [["admin"]], ["admin", ["billing"]], ["root"], [], "admin", None,
     [None], [7]],
    ids=["number", "dict", "nested-list", "mixed-nesting", "unknown", "empty", "string", "null",
         "list-of-null", "list-of-number"],
)
def test_roles_must_be_a_non_empty_list_of_known_role_names(key, roles):
    with pytest.raises(TokenRefused, match="roles"):
        verifier_of(key).verify(forged(key, roles=roles))


def test_an_empty_subject_is_refused(key):
    with pytest.raises(TokenRefused, match="subject"):
        verifier_of(key).verify(forged(key, sub=""))


def test_a_token_from_another_issuer_is_refused(key):
    with pytest.raises(TokenRefused, match="issuer"):
        verifier_of(key).verify(forged(key, iss="someone-else"))


def test_the_algorithm_comes_from_the_key_so_symmetric_and_unsigned_tokens_are_refused(key):
    now = datetime.now(UTC)
    claims = {"iss": "medmassage", "sub": "mallory", "roles": ["admin"], "iat": now,
              "exp": now + timedelta(hours=1)}
    # HS256 "signed" with the public key's text: the classic algorithm-confusion forgery
    # (PyJWT will not sign it, so it is put together by hand).
    confused = hs256_by_hand(claims, json.dumps(key.public_jwk()).encode(), key.kid)
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": key.kid})
    # Nor does the old shared HS256 secret, which also signed booking codes.
    booking_keyed = jwt.encode(claims, OLD_SHARED_SECRET, algorithm="HS256",
                               headers={"kid": key.kid})
    for token in (confused, unsigned, booking_keyed):
        with pytest.raises(TokenRefused):
            verifier_of(key).verify(token)


def test_garbage_is_refused_not_crashed_on(key):
    for token in ("", "not.a.jwt", "a.b", "....", "eyJhbGciOiJub25lIn0.e30.", "x" * 5000):
        with pytest.raises(TokenRefused):
            verifier_of(key).verify(token)


def test_a_key_set_reads_from_a_file_or_from_its_text(tmp_path, key):
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(public_jwks(key)))
    assert set(load_key_set(str(path)).keys) == {key.kid}
    assert set(load_key_set(f"  {path.read_text()}  ").keys) == {key.kid}
    with pytest.raises(ConfigurationError, match=r"MEDMASSAGE_JWT_PUBLIC_KEYS.*cannot read"):
        load_key_set(str(tmp_path / "missing.json"))


def _rsa_jwk(bits: int, kid: str) -> dict[str, Any]:
    public = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
    return {**json.loads(RSAAlgorithm.to_jwk(public)), "kid": kid}


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        ({"kty": "oct", "k": "Y2hhbmdlLW1l", "kid": "shared"}, "symmetric"),
        (lambda: _rsa_jwk(1024, "small"), "1024 bits, too weak"),
        (lambda: {**json.loads(ECAlgorithm.to_jwk(ec.generate_private_key(ec.SECP256R1())
                                                  .public_key())), "kid": "ec"}, "EC/P-256"),
        (lambda: {**json.loads(OKPAlgorithm.to_jwk(generate_signing_key().key)),
                  "kid": "leaked"}, "private material"),
        ({"kty": "OKP", "crv": "X25519", "x": "AAAA", "kid": "x"}, "OKP/X25519"),
        ({"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}, "needs a kid"),
        ("not a key", "JSON object"),
    ],
    ids=["symmetric", "rsa-1024", "ec", "private", "x25519", "no-kid", "not-an-object"],
)
def test_a_key_set_refuses_keys_that_are_not_public_ed25519_or_strong_rsa(entry, why):
    text = jwks_text(entry() if callable(entry) else entry)
    with pytest.raises(ConfigurationError, match=rf"MEDMASSAGE_JWT_PUBLIC_KEYS.*{why}"):
        KeySet.from_jwks(text)


@pytest.mark.parametrize("text", ["change-me-not-json{", "[]", '{"keys": []}', '{"keys": {}}'])
def test_a_key_set_that_is_not_a_jwks_of_keys_is_refused(text):
    with pytest.raises(ConfigurationError, match="MEDMASSAGE_JWT_PUBLIC_KEYS"):
        KeySet.from_jwks(text)


def test_two_keys_of_one_kid_are_refused(key):
    twice = jwks_text(key.public_jwk(), SigningKey(key.kid, generate_signing_key().key)
                      .public_jwk())
    with pytest.raises(ConfigurationError, match="two keys"):
        KeySet.from_jwks(twice)


def test_an_rsa_key_of_2048_bits_is_accepted_and_checks_rs256_tokens():
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = {**json.loads(RSAAlgorithm.to_jwk(private.public_key())), "kid": "idp"}
    verifier = TokenVerifier(KeySet.from_jwks(jwks_text(jwk)), TWELVE_HOURS)
    now = datetime.now(UTC)
    token = jwt.encode({"iss": "medmassage", "sub": "carol", "roles": ["therapist"], "iat": now,
                        "exp": now + timedelta(hours=1)}, private, algorithm="RS256",
                       headers={"kid": "idp"})
    assert verifier.verify(token).roles == ("therapist",)


def test_the_development_key_pair_is_published_with_the_package_and_matches():
    assert dev_keys.PRIVATE_KEY.is_file() and dev_keys.PUBLIC_KEYS.is_file()
    token = development_signing_key().sign("dev", ["admin"], timedelta(hours=1))
    verifier = TokenVerifier(load_key_set(str(dev_keys.PUBLIC_KEYS)), TWELVE_HOURS)
    assert verifier.verify(token).subject == "dev"


def test_the_token_cli_signs_with_the_configured_private_key(tmp_path, monkeypatch):
    runner = CliRunner()
    made = runner.invoke(token_cli, ["keygen", "--private-key", str(tmp_path / "signing.pem"),
                                     "--jwks", str(tmp_path / "keys.json"), "--kid", "2026-01"])
    assert made.exit_code == 0, made.output
    monkeypatch.setenv("MEDMASSAGE_JWT_PRIVATE_KEY", str(tmp_path / "signing.pem"))
    result = runner.invoke(token_cli, ["issue", "--subject", "alice", "--role", "billing",
                                       "--role", "ops", "--hours", "1", "--kid", "2026-01"])
    assert result.exit_code == 0, result.output
    verifier = TokenVerifier(load_key_set(str(tmp_path / "keys.json")), TWELVE_HOURS)
    claims = verifier.verify(result.output.strip().splitlines()[-1])
    assert (claims.subject, claims.roles) == ("alice", ("billing", "ops"))


def test_keygen_names_a_key_by_its_thumbprint_so_issue_finds_the_same_kid(tmp_path, monkeypatch):
    runner = CliRunner()
    runner.invoke(token_cli, ["keygen", "--private-key", str(tmp_path / "k.pem"),
                              "--jwks", str(tmp_path / "keys.json")])
    monkeypatch.setenv("MEDMASSAGE_JWT_PRIVATE_KEY", (tmp_path / "k.pem").read_text())
    token = runner.invoke(token_cli, ["issue", "--subject", "a", "--role", "ops"]).output
    verifier = TokenVerifier(load_key_set(str(tmp_path / "keys.json")), TWELVE_HOURS)
    assert verifier.verify(token.strip().splitlines()[-1]).subject == "a"


def test_keygen_keeps_the_private_key_to_its_owner_and_never_overwrites_one(tmp_path):
    runner = CliRunner()
    arguments = ["keygen", "--private-key", str(tmp_path / "k.pem"),
                 "--jwks", str(tmp_path / "keys.json")]
    assert runner.invoke(token_cli, arguments).exit_code == 0
    assert stat.S_IMODE((tmp_path / "k.pem").stat().st_mode) == 0o600
    before = (tmp_path / "k.pem").read_bytes()
    again = runner.invoke(token_cli, arguments)
    assert again.exit_code != 0 and "exists" in again.output
    assert (tmp_path / "k.pem").read_bytes() == before


def test_a_rotation_with_the_cli_keygen_then_retire(tmp_path, monkeypatch):
    runner = CliRunner()
    keys = str(tmp_path / "keys.json")

    def token_of(private: str, kid: str) -> str:
        monkeypatch.setenv("MEDMASSAGE_JWT_PRIVATE_KEY", str(tmp_path / private))
        output = runner.invoke(token_cli, ["issue", "--subject", "s", "--role", "ops",
                                           "--kid", kid]).output
        return output.strip().splitlines()[-1]

    runner.invoke(token_cli, ["keygen", "--private-key", str(tmp_path / "old.pem"),
                              "--jwks", keys, "--kid", "old"])
    old_token = token_of("old.pem", "old")
    runner.invoke(token_cli, ["keygen", "--private-key", str(tmp_path / "new.pem"),
                              "--jwks", keys, "--kid", "new"])
    new_token = token_of("new.pem", "new")
    during = TokenVerifier(load_key_set(keys), TWELVE_HOURS)
    assert during.verify(old_token) and during.verify(new_token)

    assert runner.invoke(token_cli, ["retire", "--jwks", keys, "--kid", "old"]).exit_code == 0
    after = TokenVerifier(load_key_set(keys), TWELVE_HOURS)
    assert after.verify(new_token)
    with pytest.raises(TokenRefused):
        after.verify(old_token)
    last = runner.invoke(token_cli, ["retire", "--jwks", keys, "--kid", "new"])
    assert last.exit_code != 0 and "last key" in last.output


def test_the_token_cli_warns_when_it_signs_with_the_development_key(monkeypatch):
    monkeypatch.delenv("MEDMASSAGE_JWT_PRIVATE_KEY", raising=False)
    result = CliRunner().invoke(token_cli, ["issue", "--subject", "dev", "--role", "ops"])
    assert result.exit_code == 0
    assert "development key" in result.stderr
    assert jwt.get_unverified_header(result.stdout.strip())["kid"] == dev_keys.KID


def test_the_token_cli_refuses_an_unknown_role_and_a_lifetime_over_the_maximum(monkeypatch):
    unknown = CliRunner().invoke(token_cli, ["issue", "--subject", "bob", "--role", "root"])
    assert unknown.exit_code != 0 and "root" in unknown.output
    too_long = CliRunner().invoke(token_cli, ["issue", "--subject", "bob", "--role", "ops",
                                              "--hours", "13"])
    assert too_long.exit_code != 0 and "MEDMASSAGE_TOKEN_MAX_HOURS=12" in too_long.output
    monkeypatch.setenv("MEDMASSAGE_TOKEN_MAX_HOURS", "24")
    longer = CliRunner().invoke(token_cli, ["issue", "--subject", "bob", "--role", "ops",
                                            "--hours", "13"])
    assert longer.exit_code == 0, longer.output


def test_the_token_cli_names_the_setting_of_an_unreadable_private_key(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDMASSAGE_JWT_PRIVATE_KEY", str(tmp_path / "nowhere.pem"))
    result = CliRunner().invoke(token_cli, ["issue", "--subject", "bob", "--role", "ops"])
    assert result.exit_code != 0 and "MEDMASSAGE_JWT_PRIVATE_KEY" in result.output
