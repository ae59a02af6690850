"""Identifiers X12 can carry are checked as entered; names are transliterated when rendered."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.x12_text import (
    AUTHORIZATION_NUMBER,
    GROUP_NUMBER,
    MEMBER_ID,
    as_identifier,
    has_x12_reading,
    identifier_problem,
    is_x12_safe,
    transliterate,
)


@pytest.mark.parametrize("member_id", ["W123456789", "XYZ-100/200", "AB", "A" * 80,
                                       "MEMBER 17", "O'NEIL.1"])
def test_a_member_id_of_basic_characters_that_fits_nm109_is_accepted(member_id):
    assert identifier_problem(member_id, MEMBER_ID) is None


@pytest.mark.parametrize(
    ("member_id", "said"),
    [
        ("W123\x1d456", "U+001D"),  # the finding: a control character went into NM109
        ("W123\x00", "U+0000"),
        ("W123\u202e", "U+202E"),
        ("W\ud800", "U+D800"),
        ("WÉ123", "'É' (U+00C9)"),  # the finding: a non-ASCII letter went into NM109
        ("W\uff11\uff12\uff13", "U+FF11"),  # full-width digits look like digits and are not
        ("W123*45", "'*'"),
        ("W123:45", "':'"),
        ("W123~45", "'~'"),
        ("W123^45", "'^'"),
        ("W123_45", "'_'"),
        ("W123@X", "'@'"),
        ("W\u00a0123", "U+00A0"),
    ],
)
def test_a_member_id_with_a_character_x12_cannot_carry_is_refused_naming_it(member_id, said):
    problem = identifier_problem(member_id, MEMBER_ID)

    assert problem is not None and said in problem


@pytest.mark.parametrize(
    ("value", "element"),
    [("W", MEMBER_ID), ("W" * 81, MEMBER_ID), ("", GROUP_NUMBER), ("G" * 51, GROUP_NUMBER),
     ("A" * 51, AUTHORIZATION_NUMBER), ("   ", AUTHORIZATION_NUMBER)],
)
def test_an_identifier_longer_or_shorter_than_its_element_is_refused(value, element):
    problem = identifier_problem(value, element)

    assert problem is not None and f"{element.min_length}-{element.max_length}" in problem


def test_a_refusal_never_repeats_the_identifier_itself():
    assert "SECRET" not in identifier_problem("SECRET~123", MEMBER_ID)


def test_an_identifier_is_kept_trimmed_and_in_capitals_and_nothing_else_changes():
    assert as_identifier("  w123-abc 9 ") == "W123-ABC 9"
    assert as_identifier("wé") == "Wé"  # not rewritten: refused by identifier_problem
    assert identifier_problem("w123", MEMBER_ID) is None


@pytest.mark.parametrize(
    ("written", "rendered"),
    [
        ("Zoë Ångström", "ZOE ANGSTROM"),
        ("José Núñez", "JOSE NUNEZ"),
        ("Łukasz Øberg-Strauß", "LUKASZ OBERG-STRAUSS"),
        ("Æsa Þórsdóttir", "AESA THORSDOTTIR"),
        ("O'Neil", "O'NEIL"),
        ("Smith*Jones~", "SMITH JONES"),
        ("A:B^C", "A B C"),
        ("Anna\tMaria  Smith", "ANNA MARIA SMITH"),
        ("ﬁona", "FIONA"),  # a ligature: NFKD spells it out
        ("李 Smith", "SMITH"),
    ],
)
def test_names_are_transliterated_to_the_basic_character_set(written, rendered):
    assert transliterate(written) == rendered


def test_transliteration_cuts_to_the_elements_length_without_a_trailing_space():
    assert transliterate("Anna Maria Smith", 10) == "ANNA MARIA"
    assert transliterate("Anna Maria Smith", 11) == "ANNA MARIA"


@pytest.mark.parametrize("name", ["李娜", "Анна", "أحمد", "~*:^", "   "])
def test_a_name_in_a_script_without_a_latin_reading_has_no_x12_reading(name):
    assert not has_x12_reading(name)


@given(st.text())
def test_whatever_goes_in_a_transliteration_is_x12_safe_and_stable(text):
    rendered = transliterate(text)

    assert is_x12_safe(rendered)
    assert rendered == rendered.strip() and "  " not in rendered
    assert transliterate(rendered) == rendered


@given(st.text(max_size=90))
def test_an_identifier_that_passes_is_x12_safe_and_fits_as_kept(text):
    if identifier_problem(text, MEMBER_ID) is None:
        kept = as_identifier(text)
        assert is_x12_safe(kept) and 2 <= len(kept) <= 80


def test_a_transliteration_asked_again_gives_the_same_text_for_each_length():
    first = [transliterate("Zoë Ångström"), transliterate("Zoë Ångström", 5)]
    again = [transliterate("Zoë Ångström"), transliterate("Zoë Ångström", 5)]

    assert first == again == ["ZOE ANGSTROM", "ZOE A"]


def test_transliterations_are_remembered_for_a_bounded_number_of_values():
    assert transliterate.cache_info().maxsize is not None
