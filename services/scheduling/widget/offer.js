/* A waitlist offer, opened from the clinic's email or text: the held time, and buttons to
   book it or let it go. The link carries its single-use secret after "#offer=" (a fragment
   never reaches a server or its logs); the page keeps it for this tab only and takes it
   out of the address bar and history. Plain JavaScript, no external assets. */
(function () {
  "use strict";
  var KEY = "medmassage.offer-token";
  var OUTCOMES = {
    accepted: ["You are booked", "Your visit is booked for {when}. See you then!"],
    declined: ["You let this time go", "You stay on the waitlist; we will tell you when another time opens up."],
    expired: ["This offer has ended", "The time was held until {hold} and has gone to the next person waiting. You stay on the waitlist."],
    withdrawn: ["This offer was withdrawn", "The clinic withdrew this offer. Please call the clinic if you have questions."]
  };
  /* Why an answer was refused (the scheduling service's reasons), and what to do. */
  var REASONS = {
    offer_accepted: "You already booked this time.",
    offer_declined: "You already let this time go.",
    offer_expired: "This offer has ended: the time went to the next person waiting.",
    offer_withdrawn: "The clinic withdrew this offer.",
    slot_taken: "Sorry, this time can no longer be booked. You stay on the waitlist.",
    too_many_tries: "Too many tries from your connection. Please wait a minute and try again."
  };
  var el = function (id) { return document.getElementById(id); };
  var state = { zone: "UTC", token: null, offer: null };

  function say(text, isError) { el("status").textContent = text; el("status").className = isError ? "status error" : "status"; }
  function post(path, body) {
    return fetch(path, { method: "POST", headers: { "Content-Type": "application/json" },
                         body: JSON.stringify(body), referrerPolicy: "no-referrer" })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (json) {
          return { ok: response.ok, status: response.status, body: json };
        });
      }, function () { return { ok: false, status: 0, body: {} }; });
  }
  function when(iso) {
    return new Intl.DateTimeFormat("en-US", { timeZone: state.zone, weekday: "long", month: "long", day: "numeric",
                                              hour: "numeric", minute: "2-digit" }).format(new Date(iso));
  }
  function explain(body) {
    var reasons = (body.reasons || []).map(function (reason) { return REASONS[reason]; }).filter(Boolean);
    return reasons.length ? reasons.join(" ") : (body.detail || "Something went wrong. Please call the clinic.");
  }

  function tokenFromLink() {
    var token = new URLSearchParams(location.hash.slice(1)).get("offer");
    if (token) {
      sessionStorage.setItem(KEY, token);
      history.replaceState(null, "", location.pathname + location.search);
    }
    return token || sessionStorage.getItem(KEY);
  }

  function show(offer) {
    state.offer = offer;
    el("offer-when").textContent = when(offer.start);
    el("offer-service").textContent = offer.service_name || "Your treatment";
    el("offer-therapist").textContent = offer.therapist_name || "Any therapist";
    el("offer-hold").textContent = when(offer.hold_until);
    el("offer-zone").textContent = "Times are the clinic's local time (" + state.zone.replace(/_/g, " ") + ").";
    el("offer").hidden = false;
    var open = offer.status === "open" && new Date(offer.hold_until) > new Date();
    el("answer").hidden = !open;
    if (open) { say(""); return; }
    showOutcome(offer.status === "open" ? "expired" : offer.status, false);
  }

  function showOutcome(status, moveFocus) {
    var words = OUTCOMES[status] || OUTCOMES.withdrawn;
    el("answer").hidden = true;
    el("outcome-heading").textContent = words[0];
    el("outcome-text").textContent = words[1].replace("{when}", when(state.offer.start))
                                             .replace("{hold}", when(state.offer.hold_until));
    el("outcome").hidden = false;
    say(words[0] + ".");
    if (moveFocus) el("outcome").focus();
    if (status !== "open") sessionStorage.removeItem(KEY);
  }

  function answer(choice) {
    var buttons = [el("accept"), el("decline")];
    buttons.forEach(function (button) { button.disabled = true; });
    say(choice === "accept" ? "Booking this time…" : "Letting this time go…");
    post("../waitlist/link/answer", { token: state.token, answer: choice }).then(function (reply) {
      buttons.forEach(function (button) { button.disabled = false; });
      if (reply.ok) { state.offer = reply.body; showOutcome(reply.body.status, true); return; }
      say(explain(reply.body), true);
      el("status").focus();
    });
  }

  function load() {
    state.token = tokenFromLink();
    if (!state.token) { say("This page opens from the link in the clinic's message. Please use that link or call the clinic.", true); return; }
    fetch("api/services").then(function (response) { return response.ok ? response.json() : {}; })
      .catch(function () { return {}; })
      .then(function (clinic) {
        state.zone = clinic.time_zone || Intl.DateTimeFormat().resolvedOptions().timeZone;
        return post("../waitlist/link", { token: state.token });
      })
      .then(function (reply) {
        if (reply.ok) { show(reply.body); return; }
        sessionStorage.removeItem(KEY);
        say(reply.status === 404 || reply.status === 400
          ? "This offer link is not valid. Please use the link from the clinic's message, or call the clinic."
          : explain(reply.body), true);
      });
  }

  el("accept").addEventListener("click", function () { answer("accept"); });
  el("decline").addEventListener("click", function () { answer("decline"); });
  el("status").setAttribute("tabindex", "-1");
  load();
})();
