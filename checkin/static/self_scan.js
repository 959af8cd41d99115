// Self check-in: submit at once. The phone's position is added only if the person has already
// allowed it for this site; asking would delay the check-in, and the position never blocks it.
(function () {
  "use strict";
  var form = document.getElementById("self-scan-form");
  if (!form) { return; }
  var sent = false;
  function submit() {
    if (sent) { return; }
    sent = true;
    form.submit();
  }
  function withPosition() {
    navigator.geolocation.getCurrentPosition(function (position) {
      document.getElementById("self-scan-lat").value = position.coords.latitude.toFixed(6);
      document.getElementById("self-scan-lon").value = position.coords.longitude.toFixed(6);
      submit();
    }, submit, { timeout: 2000, maximumAge: 60000 });
    window.setTimeout(submit, 2500);
  }
  if (navigator.permissions && navigator.geolocation) {
    navigator.permissions.query({ name: "geolocation" }).then(function (status) {
      if (status.state === "granted") { withPosition(); } else { submit(); }
    }, submit);
  } else {
    submit();
  }
})();

// On the result page: offer to allow the position for next time (only the browser's own
// permission is stored; nothing is sent from here).
(function () {
  "use strict";
  var button = document.getElementById("allow-location");
  if (!button || !navigator.permissions || !navigator.geolocation) { return; }
  navigator.permissions.query({ name: "geolocation" }).then(function (status) {
    if (status.state !== "prompt") { return; }
    document.getElementById("location-offer").hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function () {
        document.getElementById("location-offer").hidden = true;
      }, function () {
        document.getElementById("location-offer").hidden = true;
      }, { timeout: 10000 });
    });
  }, function () {});
})();
