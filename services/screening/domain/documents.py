"""Referral documents a client uploads at intake: what is accepted, by content not by name.

The type is read from the file's first bytes (its "magic number"), never from the name or
the declared Content-Type, which the sender chooses: a script renamed ``referral.pdf`` is
refused. The stored name is the SHA-256 of the content, so the same scan sent twice is
one file and the hash in the record proves which bytes were received.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from shared.errors import InvalidInput

# (first bytes, type): PDF 1.x/2.0 (ISO 32000), PNG (RFC 2083 signature), JPEG (SOI + marker).
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


class DocumentRefused(InvalidInput):
    """An upload that is empty, too large or not a PDF, PNG or JPEG."""

    title = "Document refused"
    slug = "document-refused"

    def __init__(self, message: str) -> None:
        super().__init__(message, errors={"document": [message]})


@dataclass(frozen=True)
class CheckedDocument:
    """An accepted upload: its real type, size and content hash."""

    content_type: str
    size: int
    sha256: str

    @property
    def file_name(self) -> str:
        """The name it is stored under: its hash and the extension of its real type."""
        return f"{self.sha256}.{EXTENSIONS[self.content_type]}"


def sniff(content: bytes) -> str | None:
    """The type the content's first bytes show, or None when it is none of the accepted."""
    return next((kind for magic, kind in SIGNATURES if content.startswith(magic)), None)


def check_document(content: bytes, max_bytes: int) -> CheckedDocument:
    """Accept a PDF, PNG or JPEG of at most ``max_bytes``; refuse anything else, saying why."""
    if not content:
        raise DocumentRefused("The file is empty.")
    if len(content) > max_bytes:
        raise DocumentRefused(f"The file is larger than {max_bytes:,} bytes; send a smaller "
                              "scan or photo.")
    kind = sniff(content)
    if kind is None:
        raise DocumentRefused("Only PDF, PNG and JPEG files are accepted.")
    return CheckedDocument(kind, len(content), hashlib.sha256(content).hexdigest())
