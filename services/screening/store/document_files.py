"""Referral documents' bytes, kept as files outside the database, and their virus scan.

A file is written to a temporary name in the documents directory, scanned, then renamed
to its content hash: a reader never sees a half-written or unscanned file under a real
name, and the same content uploaded twice is one file.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

from services.screening.domain.documents import CheckedDocument, DocumentRefused

CLEAN, INFECTED = 0, 1  # clamscan/clamdscan's exit codes; other scanners can be wrapped


def store_document(directory: Path, checked: CheckedDocument, content: bytes,
                   scan_command: str, scan_timeout: float) -> Path:
    """Scan ``content`` and keep it as ``directory/<sha256>.<ext>``; refuse it if not clean."""
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / checked.file_name
    if final.exists():
        return final
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".upload-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        if scan_command:
            _scan(scan_command, Path(temporary), scan_timeout)
        os.replace(temporary, final)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return final


def _scan(command: str, path: Path, timeout: float) -> None:
    argv = [part.replace("{path}", str(path)) for part in shlex.split(command)]
    try:
        finished = subprocess.run(argv, capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        raise DocumentRefused("The file could not be checked for viruses; please try again "
                              "later or bring it to the clinic.") from None
    if finished.returncode == INFECTED:
        raise DocumentRefused("The file did not pass the virus check.")
    if finished.returncode != CLEAN:
        raise DocumentRefused("The file could not be checked for viruses; please try again "
                              "later or bring it to the clinic.")
