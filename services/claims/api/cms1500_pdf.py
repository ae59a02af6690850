"""Draw CMS-1500 (02/12) pages as a PDF (fpdf2): the form in red, the claim in black.

The layout follows the printed form: boxes 1-13 in the upper part (patient and insured),
14-23 in the middle (dates, referring provider, diagnoses A-L, resubmission, prior
authorization), the six lines of box 24 (each with its shaded supplemental row above), and
25-33 at the bottom (tax id, account, assignment, totals, signature, facility, billing
provider). Positions are points from the top left of a US Letter page; ``FIELDS`` names
where each value is printed, so tests can read a box back from the PDF by its area.
The form's labels are drawn in red as the printed form has them (OCR drops that ink); the
data is black Courier, ten characters to the inch as the NUCC manual assumes.
"""

from __future__ import annotations

from dataclasses import dataclass

from fpdf import FPDF

from services.claims.domain.cms1500 import LINES_PER_PAGE, FormPage

PAGE_WIDTH, PAGE_HEIGHT = 612.0, 792.0  # US Letter in points
LEFT, RIGHT = 18.0, 594.0
COL_B, COL_C = 238.0, 378.0  # the three columns of the upper part
LINES_TOP, LINE_HEIGHT = 414.0, 24.0  # box 24: six lines of 24 pt (10 shaded + 14)
RED = (200, 30, 40)
DATA_SIZE, LABEL_SIZE = 9.0, 5.0


@dataclass(frozen=True)
class Area:
    """A rectangle of the page: where a box is drawn or a value printed."""

    x: float
    y: float
    w: float
    h: float

    def contains(self, x: float, y: float) -> bool:
        """Whether the point (from the top left) lies inside."""
        return self.x <= x <= self.x + self.w and self.y <= y <= self.y + self.h


