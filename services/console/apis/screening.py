"""The screening service's API as the console uses it (clients, screenings, referrals)."""

from __future__ import annotations

from typing import Any

from services.console.apis.base import ServiceApi


class ScreeningApi:
    """Clients, coverage, the health questionnaire, referrals, ICD-10 search."""

    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    def find_clients(self, last_name: str, birth_date: str | None) -> list[dict[str, Any]]:
        """Clients by last-name prefix and/or birth date."""
        return self.api.get("/clients", last_name=last_name, birth_date=birth_date)["clients"]

    def client(self, client_id: str) -> dict[str, Any]:
        """One client's record."""
        return self.api.get(f"/clients/{client_id}")

    def identity(self, client_id: str) -> dict[str, Any]:
        """A client's name and birth date (what every staff role may see)."""
        return self.api.get(f"/clients/{client_id}/identity")

    def register(self, body: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Register a client (a 409 problem names the existing record)."""
        return self.api.post("/clients", body, idempotency_key=idempotency_key)

    def rules(self) -> dict[str, Any]:
        """The questionnaire's vocabulary: conditions, injury kinds, body regions, techniques."""
        return self.api.get("/screening-rules")

    def screen(self, client_id: str, questionnaire: dict[str, Any],
               idempotency_key: str) -> dict[str, Any]:
        """Record a questionnaire; the outcome with its reasons."""
        return self.api.post(f"/clients/{client_id}/screenings", questionnaire,
                             idempotency_key=idempotency_key)

    def screenings(self, client_id: str) -> list[dict[str, Any]]:
        """A client's screenings, newest first as the service lists them."""
        return self.api.get(f"/clients/{client_id}/screenings")["screenings"]

    def refer(self, client_id: str, referral: dict[str, Any],
              idempotency_key: str) -> dict[str, Any]:
        """Record a physician's referral."""
        return self.api.post(f"/clients/{client_id}/referrals", referral,
                             idempotency_key=idempotency_key)

    def referrals(self, client_id: str) -> list[dict[str, Any]]:
        """A client's referrals."""
        return self.api.get(f"/clients/{client_id}/referrals")["referrals"]

    def diagnoses(self, text: str) -> list[dict[str, Any]]:
        """ICD-10-CM codes whose code or description contains ``text``."""
        return self.api.get("/diagnoses", q=text)["diagnoses"]

    def invite(self, email: str | None) -> dict[str, Any]:
        """A single-use intake link for a new client (the answer is the only time it shows)."""
        return self.api.post("/intake-invitations", {"email": email or None})

    def pending_intakes(self) -> list[dict[str, Any]]:
        """Online intakes waiting for the front desk to confirm, oldest first."""
        return self.api.get("/intake-submissions")["submissions"]

    def confirm_intake(self, submission_id: str) -> dict[str, Any]:
        """Confirm an intake: it becomes the client's screening (with today's rules)."""
        return self.api.post(f"/intake-submissions/{submission_id}/confirm")
