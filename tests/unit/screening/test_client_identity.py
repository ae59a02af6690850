"""Two entries of the same client share one identity key."""

from datetime import date

from services.screening.domain import client_identity_key, name_search_key

BORN = date(1971, 5, 14)


def test_case_and_spacing_do_not_make_a_different_client():
    assert client_identity_key("  de la  Cruz ", "MARIA", BORN, " xyz 123 456 ") == (
        client_identity_key("De La Cruz", "maria", BORN, "XYZ123456")
    )


def test_a_composed_and_a_decomposed_accent_are_the_same_name():
    assert client_identity_key("Jos\u00e9", "Ana", BORN, None) == (
        client_identity_key("Jose\u0301", "Ana", BORN, None)
    )


def test_a_different_birth_date_is_a_different_client():
    assert client_identity_key("Smith", "Jo", BORN, "A1") != (
        client_identity_key("Smith", "Jo", date(1971, 5, 15), "A1")
    )


def test_a_different_member_id_is_a_different_client():
    assert client_identity_key("Smith", "Jo", BORN, "A1") != (
        client_identity_key("Smith", "Jo", BORN, "A2")
    )


def test_a_client_without_insurance_has_a_key_too():
    assert client_identity_key("Smith", "Jo", BORN, None) == (
        client_identity_key("smith", "jo", BORN, "")
    )


def test_the_front_desk_finds_a_name_whatever_its_case_spacing_or_accents():
    assert name_search_key("  Ōkafor-Núñez ") == name_search_key("okafor-nunez")
    assert name_search_key("O'Brien") == "o'brien"
