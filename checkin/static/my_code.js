// My QR: swap in a freshly signed code now and then, so a screenshot soon stops working, and
// keep the screen awake while the code is shown.
(function () {
  "use strict";
  var figure = document.getElementById("my-code");
  if (!figure) { return; }
  var image = document.getElementById("my-code-image");
  var offline = document.getElementById("my-code-offline");
  var url = figure.getAttribute("data-refresh-url");
  var every = parseInt(figure.getAttribute("data-refresh-seconds"), 10) * 1000;

  function refresh() {
    window.fetch(url, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.json(); })
      .then(function (body) {
        image.src = body.image;
        offline.hidden = true;
        figure.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () { offline.hidden = false; });
  }

  window.setInterval(refresh, every);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { refresh(); }
  });
  if (navigator.wakeLock && navigator.wakeLock.request) {
    navigator.wakeLock.request("screen").catch(function () { /* the screen may sleep */ });
  }
})();