# The boxes as printed: number, label, rectangle.
BOXES: tuple[tuple[str, str, Area], ...] = (
    ("1", "1. MEDICARE  MEDICAID  TRICARE  CHAMPVA  GROUP HEALTH PLAN  FECA BLK LUNG  OTHER",
     Area(LEFT, 74, COL_C - LEFT, 24)),
    ("1a", "1a. INSURED'S I.D. NUMBER (For Program in Item 1)", Area(COL_C, 74, RIGHT - COL_C, 24)),
    ("2", "2. PATIENT'S NAME (Last Name, First Name, Middle Initial)",
     Area(LEFT, 98, COL_B - LEFT, 24)),
    ("3", "3. PATIENT'S BIRTH DATE  MM DD YY   SEX", Area(COL_B, 98, COL_C - COL_B, 24)),
    ("4", "4. INSURED'S NAME (Last Name, First Name, Middle Initial)",
     Area(COL_C, 98, RIGHT - COL_C, 24)),
    ("5", "5. PATIENT'S ADDRESS (No., Street)  CITY  STATE  ZIP CODE  TELEPHONE",
     Area(LEFT, 122, COL_B - LEFT, 48)),
    ("6", "6. PATIENT RELATIONSHIP TO INSURED", Area(COL_B, 122, COL_C - COL_B, 24)),
    ("8", "8. RESERVED FOR NUCC USE", Area(COL_B, 146, COL_C - COL_B, 24)),
    ("7", "7. INSURED'S ADDRESS (No., Street)  CITY  STATE  ZIP CODE  TELEPHONE",
     Area(COL_C, 122, RIGHT - COL_C, 48)),
    ("9", "9. OTHER INSURED'S NAME (Last Name, First Name, Middle Initial)",
     Area(LEFT, 170, COL_B - LEFT, 20)),
    ("9a", "a. OTHER INSURED'S POLICY OR GROUP NUMBER", Area(LEFT, 190, COL_B - LEFT, 20)),
    ("9b", "b. RESERVED FOR NUCC USE", Area(LEFT, 210, COL_B - LEFT, 14)),
    ("9c", "c. RESERVED FOR NUCC USE", Area(LEFT, 224, COL_B - LEFT, 12)),
    ("9d", "d. INSURANCE PLAN NAME OR PROGRAM NAME", Area(LEFT, 236, COL_B - LEFT, 14)),
    ("10", "10. IS PATIENT'S CONDITION RELATED TO:", Area(COL_B, 170, COL_C - COL_B, 12)),
    ("10a", "a. EMPLOYMENT? (Current or Previous)", Area(COL_B, 182, COL_C - COL_B, 20)),
    ("10b", "b. AUTO ACCIDENT?  PLACE (State)", Area(COL_B, 202, COL_C - COL_B, 20)),
    ("10c", "c. OTHER ACCIDENT?", Area(COL_B, 222, COL_C - COL_B, 16)),
    ("10d", "10d. CLAIM CODES (Designated by NUCC)", Area(COL_B, 238, COL_C - COL_B, 12)),
    ("11", "11. INSURED'S POLICY GROUP OR FECA NUMBER", Area(COL_C, 170, RIGHT - COL_C, 20)),
    ("11a", "a. INSURED'S DATE OF BIRTH  MM DD YY   SEX", Area(COL_C, 190, RIGHT - COL_C, 18)),
    ("11b", "b. OTHER CLAIM ID (Designated by NUCC)", Area(COL_C, 208, RIGHT - COL_C, 12)),
    ("11c", "c. INSURANCE PLAN NAME OR PROGRAM NAME", Area(COL_C, 220, RIGHT - COL_C, 18)),
    ("11d", "d. IS THERE ANOTHER HEALTH BENEFIT PLAN?", Area(COL_C, 238, RIGHT - COL_C, 12)),
    ("12", "12. PATIENT'S OR AUTHORIZED PERSON'S SIGNATURE  SIGNED  DATE",
     Area(LEFT, 250, COL_C - LEFT, 32)),
    ("13", "13. INSURED'S OR AUTHORIZED PERSON'S SIGNATURE  SIGNED",
     Area(COL_C, 250, RIGHT - COL_C, 32)),
    ("14", "14. DATE OF CURRENT ILLNESS, INJURY, or PREGNANCY (LMP)",
     Area(LEFT, 282, COL_B - LEFT, 20)),
    ("15", "15. OTHER DATE  QUAL.  MM DD YY", Area(COL_B, 282, COL_C - COL_B, 20)),
    ("16", "16. DATES PATIENT UNABLE TO WORK IN CURRENT OCCUPATION",
     Area(COL_C, 282, RIGHT - COL_C, 20)),
    ("17", "17. NAME OF REFERRING PROVIDER OR OTHER SOURCE", Area(LEFT, 302, COL_B - LEFT, 20)),
    ("17a", "17a.", Area(COL_B, 302, COL_C - COL_B, 10)),
    ("17b", "17b. NPI", Area(COL_B, 312, COL_C - COL_B, 10)),
    ("18", "18. HOSPITALIZATION DATES RELATED TO CURRENT SERVICES",
     Area(COL_C, 302, RIGHT - COL_C, 20)),
    ("19", "19. ADDITIONAL CLAIM INFORMATION (Designated by NUCC)",
     Area(LEFT, 322, COL_C - LEFT, 20)),
    ("20", "20. OUTSIDE LAB?  $ CHARGES", Area(COL_C, 322, RIGHT - COL_C, 20)),
    ("21", "21. DIAGNOSIS OR NATURE OF ILLNESS OR INJURY Relate A-L to service line below (24E)"
     "   ICD Ind.", Area(LEFT, 342, COL_C - LEFT, 50)),
    ("22", "22. RESUBMISSION CODE   ORIGINAL REF. NO.", Area(COL_C, 342, RIGHT - COL_C, 25)),
    ("23", "23. PRIOR AUTHORIZATION NUMBER", Area(COL_C, 367, RIGHT - COL_C, 25)),
    ("25", "25. FEDERAL TAX I.D. NUMBER   SSN EIN", Area(LEFT, 558, 142, 24)),
    ("26", "26. PATIENT'S ACCOUNT NO.", Area(160, 558, 130, 24)),
    ("27", "27. ACCEPT ASSIGNMENT?", Area(290, 558, 88, 24)),
    ("28", "28. TOTAL CHARGE", Area(378, 558, 72, 24)),
    ("29", "29. AMOUNT PAID", Area(450, 558, 72, 24)),
    ("30", "30. Rsvd for NUCC Use", Area(522, 558, 72, 24)),
    ("31", "31. SIGNATURE OF PHYSICIAN OR SUPPLIER INCLUDING DEGREES OR CREDENTIALS",
     Area(LEFT, 582, 172, 68)),
    ("32", "32. SERVICE FACILITY LOCATION INFORMATION", Area(190, 582, 200, 68)),
    ("33", "33. BILLING PROVIDER INFO & PH #", Area(390, 582, RIGHT - 390, 68)),
)  # fmt: skip
_BOX = {number: area for number, _, area in BOXES}

