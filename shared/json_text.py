"""``json.dumps`` without building a new encoder for every call.

``json.dumps(value)`` makes a ``JSONEncoder``, and its ``iterencode`` makes a new C encoder
and a dict of circular-reference markers, every time: for the small objects an 835 posting
writes per claim payment (the history's reasons and evidence, each outbox envelope) that
set-up cost more than the encoding itself (docs/PERFORMANCE.md, "Remittance posting").
Here the C encoder is made once per style and reused; its output is the same text
``json.dumps`` gives (tests/unit/shared/test_json_text.py holds them together).

The one difference: no circular-reference check, so a value containing itself ends in
``RecursionError`` instead of ``ValueError``. What is written here is built per call from
plain values (dicts, lists, strings, numbers) and never refers to itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import c_make_encoder, encode_basestring_ascii
from typing import Any

_DEFAULT = json.JSONEncoder().default  # the TypeError json.dumps raises for other types


def _encoder(key_separator: str, item_separator: str) -> Callable[[Any], str]:
    separators = (item_separator, key_separator)
    if c_make_encoder is None:  # a Python without the _json accelerator
        return lambda value: json.dumps(value, separators=separators)
    encode = c_make_encoder(
        None, _DEFAULT, encode_basestring_ascii, None, key_separator, item_separator,
        False, False, True,
    )  # markers, default, string encoder, indent, separators, sort_keys, skipkeys, allow_nan

    def dumps(value: Any) -> str:
        if type(value) is str:  # json.dumps encodes a bare string without the C encoder
            return encode_basestring_ascii(value)
        return "".join(encode(value, 0))

    return dumps


dumps = _encoder(": ", ", ")  # json.dumps(value)
dumps_compact = _encoder(":", ",")  # json.dumps(value, separators=(",", ":"))
