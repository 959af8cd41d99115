// Shared by the scanner, the kiosk and the enrolment page: the device token kept on this
// device, authenticated API calls, the server's clock and the service worker.
(function () {
  "use strict";

  var KEY = "checkin.device";

  function load() {
    try {
      var value = JSON.parse(window.localStorage.getItem(KEY) || "null");
      return value && value.token ? value : null;
    } catch (e) {
      return null;
    }
  }

  function save(device) {
    window.localStorage.setItem(KEY, JSON.stringify(device));
  }

  function forget() {
    window.localStorage.removeItem(KEY);
  }

  // An API error: code is the server's stable code, or "network"/"timeout" when it never answered.
  function ApiError(code, message, status, body) {
    this.code = code;
    this.message = message || code;
    this.status = status || 0;
    this.body = body || null;
  }

  // fetch() with a bearer token, JSON in and out, and a time limit.
  function api(url, options) {
    options = options || {};
    var device = load();
    var headers = { Accept: "application/json" };
    if (device && !options.anonymous) { headers.Authorization = "Bearer " + device.token; }
    if (options.body !== undefined) { headers["Content-Type"] = "application/json"; }
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? window.setTimeout(function () { controller.abort(); }, options.timeout || 8000) : null;
    return window.fetch(url, {
      method: options.method || "GET",
      headers: headers,
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      cache: "no-store",
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (timer) { window.clearTimeout(timer); }
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.ok) { return { status: response.status, body: body }; }
        throw new ApiError(body.code || "http_" + response.status, body.message, response.status, body);
      });
    }, function (error) {
      if (timer) { window.clearTimeout(timer); }
      throw new ApiError(error && error.name === "AbortError" ? "timeout" : "network", "", 0);
    });
  }

  // The server's clock minus ours, in milliseconds (half the round trip corrects the delay).
  function clockOffset(timeUrl) {
    var sent = Date.now();
    return api(timeUrl, { anonymous: true, timeout: 5000 }).then(function (result) {
      var received = Date.now();
      return result.body.epoch_ms - (sent + received) / 2;
    });
  }

  function uuid() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function registerServiceWorker(url) {
    if ("serviceWorker" in navigator && url) {
      navigator.serviceWorker.register(url, { scope: url.replace(/sw\.js$/, "") }).catch(function () {
        // Without a service worker the page still works online.
      });
    }
  }

  function format(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (_, name) {
      return values && values[name] !== undefined ? values[name] : "";
    });
  }

  window.CheckinDevice = {
    load: load,
    save: save,
    forget: forget,
    api: api,
    ApiError: ApiError,
    clockOffset: clockOffset,
    uuid: uuid,
    registerServiceWorker: registerServiceWorker,
    format: format
  };
})();
