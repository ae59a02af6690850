"""Billing: the work queue, a claim's detail and corrections, A/R aging as a chart."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from flask import Response as FlaskResponse
from werkzeug.wrappers import Response

from services.console.apis import current
from services.console.apis.base import ApiProblem
from services.console.charts import bar_chart
from services.console.guard import page
from services.console.views.forms import render_form
from shared.billing.units import CMS, PER_CODE

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


COUNTING = [(CMS, "The CMS 8-minute rule (total time)"), (PER_CODE, "Each code on its own")]
SETUP_DONE = {"payer": "The payer is saved.", "fee": "The fee schedule entry is saved."}


def _setup_page(problem: ApiProblem | None = None, payer_form: Any = None,
                fee_form: Any = None) -> tuple[str, int]:
    claims = current.claims()
    payers = claims.payers()
    fees = claims.fee_schedules()
    allowed = bar_chart("Allowed per unit by payer and code",
                        [(f"{f['payer_id']} {f['code']}", f["allowed_per_unit"]) for f in fees
                         if not f.get("effective_to")], unit="$")
    editing = request.args.get("payer")
    if payer_form is None:
        payer_form = next((p for p in payers if p["payer_id"] == editing), None) or {
            "counting_method": CMS, "timely_filing_days": 365, "claim_filing_indicator": "CI"}
    return render_form("billing/setup.html", problem, payers=payers, fees=fees, chart=allowed,
                       counting=COUNTING, payer_form=payer_form,
                       payer_options=[(p["payer_id"], p["name"]) for p in payers],
                       fee_form=fee_form or {},
                       notice=SETUP_DONE.get(request.args.get("done", "")))


@bp.get("/setup")
@page("billing")
def setup() -> tuple[str, int]:
    """Payers and their fee schedules, with forms to change them (``?payer=`` to edit one)."""
    return _setup_page()


def _in_form(problem: ApiProblem, prefix: str) -> ApiProblem:
    """The service's field names as the form's (``entries.0.code`` -> ``fee.code``)."""
    fields: dict[str, list[str]] = {}
    for name, messages in problem.errors.items():
        bare = name.removeprefix("entries.0.").removeprefix("entries.")
        fields.setdefault(f"{prefix}.{bare}", []).extend(messages)
    problem.errors = fields
    return problem


@bp.post("/setup/payer")
@page("billing")
def save_payer() -> Response | tuple[str, int]:
    """Create or change a payer's billing rules (keyed by its X12 payer id)."""
    form = request.form
    payer_id = (form.get("payer.payer_id") or "").strip()
    days = (form.get("payer.timely_filing_days") or "").strip()
    body = {"name": (form.get("payer.name") or "").strip(),
            "counting_method": form.get("payer.counting_method"),
            "gp_required": form.get("payer.gp_required") == "yes",
            "timely_filing_days": int(days) if days.isdigit() else days,
            "claim_filing_indicator": (form.get("payer.claim_filing_indicator") or "CI").strip(),
            "distinct_modifier": form.get("payer.distinct_modifier") or None,
            "rendering_taxonomy_required": form.get("payer.rendering_taxonomy_required") == "yes"}
    shown = {**body, "payer_id": payer_id}
    if not payer_id:
        return _setup_page(ApiProblem(400, "Give the payer id.",
                                      errors={"payer.payer_id": ["Give the X12 payer id."]}),
                           payer_form=shown)
    try:
        current.claims().set_payer(payer_id, body)
    except ApiProblem as problem:
        return _setup_page(_in_form(problem, "payer"), payer_form=shown)
    return redirect(url_for("billing.setup", done="payer"))


@bp.post("/setup/fee")
@page("billing")
def save_fee() -> Response | tuple[str, int]:
    """Add a fee-schedule entry, or replace the one with the same payer, code and start."""
    form = request.form
    entry = {name: (form.get(f"fee.{name}") or "").strip() or None
             for name in ("payer_id", "code", "effective_from", "effective_to",
                          "charge_per_unit", "allowed_per_unit")}
    try:
        current.claims().save_fee(entry)
    except ApiProblem as problem:
        return _setup_page(_in_form(problem, "fee"), fee_form=entry)
    return redirect(url_for("billing.setup", done="fee"))


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
    # A secondary claim follows its primary's 835 (coordination of benefits): each page
    # links the other, so billing sees what the primary paid before the secondary's balance.
    secondaries = [c for c in claims.claims(client_id=claim["client_id"])
                   if c.get("primary_claim_id") == claim_id]
    return render_form("billing/claim.html", problem, claim=claim, x12=x12, client=client,
                       acknowledgements=acknowledgements, notice=notice,
                       secondaries=secondaries)


@bp.get("/claims/<claim_id>/cms1500.pdf")
@page("billing")
def cms1500(claim_id: str) -> FlaskResponse | tuple[str, int]:
    """The claim on the CMS-1500 form, fetched with the signed-in person's token."""
    try:
        content, content_type = current.claims().cms1500(claim_id)
    except ApiProblem as problem:
        return _claim_page(claim_id, problem)
    return FlaskResponse(content, mimetype=content_type.split(";")[0], headers={
        "Content-Disposition": f'inline; filename="cms1500-{claim_id}.pdf"',
        "Cache-Control": "no-store"})  # it carries the client's details


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
