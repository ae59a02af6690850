"""The HTTP base's input rules on their own: JSON depth, text fields, proxy hops, headers."""

from __future__ import annotations

import json

import pytest
from flask import Flask, Response
from marshmallow import Schema, ValidationError

from shared.web.fields import Text
from shared.web.headers import API_POLICY, frame_ancestors, secure
from shared.web.limits import MAX_JSON_DEPTH, DepthLimitedJSONProvider, JsonTooDeep, json_depth
from shared.web.proxy import nth_from_right
from shared.web.ratelimit import bucket_key
from shared.web.settings import ONE_MIB, WebSettings


@pytest.mark.parametrize(("text", "depth"), [
    ("1", 0),
    ('"[[[["', 0),
    ("{}", 1),
    ('{"a": [{"b": "]]]] [[[["}]}', 3),
    ('["\\"[[[", ["\\\\"]]', 2),
    ("[" * 1000, 1000),
    ('[[["unterminated [[[[[', 3),
])
def test_json_depth_counts_nesting_but_not_brackets_inside_strings(text, depth):
    assert json_depth(text) == depth


def test_json_nested_deeper_than_the_limit_is_refused_before_decoding():
    provider = DepthLimitedJSONProvider(Flask(__name__))
    at_limit = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert json.dumps(provider.loads(at_limit)).count("[") == MAX_JSON_DEPTH
    with pytest.raises(JsonTooDeep):
        provider.loads(("[" * 1000 + "]" * 1000).encode())
    # UTF-16 is decoded as json.loads would before it is measured.
    with pytest.raises(JsonTooDeep):
        provider.loads(("[" * 40 + "]" * 40).encode("utf-16"))


class Form(Schema):
    name = Text()
    note = Text(multiline=True)


@pytest.mark.parametrize("bad", [
    "Ann\x00", "A\x07nn", "Ann\n", "Ann\t", "A\x7fnn", "A\x85nn", "A\x9bnn", "A\u2028nn",
    "A\u202enn", "A\u202anna", "A\u2066nn\u2069", "A\u2067nn", "A\ud800nn",
])
def test_a_single_line_text_field_refuses_control_bidi_override_and_surrogate_characters(bad):
    with pytest.raises(ValidationError) as refused:
        Form().load({"name": bad})
    assert "name" in refused.value.messages


def test_a_multi_line_text_field_keeps_tabs_and_line_breaks_but_not_other_controls():
    assert Form().load({"note": "line one\r\n\tline two\u2028"})["note"].startswith("line one")
    for bad in ("nul\x00", "bell\x07", "csi\x9b", "rlo\u202e", "lone\udc00"):
        with pytest.raises(ValidationError):
            Form().load({"note": bad})


# A Persian name with a zero-width non-joiner, spelled out (ruff flags Arabic letters that
# look Latin).
PERSIAN = "\u0645\u0631\u06cc\u0645\u200c\u0631\u0636\u0627\u06cc\u06cc"


def test_text_fields_keep_real_names_in_any_script_with_bidi_marks():
    for name in ("O'Brien-Łukasiewicz", "José Müller", "דוד\u200f Cohen", PERSIAN, "王小明",
                 "Zoë 👩\u200d⚕️"):
        assert Form().load({"name": name})["name"] == name


def test_the_web_settings_come_from_the_environment_with_safe_defaults():
    assert WebSettings.from_environment({}) == WebSettings(
        max_body_bytes=ONE_MIB, public_rate_per_minute=120, trusted_proxy_header=None,
        trusted_proxy_hops=1)
    chosen = WebSettings.from_environment({
        "MEDMASSAGE_MAX_BODY_BYTES": "2048", "MEDMASSAGE_PUBLIC_RATE_PER_MINUTE": "0",
        "MEDMASSAGE_TRUSTED_PROXY_HEADER": "X-Forwarded-For",
        "MEDMASSAGE_TRUSTED_PROXY_HOPS": "2"})
    assert (chosen.max_body_bytes, chosen.public_rate_per_minute, chosen.trusted_proxy_header,
            chosen.trusted_proxy_hops) == (2048, 0, "X-Forwarded-For", 2)
    with pytest.raises(ValueError, match="HOPS"):
        WebSettings.from_environment({"MEDMASSAGE_TRUSTED_PROXY_HOPS": "0"})


@pytest.mark.parametrize(("header", "hops", "chosen"), [
    ("203.0.113.7", 1, "203.0.113.7"),
    ("6.6.6.6, 203.0.113.7", 1, "203.0.113.7"),
    ("6.6.6.6, 203.0.113.7, 10.0.0.2", 2, "203.0.113.7"),
    ("203.0.113.7", 2, None),
    ("", 1, None),
    (None, 1, None),
])
def test_the_client_is_the_entry_as_many_hops_from_the_right_as_there_are_proxies(
        header, hops, chosen):
    assert nth_from_right(header, hops) == chosen


def test_answers_get_the_security_headers_and_keep_a_pages_own_framing_policy():
    plain = secure(Response("{}"), over_tls=False).headers
    assert plain["Content-Security-Policy"] == API_POLICY
    assert (plain["X-Frame-Options"], plain["X-Content-Type-Options"],
            plain["Referrer-Policy"]) == ("DENY", "nosniff", "no-referrer")
    assert "Strict-Transport-Security" not in plain
    assert "max-age=" in secure(Response("{}"), over_tls=True).headers["Strict-Transport-Security"]

    widget = Response(headers={"Content-Security-Policy": "default-src 'self'; frame-ancestors *"})
    framed = secure(widget, over_tls=False).headers
    assert frame_ancestors(framed["Content-Security-Policy"]) == "*"
    assert "X-Frame-Options" not in framed

    silent = secure(Response(headers={"Content-Security-Policy": "default-src 'self';"}),
                    over_tls=False).headers
    assert silent["Content-Security-Policy"] == "default-src 'self'; frame-ancestors 'none'"
    assert silent["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(("address", "bucket"), [
    ("203.0.113.7", "203.0.113.7"),
    ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("2001:DB8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
    ("::ffff:203.0.113.7", "203.0.113.7"),
    (None, "unknown"),
])
def test_an_ipv6_client_is_rate_limited_per_64_block_it_can_send_from(address, bucket):
    assert bucket_key(address) == bucket