# Where each value is printed: (area, right-aligned).
FIELDS: dict[str, tuple[Area, bool]] = {
    "carrier": (Area(COL_C, 20, RIGHT - COL_C, 40), False),
    "1a": (Area(COL_C + 4, 84, 200, 12), False),
    "2": (Area(LEFT + 4, 108, 214, 12), False),
    "3": (Area(COL_B + 4, 108, 80, 12), False),
    "4": (Area(COL_C + 4, 108, 210, 12), False),
    "5_street": (Area(LEFT + 4, 132, 214, 11), False),
    "5_city": (Area(LEFT + 4, 144, 150, 11), False),
    "5_state": (Area(LEFT + 180, 144, 30, 11), False),
    "5_zip": (Area(LEFT + 4, 156, 90, 11), False),
    "7_street": (Area(COL_C + 4, 132, 210, 11), False),
    "7_city": (Area(COL_C + 4, 144, 150, 11), False),
    "7_state": (Area(COL_C + 170, 144, 30, 11), False),
    "7_zip": (Area(COL_C + 4, 156, 90, 11), False),
    "9": (Area(LEFT + 4, 179, 214, 11), False),
    "9a": (Area(LEFT + 4, 199, 214, 11), False),
    "9d": (Area(LEFT + 4, 241, 214, 9), False),
    "11": (Area(COL_C + 4, 179, 210, 11), False),
    "11a": (Area(COL_C + 4, 197, 80, 11), False),
    "11c": (Area(COL_C + 4, 227, 210, 11), False),
    "12": (Area(LEFT + 40, 266, 200, 14), False),
    "13": (Area(COL_C + 40, 266, 170, 14), False),
    "17_qualifier": (Area(LEFT + 4, 311, 14, 11), False),
    "17": (Area(LEFT + 22, 311, 196, 11), False),
    "17b": (Area(COL_B + 34, 312, 100, 10), False),
    "21_indicator": (Area(COL_C - 16, 343, 12, 9), False),
    "22_code": (Area(COL_C + 4, 353, 60, 12), False),
    "22_original": (Area(COL_C + 80, 353, 130, 12), False),
    "23": (Area(COL_C + 4, 378, 210, 12), False),
    "25": (Area(LEFT + 4, 568, 96, 12), False),
    "26": (Area(164, 568, 124, 12), False),
    "28": (Area(382, 568, 66, 12), True),
    "29": (Area(454, 568, 66, 12), True),
    "31": (Area(LEFT + 4, 620, 164, 12), False),
    "32": (Area(194, 592, 194, 11), False),
    "32_street": (Area(194, 603, 194, 11), False),
    "32_city": (Area(194, 614, 194, 11), False),
    "32a": (Area(200, 636, 80, 12), False),
    "33_phone": (Area(500, 583, 92, 9), False),
    "33": (Area(394, 592, 198, 11), False),
    "33_street": (Area(394, 603, 198, 11), False),
    "33_city": (Area(394, 614, 198, 11), False),
    "33a": (Area(400, 636, 80, 12), False),
}
# Box 21: A-L in three rows of four.
for _index, _letter in enumerate("ABCDEFGHIJKL"):
    FIELDS[f"21{_letter}"] = (
        Area(LEFT + 4 + (_index % 4) * 90, 356 + (_index // 4) * 12, 86, 11), False
    )
# Check boxes: a small square and the option's label beside it.
CHECKS: dict[str, tuple[float, float, str]] = {
    "1_medicare": (LEFT + 4, 86, "MEDICARE"), "1_medicaid": (LEFT + 50, 86, "MEDICAID"),
    "1_tricare": (LEFT + 96, 86, "TRICARE"), "1_champva": (LEFT + 140, 86, "CHAMPVA"),
    "1_group": (LEFT + 186, 86, "GROUP HEALTH PLAN"), "1_feca": (LEFT + 262, 86, "FECA"),
    "1_other": (LEFT + 300, 86, "OTHER"),
    "3_M": (COL_B + 90, 110, "M"), "3_F": (COL_B + 112, 110, "F"),
    "6_self": (COL_B + 4, 134, "SELF"), "6_spouse": (COL_B + 36, 134, "SPOUSE"),
    "6_child": (COL_B + 74, 134, "CHILD"), "6_other": (COL_B + 106, 134, "OTHER"),
    "10a_yes": (COL_B + 30, 192, "YES"), "10a_no": (COL_B + 70, 192, "NO"),
    "10b_yes": (COL_B + 30, 212, "YES"), "10b_no": (COL_B + 70, 212, "NO"),
    "10c_yes": (COL_B + 30, 230, "YES"), "10c_no": (COL_B + 70, 230, "NO"),
    "11a_M": (COL_C + 120, 198, "M"), "11a_F": (COL_C + 150, 198, "F"),
    "11d_yes": (COL_C + 120, 242, "YES"), "11d_no": (COL_C + 150, 242, "NO"),
    "25_ssn": (LEFT + 104, 570, "SSN"), "25_ein": (LEFT + 122, 570, "EIN"),
    "27_yes": (294, 570, "YES"), "27_no": (334, 570, "NO"),
}  # fmt: skip
# Box 24's columns: (field, label, x, width, right-aligned).
LINE_COLUMNS: tuple[tuple[str, str, float, float, bool], ...] = (
    ("24A_from", "24. A. DATE(S) OF SERVICE From", LEFT, 60, False),
    ("24A_to", "To", 78, 60, False),
    ("24B", "B. PLACE OF SERVICE", 138, 24, False),
    ("24C", "C. EMG", 162, 18, False),
    ("24D_code", "D. PROCEDURES, SERVICES, OR SUPPLIES CPT/HCPCS", 180, 48, False),
    ("24D_modifier", "MODIFIER", 228, 64, False),
    ("24E", "E. DIAGNOSIS POINTER", 292, 40, False),
    ("24F", "F. $ CHARGES", 332, 62, True),
    ("24G", "G. DAYS OR UNITS", 394, 32, True),
    ("24H", "H. EPSDT", 426, 18, False),
    ("24I", "I. ID. QUAL.", 444, 24, False),
    ("24J", "J. RENDERING PROVIDER ID. #", 468, RIGHT - 468, False),
)


def line_field(name: str, line: int) -> Area:
    """Where a box-24 value of line ``line`` (1-6) is printed: the line's white row."""
    for field, _, x, width, _ in LINE_COLUMNS:
        if field == name:
            top = LINES_TOP + (line - 1) * LINE_HEIGHT + 10
            return Area(x + 2, top, width - 4, LINE_HEIGHT - 10)
    raise KeyError(name)


def render_pdf(pages: list[FormPage]) -> bytes:
    """The pages as one PDF document."""
    pdf = FPDF(unit="pt", format="letter")
    pdf.set_auto_page_break(False)
    pdf.set_title("CMS-1500 (02/12)")
    pdf.set_creator("medmassage claims")
    for page in pages:
        pdf.add_page()
        _draw_form(pdf, page)
        _draw_data(pdf, page)
    return bytes(pdf.output())


def _draw_form(pdf: FPDF, page: FormPage) -> None:
    pdf.set_draw_color(*RED)
    pdf.set_text_color(*RED)
    pdf.set_line_width(0.6)
    pdf.set_font("Helvetica", "B", 11)
    pdf.text(LEFT, 34, page.title)
    pdf.set_font("Helvetica", "", 6)
    pdf.text(LEFT, 44, "APPROVED BY NATIONAL UNIFORM CLAIM COMMITTEE (NUCC) 02/12")
    pdf.text(RIGHT - 40, 70, "PICA")
    pdf.set_font("Helvetica", "", LABEL_SIZE)
    for _, label, area in BOXES:
        pdf.rect(area.x, area.y, area.w, area.h)
        _label(pdf, area.x + 2, area.y + 5.5, area.w - 4, label)
    for x, y, label in CHECKS.values():
        pdf.rect(x, y, 6, 6)
        pdf.text(x + 8, y + 5, label)
    _draw_lines_grid(pdf)
    pdf.set_font("Helvetica", "", 6)
    pdf.text(LEFT, 662, "NUCC Instruction Manual available at: www.nucc.org")
    pdf.text(LEFT + 230, 662, "PLEASE PRINT OR TYPE")
    pdf.text(RIGHT - 160, 662, "APPROVED OMB-0938-1197 FORM 1500 (02-12)")
    pdf.text(RIGHT - 60, 672, f"PAGE {page.page} OF {page.pages}")
    pdf.set_font("Helvetica", "", LABEL_SIZE)
    for x in (194.0, 394.0):
        pdf.text(x, 633, "a. NPI")


def _draw_lines_grid(pdf: FPDF) -> None:
    header_top = LINES_TOP - 22
    pdf.set_font("Helvetica", "", 4.5)
    for _, label, x, width, _ in LINE_COLUMNS:
        pdf.rect(x, header_top, width, 22)
        _label(pdf, x + 1.5, header_top + 5, width - 3, label, spacing=4.8)
    pdf.set_font("Helvetica", "", LABEL_SIZE)
    pdf.set_fill_color(253, 232, 232)
    for line in range(LINES_PER_PAGE):
        top = LINES_TOP + line * LINE_HEIGHT
        pdf.rect(LEFT, top, RIGHT - LEFT, 10, style="F")  # the shaded supplemental row
        for _, _, x, width, _ in LINE_COLUMNS:
            pdf.rect(x, top + 10, width, LINE_HEIGHT - 10)
        pdf.text(LEFT - 8, top + 20, str(line + 1))


def _label(
    pdf: FPDF, x: float, y: float, width: float, text: str, spacing: float = 5.5
) -> None:
    """A box's printed label, wrapped to the box's width."""
    line = ""
    for word in text.split():
        if line and pdf.get_string_width(f"{line} {word}") > width:
            pdf.text(x, y, line)
            line, y = word, y + spacing
        else:
            line = f"{line} {word}".strip()
    pdf.text(x, y, line)


def _draw_data(pdf: FPDF, page: FormPage) -> None:
    pdf.set_text_color(0, 0, 0)
    pdf.set_font("Courier", "", DATA_SIZE)
    for name, value in page.boxes.items():
        if value and name in FIELDS:
            area, right = FIELDS[name]
            _print(pdf, area, value, right)
    for name in page.checked:
        x, y, _ = CHECKS[name]
        pdf.text(x + 0.8, y + 5.6, "X")
    for number, row in enumerate(page.lines, start=1):
        values = {
            "24A_from": row.from_date,
            "24A_to": row.to_date,
            "24B": row.place_of_service,
            "24D_code": row.code,
            "24D_modifier": " ".join(row.modifiers),
            "24E": row.pointers,
            "24F": " ".join(row.charge),
            "24G": row.units,
            "24I": "NPI" if row.rendering_npi else "",
            "24J": row.rendering_npi,
        }
        for name, value in values.items():
            if value:
                _print(pdf, line_field(name, number), value, _right(name))


def _right(name: str) -> bool:
    return next(right for field, _, _, _, right in LINE_COLUMNS if field == name)


def _print(pdf: FPDF, area: Area, value: str, right: bool) -> None:
    # Shrink nothing: a value longer than its box is cut, as a form printer would.
    while value and pdf.get_string_width(value) > area.w:
        value = value[:-1]
    x = area.x + area.w - pdf.get_string_width(value) if right else area.x
    pdf.text(x, area.y + area.h - 2.5, value)
