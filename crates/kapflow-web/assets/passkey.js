// Passkeys (WebAuthn): the browser's half of registering one and signing in with one. A box
// marked data-passkey="register" or "sign-in" is shown only where the browser has passkeys;
// without JavaScript or passkeys the page works with codes as before.
(function () {
  "use strict";

  function fromB64url(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function toB64url(buf) {
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function post(box, url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "content-type": "application/json", "x-csrf-token": box.dataset.csrf },
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) throw new Error(j.error || "The passkey did not work. Try again, or use a code.");
        return j;
      });
    });
  }

  function register(box) {
    return post(box, box.dataset.start).then(function (start) {
      var pk = start.options.publicKey;
      pk.challenge = fromB64url(pk.challenge);
      pk.user.id = fromB64url(pk.user.id);
      (pk.excludeCredentials || []).forEach(function (c) { c.id = fromB64url(c.id); });
      return navigator.credentials.create({ publicKey: pk }).then(function (cred) {
        var nameField = box.querySelector("[name=passkey_name]");
        return post(box, box.dataset.finish, {
          ceremony: start.ceremony,
          name: nameField ? nameField.value : "",
          next: box.dataset.next || "",
          credential: {
            id: cred.id,
            rawId: toB64url(cred.rawId),
            type: cred.type,
            response: {
              attestationObject: toB64url(cred.response.attestationObject),
              clientDataJSON: toB64url(cred.response.clientDataJSON)
            },
            extensions: cred.getClientExtensionResults()
          }
        });
      });
    });
  }

  function signIn(box) {
    return post(box, box.dataset.start).then(function (start) {
      var pk = start.options.publicKey;
      pk.challenge = fromB64url(pk.challenge);
      (pk.allowCredentials || []).forEach(function (c) { c.id = fromB64url(c.id); });
      return navigator.credentials.get({ publicKey: pk }).then(function (cred) {
        var r = cred.response;
        return post(box, box.dataset.finish, {
          ceremony: start.ceremony,
          next: box.dataset.next || "",
          credential: {
            id: cred.id,
            rawId: toB64url(cred.rawId),
            type: cred.type,
            response: {
              authenticatorData: toB64url(r.authenticatorData),
              clientDataJSON: toB64url(r.clientDataJSON),
              signature: toB64url(r.signature),
              userHandle: r.userHandle ? toB64url(r.userHandle) : null
            },
            extensions: cred.getClientExtensionResults()
          }
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.PublicKeyCredential || !navigator.credentials) return;
    document.querySelectorAll("[data-passkey]").forEach(function (box) {
      box.hidden = false;
      var button = box.querySelector("[data-passkey-go]");
      var error = box.querySelector("[data-passkey-error]");
      button.addEventListener("click", function () {
        button.disabled = true;
        error.hidden = true;
        var run = box.dataset.passkey === "register" ? register : signIn;
        run(box).then(function (done) {
          window.location.assign(done.next);
        }).catch(function (e) {
          error.textContent = e && e.name === "NotAllowedError"
            ? "The passkey was cancelled or timed out. Try again, or use a code."
            : (e && e.message) || "The passkey did not work. Try again, or use a code.";
          error.hidden = false;
          button.disabled = false;
          error.focus();
        });
      });
    });
  });
})();
