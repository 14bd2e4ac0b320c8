// kapflow: what every form needs from the browser, on every page.
// Served from our origin (CSP script-src 'self'); without it every form still works.
//
// - After a refused submit, focus goes to the error summary, so a keyboard or screen-reader
//   user starts at the list of what to fix instead of the top of the page (WCAG 3.3.1, 2.4.3).
// - A link in the summary puts focus in its field (the first choice of a group), with the
//   field's label or question in view: a plain fragment link scrolls but leaves focus behind.
// - A live "characters left" count under text areas that have a limit.
// - A questionnaire's follow-up questions appear only after the answer that asks them.
(function () {
  "use strict";

  var summary = document.querySelector(".error-summary[tabindex='-1']");
  if (summary) summary.focus();

  function controlOf(target) {
    if (target.matches("input, select, textarea, button")) return target;
    return target.querySelector("input:checked") || target.querySelector("input:not([type=hidden]), select, textarea");
  }

  function captionOf(target, control) {
    if (target.tagName === "FIELDSET") return target.querySelector("legend") || target;
    return (control.id && document.querySelector("label[for='" + control.id + "']")) || control;
  }

  document.addEventListener("click", function (ev) {
    var link = ev.target.closest && ev.target.closest(".error-summary a[href^='#']");
    if (!link) return;
    var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    var control = target && controlOf(target);
    if (!control) return;
    ev.preventDefault();
    captionOf(target, control).scrollIntoView({ block: "start" });
    control.focus({ preventScroll: true });
  });

  document.querySelectorAll("textarea[maxlength][data-counter]").forEach(function (area) {
    var out = document.getElementById(area.getAttribute("data-counter"));
    if (!out) return;
    var max = parseInt(area.getAttribute("maxlength"), 10);
    function update() {
      var left = max - area.value.length;
      out.textContent = left + " of " + max + " characters left";
    }
    area.addEventListener("input", update);
    update();
  });

  // Questions asked only after a given answer (`data-ask-item`, `data-ask-value`) appear as soon
  // as that answer is chosen and go away, cleared, when it changes; `_shown` tells the server
  // which were on screen (without this script they come as a second step).
  var skip = document.querySelector("form[data-skip-logic]");
  if (skip) {
    var syncQuestions = function () {
      var shown = [];
      skip.querySelectorAll("fieldset.question").forEach(function (fs) {
        var item = fs.getAttribute("data-ask-item");
        var on = true;
        if (item) {
          var parent = document.getElementById("q-" + item);
          var chosen = skip.querySelector("input[name='" + item + "']:checked");
          on = !!chosen && !(parent && parent.hidden) && chosen.value === fs.getAttribute("data-ask-value");
        }
        fs.hidden = !on;
        if (on) {
          shown.push(fs.getAttribute("data-code"));
        } else {
          fs.querySelectorAll("input:checked").forEach(function (i) { i.checked = false; });
        }
      });
      skip.querySelector("input[name=_shown]").value = shown.join(",");
    };
    skip.addEventListener("change", syncQuestions);
    syncQuestions();
  }
  // Drafts that save themselves (`data-autosave`): a few seconds after typing stops, the form
  // is sent in the background as a draft with the version it edited; the answer's version
  // goes back into the form. A save from another window meanwhile (409) stops it and says so:
  // the person's own Save then shows both texts.
  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    var status = document.getElementById(form.getAttribute("data-autosave"));
    var version = form.querySelector("input[name=version]");
    var timer = null, stopped = false;
    function say(text) { if (status) status.textContent = text; }
    function send() {
      timer = null;
      if (stopped) return;
      var body = new URLSearchParams(new FormData(form));
      fetch(form.action, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded", "X-Autosave": "1" },
        body: body.toString()
      }).then(function (res) {
        if (res.status === 204) {
          var v = res.headers.get("X-Version");
          if (v && version) version.value = v;
          say("Draft saved at " + new Date().toTimeString().slice(0, 5) + ".");
        } else if (res.status === 409) {
          stopped = true;
          say("Saved in another window meanwhile: choose Save draft to see both texts.");
        } else {
          say("Not saved automatically; choose Save draft.");
        }
      }).catch(function () { say("Not saved automatically (no connection); your text is still here."); });
    }
    form.addEventListener("input", function () {
      if (timer) clearTimeout(timer);
      timer = setTimeout(send, 3000);
    });
  });
})();
