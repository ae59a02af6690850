// The console's only script (CSP allows 'self' scripts alone, nothing inline).
// 1. Parts marked data-refresh="<url>" are fetched again every data-interval seconds.
// 2. The completion form shows the units and codes its minutes will bill, asked of the server.
(function () {
  "use strict";

  function refresh(part) {
    var url = part.getAttribute("data-refresh");
    var seconds = parseInt(part.getAttribute("data-interval") || "10", 10);
    window.setInterval(function () {
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (answer) { return answer.ok ? answer.text() : null; })
        .then(function (html) { if (html !== null) { part.innerHTML = html; } })
        .catch(function () { /* the next tick tries again */ });
    }, seconds * 1000);
  }

  function preview(form) {
    var target = document.getElementById(form.getAttribute("data-units-preview"));
    var url = form.getAttribute("data-units-url");
    var timer = null;
    function ask() {
      var body = new URLSearchParams(new FormData(form));
      fetch(url, { method: "POST", body: body, credentials: "same-origin",
                   headers: { "X-CSRF-Token": body.get("csrf_token") || "" } })
        .then(function (answer) { return answer.ok ? answer.text() : null; })
        .then(function (html) { if (html !== null) { target.innerHTML = html; } })
        .catch(function () {});
    }
    form.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, 250);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-refresh]").forEach(refresh);
    document.querySelectorAll("form[data-units-preview]").forEach(preview);
  });
})();
