"""The claims service's API as the console uses it (work queue, claims, receivables)."""

from __future__ import annotations

from typing import Any

from services.console.apis.base import ServiceApi


class ClaimsApi:
    """The billing work queue, claim detail and corrections, the 837P, A/R aging."""

    def __init__(self, api: ServiceApi) -> None:
        self.api = api

    def work_queue(self, kind: str | None = None) -> dict[str, Any]:
        """Items needing a person (``items``) and how many of each kind (``counts``)."""
        return self.api.get("/work-queue", kind=kind)

    def claims(self, **filters: Any) -> list[dict[str, Any]]:
        """Claims matching the service's filters (status, client_id, ...)."""
        return self.api.get("/claims", **filters)["claims"]

    def claim(self, claim_id: str) -> dict[str, Any]:
        """A claim with lines, history, payments and balance."""
        return self.api.get(f"/claims/{claim_id}")

    def x12(self, claim_id: str) -> str:
        """The 837P interchange the claim went out in."""
        return self.api.text(f"/claims/{claim_id}/837")

    def resubmit(self, claim_id: str, member_id: str | None) -> dict[str, Any]:
        """Correct (the member id) and resubmit; the successor claim."""
        return self.api.post(f"/claims/{claim_id}/resubmit",
                             {"member_id": member_id} if member_id else {})

    def void(self, claim_id: str) -> dict[str, Any]:
        """Void an adjudicated claim; the void claim."""
        return self.api.post(f"/claims/{claim_id}/void")

    def write_off(self, claim_id: str, reason: str, amount: str | None) -> dict[str, Any]:
        """Write off the open balance (or ``amount`` of it) and close the claim."""
        return self.api.post(f"/claims/{claim_id}/write-off",
                             {"reason": reason, "amount": amount or None})

    def cms1500(self, claim_id: str) -> tuple[bytes, str]:
        """The claim on the CMS-1500 paper form (PDF bytes, content type)."""
        return self.api.document(f"/claims/{claim_id}/cms1500.pdf")

    def set_payer(self, payer_id: str, payer: dict[str, Any]) -> dict[str, Any]:
        """Create or replace a payer's billing rules."""
        return self.api.put(f"/payers/{payer_id}", payer)

    def save_fee(self, entry: dict[str, Any]) -> dict[str, Any]:
        """Add or replace one fee-schedule entry (keyed by payer, code and start date)."""
        return self.api.post("/fee-schedules", {"entries": [entry]})

    def payers(self) -> list[dict[str, Any]]:
        """The payers billing has set up."""
        return self.api.get("/payers")["payers"]

    def fee_schedules(self) -> list[dict[str, Any]]:
        """Every fee-schedule entry (payer, code, dates, charge and allowed per unit)."""
        return self.api.get("/fee-schedules")["entries"]

    def aging(self) -> dict[str, Any]:
        """A/R aging by payer and bucket."""
        return self.api.get("/reports/aging")
