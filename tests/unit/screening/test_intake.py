"""Online intake's pure rules: questions derived from the rules table, what the client is
told next, and which uploads are referral documents."""

from __future__ import annotations

import dataclasses
import hashlib

import pytest

from services.screening.domain import evaluate
from services.screening.domain.documents import DocumentRefused, check_document, sniff
from services.screening.domain.intake import intake_questions, load_consent, next_step
from services.screening.domain.rules import Precautions, Rule
from shared.vocabulary import SCREENING_OUTCOMES
from tests.unit.screening.builders import RULES, SCREENED_ON, a_questionnaire


def test_every_condition_of_the_rules_table_is_asked():
    asked = {q.code for q in intake_questions(RULES) if q.kind == "condition"}
    assert asked == set(RULES.conditions)
    for question in intake_questions(RULES):
        if question.kind == "condition":
            assert question.text.startswith(RULES.conditions[question.code])


def test_every_rule_is_asked_by_some_question():
    asking = {code for q in intake_questions(RULES) for code in q.rule_codes}
    assert asking == {rule.code for rule in RULES.rules}


def test_the_questions_name_the_contraindications_of_the_domain():
    words = " ".join(q.text + " " + q.help for q in intake_questions(RULES)).casefold()
    for contraindication in ("bleeding disorder", "blood thinners", "burn", "wound",
                             "deep vein thrombosis", "fracture", "severe osteoporosis",
                             "severe thrombocytopenia"):
        assert contraindication in words


def test_the_injury_question_offers_the_kinds_the_rules_look_at():
    [injuries] = [q for q in intake_questions(RULES) if q.kind == "injuries"]
    looked_at = {kind for rule in RULES.rules for kind in rule.unhealed_injuries}
    assert set(injuries.choices) == looked_at


def test_a_rule_added_to_the_table_adds_its_question_with_no_code_change():
    gout = Rule(code="gout_flare", text="Gout flare: avoid the joint", outcome="needs_clearance",
                precautions=Precautions(), conditions=frozenset({"gout_flare"}))
    rules = dataclasses.replace(RULES, conditions={**RULES.conditions, "gout_flare": "Gout flare"},
                                rules=(*RULES.rules, gout))
    [asked] = [q for q in intake_questions(rules) if q.code == "gout_flare"]
    assert asked.text == "Gout flare?" and asked.rule_codes == ("gout_flare",)


def test_a_table_without_medication_rules_asks_no_medication_question():
    rules = dataclasses.replace(RULES, rules=tuple(
        r for r in RULES.rules if not r.medication_classes))
    assert "medications" not in {q.kind for q in intake_questions(rules)}


@pytest.mark.parametrize("outcome", SCREENING_OUTCOMES)
def test_every_outcome_tells_the_client_what_happens_next(outcome):
    step = next_step(outcome)
    assert step.heading and step.text
    assert step.bookable_after_review == (outcome in ("cleared", "cleared_with_precautions"))


def test_a_dvt_tells_the_client_to_see_their_physician():
    outcome = evaluate(a_questionnaire(conditions=["dvt_current"]), RULES, SCREENED_ON).outcome
    step = next_step(outcome)
    assert not step.bookable_after_review
    assert "physician" in step.text and "clear" in step.text


def test_a_blood_thinner_asks_for_a_physicians_clearance():
    outcome = evaluate(a_questionnaire(medications=["warfarin 5 mg"]), RULES,
                       SCREENED_ON).outcome
    assert next_step(outcome).heading == "Please ask your physician for a clearance"


def test_the_shipped_consent_has_a_version_and_a_text():
    consent = load_consent()
    assert consent.version and len(consent.text) > 100


@pytest.mark.parametrize(("content", "kind"), [
    (b"%PDF-1.4\n...", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n....", "image/png"),
    (b"\xff\xd8\xff\xe0....JFIF", "image/jpeg"),
    (b"GIF89a....", None),
    (b"<html><script>", None),
    (b"PK\x03\x04 a zip named referral.pdf", None),
])
def test_a_document_is_known_by_its_first_bytes(content, kind):
    assert sniff(content) == kind


def test_an_accepted_document_is_named_by_its_content_hash():
    checked = check_document(b"%PDF-1.7 referral", 100)
    assert checked.sha256 == hashlib.sha256(b"%PDF-1.7 referral").hexdigest()
    assert checked.file_name == f"{checked.sha256}.pdf" and checked.size == 17


@pytest.mark.parametrize(("content", "message"), [
    (b"", "empty"), (b"%PDF-" + b"x" * 100, "larger than"), (b"MZ\x90\x00", "Only PDF")])
def test_an_empty_large_or_foreign_file_is_refused_saying_why(content, message):
    with pytest.raises(DocumentRefused) as refused:
        check_document(content, 100)
    assert message in refused.value.errors["document"][0]
