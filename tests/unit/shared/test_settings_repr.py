"""Settings printed (a log line, a traceback, a debugger) show no secret."""

from shared.config import Settings


def test_printed_settings_hide_the_database_password_and_the_services_own_values() -> None:
    settings = Settings(
        service="claims",
        database_url="postgresql+psycopg://clinic:s3cret-pw@db.internal:5432/claims",
        extra={"CLAIMS_CLEARINGHOUSE_API_KEY": "live-key-123", "CLAIMS_BATCH_SIZE": "100"},
    )

    printed = repr(settings)

    assert "s3cret-pw" not in printed and "live-key-123" not in printed
    assert "clinic:***@db.internal:5432/claims" in printed
    assert "CLAIMS_CLEARINGHOUSE_API_KEY" in printed  # which variables were set still shows


def test_printed_settings_survive_a_value_that_is_not_a_database_url() -> None:
    printed = repr(Settings(service="claims", database_url="::not a url::"))

    assert "not a database URL" in printed and "::not a url::" not in printed
