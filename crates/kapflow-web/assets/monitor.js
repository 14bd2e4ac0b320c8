// kapflow: the dosing-session monitor, better with a script (the page works without it).
//
// - "now" moves on the timeline and the minutes since the dose count up, from the server's
//   clock (the page says what time it was when it was made), not the tablet's.
// - Every entry form (data-entry) is sent in the background with its key and the moment it was
//   made. When the connection or the server is down, or the sign-in has lapsed, the entry stays
//   on the page marked "not saved yet" (kept in this tab's sessionStorage, so a reload or the
//   sign-in page does not lose it) and is sent again, with the same key, when the connection
//   returns: the server records a key once, so a retry never doubles an entry.
// Written by hand rather than with htmx: htmx has no queue for requests made while offline.
(function () {
  "use strict";
  var monitor = document.getElementById("monitor");
  if (!monitor) return;
  var session = monitor.getAttribute("data-session");
  var owner = document.body.getAttribute("data-draft-owner") || "";
  var STORE = "kapflow-pending:" + session;
  var serverNow = parseInt(monitor.getAttribute("data-server-now") || "0", 10);
  var offset = serverNow ? serverNow - Date.now() : 0;
  var sending = false;

  function storage() { try { return window.sessionStorage; } catch (e) { return null; } }
  function load() {
    var s = storage();
    if (!s) return [];
    try { return JSON.parse(s.getItem(STORE) || "[]"); } catch (e) { return []; }
  }
  function save(list) {
    var s = storage();
    if (!s) return;
    if (list.length) s.setItem(STORE, JSON.stringify(list)); else s.removeItem(STORE);
  }

  function describe(p) {
    var f = p.fields, get = function (n) { for (var i = 0; i < f.length; i++) if (f[i][0] === n) return f[i][1]; return ""; };
    if (p.kind === "vitals") return "Vitals " + get("systolic") + "/" + get("diastolic") + ", HR " + get("heart_rate") + ", SpO2 " + get("spo2");
    if (p.kind === "observation") return "Observation: " + (get("obs_kind") || "") + " " + (get("obs_note") || "");
    if (p.kind === "custody") return "Custody entry: " + (get("kind") || "");
    return "Entry: " + p.kind;
  }

  function showPending(note) {
    var el = document.getElementById("pending-entries");
    if (!el) return;
    var list = load().filter(function (p) { return p.owner === owner; });
    el.textContent = "";
    if (!list.length) { el.hidden = true; return; }
    el.hidden = false;
    el.setAttribute("role", "status");
    var head = document.createElement("strong");
    head.textContent = "Not saved yet (" + list.length + "): " + (note || "sent again when the connection returns.");
    el.appendChild(head);
    var ul = document.createElement("ul");
    list.forEach(function (p) {
      var li = document.createElement("li");
      li.textContent = describe(p) + " — made " + new Date(p.madeAt).toLocaleTimeString();
      ul.appendChild(li);
    });
    el.appendChild(ul);
  }

  // The page that came back replaces this one's monitor (the server re-renders it whole).
  function replaceWith(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.getElementById("monitor");
    if (!fresh) return false;
    monitor.replaceWith(fresh);
    monitor = fresh;
    wire();
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
    return true;
  }

  function body(fields) {
    var csrf = document.body.getAttribute("data-csrf") || "";
    return fields.map(function (kv) {
      // The token of this sign-in, not of the one the entry was made under.
      var v = kv[0] === "_csrf" && csrf ? csrf : kv[1];
      return encodeURIComponent(kv[0]) + "=" + encodeURIComponent(v);
    }).join("&");
  }

  // Sends one entry; resolves "saved", "refused" (the page shows why) or "later".
  function send(p) {
    return fetch(p.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: body(p.fields)
    }).then(function (res) {
      var signIn = res.redirected && /\/login/.test(new URL(res.url).pathname);
      if (signIn || res.status === 401 || res.status === 403 || res.status >= 500) return "later";
      return res.text().then(function (html) {
        if (res.status === 422) { replaceWith(html); return "refused"; }
        if (res.ok) { replaceWith(html); return "saved"; }
        return "later";
      });
    }, function () { return "later"; });
  }

  function flush() {
    if (sending) return;
    var list = load();
    var mine = list.filter(function (p) { return p.owner === owner; });
    if (!mine.length) { showPending(); return; }
    sending = true;
    var p = mine[0];
    send(p).then(function (outcome) {
      sending = false;
      if (outcome === "later") {
        showPending(navigator.onLine === false ? "the tablet is offline." : "kapflow could not be reached, or you need to sign in again.");
        return;
      }
      save(load().filter(function (q) { return q.key !== p.key; }));
      showPending();
      if (outcome === "saved") flush();
    });
  }

  function onSubmit(ev) {
    var form = ev.target;
    if (!form.hasAttribute || !form.hasAttribute("data-entry")) return;
    ev.preventDefault();
    var made = Date.now() + offset;
    var madeField = form.querySelector("input[name=made_at]");
    if (madeField) madeField.value = String(made);
    var fields = [];
    new FormData(form).forEach(function (v, k) { fields.push([k, String(v)]); });
    var key = (form.querySelector("input[name=entry_key]") || {}).value || String(made);
    var list = load();
    list.push({ key: key, owner: owner, kind: form.getAttribute("data-entry"), action: form.action, fields: fields, madeAt: made });
    save(list);
    // The form is done with: a new key for the next entry, so this one is never sent twice
    // as two different entries.
    var keyField = form.querySelector("input[name=entry_key]");
    if (keyField) keyField.value = key + "-n";
    showPending("sending…");
    flush();
  }

  function tick() {
    var dosedAt = parseInt(monitor.getAttribute("data-dosed-at") || "0", 10);
    if (!dosedAt) return;
    var minutes = Math.max(0, Math.floor((Date.now() + offset - dosedAt) / 60000));
    var m = document.getElementById("minutes-since");
    if (m) m.textContent = String(minutes);
    var svg = monitor.querySelector("svg.dosing-chart");
    var line = svg && svg.querySelector(".now-line");
    if (!line) return;
    var span = parseFloat(svg.getAttribute("data-span")), left = parseFloat(svg.getAttribute("data-left")), right = parseFloat(svg.getAttribute("data-right"));
    var x = left + Math.min(minutes, span) * (right - left) / span;
    line.setAttribute("x1", x); line.setAttribute("x2", x);
    var label = svg.querySelector(".now-label");
    if (label) label.setAttribute("x", x);
  }

  function wire() {
    serverNow = parseInt(monitor.getAttribute("data-server-now") || "0", 10);
    if (serverNow) offset = serverNow - Date.now();
    session = monitor.getAttribute("data-session");
    tick();
  }

  document.addEventListener("submit", onSubmit, true);
  window.addEventListener("online", flush);
  setInterval(flush, 5000);
  setInterval(tick, 15000);
  wire();
  flush();
})();
