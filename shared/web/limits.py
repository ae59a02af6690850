"""What a request may send: a bounded body, and JSON nested at most ``MAX_JSON_DEPTH`` deep.

Without these, a large body is read whole into memory, and JSON nested a thousand deep
makes the decoder recurse until Python gives up (``RecursionError``, a 500). The body size
is checked from ``Content-Length`` before any view runs (and while reading a body sent
without one); the nesting is measured before the decoder sees the text, in one linear
pass, so no input can make either check slow or deep.
"""

from __future__ import annotations

import json
import re
from itertools import accumulate
from typing import Any

from flask import Flask, Request, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import RequestEntityTooLarge

from shared.web.fields import SINGLE_LINE_MESSAGE, is_single_line_text
from shared.web.problems import Problem

# No request schema nests more than a few levels; 32 leaves room and stays far from
# the interpreter's recursion limit.
MAX_JSON_DEPTH = 32

# A JSON string, possessively (no backtracking), or up to the end when unterminated: what
# is inside a string never counts as nesting.
_STRING = re.compile(r'"(?:[^"\\]++|\\.)*+"?', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]++")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class JsonTooDeep(ValueError):
    """JSON nested deeper than MAX_JSON_DEPTH (a ValueError, like any undecodable JSON)."""


def json_depth(text: str) -> int:
    """How deep arrays and objects nest in ``text`` (its deepest point; 0 for a scalar).

    Counted as the decoder descends, so for text that is not JSON the count is at least
    as deep as the decoder gets before it stops.
    """
    brackets = _NOT_A_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


class DepthLimitedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, refusing input nested deeper than MAX_JSON_DEPTH before decoding it."""

    sort_keys = False  # answers keep the order their schemas declare

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Decode like ``json.loads``; raise JsonTooDeep for input nested too deep."""
        if isinstance(s, bytes | bytearray):
            # The decoding json.loads would do, so the text measured is the text decoded.
            s = s.decode(json.detect_encoding(s), "surrogatepass")
        # Counting the openers is an upper bound of the depth and costs next to nothing.
        openers = s.count("[") + s.count("{")
        if openers > MAX_JSON_DEPTH and json_depth(s) > MAX_JSON_DEPTH:
            raise JsonTooDeep(f"nested deeper than {MAX_JSON_DEPTH}")
        return super().loads(s, **kwargs)


class ApiRequest(Request):
    """Flask's request, answering undecodable JSON bodies with problem documents."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        """Raise the problem for a body ``get_json`` could not decode (or not JSON at all)."""
        if e is None:
            raise Problem(415, "Unsupported Media Type", "Send the body as application/json.",
                          "unsupported-media-type")
        if isinstance(e, JsonTooDeep):
            raise Problem(400, "Invalid request",
                          f"JSON may nest arrays and objects at most {MAX_JSON_DEPTH} deep.",
                          "json-too-deep")
        raise Problem(400, "Invalid request", "The body is not valid JSON.", "malformed-json")


def body_too_large(max_body_bytes: int) -> Problem:
    """The 413 answer to a body over the limit."""
    return Problem(413, "Content Too Large", f"The body may have at most {max_body_bytes} bytes.",
                   "body-too-large", max_body_bytes=max_body_bytes)


def limit_requests(app: Flask, max_body_bytes: int) -> None:
    """Bound request bodies to ``max_body_bytes`` and JSON to MAX_JSON_DEPTH, as problems."""
    app.request_class = ApiRequest
    app.json = DepthLimitedJSONProvider(app)
    # Werkzeug reads no further than this. A body sent without a length (chunked) is cut
    # there *silently*, so one byte more is allowed in, to tell "at the limit" from "over".
    app.config["MAX_CONTENT_LENGTH"] = max_body_bytes + 1

    @app.before_request
    def _refuse_large_bodies() -> None:
        # Refused before any view, also those that never read the body. A body sent
        # without a length (chunked) is read now, at most one byte too many, and cached
        # for the view.
        declared = request.content_length
        unsized = declared is None and "wsgi.input_terminated" in request.environ
        if (declared or 0) > max_body_bytes or (
                unsized and len(request.get_data()) > max_body_bytes):
            raise body_too_large(max_body_bytes)

    @app.before_request
    def _refuse_hidden_characters_in_the_address() -> None:
        # Ids in the path and query reach the database as they are: PostgreSQL refuses a
        # NUL in a string outright (a 500), and no id, date or search term needs a control
        # or bidi-override character. Checked once here, before any view or schema.
        found = [name for name, value in (("path", request.path), *request.args.items(multi=True))
                 if not is_single_line_text(value)]
        if found:
            raise Problem(400, "Invalid request", "Some fields are missing or wrong; see errors.",
                          "validation-error",
                          errors={name: [SINGLE_LINE_MESSAGE] for name in found})

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_: RequestEntityTooLarge) -> Any:
        return body_too_large(max_body_bytes).to_response()
