"""Clinical identifiers every service checks: the physician's NPI and ICD-10-CM codes."""

import re

# CMS NPI standard: the Luhn check digit is computed as if the NPI were prefixed with
# "80840" (the ISO 7812 card-issuer prefix for US health applications).
_NPI_PREFIX = "80840"
_NPI = re.compile(r"[0-9]{10}")
_FIRST_NINE = re.compile(r"[0-9]{9}")

# Letter, digit, letter-or-digit, then optionally (a dot and) 1-4 more characters.
_ICD10_CM = re.compile(r"([A-Z][0-9][A-Z0-9])(?:\.?([A-Z0-9]{1,4}))?")


def npi_check_digit(first_nine: str) -> str:
    """The Luhn check digit that completes an NPI whose first nine digits are given."""
    if not _FIRST_NINE.fullmatch(first_nine):
        raise ValueError(f"an NPI check digit needs exactly 9 digits, got {first_nine!r}")
    total = 0
    # Walking right to left, every other digit is doubled, starting with the rightmost
    # one because the check digit will sit to its right.
    for position, char in enumerate(reversed(_NPI_PREFIX + first_nine)):
        digit = int(char)
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return str((10 - total % 10) % 10)


def is_valid_npi(npi: str) -> bool:
    """Whether npi is 10 digits whose last digit is the right Luhn check digit."""
    return bool(_NPI.fullmatch(npi)) and npi_check_digit(npi[:9]) == npi[9]


def is_valid_icd10_cm(code: str) -> bool:
    """Whether code is shaped like an ICD-10-CM code, with or without its dot."""
    return bool(_ICD10_CM.fullmatch(code.strip().upper()))


def normalise_icd10_cm(code: str) -> str:
    """The canonical form of an ICD-10-CM code: uppercase, dot after the category."""
    match = _ICD10_CM.fullmatch(code.strip().upper())
    if not match:
        raise ValueError("not an ICD-10-CM code")  # the code itself is PHI: never in messages
    category, subcategory = match.groups()
    return f"{category}.{subcategory}" if subcategory else category


def icd10_for_x12(code: str) -> str:
    """An ICD-10-CM code as X12 837P carries it: uppercase, without the dot."""
    return normalise_icd10_cm(code).replace(".", "")
