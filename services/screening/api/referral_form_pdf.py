"""The physician referral form as a PDF (fpdf2): the same fields as the HTML page, for
physicians who download and fax it back; blank, or with the client's part filled in.

docs/DOMAIN.md §Physician referral says what a referral records; the second page lists the
common ICD-10-CM codes. Text is drawn in the PDF core fonts (Latin-1): a name keeps its
spelling where Latin-1 has the letters (Müller, Zoë, Peña) and is transliterated where it
has not (Łódź -> Lodz). XXX: a name in a non-Latin script prints transliterated or as "?";
embedding a Unicode font would fix it at the price of shipping one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fpdf import FPDF

from services.screening.domain.diagnoses import Diagnosis

LEFT, RIGHT = 54.0, 558.0  # 0.75 in margins on US Letter, in points
INK = (17, 17, 17)
RULE = (90, 90, 90)
# Letters Unicode does not decompose into a base letter and an accent.
_TRANSLITERATIONS = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Œ": "OE",
                                   "œ": "oe"})  # fmt: skip


@dataclass(frozen=True)
class ClientPart:
    """What the clinic fills in before the form goes to the physician."""

    name: str
    birth_date: str  # YYYY-MM-DD
    member_id: str


def referral_form_pdf(
    client: ClientPart | None,
    codes: Sequence[tuple[str, str]],
    techniques: Iterable[str],
    body_regions: Iterable[str],
    diagnoses: Sequence[Diagnosis],
) -> bytes:
    """The form (page 1) and the common diagnosis codes (page 2) as one PDF."""
    pdf = FPDF(unit="pt", format="letter")
    pdf.set_auto_page_break(True, margin=54)
    pdf.set_margins(LEFT, 54, PAGE_RIGHT_MARGIN)
    pdf.set_title("Physician referral for medical massage")
    pdf.set_creator("medmassage screening")
    pdf.add_page()
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    _heading(pdf)
    _section(pdf, "Patient")
    filled = client or ClientPart("", "", "")
    _fields(pdf, [("Patient name", filled.name, 250), ("Date of birth (YYYY-MM-DD)",
                                                       filled.birth_date, 110),
                  ("Insurance member ID", filled.member_id, 130)])  # fmt: skip
    _section(pdf, "Referring physician")
    _fields(pdf, [("Physician name (last, first, credential)", "", 300), ("NPI", "", 190)])
    _hint(pdf, "NPI: the physician's 10-digit National Provider Identifier; the last digit is a "
               "check digit (Luhn, computed over 80840 and the first nine digits).")  # fmt: skip
    _fields(pdf, [("Practice address", "", 280), ("Phone", "", 100), ("Fax", "", 100)])
    _section(pdf, "Diagnoses (ICD-10-CM)")
    _hint(pdf, "Principal diagnosis first. Format: a letter, a digit, a letter or digit, then "
               "optionally a dot and up to four more characters - e.g. M54.50 (low back "
               "pain), M62.830 (muscle spasm of back), S13.4XXA (cervical sprain, initial "
               "encounter). Common codes are listed on page 2.")  # fmt: skip
    _diagnosis_table(pdf)
    _section(pdf, "Prescription")
    _choices(pdf, "Services (CPT, billed in 15-minute units)",
             [f"{code} - {words}" for code, words in codes], columns=2)  # fmt: skip
    _choices(pdf, "Techniques", [_words(t) for t in techniques], columns=3)
    _choices(pdf, "Body regions to treat", [_words(r) for r in body_regions], columns=4)
    _fields(pdf, [("Visits per week", "", 90), ("For (weeks)", "", 80),
                  ("Visits authorized", "", 90), ("Payer authorization number (if any)", "",
                                                  220)])  # fmt: skip
    _hint(pdf, "For example: 2 visits per week for 4 weeks, 8 visits.")
    _fields(pdf, [("Start date (YYYY-MM-DD)", "", 140), ("End date (YYYY-MM-DD)", "", 140),
                  ("Precautions or notes for the therapist", "", 210)])  # fmt: skip
    pdf.ln(10)
    _fields(pdf, [("Physician signature", "", 330), ("Date (YYYY-MM-DD)", "", 160)])
    _reference_page(pdf, diagnoses)
    return bytes(pdf.output())


PAGE_RIGHT_MARGIN = 612.0 - RIGHT


def _heading(pdf: FPDF) -> None:
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 20, "Physician referral (prescription) for medical massage",
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_font("Helvetica", "", 9.5)
    pdf.multi_cell(0, 12, "Please complete, sign and return to the clinic. Medical massage is "
                          "booked and billed to insurance only against a current referral.",
                   new_x="LMARGIN", new_y="NEXT")  # fmt: skip


def _section(pdf: FPDF, title: str) -> None:
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 10.5)
    pdf.cell(0, 14, title.upper(), new_x="LMARGIN", new_y="NEXT")
    pdf.line(LEFT, pdf.get_y(), RIGHT, pdf.get_y())
    pdf.ln(3)


def _fields(pdf: FPDF, fields: Sequence[tuple[str, str, float]]) -> None:
    """Labelled blanks side by side; a filled one prints its value on the line."""
    top, x = pdf.get_y(), LEFT
    for label, value, width in fields:
        pdf.set_font("Helvetica", "", 8)
        pdf.text(x, top + 8, _latin1(label))
        pdf.line(x, top + 28, x + width - 10, top + 28)
        if value:
            pdf.set_font("Helvetica", "", 11)
            pdf.text(x + 2, top + 25, _latin1(value))
        x += width
    pdf.set_y(top + 32)


def _hint(pdf: FPDF, text: str) -> None:
    pdf.set_font("Helvetica", "I", 8)
    pdf.multi_cell(0, 10, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)


def _diagnosis_table(pdf: FPDF) -> None:
    pdf.set_font("Helvetica", "B", 9)
    widths = (70, 110, RIGHT - LEFT - 180)
    for heading, width in zip(("#", "ICD-10-CM code", "Description"), widths, strict=True):
        pdf.cell(width, 16, heading, border=1)
    pdf.ln()
    pdf.set_font("Helvetica", "", 9)
    for number in range(1, 5):
        pdf.cell(widths[0], 20, f"{number}{' (principal)' if number == 1 else ''}", border=1)
        pdf.cell(widths[1], 20, "", border=1)
        pdf.cell(widths[2], 20, "", border=1)
        pdf.ln()


def _choices(pdf: FPDF, legend: str, options: Sequence[str], columns: int) -> None:
    pdf.set_font("Helvetica", "B", 9)
    pdf.cell(0, 14, legend, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 9)
    width = (RIGHT - LEFT) / columns
    for index, option in enumerate(options):
        column = index % columns
        if column == 0 and index:
            pdf.ln(13)
        x, y = LEFT + column * width, pdf.get_y()
        pdf.rect(x, y + 2, 8, 8)
        pdf.text(x + 12, y + 9.5, _latin1(option))
    pdf.ln(16)


def _reference_page(pdf: FPDF, diagnoses: Sequence[Diagnosis]) -> None:
    pdf.add_page()
    _section(pdf, "Common ICD-10-CM codes for medical massage")
    pdf.set_font("Helvetica", "", 8.5)
    for diagnosis in diagnoses:
        pdf.set_font("Helvetica", "B", 8.5)
        pdf.cell(62, 12, diagnosis.code)
        pdf.set_font("Helvetica", "", 8.5)
        pdf.multi_cell(0, 12, _latin1(diagnosis.description), new_x="LMARGIN", new_y="NEXT")


def _words(value: str) -> str:
    return value.replace("_", " ").capitalize()


def _latin1(text: str) -> str:
    """``text`` in the core fonts' Latin-1: kept where it can be, else transliterated."""
    kept = []
    for character in text.translate(_TRANSLITERATIONS):
        if ord(character) < 256 and (character.isprintable()):
            kept.append(character)
            continue
        base = unicodedata.normalize("NFKD", character).encode("latin-1", "ignore").decode()
        kept.append(base if base.isprintable() and base else "?")
    return "".join(kept)
