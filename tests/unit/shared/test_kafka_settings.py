"""KAFKA_* settings become kafka-python options; contradictory ones are refused up front."""

from __future__ import annotations

import pytest

from shared.config import KafkaSettings, load_settings


def test_plaintext_options_are_only_the_bootstrap_servers_and_the_protocol():
    assert KafkaSettings(bootstrap_servers="a:1,b:2").client_options() == {
        "bootstrap_servers": ["a:1", "b:2"],
        "security_protocol": "PLAINTEXT",
    }


def test_sasl_ssl_with_scram_maps_to_kafka_pythons_option_names(monkeypatch):
    for name, value in {
        "KAFKA_BOOTSTRAP_SERVERS": "kafka.example:9093",
        "KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
        "KAFKA_SASL_USERNAME": "medmassage",
        "KAFKA_SASL_PASSWORD": "s3cret",
        "KAFKA_SSL_CAFILE": "/etc/kafka/ca.pem",
    }.items():
        monkeypatch.setenv(name, value)
    assert load_settings("screening").kafka.client_options() == {
        "bootstrap_servers": ["kafka.example:9093"],
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "medmassage",
        "sasl_plain_password": "s3cret",
        "ssl_check_hostname": True,
        "ssl_cafile": "/etc/kafka/ca.pem",
    }


def test_ssl_without_a_ca_file_verifies_against_the_system_cas_and_the_host_name():
    options = KafkaSettings(security_protocol="SSL").client_options()
    assert options["ssl_check_hostname"] is True
    assert "ssl_cafile" not in options


def test_the_password_never_shows_in_the_settings_repr():
    settings = KafkaSettings(security_protocol="SASL_SSL", sasl_mechanism="SCRAM-SHA-512",
                             sasl_username="medmassage", sasl_password="s3cret")
    assert "s3cret" not in repr(settings)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"security_protocol": "TLS"}, "KAFKA_SECURITY_PROTOCOL='TLS'"),
        ({"security_protocol": "SASL_SSL"}, "needs KAFKA_SASL_MECHANISM"),
        ({"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512",
          "sasl_username": "medmassage"}, "needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"),
        # Credentials or a CA configured but the protocol left at PLAINTEXT would quietly
        # send everything in the clear: refused instead.
        ({"sasl_mechanism": "SCRAM-SHA-512", "sasl_username": "u", "sasl_password": "p"},
         "set KAFKA_SECURITY_PROTOCOL=SASL_SSL"),
        ({"ssl_cafile": "/etc/kafka/ca.pem"}, "does not use TLS"),
        ({"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "PLAIN", "sasl_username": "u",
          "sasl_password": "p", "ssl_cafile": "/etc/kafka/ca.pem"}, "does not use TLS"),
    ],
)
def test_contradictory_security_settings_are_refused_when_made(fields, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        KafkaSettings(**fields)
