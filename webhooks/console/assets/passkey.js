// Passkeys for the staff console: WebAuthn is a browser API with no form
// of its own, so enrolling and signing in with a passkey take this script.
// Buttons with data-passkey="sign-in" or "enroll" are shown, and run the
// ceremony against the console's JSON endpoints.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !PublicKeyCredential.parseCreationOptionsFromJSON) {
    return; // the buttons stay hidden; the page says what else to do
  }
  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": document.getElementById("csrf-token").value},
      body: JSON.stringify(body || {})
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) { throw new Error(j.error || "The console refused (" + r.status + ")."); }
        return j;
      });
    });
  }
  function enroll(btn) {
    return post(btn.dataset.begin).then(function (opts) {
      return navigator.credentials.create({publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(opts.publicKey)});
    }).then(function (cred) { return post(btn.dataset.finish, cred.toJSON()); });
  }
  function signIn(btn) {
    return post("/staff/passkey/begin", {next: btn.dataset.next}).then(function (opts) {
      return navigator.credentials.get({publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(opts.publicKey)});
    }).then(function (cred) { return post("/staff/passkey/finish", cred.toJSON()); });
  }
  document.querySelectorAll("[data-passkey]").forEach(function (btn) {
    var status = document.getElementById(btn.dataset.status);
    btn.hidden = false;
    btn.addEventListener("click", function () {
      btn.disabled = true;
      status.closest("[role=alert]").hidden = true;
      (btn.dataset.passkey === "enroll" ? enroll(btn) : signIn(btn)).then(function (done) {
        window.location.assign(done.next);
      }, function (err) {
        status.textContent = err.name === "NotAllowedError" ? "The passkey was not used. Try again." : err.message;
        status.closest("[role=alert]").hidden = false;
        btn.disabled = false;
      });
    });
  });
})();
