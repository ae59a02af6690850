"""docs/asyncapi.yaml is generated from the contracts and must not drift from them."""

from pathlib import Path

import yaml

from shared.events import EVENTS
from shared.events.asyncapi import asyncapi_document, render

DOCUMENT = Path(__file__).resolve().parents[3] / "docs" / "asyncapi.yaml"


def test_the_committed_asyncapi_file_matches_the_event_catalogue():
    assert DOCUMENT.read_text() == render(), (
        "regenerate: python -m shared.events.asyncapi > docs/asyncapi.yaml"
    )


def test_every_topic_and_its_dead_letter_topic_is_documented():
    addresses = {c["address"] for c in asyncapi_document()["channels"].values()}
    for event_type in EVENTS:
        assert {event_type.topic, event_type.dead_letter_topic} <= addresses


def test_the_document_is_valid_yaml_for_asyncapi_3():
    assert yaml.safe_load(DOCUMENT.read_text())["asyncapi"] == "3.0.0"
