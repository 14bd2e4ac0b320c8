// kapflow: idle sign-out warning, and keeping what was typed when a session ends.
// Served from our origin (CSP script-src 'self'); the page works without it.
//
// Unsent typing is kept in this tab's sessionStorage, encrypted (AES-GCM) with a key the server
// derives for the signed-in person, and tagged with whose it is. It comes back only when the
// same person signs in again on this tab within the idle window. A different person's page, an
// explicit sign-out, or the end of that window deletes every kept draft. Without WebCrypto
// (a page not served over HTTPS or from localhost) nothing is kept at all.
(function () {
  "use strict";
  var body = document.body;
  var PREFIX = "kapflow-draft:";
  var draftKey = PREFIX + location.pathname;
  var idle = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  var warn = parseInt(body.getAttribute("data-warn-seconds") || "120", 10);
  var csrf = body.getAttribute("data-csrf") || "";
  var keyHex = body.getAttribute("data-draft-key") || "";
  var owner = body.getAttribute("data-draft-owner") || "";
  var loginUrl = body.getAttribute("data-login-url") || "";
  var keepaliveUrl = body.getAttribute("data-keepalive-url") || "";
  if (!idle) return;
  var subtle = window.crypto && window.crypto.subtle;
  var canKeep = !!(subtle && keyHex && owner && window.TextEncoder);

  function storage() {
    try { return window.sessionStorage; } catch (e) { return null; }
  }

  // Every kept draft whose record fails `keep(record)` is deleted.
  function prune(keep) {
    var s = storage();
    if (!s) return;
    for (var i = s.length - 1; i >= 0; i--) {
      var k = s.key(i);
      if (!k || k.indexOf(PREFIX) !== 0) continue;
      var d = null;
      try { d = JSON.parse(s.getItem(k)); } catch (e) { d = null; }
      if (!d || !keep(d)) s.removeItem(k);
    }
  }

  function forgetAll() { prune(function () { return false; }); }

  function bytesOfHex(hex) {
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }
  function toBase64(buf) {
    var bytes = new Uint8Array(buf), s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s);
  }
  function fromBase64(text) {
    var s = atob(text), out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }

  var keyPromise = null;
  function cryptoKey() {
    if (!keyPromise) {
      keyPromise = subtle.importKey("raw", bytesOfHex(keyHex), { name: "AES-GCM" }, false, ["encrypt", "decrypt"]);
    }
    return keyPromise;
  }

  // Fields a person types into; never hidden fields, passwords, buttons or files.
  function typedInto(el) {
    if (!el.name) return false;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    return el.tagName === "INPUT" && /^(text|email|tel|number|date|time|datetime-local|search|url)$/.test(el.type);
  }

  function postForms() { return document.querySelectorAll("form[method=post]:not([data-sign-out])"); }

  function typed() {
    var values = [], any = false;
    postForms().forEach(function (form) {
      var v = {};
      Array.prototype.forEach.call(form.elements, function (el) {
        if (typedInto(el) && el.value) { v[el.name] = el.value; any = true; }
      });
      values.push(v);
    });
    return any ? values : null;
  }

  // Keeps what is typed on this page until `until` (milliseconds since the epoch).
  function keep(until) {
    var s = storage();
    if (!s || !canKeep) return Promise.resolve();
    var values = typed();
    if (!values) { s.removeItem(draftKey); return Promise.resolve(); }
    var iv = window.crypto.getRandomValues(new Uint8Array(12));
    var plain = new TextEncoder().encode(JSON.stringify(values));
    return cryptoKey()
      .then(function (k) { return subtle.encrypt({ name: "AES-GCM", iv: iv }, k, plain); })
      .then(function (sealed) {
        s.setItem(draftKey, JSON.stringify({ owner: owner, until: until, iv: toBase64(iv), data: toBase64(sealed) }));
      })
      .catch(function () { /* cannot keep it: nothing more to do */ });
  }

  function showRestored() {
    var note = document.createElement("p");
    note.className = "notice";
    note.setAttribute("role", "status");
    note.textContent = "We restored what you had typed before you were signed out.";
    var main = document.getElementById("main");
    if (main) main.insertBefore(note, main.firstChild);
  }

  function restore() {
    var s = storage();
    var saved = s && s.getItem(draftKey);
    if (!saved) return;
    s.removeItem(draftKey);
    var d = JSON.parse(saved);
    cryptoKey()
      .then(function (k) { return subtle.decrypt({ name: "AES-GCM", iv: fromBase64(d.iv) }, k, fromBase64(d.data)); })
      .then(function (plain) {
        var values = JSON.parse(new TextDecoder().decode(plain));
        var restored = false;
        postForms().forEach(function (form, i) {
          var v = values[i];
          if (!v) return;
          Object.keys(v).forEach(function (name) {
            var el = form.elements.namedItem(name);
            if (el && typedInto(el) && !el.value) { el.value = v[name]; restored = true; }
          });
        });
        if (restored) showRestored();
      })
      .catch(function () { forgetAll(); });
  }

  if (!canKeep) {
    forgetAll();
  } else {
    // Someone else's drafts, or drafts past their window, go before anything is shown.
    var now = Date.now();
    prune(function (d) { return d.owner === owner && d.until > now; });
    try { restore(); } catch (e) { forgetAll(); }
  }

  // Keep typing as it happens (a session can also end while the computer sleeps): for the
  // idle time that may pass before sign-out, and the idle window after it.
  var pending;
  document.addEventListener("input", function () {
    clearTimeout(pending);
    pending = setTimeout(function () { keep(Date.now() + 2 * idle * 1000); }, 400);
  });
  document.addEventListener("submit", function (ev) {
    clearTimeout(pending);
    var s = storage();
    if (ev.target && ev.target.hasAttribute && ev.target.hasAttribute("data-sign-out")) forgetAll();
    else if (s) s.removeItem(draftKey); // sent: the server has it now
  });

  // The idle warning. Deadlines are read from the wall clock each second rather than left to
  // long timers, which a sleeping computer or a background tab delays. The warning is a bar at
  // the top that never takes focus; while it shows, the page moves down by its height (so the
  // top of the page is not under it), scrolling is padded by it, and a focused element that
  // ends up under it is scrolled clear (WCAG 2.4.11). Escape, or its button, keeps the
  // session (WCAG 2.2.1); the live region announces it.
  var warning = document.getElementById("idle-warning");
  var stay = document.getElementById("idle-stay");
  var announce = document.getElementById("idle-announce");
  var warnAt = 0, endAt = 0, ending = false;
  var lastFocus = null;

  function showing() { return warning && !warning.hidden; }

  function clearOfWarning(el) {
    if (!showing() || !el || warning.contains(el) || !el.getBoundingClientRect) return;
    var bar = warning.getBoundingClientRect().bottom + 8;
    var r = el.getBoundingClientRect();
    if (r.top < bar) window.scrollBy(0, r.top - bar);
  }

  function show() {
    warning.hidden = false;
    body.style.paddingTop = warning.offsetHeight + "px";
    document.documentElement.style.scrollPaddingTop = (warning.offsetHeight + 8) + "px";
    if (announce) announce.textContent = warning.textContent.replace(/\s+/g, " ").trim();
    clearOfWarning(document.activeElement);
  }

  function hide() {
    if (!warning) return;
    var hadFocus = warning.contains(document.activeElement);
    warning.hidden = true;
    body.style.paddingTop = "";
    document.documentElement.style.scrollPaddingTop = "";
    if (announce) announce.textContent = "";
    if (hadFocus && lastFocus && document.contains(lastFocus)) lastFocus.focus();
  }

  function schedule() {
    var now = Date.now();
    warnAt = now + Math.max(0, idle - warn) * 1000;
    endAt = now + idle * 1000;
    hide();
  }

  function extend() {
    fetch(keepaliveUrl, { method: "POST", headers: { "x-csrf-token": csrf }, credentials: "same-origin" })
      .then(function (r) { if (r.ok) schedule(); });
  }

  function tick() {
    if (ending) return;
    var now = Date.now();
    if (now >= endAt) {
      ending = true;
      clearTimeout(pending);
      keep(now + idle * 1000).then(function () {
        location.href = loginUrl + "?expired=1&next=" + encodeURIComponent(location.pathname + location.search);
      });
    } else if (now >= warnAt && warning && !showing()) {
      show();
    }
  }

  document.addEventListener("focusin", function (ev) {
    if (warning && !warning.contains(ev.target)) lastFocus = ev.target;
    clearOfWarning(ev.target);
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && showing()) { ev.preventDefault(); extend(); }
  });
  if (stay) stay.addEventListener("click", extend);
  schedule();
  setInterval(tick, 1000);
})();
