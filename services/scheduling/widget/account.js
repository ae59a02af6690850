/* Self-service: a client signs in (emailed link or booking code) and sees, cancels, moves,
   downloads and books their own visits, and books the rest of their plan of care.
   Plain JavaScript, no external assets; times are shown in the clinic's time zone. */
(function () {
  "use strict";
  var TOKEN = "medmassage.client-token";
  var REASONS = {
    no_screening: "Your health questionnaire has not been confirmed by the clinic yet.",
    screening_expired: "Your health questionnaire is more than a year old; please update it with the clinic.",
    needs_clearance: "Your physician needs to confirm that massage is safe for you first.",
    not_eligible: "Massage is not safe for you at the moment; please talk to your physician.",
    no_active_referral: "A physician referral is needed; please ask your physician for one.",
    no_visits_left: "Your referral has no visits left for this date; ask your physician for a renewal.",
    outside_referral_dates: "This date is outside your referral's dates.",
    slot_taken: "This time is already taken.",
    client_busy: "You already have a visit at this time.",
    slot_not_offered: "The clinic is closed or this time cannot be booked online.",
    late_fee_not_accepted: "Please tick the box to accept the late fee, or keep your visit.",
    inside_minimum_notice: "This time is too soon to book online.",
    beyond_booking_horizon: "This time is too far ahead to book online.",
    already_started: "This visit has already started.",
    not_booked: "This visit is no longer booked."
  };
  var el = function (id) { return document.getElementById(id); };
  var state = { zone: "UTC", services: [], visits: null, change: null, chosen: null, moveTo: null, plan: null };

  function say(text, isError) { el("status").textContent = text; el("status").className = isError ? "status error" : "status"; }
  function node(tag, attributes, text) {
    var element = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { element.setAttribute(name, attributes[name]); });
    if (text) element.textContent = text;
    return element;
  }
  function token() { return sessionStorage.getItem(TOKEN); }
  function api(path, options) {
    options = options || {};
    options.headers = options.headers || {};
    if (token()) options.headers.Authorization = "Bearer " + token();
    if (options.body) options.headers["Content-Type"] = "application/json";
    return fetch(path, options).then(function (response) {
      if (response.status === 401 && path.indexOf("api/me/") === 0) { signOut("Please sign in again."); }
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { ok: response.ok, status: response.status, body: body };
      });
    });
  }
  function explain(body) {
    var reasons = (body.reasons || []).map(function (reason) { return REASONS[reason] || body.detail; });
    return reasons.length ? reasons.join(" ") : (body.detail || "Something went wrong. Please call the clinic.");
  }
  function when(iso) {
    return new Intl.DateTimeFormat("en-US", { timeZone: state.zone, weekday: "long", month: "long", day: "numeric",
                                              hour: "numeric", minute: "2-digit" }).format(new Date(iso));
  }
  function timeOnly(iso) {
    return new Intl.DateTimeFormat("en-US", { timeZone: state.zone, hour: "numeric", minute: "2-digit" }).format(new Date(iso));
  }
  function localDate(iso) {
    return new Intl.DateTimeFormat("en-CA", { timeZone: state.zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(iso));
  }
  function money(amount) { return "$" + amount; }

  /* A link from the clinic's email carries its secret after "#sign-in=": a fragment never
     reaches a server. It is used once, then the address bar and history forget it. */
  function signInFromLink() {
    var secret = new URLSearchParams(location.hash.slice(1)).get("sign-in");
    if (!secret) return Promise.resolve();
    history.replaceState(null, "", location.pathname + location.search);
    return openSession({ sign_in: secret });
  }
  function openSession(body) {
    say("Signing you in…");
    return api("api/sessions", { method: "POST", body: JSON.stringify(body) }).then(function (answer) {
      if (!answer.ok) { say(answer.body.detail || "We could not sign you in.", true); return; }
      sessionStorage.setItem(TOKEN, answer.body.token);
      say("You are signed in.");
    });
  }
  function signOut(message) {
    sessionStorage.removeItem(TOKEN);
    el("account").hidden = true;
    el("sign-in").hidden = false;
    if (message) say(message, true);
  }

  function show() {
    if (!token()) { el("sign-in").hidden = false; el("account").hidden = true; return Promise.resolve(); }
    el("sign-in").hidden = true;
    el("account").hidden = false;
    return loadVisits();
  }

  function loadVisits() {
    return api("api/me/visits").then(function (answer) {
      if (!answer.ok) return;
      state.visits = answer.body;
      state.zone = answer.body.time_zone;
      var policy = answer.body.policy;
      el("policy").textContent = "You can cancel or move a visit free of charge up to " + policy.cancellation_window_hours +
        " hours before it starts. Later, the clinic charges " + money(policy.late_cancellation_fee) +
        "; a missed visit costs " + money(policy.no_show_fee) + ". Times are the clinic's (" + state.zone.replace(/_/g, " ") + ").";
      renderVisits(el("upcoming"), answer.body.upcoming, true);
      renderVisits(el("past"), answer.body.past, false);
    });
  }

  function renderVisits(list, visits, upcoming) {
    list.innerHTML = "";
    if (!visits.length) { list.appendChild(node("li", {}, upcoming ? "No upcoming visits." : "None yet.")); return; }
    visits.forEach(function (visit) {
      var item = node("li", { "class": "visit", "data-visit": visit.id });
      item.appendChild(node("p", { "class": "chosen" }, visit.service_name + ", " + when(visit.start) + " with " + visit.therapist_name));
      if (visit.status !== "booked") {
        var status = visit.status === "cancelled" ? "Cancelled" : visit.status === "no_show" ? "Missed" : "Completed";
        if (visit.late && visit.fee) status += " (late: " + money(visit.fee) + " fee)";
        item.appendChild(node("p", {}, status));
      }
      if (upcoming && visit.terms) {
        item.appendChild(node("p", { "class": "help" }, visit.terms.late
          ? "Cancelling or moving now is late: a " + money(visit.terms.fee) + " fee applies."
          : "Free to cancel or move until " + when(visit.terms.free_until) + "."));
        var label = visit.service_name + " on " + when(visit.start);
        item.appendChild(button("Cancel", label, function () { startChange(visit, "cancel"); }));
        item.appendChild(document.createTextNode(" "));
        item.appendChild(button("Move", label, function () { startChange(visit, "move"); }));
        item.appendChild(document.createTextNode(" "));
      }
      item.appendChild(button("Add to calendar", visit.service_name + " on " + when(visit.start),
                              function () { downloadIcs(visit); }));
      list.appendChild(item);
    });
  }
  /* The accessible name starts with the visible text (WCAG 2.5.3) and names the visit. */
  function button(text, visit, action) {
    var element = node("button", { type: "button", "class": "secondary", "aria-label": text + ": " + visit }, text);
    element.addEventListener("click", action);
    return element;
  }

  function downloadIcs(visit) {
    fetch("api/me/visits/" + encodeURIComponent(visit.id) + "/calendar.ics", { headers: { Authorization: "Bearer " + token() } })
      .then(function (response) {
        if (!response.ok) throw new Error("not downloaded");
        return response.blob();
      }).then(function (blob) {
        var link = node("a", { href: URL.createObjectURL(blob), download: "visit.ics" });
        document.body.appendChild(link);
        link.click();
        link.remove();
        say("The visit was downloaded; open it to add it to your calendar.");
      }).catch(function () { say("The calendar file could not be downloaded.", true); });
  }

  function startChange(visit, kind) {
    state.change = { visit: visit, kind: kind };
    state.moveTo = null;
    el("change-heading").textContent = (kind === "cancel" ? "Cancel your visit on " : "Move your visit on ") + when(visit.start);
    el("change-terms").textContent = visit.terms.late
      ? "This is within " + state.visits.policy.cancellation_window_hours + " hours of your visit: a " + money(visit.terms.fee) + " late fee applies."
      : "This is free of charge.";
    var feeDue = visit.terms.late && Number(visit.terms.fee) > 0;
    el("fee-box").hidden = !feeDue;
    el("accept-fee").checked = false;
    el("accept-fee-label").textContent = "I accept the " + money(visit.terms.fee) + " late fee";
    el("move-picker").hidden = kind !== "move";
    el("move-slots").innerHTML = "";
    el("move-day").value = localDate(visit.start);
    el("confirm-change").textContent = kind === "cancel" ? "Cancel this visit" : "Move to the chosen time";
    el("confirm-change").disabled = kind === "move";
    el("change").hidden = false;
    el("change").focus();
    if (kind === "move") loadSlots(el("move-day").value, visit.service_id, visit.therapist_id, el("move-slots"), function (slot) {
      state.moveTo = slot;
      el("confirm-change").disabled = false;
    });
  }

  function confirmChange() {
    var change = state.change;
    var path = "api/me/visits/" + encodeURIComponent(change.visit.id) + "/" + (change.kind === "cancel" ? "cancel" : "reschedule");
    var body = { accept_fee: el("accept-fee").checked };
    if (change.kind === "move") body.start = state.moveTo.start;
    api(path, { method: "POST", body: JSON.stringify(body) }).then(function (answer) {
      if (!answer.ok) { say(explain(answer.body), true); return; }
      el("change").hidden = true;
      say(change.kind === "cancel" ? "Your visit is cancelled." : "Your visit is moved to " + when(answer.body.start) + ".");
      loadVisits().then(function () { el("upcoming-heading").setAttribute("tabindex", "-1"); el("upcoming-heading").focus(); });
    });
  }

  /* The free times of one clinic day: a wide window, then only that day's starts. */
  function loadSlots(day, serviceId, therapistId, container, onPick) {
    container.innerHTML = "";
    // Only the latest request fills the list: an earlier day's answer arriving late
    // (the visit's own day, asked for when Move opened) must not show beside the new one.
    var request = {};
    container.latestRequest = request;
    if (!day) return;
    var midnight = Date.parse(day + "T00:00:00Z");
    var query = new URLSearchParams({ service: serviceId, from: new Date(midnight - 14 * 3600e3).toISOString(),
                                      to: new Date(midnight + 38 * 3600e3).toISOString() });
    if (therapistId) query.set("therapist", therapistId);
    api("../availability?" + query.toString()).then(function (answer) {
      if (container.latestRequest !== request) return;
      if (!answer.ok) { say("Free times could not be loaded.", true); return; }
      var slots = answer.body.slots.filter(function (slot) { return localDate(slot.start) === day; });
      var seen = {};
      slots = slots.filter(function (slot) {
        var key = slot.start + slot.therapist_id;
        if (seen[key]) return false;
        seen[key] = true;
        return true;
      });
      if (!slots.length) { container.appendChild(node("p", { "class": "help" }, "No free times that day.")); return; }
      slots.forEach(function (slot) {
        var choice = node("button", { type: "button", "class": "slot", "aria-pressed": "false" },
                          timeOnly(slot.start) + " with " + slot.therapist_name);
        choice.addEventListener("click", function () {
          Array.prototype.forEach.call(container.querySelectorAll("button"), function (b) { b.setAttribute("aria-pressed", String(b === choice)); });
          onPick(slot);
        });
        container.appendChild(choice);
      });
    });
  }

  function loadServices() {
    return api("api/services").then(function (answer) {
      if (!answer.ok) return;
      state.services = answer.body.services;
      var select = el("service");
      select.innerHTML = "";
      state.services.forEach(function (service) {
        select.appendChild(node("option", { value: service.id }, service.name + " (" + service.duration_minutes + " min)"));
      });
    });
  }
  function pickForBooking() {
    state.chosen = null;
    el("book").disabled = el("propose").disabled = true;
    el("chosen").textContent = "";
    loadSlots(el("book-day").value, el("service").value, null, el("book-slots"), function (slot) {
      state.chosen = slot;
      el("chosen").textContent = "Chosen: " + when(slot.start) + " with " + slot.therapist_name;
      el("book").disabled = el("propose").disabled = false;
    });
  }
  function book() {
    var slot = state.chosen;
    api("api/me/appointments", { method: "POST", body: JSON.stringify({ service_id: el("service").value,
      therapist_id: slot.therapist_id, start: slot.start }) }).then(function (answer) {
      if (!answer.ok) { say(explain(answer.body), true); return; }
      say("You're booked: " + answer.body.service_name + ", " + when(answer.body.start) + " with " + answer.body.therapist_name + ".");
      pickForBooking();
      loadVisits();
    });
  }

  function propose() {
    var slot = state.chosen;
    state.plan = { service_id: el("service").value, therapist_id: slot.therapist_id };
    api("api/me/series/proposal", { method: "POST", body: JSON.stringify({ service_id: state.plan.service_id,
      therapist_id: slot.therapist_id, first_start: slot.start }) }).then(function (answer) {
      if (!answer.ok) { say(explain(answer.body) + " " + ((answer.body.errors || {}).frequency || ""), true); return; }
      var list = el("plan-dates");
      list.innerHTML = "";
      state.plan.starts = [];
      answer.body.dates.forEach(function (date) {
        var item = node("li", {}, when(date.start) + ": ");
        if (date.bookable) { state.plan.starts.push(date.start); item.appendChild(node("span", {}, "available")); }
        else item.appendChild(node("span", { "class": "refused" }, "not possible. " + date.reasons.map(function (r) { return REASONS[r] || r; }).join(" ")));
        list.appendChild(item);
      });
      el("plan-frequency").textContent = "Your physician prescribed " + answer.body.frequency + ". " +
        state.plan.starts.length + " of " + answer.body.dates.length + " dates can be booked.";
      el("book-plan").textContent = "Book the " + state.plan.starts.length + " available dates";
      el("book-plan").disabled = !state.plan.starts.length;
      el("plan").hidden = false;
      el("plan").focus();
    });
  }
  function bookPlan() {
    api("api/me/series", { method: "POST", body: JSON.stringify(state.plan) }).then(function (answer) {
      if (!answer.ok) {
        var refused = (answer.body.conflicts || []).map(function (c) { return when(c.start) + ": " + c.reasons.map(function (r) { return REASONS[r] || r; }).join(" "); });
        say("Nothing was booked. " + (refused.join(" ") || explain(answer.body)) + " Please plan again.", true);
        return;
      }
      el("plan").hidden = true;
      say(answer.body.appointments.length + " visits are booked.");
      loadVisits();
    });
  }

  el("email-form").addEventListener("submit", function (event) {
    event.preventDefault();
    api("api/sign-in", { method: "POST", body: JSON.stringify({ email: el("email").value.trim() }) }).then(function (answer) {
      say(answer.ok ? answer.body.detail : "Please enter a valid email address.", !answer.ok);
    });
  });
  el("code-form").addEventListener("submit", function (event) {
    event.preventDefault();
    openSession({ booking_code: el("code").value }).then(show);
  });
  el("sign-out").addEventListener("click", function () { signOut(); say("You are signed out."); el("email").focus(); });
  el("confirm-change").addEventListener("click", confirmChange);
  el("keep").addEventListener("click", function () { el("change").hidden = true; say("Your visit is unchanged."); });
  el("move-day").addEventListener("change", function () {
    var visit = state.change.visit;
    el("confirm-change").disabled = true;
    loadSlots(el("move-day").value, visit.service_id, visit.therapist_id, el("move-slots"), function (slot) {
      state.moveTo = slot;
      el("confirm-change").disabled = false;
    });
  });
  el("service").addEventListener("change", pickForBooking);
  el("book-day").addEventListener("change", pickForBooking);
  el("book").addEventListener("click", book);
  el("propose").addEventListener("click", propose);
  el("book-plan").addEventListener("click", bookPlan);

  api("api/clinic").then(function (answer) {
    if (answer.ok && answer.body.intake_url) el("intake-link").href = answer.body.intake_url;
    else el("intake-link").parentNode.hidden = true;
  });
  /* A sign-in link opened in a tab already showing this page changes only the fragment. */
  window.addEventListener("hashchange", function () { signInFromLink().then(show); });
  signInFromLink().then(loadServices).then(show);
}());
