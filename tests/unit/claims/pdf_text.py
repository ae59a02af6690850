"""Read a generated PDF back with pypdf: each page's text pieces and where they were printed."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pypdf

from services.claims.api.cms1500_pdf import FIELDS, PAGE_HEIGHT, Area, line_field


@dataclass(frozen=True)
class Piece:
    """A run of text and its starting point, in points from the page's top left."""

    text: str
    x: float
    y: float


def pages(pdf: bytes) -> list[list[Piece]]:
    """The text pieces of every page, in drawing order."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    found = []
    for page in reader.pages:
        pieces: list[Piece] = []

        def keep(text, cm, tm, font, size, pieces=pieces):  # type: ignore[no-untyped-def]
            if text.strip():
                pieces.append(Piece(text.strip(), tm[4] + cm[4], PAGE_HEIGHT - (tm[5] + cm[5])))

        page.extract_text(visitor_text=keep)
        found.append(pieces)
    return found


def text_in(page: list[Piece], area: Area) -> str:
    """What is printed inside ``area``, pieces joined by a space."""
    return " ".join(p.text for p in page if area.contains(p.x, p.y))


def box(page: list[Piece], name: str) -> str:
    """What is printed in a named field of the form (services/claims/api/cms1500_pdf.py)."""
    return text_in(page, FIELDS[name][0])


def line(page: list[Piece], name: str, number: int) -> str:
    """What is printed in a column of box 24 on line ``number`` (1-6)."""
    return text_in(page, line_field(name, number))


def all_text(page: list[Piece]) -> str:
    """Everything printed on a page."""
    return " ".join(p.text for p in page)
