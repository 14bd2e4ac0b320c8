// kapflow: idle sign-out warning, and keeping what was typed when a session ends.
// Served from our origin (CSP script-src 'self'); the page works without it.
(function () {
  "use strict";
  var body = document.body;
  var draftKey = "kapflow-draft:" + location.pathname;

  // Restore a form typed before the last sign-out, then forget it.
  try {
    var saved = sessionStorage.getItem(draftKey);
    if (saved) {
      sessionStorage.removeItem(draftKey);
      var values = JSON.parse(saved);
      var restored = false;
      document.querySelectorAll("form[method=post]").forEach(function (form, i) {
        var v = values[i];
        if (!v) return;
        Object.keys(v).forEach(function (name) {
          var el = form.elements.namedItem(name);
          if (el && el.type !== "hidden" && el.type !== "password" && !el.value) { el.value = v[name]; restored = true; }
        });
      });
      if (restored) {
        var note = document.createElement("p");
        note.className = "notice";
        note.setAttribute("role", "status");
        note.textContent = "We restored what you had typed before you were signed out.";
        var main = document.getElementById("main");
        if (main) main.insertBefore(note, main.firstChild);
      }
    }
  } catch (e) { /* storage unavailable: nothing to restore */ }

  var idle = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  var warn = parseInt(body.getAttribute("data-warn-seconds") || "120", 10);
  var csrf = body.getAttribute("data-csrf") || "";
  if (!idle) return;
  var dialog = document.getElementById("idle-warning");
  var stay = document.getElementById("idle-stay");
  var warnTimer, endTimer;

  function saveDrafts() {
    try {
      var values = [];
      document.querySelectorAll("form[method=post]").forEach(function (form) {
        var v = {};
        Array.prototype.forEach.call(form.elements, function (el) {
          if (el.name && el.type !== "hidden" && el.type !== "password" && el.value) v[el.name] = el.value;
        });
        values.push(v);
      });
      sessionStorage.setItem(draftKey, JSON.stringify(values));
    } catch (e) { /* nothing more we can do */ }
  }

  function schedule() {
    clearTimeout(warnTimer); clearTimeout(endTimer);
    if (dialog) dialog.hidden = true;
    warnTimer = setTimeout(function () { if (dialog) { dialog.hidden = false; if (stay) stay.focus(); } }, Math.max(0, idle - warn) * 1000);
    endTimer = setTimeout(function () {
      saveDrafts();
      location.href = "/login?expired=1&next=" + encodeURIComponent(location.pathname + location.search);
    }, idle * 1000);
  }

  if (stay) stay.addEventListener("click", function () {
    fetch("/session/keepalive", { method: "POST", headers: { "x-csrf-token": csrf }, credentials: "same-origin" })
      .then(function (r) { if (r.ok) schedule(); });
  });
  schedule();
})();
