/* The booking widget: pick a treatment, a day and a time, confirm with a booking code.
   Plain JavaScript, no external assets; talks to the scheduling service's public API.
   Days are the clinic's calendar days and times are shown in the clinic's time zone,
   wherever the visitor's device is. */
(function () {
  "use strict";
  var DAYS_SHOWN = 7;
  var DAY_MS = 24 * 60 * 60 * 1000;
  /* One sentence per refusal reason the scheduling service gives (check_eligibility and
     the booking problems), saying what to do next. */
  var REASONS = {
    no_screening: "We need your health questionnaire before your first visit. Please call the clinic to complete it.",
    screening_expired: "Your health questionnaire is more than a year old. Please call the clinic to update it.",
    needs_clearance: "Your physician needs to confirm that massage is safe for you. Please ask them to send the clinic a clearance.",
    not_eligible: "Massage is not safe for you at the moment. Please talk to your physician and the clinic.",
    no_active_referral: "A physician referral is needed for medical massage. Please ask your physician for one (the clinic has a form they can fill in).",
    no_visits_left: "All visits of your current referral are used or booked. Please ask your physician for a new referral.",
    outside_referral_dates: "This date is outside the dates of your physician's referral. Please choose a date within it or ask for a new referral.",
    invalid_booking_code: "That booking code was not recognised or has expired. Please check it or ask the clinic for a new one.",
    booking_code_revoked: "This booking code no longer works, after too many wrong tries or because the clinic replaced it. Please ask the front desk for a new one.",
    too_many_tries: "Too many tries from your connection. Please wait a minute and try again.",
    slot_taken: "Sorry, someone has just booked that time. Please choose another one.",
    client_busy: "You already have a visit booked at this time. Please choose another time.",
    slot_not_offered: "This time can no longer be booked online. Please choose another one.",
    busy: "Your booking is still being processed. Please wait a moment and try again."
  };
  var params = new URLSearchParams(location.search);
  var state = { services: [], timeZone: "UTC", today: null, firstDay: null, day: null,
                chosen: null, attempt: null };
  var el = function (id) { return document.getElementById(id); };

  if (params.get("theme") === "dark") document.documentElement.dataset.theme = "dark";
  /* A waitlist offer link made for the widget's front page: its own page answers it (the
     fragment, with its secret, moves along and never reaches a server). */
  if (new URLSearchParams(location.hash.slice(1)).get("offer")) {
    location.replace("offer.html" + location.hash);
    return;
  }

  /* A link from the clinic carries the code after "#code=": a fragment never reaches a
     server or its logs. It fills the field, then leaves the address bar and history. */
  function codeFromLink() {
    var code = new URLSearchParams(location.hash.slice(1)).get("code");
    if (!code) return;
    el("booking-code").value = code;
    history.replaceState(null, "", location.pathname + location.search);
  }

  /* A clinic day is a Date at 00:00 UTC of that calendar date (only its date is used). */
  function zoneParts(ms) {
    var parts = {};
    new Intl.DateTimeFormat("en-US", { timeZone: state.timeZone, hourCycle: "h23",
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
      second: "2-digit" }).formatToParts(new Date(ms)).forEach(function (p) { parts[p.type] = +p.value; });
    return parts;
  }
  function zoneOffset(ms) {
    var p = zoneParts(ms);
    return Date.UTC(p.year, p.month - 1, p.day, p.hour % 24, p.minute, p.second) - (ms - ms % 1000);
  }
  function clinicToday() {
    var p = zoneParts(Date.now());
    return new Date(Date.UTC(p.year, p.month - 1, p.day));
  }
  function clinicMidnight(day) {
    var wall = day.getTime();
    var guess = wall - zoneOffset(wall);
    return new Date(wall - zoneOffset(guess));  /* second look: the offset may change that day */
  }
  function addDays(day, n) { return new Date(day.getTime() + n * DAY_MS); }
  function dayLabel(day) {
    return new Intl.DateTimeFormat(undefined, { timeZone: "UTC", weekday: "short", day: "numeric",
                                                month: "short" }).format(day);
  }
  function format(iso, options) {
    return new Intl.DateTimeFormat(undefined, Object.assign({ timeZone: state.timeZone }, options))
      .format(new Date(iso));
  }
  function randomKey() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }
  function say(text, isError) {
    var status = el("status");
    status.textContent = text;
    status.className = isError ? "status error" : "status";
  }
  function api(path, options) {
    return fetch(path, options).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { ok: response.ok, status: response.status, body: body };
      });
    });
  }

  function loadServices() {
    return api("api/services").then(function (answer) {
      if (!answer.ok) { say("Booking is not available right now. Please call the clinic.", true); return; }
      state.services = answer.body.services;
      state.timeZone = answer.body.time_zone;
      state.today = state.firstDay = clinicToday();
      el("zone-note").textContent = "Times are the clinic's local time (" + state.timeZone.replace(/_/g, " ") + ").";
      if (!state.services.length) { say("No treatments can be booked online right now. Please call the clinic.", true); return; }
      var select = el("service");
      select.innerHTML = "";
      state.services.forEach(function (service) {
        var option = document.createElement("option");
        option.value = service.id;
        option.textContent = service.name + " (" + service.duration_minutes + " min)";
        if (params.get("service") === service.id || params.get("service") === service.name) option.selected = true;
        select.appendChild(option);
      });
      renderDays();
    }).catch(function () {
      say("We could not reach the clinic. Please check your connection and reload the page.", true);
    });
  }

  function renderDays(keepDay) {
    var list = el("days");
    list.innerHTML = "";
    var pressed = null;
    for (var i = 0; i < DAYS_SHOWN; i++) {
      var day = addDays(state.firstDay, i);
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "day";
      button.textContent = dayLabel(day);
      button.setAttribute("aria-pressed", "false");
      button.addEventListener("click", chooseDay.bind(null, day, button));
      item.appendChild(button);
      list.appendChild(item);
      if (keepDay && state.day && day.getTime() === state.day.getTime()) pressed = button;
    }
    el("prev-days").disabled = state.firstDay <= state.today;
    (pressed || list.querySelector("button")).click();
  }

  function chooseDay(day, button) {
    state.day = day;
    Array.prototype.forEach.call(el("days").querySelectorAll("button"), function (b) {
      b.setAttribute("aria-pressed", String(b === button));
    });
    var query = new URLSearchParams({ service: el("service").value,
                                      from: clinicMidnight(day).toISOString(),
                                      to: clinicMidnight(addDays(day, 1)).toISOString() });
    var slots = el("slots");
    slots.innerHTML = "";
    say("Looking for open times…");
    api("../availability?" + query.toString()).then(function (answer) {
      if (state.day !== day) return;  /* another day was chosen meanwhile */
      if (!answer.ok) { say("Could not load open times. Please try again.", true); return; }
      if (answer.body.slots.length === 0) { say("No open times on " + button.textContent + ". Please try another day."); return; }
      say(answer.body.slots.length + " open times on " + button.textContent + ".");
      answer.body.slots.forEach(function (slot) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "slot";
        b.textContent = format(slot.start, { hour: "numeric", minute: "2-digit" }) + " · " + slot.therapist_name;
        b.setAttribute("aria-label", "Book " + format(slot.start, { weekday: "long", hour: "numeric", minute: "2-digit" }) +
                       " with " + slot.therapist_name);
        b.addEventListener("click", chooseSlot.bind(null, slot));
        slots.appendChild(b);
      });
    }).catch(function () {
      say("We could not reach the clinic. Please check your connection and try again.", true);
    });
  }

  function chooseSlot(slot) {
    state.chosen = slot;
    state.attempt = null;
    el("chosen").textContent = format(slot.start, { weekday: "long", day: "numeric", month: "long",
                                                    hour: "numeric", minute: "2-digit" }) +
                               " with " + slot.therapist_name;
    el("step-identify").hidden = false;
    el("result").hidden = true;
    el("booking-code").focus();
  }

  /* The same Idempotency-Key while slot and code stay the same: a retry after a lost
     answer cannot book twice. */
  function attemptKey(code) {
    var what = state.chosen.therapist_id + "|" + state.chosen.room_id + "|" + state.chosen.start + "|" + code;
    if (!state.attempt || state.attempt.what !== what) state.attempt = { what: what, key: randomKey() };
    return state.attempt.key;
  }

  function refusalReasons(answer) {
    var type = answer.body.type || "";
    if (type === "/problems/booking-code-revoked") return ["booking_code_revoked"];
    if (answer.status === 401) return ["invalid_booking_code"];
    if (answer.status === 429) return ["too_many_tries"];
    if (type === "/problems/slot-taken") return ["slot_taken"];
    if (type === "/problems/idempotency-in-progress") return ["busy"];
    return answer.body.reasons || [];
  }

  function book(event) {
    event.preventDefault();
    var code = el("booking-code").value.trim();
    if (!code) { say("Please enter your booking code.", true); el("booking-code").focus(); return; }
    var slot = state.chosen;
    el("book").disabled = true;
    say("Booking…");
    api("api/appointments", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + code,
                 "Idempotency-Key": attemptKey(code) },
      body: JSON.stringify({ service_id: el("service").value, therapist_id: slot.therapist_id,
                             room_id: slot.room_id, start: slot.start })
    }).then(function (answer) {
      el("book").disabled = false;
      if (answer.ok) return showConfirmation(answer.body);
      showRefusal(refusalReasons(answer), answer.body.detail);
    }).catch(function () {
      el("book").disabled = false;
      say("We could not reach the clinic. Please check your connection and try again.", true);
    });
  }

  function showResult(title, nodes) {
    el("result-heading").textContent = title;
    var body = el("result-body");
    body.innerHTML = "";
    nodes.forEach(function (node) { body.appendChild(node); });
    el("result").hidden = false;
    el("result").focus();
  }

  function paragraph(text) { var p = document.createElement("p"); p.textContent = text; return p; }

  function showConfirmation(appointment) {
    say("");
    el("step-identify").hidden = true;
    var reference = paragraph("Your booking reference is ");
    var id = document.createElement("strong");
    id.id = "reference";
    id.textContent = appointment.id;
    reference.appendChild(id);
    reference.appendChild(document.createTextNode(". To cancel, call the clinic at least a day before."));
    showResult("You're booked", [
      paragraph(appointment.service_name + ", " +
                format(appointment.start, { weekday: "long", day: "numeric", month: "long",
                                            hour: "numeric", minute: "2-digit" }) +
                " with " + appointment.therapist_name + "."),
      reference
    ]);
  }

  function showRefusal(reasons, detail) {
    say("");
    var list = document.createElement("ul");
    (reasons.length ? reasons : ["unknown"]).forEach(function (reason) {
      var item = document.createElement("li");
      item.textContent = REASONS[reason] || detail || "This time could not be booked. Please call the clinic.";
      list.appendChild(item);
    });
    showResult("We could not book this time", [list]);
    if (reasons.indexOf("slot_taken") >= 0 || reasons.indexOf("slot_not_offered") >= 0) {
      el("step-identify").hidden = true;
      renderDays(true);
    }
  }

  el("service").addEventListener("change", function () { renderDays(true); });
  el("prev-days").addEventListener("click", function () { state.firstDay = addDays(state.firstDay, -DAYS_SHOWN); renderDays(); });
  el("next-days").addEventListener("click", function () { state.firstDay = addDays(state.firstDay, DAYS_SHOWN); renderDays(); });
  el("book-form").addEventListener("submit", book);
  el("change").addEventListener("click", function () {
    el("step-identify").hidden = true;
    var first = el("slots").querySelector("button");
    if (first) first.focus();
  });
  codeFromLink();
  loadServices();
})();
