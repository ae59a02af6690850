"""Validate X12 text with pyx12, an implementation independent of ours."""

import io
import json

import pyx12.params
import pyx12.x12n_document


def pyx12_errors(x12_text: str) -> list[str]:
    """Return every error pyx12's map for the interchange's GS08 finds (empty when valid)."""
    report = io.StringIO()
    valid = pyx12.x12n_document.x12n_document(
        pyx12.params.params(), io.StringIO(x12_text), None, None, fd_json=report
    )
    errors = list(_messages(json.loads(report.getvalue())))
    if not valid and not errors:
        errors.append("pyx12 rejected the document without saying why")
    return errors


def _messages(node: object) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        found.extend(f"{e['err_cde']}: {e['err_str']}" for e in node.get("errors", []))
        for key in ("interchanges", "groups", "transactions", "segments", "elements"):
            for child in node.get(key, []):
                found.extend(_messages(child))
    return found
