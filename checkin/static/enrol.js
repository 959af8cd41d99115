// Enrolment: exchange the one-time code (typed, or carried in the URL fragment of the QR code
// so that it never reaches a server log) for the device token kept on this device.
(function () {
  "use strict";
  var root = document.getElementById("enrol");
  if (!root) { return; }
  var D = window.CheckinDevice;
  var S = JSON.parse(root.getAttribute("data-strings"));
  var form = document.getElementById("enrol-form");
  var input = document.getElementById("enrol-code");
  var errorBox = document.getElementById("enrol-error");

  function fail(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    errorBox.hidden = true;
    var code = input.value.trim();
    if (!code) { fail(S.enrolment_code_invalid); return; }
    D.api(root.getAttribute("data-enrol-url"), { method: "POST", body: { code: code }, anonymous: true })
      .then(function (result) {
        D.save(result.body);
        window.localStorage.removeItem("checkin.roster");
        form.hidden = true;
        document.getElementById("enrol-done-text").textContent = D.format(S.done, { site: result.body.site.name });
        document.getElementById("enrol-done").hidden = false;
      }, function (error) {
        fail(S[error.code] || (error.status ? S.error : S.network));
      });
  });

  if (window.location.hash.length > 1) {
    input.value = decodeURIComponent(window.location.hash.slice(1));
    window.history.replaceState(null, "", window.location.pathname);
    form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
  }
})();
