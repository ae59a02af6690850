/* The intake page: a new client's details, insurance, health answers and consent.
   Plain JavaScript, no external assets. The health questions come from the screening
   rules in force (GET api/form); every refused answer is shown beside its field and in a
   summary whose links move the focus to it. */
(function () {
  "use strict";
  var el = function (id) { return document.getElementById(id); };
  var state = { form: null, invitation: null, uploadToken: null, injuries: 0 };
  var RELATIONSHIPS = [["self", "Me"], ["spouse", "My spouse"], ["child", "My parent (I am their child)"], ["other", "Someone else"]];

  /* The clinic's link carries the invitation after "#invitation=": a fragment never
     reaches a server or its logs. Keep it, then leave the address bar clean. */
  function invitationFromLink() {
    var token = new URLSearchParams(location.hash.slice(1)).get("invitation");
    if (token) {
      state.invitation = token;
      history.replaceState(null, "", location.pathname + location.search);
    }
  }

  function say(text) { el("status").textContent = text; }

  function node(tag, attributes, text) {
    var element = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { element.setAttribute(name, attributes[name]); });
    if (text) element.textContent = text;
    return element;
  }

  function field(id, path, label, type, options) {
    var wrapper = node("div", { "class": "field" });
    wrapper.appendChild(node("label", { "for": id }, label));
    var input;
    if (options) {
      input = node("select", { id: id, "data-path": path });
      options.forEach(function (option) { input.appendChild(node("option", { value: option[0] }, option[1])); });
    } else {
      input = node("input", { id: id, "data-path": path, type: type || "text" });
    }
    wrapper.appendChild(input);
    return wrapper;
  }

  /* The fields of one insurance (primary or secondary), named by the body's paths. */
  function coverageFields(container) {
    var prefix = container.dataset.prefix;
    var key = container.id;
    [["payer_name", "Insurance company *"],
     ["payer_id", "Payer ID (on your card, e.g. 60054) *"],
     ["member_id", "Member ID *"],
     ["group_number", "Group number"]].forEach(function (item) {
      container.appendChild(field(key + "-" + item[0], prefix + "." + item[0], item[1]));
    });
    container.appendChild(field(key + "-relationship", prefix + ".relationship_to_subscriber",
                                "Whose plan is it? *", null, RELATIONSHIPS));
    var subscriber = node("div", { id: key + "-subscriber", hidden: "" });
    subscriber.appendChild(node("p", { "class": "help" }, "The plan holder (we use your address for them):"));
    subscriber.appendChild(field(key + "-sub-first", prefix + ".subscriber.first_name", "Plan holder's first name *"));
    subscriber.appendChild(field(key + "-sub-last", prefix + ".subscriber.last_name", "Plan holder's last name *"));
    subscriber.appendChild(field(key + "-sub-birth", prefix + ".subscriber.birth_date", "Plan holder's date of birth *", "date"));
    subscriber.appendChild(field(key + "-sub-sex", prefix + ".subscriber.sex", "Plan holder's sex *", null,
                                 [["", "Choose…"], ["F", "Female"], ["M", "Male"], ["U", "Unknown / not listed"]]));
    container.appendChild(subscriber);
    el(key + "-relationship").addEventListener("change", function (event) {
      subscriber.hidden = event.target.value === "self";
    });
  }

  function questionBlock(question) {
    if (question.kind === "condition") {
      var box = node("div", { "class": "check field" });
      box.appendChild(node("input", { type: "checkbox", id: "condition-" + question.code,
                                      "data-condition": question.code, "aria-describedby": "condition-help" }));
      box.appendChild(node("label", { "for": "condition-" + question.code }, question.text));
      return box;
    }
    if (question.kind === "medications") {
      var meds = node("div", { "class": "field" });
      meds.appendChild(node("label", { "for": "medications" }, question.text));
      meds.appendChild(node("p", { "class": "help", id: "medications-help" }, question.help));
      meds.appendChild(node("textarea", { id: "medications", rows: "3", "data-path": "questionnaire.medications",
                                          "aria-describedby": "medications-help" }));
      return meds;
    }
    if (question.kind === "platelet_count") {
      var platelets = field("platelet_count", "questionnaire.platelet_count", question.text, "number");
      platelets.querySelector("input").setAttribute("inputmode", "numeric");
      platelets.querySelector("input").setAttribute("aria-describedby", "platelet-help");
      platelets.appendChild(node("p", { "class": "help", id: "platelet-help" }, question.help));
      return platelets;
    }
    var group = node("div", { "class": "field", role: "group", "aria-labelledby": "injuries-heading" });
    group.appendChild(node("p", { id: "injuries-heading", "class": "question" }, question.text));
    group.appendChild(node("p", { "class": "help" }, question.help));
    group.appendChild(node("div", { id: "injury-list", "data-path": "questionnaire.injuries" }));
    var add = node("button", { type: "button", "class": "secondary", id: "add-injury" }, "Add one");
    add.addEventListener("click", function () { addInjury(question.choices); });
    group.appendChild(add);
    return group;
  }

  function addInjury(kinds) {
    var index = state.injuries++;
    var row = node("div", { "class": "injury", "data-injury": String(index) });
    var label = { fracture: "Broken bone (fracture)", wound: "Open or healing wound", burn: "Burn" };
    row.appendChild(field("injury-kind-" + index, "questionnaire.injuries." + index + ".kind", "What *", null,
                          kinds.map(function (kind) { return [kind, label[kind] || kind]; })));
    row.appendChild(field("injury-region-" + index, "questionnaire.injuries." + index + ".body_region", "Where *", null,
                          state.form.body_regions.map(function (region) { return [region, region.replace(/_/g, " ")]; })));
    var healed = node("div", { "class": "check" });
    healed.appendChild(node("input", { type: "checkbox", id: "injury-healed-" + index }));
    healed.appendChild(node("label", { "for": "injury-healed-" + index }, "It has healed"));
    row.appendChild(healed);
    var remove = node("button", { type: "button", "class": "secondary" }, "Remove");
    remove.addEventListener("click", function () { row.remove(); el("add-injury").focus(); });
    row.appendChild(remove);
    el("injury-list").appendChild(row);
    el("injury-kind-" + index).focus();
  }

  function loadForm() {
    return fetch("api/form").then(function (response) { return response.json(); }).then(function (form) {
      state.form = form;
      el("consent-text").textContent = form.consent.text;
      var questions = el("questions");
      questions.appendChild(node("p", { id: "condition-help", "class": "help" },
                                 "Tick each one a doctor has told you that you have, or suspects."));
      form.questions.forEach(function (question) { questions.appendChild(questionBlock(question)); });
      coverageFields(el("primary"));
      coverageFields(el("secondary"));
      if (form.invitation_required && !state.invitation) {
        say("Please open the intake link the clinic sent you, or call the clinic.");
        el("send").disabled = true;
      }
    }).catch(function () { say("We could not reach the clinic. Please reload the page."); });
  }

  function value(id) { var input = el(id); return input && input.value.trim() !== "" ? input.value.trim() : null; }

  function coverage(container) {
    var key = container.id;
    var relationship = el(key + "-relationship").value;
    var address = body().client.address;
    return {
      payer_id: value(key + "-payer_id"), payer_name: value(key + "-payer_name"),
      member_id: value(key + "-member_id"), group_number: value(key + "-group_number"),
      relationship_to_subscriber: relationship,
      subscriber: relationship === "self" ? null : {
        first_name: value(key + "-sub-first"), last_name: value(key + "-sub-last"),
        birth_date: value(key + "-sub-birth"), sex: value(key + "-sub-sex"), address: address }
    };
  }

  function body() {
    return {
      client: {
        first_name: value("first_name"), last_name: value("last_name"), birth_date: value("birth_date"),
        sex: value("sex"), email: value("email"), phone: value("phone"),
        address: { line1: value("line1"), line2: value("line2"), city: value("city"),
                   state: (value("state") || "").toUpperCase() || null, postal_code: value("postal_code") },
        coverage: null
      },
      secondary_coverage: null,
      questionnaire: null,
      consent: null
    };
  }

  function questionnaire() {
    var conditions = Array.prototype.filter.call(document.querySelectorAll("[data-condition]"),
      function (box) { return box.checked; }).map(function (box) { return box.dataset.condition; });
    var medications = (value("medications") || "").split("\n").map(function (line) { return line.trim(); })
      .filter(function (line) { return line; });
    var injuries = Array.prototype.map.call(document.querySelectorAll("[data-injury]"), function (row) {
      var index = row.dataset.injury;
      return { kind: el("injury-kind-" + index).value, body_region: el("injury-region-" + index).value,
               healed: el("injury-healed-" + index).checked };
    });
    var platelets = value("platelet_count");
    return { conditions: conditions, medications: medications, injuries: injuries,
             platelet_count: platelets === null ? null : Number(platelets), notes: el("notes").value };
  }

  /* The body's paths of every message: {"client": {"address": {"city": [..]}}} -> "client.address.city". */
  function flatten(errors, prefix, into) {
    Object.keys(errors).forEach(function (key) {
      var path = prefix ? prefix + "." + key : key;
      var messages = errors[key];
      if (Array.isArray(messages)) into.push([path, messages.join(" ")]);
      else flatten(messages, path, into);
    });
    return into;
  }

  function clearErrors() {
    Array.prototype.forEach.call(document.querySelectorAll(".field-error"), function (p) { p.remove(); });
    Array.prototype.forEach.call(document.querySelectorAll("[aria-invalid]"), function (input) {
      input.removeAttribute("aria-invalid");
      var described = (input.getAttribute("aria-describedby") || "").split(" ")
        .filter(function (id) { return id && id.indexOf("-error") === -1; }).join(" ");
      if (described) input.setAttribute("aria-describedby", described); else input.removeAttribute("aria-describedby");
    });
    el("error-list").innerHTML = "";
    el("error-summary").hidden = true;
  }

  /* The closest field for a path: itself, else its nearest parent path (a whole
     coverage, the list of injuries), else the form's summary alone. */
  function target(path) {
    var parts = path.split(".");
    while (parts.length) {
      var found = document.querySelector('[data-path="' + parts.join(".") + '"]');
      if (found && !found.closest("[hidden]")) return found;
      parts.pop();
    }
    return null;
  }

  function showErrors(errors, fallback) {
    clearErrors();
    var list = el("error-list");
    flatten(errors || {}, "", []).forEach(function (entry, index) {
      var input = target(entry[0]);
      var item = document.createElement("li");
      if (input) {
        if (!input.id) input.id = "field-" + index;
        var message = node("p", { "class": "field-error", id: input.id + "-error" }, entry[1]);
        input.insertAdjacentElement("afterend", message);
        input.setAttribute("aria-invalid", "true");
        input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + message.id).trim());
        var link = node("a", { href: "#" + input.id }, labelOf(input) + ": " + entry[1]);
        link.addEventListener("click", function (event) { event.preventDefault(); input.focus(); });
        item.appendChild(link);
      } else {
        item.textContent = entry[1];
      }
      list.appendChild(item);
    });
    if (!list.children.length) list.appendChild(node("li", {}, fallback));
    el("error-summary").hidden = false;
    el("error-summary").focus();
  }

  function labelOf(input) {
    var label = document.querySelector('label[for="' + input.id + '"]');
    return label ? label.textContent.replace(/\s*\*$/, "") : "This answer";
  }

  function submit(event) {
    event.preventDefault();
    var data = body();
    if (el("insured").checked) data.client.coverage = coverage(el("primary"));
    if (el("has-secondary").checked) data.secondary_coverage = coverage(el("secondary"));
    data.questionnaire = questionnaire();
    data.consent = { version: state.form.consent.version, signature: value("signature") || "",
                     agreed: el("agreed").checked };
    data.invitation = state.invitation;
    el("send").disabled = true;
    say("Sending your intake…");
    fetch("api/submissions", { method: "POST", headers: { "Content-Type": "application/json" },
                               body: JSON.stringify(data) })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          el("send").disabled = false;
          say("");
          if (response.ok) return done(answer);
          showErrors(answer.errors, answer.detail || "Your intake could not be sent. Please call the clinic.");
        });
      })
      .catch(function () { el("send").disabled = false; say("We could not reach the clinic. Please try again."); });
  }

  function done(receipt) {
    clearErrors();
    state.uploadToken = receipt.upload_token;
    el("intake-form").hidden = true;
    el("result-heading").textContent = receipt.next_step.heading;
    el("result-text").textContent = receipt.next_step.text;
    var reasons = el("result-reasons");
    receipt.reasons.forEach(function (reason) { reasons.appendChild(node("li", {}, reason)); });
    el("result").hidden = false;
    el("result").focus();
  }

  function upload(event) {
    event.preventDefault();
    var file = el("document").files[0];
    if (!file) { showErrors({ document: ["Choose a file first."] }); return; }
    say("Uploading…");
    fetch("api/documents", { method: "POST", body: file,
                             headers: { "Authorization": "Bearer " + state.uploadToken,
                                        "Content-Type": file.type || "application/octet-stream" } })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          say("");
          if (!response.ok) { showErrors(answer.errors, answer.detail || "The file could not be uploaded."); return; }
          clearErrors();
          el("uploaded").appendChild(node("li", {}, "Received: " + file.name));
          say("Your document was received.");
        });
      }).catch(function () { say("We could not reach the clinic. Please try again."); });
  }

  invitationFromLink();
  el("has-secondary").addEventListener("change", function (event) { el("secondary").hidden = !event.target.checked; });
  el("insured").addEventListener("change", function (event) {
    el("primary").hidden = !event.target.checked;
    if (!event.target.checked) { el("has-secondary").checked = false; el("secondary").hidden = true; }
  });
  el("intake-form").addEventListener("submit", submit);
  el("upload-form").addEventListener("submit", upload);
  loadForm();
}());
