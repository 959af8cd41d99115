// The kiosk: shows the site's rotating code full screen. The code changes every 30 seconds by
// the server's clock; the kiosk measures its own clock's offset from the server and asks for
// the next code when the server's slot ends, never by its own clock alone.
(function () {
  "use strict";
  var root = document.getElementById("kiosk");
  if (!root) { return; }
  var D = window.CheckinDevice;
  var S = JSON.parse(root.getAttribute("data-strings"));
  var timeUrl = root.getAttribute("data-time-url");
  var codeUrl = root.getAttribute("data-code-url");
  var el = function (id) { return document.getElementById(id); };
  var state = { offset: 0, offsetAt: 0, validUntil: 0, timer: null, failures: 0 };

  var device = D.load();
  if (!device) {
    el("device-missing").hidden = false;
    el("kiosk-main").hidden = true;
    return;
  }
  el("kiosk-site").textContent = device.site.name;

  function serverNow() { return Date.now() + state.offset; }

  function syncClock() {
    if (Date.now() - state.offsetAt < 10 * 60 * 1000) { return Promise.resolve(); }
    return D.clockOffset(timeUrl).then(function (offset) {
      state.offset = offset;
      state.offsetAt = Date.now();
      root.setAttribute("data-offset-ms", String(Math.round(offset)));
    });
  }

  function refresh() {
    syncClock().then(function () {
      return D.api(codeUrl, { timeout: 8000 });
    }).then(function (result) {
      var body = result.body;
      state.failures = 0;
      el("kiosk-offline").hidden = true;
      var img = el("kiosk-image");
      img.src = body.image;
      img.hidden = false;
      root.setAttribute("data-url", body.url);
      state.validUntil = Date.parse(body.valid_until);
      // Ask again just after the server's slot ends, measured on the server's clock.
      var wait = Math.max(500, state.validUntil - serverNow() + 300);
      state.timer = window.setTimeout(refresh, wait);
    }, function (error) {
      if (error.code === "device_revoked" || error.code === "unauthorized") {
        el("device-missing-text").textContent = S[error.code];
        el("device-missing").hidden = false;
        el("kiosk-main").hidden = true;
        return;
      }
      state.failures += 1;
      if (state.failures > 1 || serverNow() > state.validUntil + 30000) {
        el("kiosk-image").hidden = true;
        el("kiosk-offline").textContent = S.offline;
        el("kiosk-offline").hidden = false;
      }
      state.offsetAt = 0;
      state.timer = window.setTimeout(refresh, Math.min(30000, 2000 * state.failures));
    });
  }

  // The clock shows the server's time (in Stockholm), the same the code is judged by.
  var clockFormat = new Intl.DateTimeFormat(document.documentElement.lang || "sv", {
    hour: "2-digit", minute: "2-digit", timeZone: "Europe/Stockholm"
  });

  window.setInterval(function () {
    var left = Math.max(0, Math.ceil((state.validUntil - serverNow()) / 1000));
    el("kiosk-countdown").textContent = state.validUntil ? D.format(S.seconds, { seconds: left }) : "";
    var now = new Date(serverNow());
    el("kiosk-clock").textContent = clockFormat.format(now);
    el("kiosk-clock").setAttribute("datetime", now.toISOString());
  }, 500);
  if (navigator.wakeLock && navigator.wakeLock.request) {
    navigator.wakeLock.request("screen").catch(function () { /* the screen may sleep */ });
  }
  refresh();
})();
