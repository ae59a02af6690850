"""Billing: the work queue, a claim's detail and corrections, A/R aging as a chart."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from services.console.apis import current
from services.console.apis.base import ApiProblem
from services.console.charts import bar_chart
from services.console.guard import page
from services.console.views.forms import render_form

bp = Blueprint("billing", __name__, url_prefix="/billing")


@bp.get("/queue")
@page("billing")
def queue() -> str:
    """What needs a person, oldest first within each kind, with the amount at stake."""
    claims = current.claims()
    kind = request.args.get("kind") or None
    work = claims.work_queue(kind)
    aging = claims.aging()
    chart = bar_chart("Open receivables by age (days since service)",
                      [(row["bucket"], row["amount"]) for row in aging["totals"]], unit="$")
    return render_template("billing/queue.html", items=work["items"], counts=work["counts"],
                           kind=kind, aging=aging, chart=chart)


@bp.get("/setup")
@page("billing")
def setup() -> str:
    """Payers and their fee schedules, with the charge and allowed amount per unit."""
    claims = current.claims()
    payers = claims.payers()
    fees = claims.fee_schedules()
    allowed = bar_chart("Allowed per unit by payer and code",
                        [(f"{f['payer_id']} {f['code']}", f["allowed_per_unit"]) for f in fees
                         if not f.get("effective_to")], unit="$")
    return render_template("billing/setup.html", payers=payers, fees=fees, chart=allowed)


def _claim_page(claim_id: str, problem: ApiProblem | None = None,
                notice: str | None = None) -> tuple[str, int]:
    claims = current.claims()
    claim = claims.claim(claim_id)
    try:
        x12: str | None = claims.x12(claim_id)
    except ApiProblem:
        x12 = None  # not batched yet
    acknowledgements = [entry for entry in claim.get("history", []) if entry.get("evidence")]
    client: dict[str, Any] | None
    try:
        client = current.screening().client(claim["client_id"])
    except ApiProblem:
        client = None
    return render_form("billing/claim.html", problem, claim=claim, x12=x12, client=client,
                       acknowledgements=acknowledgements, notice=notice)


@bp.get("/claims/<claim_id>")
@page("billing")
def claim(claim_id: str) -> tuple[str, int]:
    """A claim: lines, history, acknowledgements, payments, balance, the 837P."""
    return _claim_page(claim_id, notice=request.args.get("notice"))


@bp.post("/claims/<claim_id>/<action>")
@page("billing")
def act(claim_id: str, action: str) -> Response | tuple[str, int]:
    """Correct-and-resubmit, void, or write off."""
    claims = current.claims()
    try:
        if action == "resubmit":
            successor = claims.resubmit(claim_id, (request.form.get("member_id") or "").strip())
            return redirect(url_for("billing.claim", claim_id=successor["claim_id"],
                                    notice=f"Resubmitted in place of {claim_id}."))
        if action == "void":
            voided = claims.void(claim_id)
            return redirect(url_for("billing.claim", claim_id=voided["claim_id"],
                                    notice=f"A void of {claim_id} was sent."))
        if action == "write-off":
            claims.write_off(claim_id, (request.form.get("reason") or "").strip(),
                             (request.form.get("amount") or "").strip() or None)
            return redirect(url_for("billing.claim", claim_id=claim_id,
                                    notice="Written off and closed."))
    except ApiProblem as problem:
        return _claim_page(claim_id, problem)
    return _claim_page(claim_id, ApiProblem(404, "No such action."))
