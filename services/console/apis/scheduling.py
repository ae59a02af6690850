"""The scheduling service's API as the console uses it (calendar, booking, sessions)."""

from __future__ import annotations

from typing import Any

from services.console.apis.base import ServiceApi


class SchedulingApi:
    """Therapists, rooms, services, availability, appointments, eligibility, sessions."""

    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    def therapists(self) -> list[dict[str, Any]]:
        """Every therapist."""
        return self.api.get("/therapists")

    def rooms(self) -> list[dict[str, Any]]:
        """Every room."""
        return self.api.get("/rooms")

    def services(self) -> list[dict[str, Any]]:
        """Every bookable service (its length)."""
        return self.api.get("/services")

    def settings(self) -> dict[str, Any]:
        """The clinic's scheduling settings (its time zone first of all)."""
        return self.api.get("/settings")

    def appointments(self, start: str, end: str, therapist_id: str | None = None,
                     client_id: str | None = None) -> list[dict[str, Any]]:
        """Appointments starting in [start, end)."""
        answer = self.api.get("/appointments", **{"from": start, "to": end,
                                                  "therapist_id": therapist_id,
                                                  "client_id": client_id})
        return answer["appointments"] if isinstance(answer, dict) else answer

    def appointment(self, appointment_id: str) -> dict[str, Any]:
        """One appointment."""
        return self.api.get(f"/appointments/{appointment_id}")

    def availability(self, service_id: str, start: str, end: str,
                     therapist_id: str | None = None) -> list[dict[str, Any]]:
        """Open slots for a service."""
        return self.api.get("/availability", service=service_id, therapist=therapist_id,
                            **{"from": start, "to": end})["slots"]

    def eligibility(self, client_id: str) -> dict[str, Any]:
        """Whether a client may be booked today, and why not."""
        return self.api.get(f"/clients/{client_id}/eligibility")

    def book(self, booking: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Book one visit."""
        return self.api.post("/appointments", booking, idempotency_key=idempotency_key)

    def book_series(self, series: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        """Book a plan-of-care series."""
        return self.api.post("/appointments/series", series, idempotency_key=idempotency_key)

    def cancel(self, appointment_id: str) -> dict[str, Any]:
        """Cancel an appointment."""
        return self.api.post(f"/appointments/{appointment_id}/cancel", {})

    def reschedule(self, appointment_id: str, start: str) -> dict[str, Any]:
        """Move an appointment."""
        return self.api.post(f"/appointments/{appointment_id}/reschedule", {"start": start})

    def no_show(self, appointment_id: str) -> dict[str, Any]:
        """Record that the client did not come."""
        return self.api.post(f"/appointments/{appointment_id}/no-show", {})

    def booking_code(self, client_id: str) -> dict[str, Any]:
        """A new booking code for the widget."""
        return self.api.post(f"/clients/{client_id}/booking-code")

    def complete(self, appointment_id: str, completion: dict[str, Any]) -> dict[str, Any]:
        """Record the session of an appointment."""
        return self.api.post(f"/appointments/{appointment_id}/complete", completion)

    def session(self, appointment_id: str) -> dict[str, Any]:
        """The recorded session of an appointment."""
        return self.api.get(f"/appointments/{appointment_id}/session")

    def waitlist(self) -> list[dict[str, Any]]:
        """Who waits (or holds an offer), in list order, each with its open offer."""
        return self.api.get("/waitlist")["entries"]

    def join_waitlist(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Put a client at the end of the waitlist."""
        return self.api.post("/waitlist", entry)

    def leave_waitlist(self, entry_id: str) -> None:
        """Take a client off the waitlist (an offer they hold goes to the next)."""
        self.api.call("DELETE", f"/waitlist/{entry_id}")

    def move_on_waitlist(self, entry_id: str, position: int | str) -> dict[str, Any]:
        """Put an entry at ``position`` (1 = first)."""
        return self.api.post(f"/waitlist/{entry_id}/position", {"position": position})

    def offer_slot(self, entry_id: str, therapist_id: str, start: str) -> dict[str, Any]:
        """Hold a chosen slot for a waitlisted client and send them the offer."""
        return self.api.post(f"/waitlist/{entry_id}/offer",
                             {"therapist_id": therapist_id, "start": start})

    def answer_offer(self, offer_id: str, answer: str) -> dict[str, Any]:
        """The client's answer on the phone: ``accept`` books the slot, ``decline`` passes it on."""
        return self.api.post(f"/waitlist/offers/{offer_id}/{answer}")
