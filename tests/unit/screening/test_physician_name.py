"""The referring physician's name in parts: split only when it splits one way."""

import pytest

from services.screening.domain.physician import composed, mentions, split_unambiguous


def test_anna_smith_md_is_last_name_smith_first_name_anna_credential_md():
    # The finding: "Anna Smith MD" became last name "MD", and referring-name matching failed.
    name = split_unambiguous("Anna Smith MD")

    assert (name.last_name, name.first_name, name.credential) == ("Smith", "Anna", "MD")
    assert name.display == "Anna Smith MD"


@pytest.mark.parametrize(
    ("written", "parts"),
    [
        ("Dr. Ada Okafor", ("Okafor", "Ada", None)),
        ("Dr Helen Osei", ("Osei", "Helen", None)),
        ("Anna Smith, M.D.", ("Smith", "Anna", "MD")),
        ("Lee Park PA-C", ("Park", "Lee", "PAC")),
        ("Siobhán O'Neil-Brady DO", ("O'Neil-Brady", "Siobhán", "DO")),
    ],
)
def test_a_name_that_splits_one_way_is_split(written, parts):
    name = split_unambiguous(written)

    assert (name.last_name, name.first_name, name.credential) == parts


@pytest.mark.parametrize(
    "written",
    [
        "Maria de la Cruz",  # which words are the last name?
        "Anna Maria Smith",
        "Smith, Anna",  # last-name-first or a credential called "Anna"?
        "Smith MD",  # a first name is missing
        "Anna Do",  # Do is a surname and a credential
        "Anna Smith MD PhD",
        "Dr. Smith",
        "A. Smith",
        "",
    ],
)
def test_a_name_that_could_be_split_more_than_one_way_is_not_guessed(written):
    assert split_unambiguous(written) is None


def test_the_display_name_is_composed_from_the_parts():
    assert composed("Smith", "Anna", "MD") == "Anna Smith, MD"
    assert composed("de la Cruz", "Maria", None) == "Maria de la Cruz"


def test_a_display_name_must_mention_the_parts_it_goes_with():
    assert mentions("Dr. Anna SMITH", "Smith", "Anna")
    assert not mentions("Dr. Bob Jones", "Smith", "Anna")
