/* Embed the booking widget in a clinic's own page with one tag:
   <script src="https://clinic.example/widget/embed.js" data-service="Medical massage 60"
           data-theme="light"></script>
   It adds an iframe where the tag stands; no other script or style touches the host page. */
(function () {
  var script = document.currentScript;
  var base = script.src.replace(/embed\.js(\?.*)?$/, "");
  var params = new URLSearchParams();
  if (script.dataset.service) params.set("service", script.dataset.service);
  if (script.dataset.theme) params.set("theme", script.dataset.theme);
  var frame = document.createElement("iframe");
  frame.src = base + "?" + params.toString();
  frame.title = "Book a medical massage";
  frame.style.cssText = "width:100%;max-width:42rem;min-height:640px;border:0;";
  frame.setAttribute("loading", "lazy");
  script.parentNode.insertBefore(frame, script.nextSibling);
})();
