// The scanner page: reads personal codes from the camera (native BarcodeDetector, else the
// barcode-detector polyfill on ZXing WebAssembly served by the app) or a keyboard-wedge scanner,
// sends them to the server, and keeps working offline: codes are checked on the device against
// the downloaded public keys, revocations and roster, queued in IndexedDB and synced in batches.
(function () {
  "use strict";

  var root = document.getElementById("scanner");
  if (!root) { return; }
  var D = window.CheckinDevice;
  var S = JSON.parse(root.getAttribute("data-strings"));
  var URLS = {
    time: root.getAttribute("data-time-url"),
    roster: root.getAttribute("data-roster-url"),
    scan: root.getAttribute("data-scan-url"),
    sync: root.getAttribute("data-sync-url"),
    polyfill: root.getAttribute("data-polyfill"),
    wasm: root.getAttribute("data-wasm")
  };
  var DEBOUNCE_MS = 4000;      // the same code again within this time is ignored
  var ANSWER_MS = 1000;        // answer from the device's own check if the server is slower
  var SCAN_TIMEOUT_MS = 3000;  // after this the scanner switches to offline mode by itself
  var BATCH = 50;
  var ROSTER_MAX_AGE_MS = 5 * 60 * 1000;
  var CODE_RE = /^AKP1\.([0-9a-f]{8})\.([A-Za-z0-9_-]{6,24})\.([1-9][0-9]{0,8})\.([0-9]{9,11})\.(0|[1-9][0-9]{0,6})\.([A-Za-z0-9_-]{86})$/;

  var el = function (id) { return document.getElementById(id); };
  var state = { offline: !navigator.onLine, backoff: 0, syncing: false, last: { code: "", at: 0 }, timer: null };

  // --- Device and roster --------------------------------------------------------------------

  var device = D.load();
  if (!device) {
    el("device-missing").hidden = false;
    el("scanner-main").hidden = true;
    return;
  }
  D.registerServiceWorker(root.getAttribute("data-sw"));
  el("site-name").textContent = device.site.name;
  el("device-name").textContent = device.device.name;

  function deviceGone(error) {
    el("device-missing-text").textContent = S[error.code] || S.unauthorized;
    el("device-missing").hidden = false;
    el("scanner-main").hidden = true;
    if (error.code === "unauthorized") { D.forget(); }
  }

  function loadRoster() {
    try { return JSON.parse(window.localStorage.getItem("checkin.roster") || "null"); } catch (e) { return null; }
  }
  var roster = loadRoster();

  function refreshRoster() {
    return D.api(URLS.roster, { timeout: 8000 }).then(function (result) {
      roster = result.body;
      roster.fetched_at = Date.now();
      window.localStorage.setItem("checkin.roster", JSON.stringify(roster));
      el("expected-count").textContent = D.format(S.expected, { count: roster.participants.length });
      goOnline();
    }, function (error) {
      if (error.code === "device_revoked" || error.code === "unauthorized") { deviceGone(error); }
      else if (!error.status || error.status >= 500) { goOffline(); }
    });
  }

  function nextSeq() {
    var seq = parseInt(window.localStorage.getItem("checkin.seq") || "0", 10) + 1;
    window.localStorage.setItem("checkin.seq", String(seq));
    return seq;
  }

  // --- The queue in IndexedDB ---------------------------------------------------------------

  var dbPromise = new Promise(function (resolve, reject) {
    var request = window.indexedDB.open("checkin", 1);
    request.onupgradeneeded = function () { request.result.createObjectStore("queue", { keyPath: "event_id" }); };
    request.onsuccess = function () { resolve(request.result); };
    request.onerror = function () { reject(request.error); };
  });

  function tx(mode, work) {
    return dbPromise.then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction("queue", mode);
        var result = work(t.objectStore("queue"));
        t.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function queuePut(item) { return tx("readwrite", function (s) { s.put(item); }).then(showQueue); }
  function queueAll() { return tx("readonly", function (s) { return s.getAll(); }); }
  function queueDelete(ids) {
    return tx("readwrite", function (s) { ids.forEach(function (id) { s.delete(id); }); }).then(showQueue);
  }

  function showQueue() {
    return queueAll().then(function (items) {
      var n = items.length;
      el("queue-status").textContent = n === 0 ? (state.offline ? "" : S.queue_none) : n === 1 ? S.queue_one : D.format(S.queue_many, { count: n });
      root.setAttribute("data-queue", String(n));
      return n;
    });
  }

  // --- Online / offline ---------------------------------------------------------------------

  function goOffline() {
    state.offline = true;
    el("offline-banner").hidden = false;
    root.classList.add("is-offline");
    showQueue();
  }
  function goOnline() {
    var was = state.offline;
    state.offline = false;
    state.backoff = 0;
    el("offline-banner").hidden = true;
    root.classList.remove("is-offline");
    if (was) { schedule(0); }
  }
  window.addEventListener("offline", goOffline);
  window.addEventListener("online", function () { schedule(0); });
  if (state.offline) { goOffline(); }

  // --- Checking a code on the device --------------------------------------------------------

  function bytes(b64u) {
    var s = b64u.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) { s += "="; }
    var bin = window.atob(s);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { out[i] = bin.charCodeAt(i); }
    return out;
  }

  // Codes that name nobody the device may let in: no "let in anyway" for these.
  var NOT_A_CARD = ["unknown_code", "bad_signature", "revoked_key"];
  var keyCache = {};
  function verifySignature(kid, message, signature) {
    if (roster && (roster.revoked_keys || []).indexOf(kid) >= 0) { return Promise.resolve("revoked_key"); }
    var key = roster && roster.keys.filter(function (k) { return k.key_id === kid; })[0];
    if (!key) { return Promise.resolve("unknown_code"); }
    if (!window.crypto || !window.crypto.subtle) { return Promise.resolve("unverified"); }
    keyCache[kid] = keyCache[kid] || window.crypto.subtle.importKey("raw", bytes(key.public_key), { name: "Ed25519" }, false, ["verify"]);
    return keyCache[kid].then(function (cryptoKey) {
      return window.crypto.subtle.verify({ name: "Ed25519" }, cryptoKey, bytes(signature), new TextEncoder().encode(message));
    }).then(function (ok) { return ok ? "ok" : "bad_signature"; }, function () { return "unverified"; });
  }

  // The same checks the server makes, with what the device knows: {ok, reason, person}.
  function checkLocally(code, mode, at) {
    var m = CODE_RE.exec(code);
    if (!m || !roster) { return Promise.resolve({ ok: false, reason: "unknown_code" }); }
    var ref = m[2], serial = parseInt(m[3], 10), issued = parseInt(m[4], 10), ttl = parseInt(m[5], 10);
    var message = code.slice(0, code.lastIndexOf("."));
    return verifySignature(m[1], message, m[6]).then(function (signature) {
      if (NOT_A_CARD.indexOf(signature) >= 0) { return { ok: false, reason: signature }; }
      var person = roster.participants.filter(function (p) { return p.ref === ref; })[0] || null;
      var shown = person ? { ref: ref, first_name: person.first_name } : { ref: ref, first_name: "" };
      if (roster.revoked.indexOf(ref + ":" + serial) >= 0 || (person && person.serial && serial < person.serial)) {
        return { ok: false, reason: "revoked_card", person: shown };
      }
      var age = at / 1000 - issued;
      if (ttl && (age > ttl + 300 || age < -300)) { return { ok: false, reason: "expired_code", person: shown }; }
      if (!person) { return { ok: false, reason: "not_enrolled", person: shown }; }
      if (mode === "in") {
        var early = roster.margins.early_minutes * 60000;
        var now = roster.sessions.filter(function (s) {
          return person.sessions.indexOf(s.id) >= 0 && Date.parse(s.starts_at) - early <= at && at <= Date.parse(s.ends_at);
        });
        if (!now.length) { return { ok: false, reason: "not_enrolled", person: shown }; }
      }
      return { ok: true, unverified: signature === "unverified", person: shown };
    });
  }

  // --- Showing the answer -------------------------------------------------------------------

  var audio = null;
  function signal(ok) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator(), gain = audio.createGain();
      osc.frequency.value = ok ? 880 : 220;
      gain.gain.value = 0.15;
      osc.connect(gain); gain.connect(audio.destination);
      osc.start(); osc.stop(audio.currentTime + (ok ? 0.12 : 0.4));
    } catch (e) { /* no sound on this device */ }
    if (navigator.vibrate) { navigator.vibrate(ok ? 80 : [200, 100, 200]); }
  }

  var forceTarget = null;
  function show(kind, name, text) {
    var box = el("scan-result");
    box.className = "scan-result " + kind;
    el("scan-icon").textContent = kind === "ok" ? "✓" : kind === "bad" ? "✕" : kind === "warn" ? "!" : "…";
    el("scan-name").textContent = name || "";
    el("scan-text").textContent = text;
    el("force-button").hidden = true;
    forceTarget = null;
    if (kind !== "pending") { signal(kind === "ok"); }
  }

  function modeLabel(mode) { return mode === "out" ? S.mode_out : S.mode_in; }

  function showServer(body, mode) {
    var name = body.person ? body.person.first_name : "";
    var kind = body.status === "flagged" || body.reason === "already_in" || body.reason === "not_in" ? "warn" : "ok";
    show(kind, name ? name + " · " + modeLabel(mode) : modeLabel(mode), withClock(body.message, body));
  }

  function showRefusal(body) {
    show("bad", body.person ? body.person.first_name : "", withClock(body.message || S[body.code] || S.error, body));
  }

  // The server says when this device's clock is off by more than it allows.
  function withClock(text, body) { return body.clock_warning ? text + " " + body.clock_warning : text; }

  function showLocal(result, ev, provisional) {
    var name = result.person && result.person.first_name ? result.person.first_name : "";
    if (result.ok) {
      var text = D.format(ev.mode === "out" ? S.out_ok : S.in_ok, { name: name });
      if (provisional) { show("pending", name, S.checking); return; }
      show(result.unverified ? "warn" : "ok", name ? name + " · " + modeLabel(ev.mode) : modeLabel(ev.mode), text + " " + (result.unverified ? S.unverified : S.offline_saved));
      return;
    }
    show("bad", name, S[result.reason] || S.error);
    if (!provisional && result.person && NOT_A_CARD.indexOf(result.reason) < 0) {
      forceTarget = ev;
      el("force-button").hidden = false;
    }
  }

  el("force-button").addEventListener("click", function () {
    if (!forceTarget) { return; }
    var ev = forceTarget;
    // Letting someone in is a new fact of its own; the refusal stays on record too.
    queuePut({
      event_id: D.uuid(), code: ev.code, mode: ev.mode, occurred_at: new Date().toISOString(),
      device_seq: nextSeq(), offline: true, local_result: "forced"
    });
    show("warn", el("scan-name").textContent, S.forced + " " + S.offline_saved);
    refocus();
  });

  // --- A scan -------------------------------------------------------------------------------

  function currentMode() { return el("mode-out").checked ? "out" : "in"; }

  function queueAndShow(ev, result) {
    var item = Object.assign({}, ev, { offline: true, local_result: result.ok ? "accepted" : "rejected" });
    return queuePut(item).then(function () { showLocal(result, ev, false); schedule(2000); });
  }

  function handleCode(raw) {
    var code = String(raw || "").trim();
    if (!code) { return; }
    var at = Date.now();
    if (code === state.last.code && at - state.last.at < DEBOUNCE_MS) { return; }
    state.last = { code: code, at: at };
    var ev = { event_id: D.uuid(), code: code, mode: currentMode(), occurred_at: new Date(at).toISOString(), device_seq: nextSeq() };
    show("pending", "", S.checking);
    var local = checkLocally(code, ev.mode, at);
    if (state.offline) { return local.then(function (result) { return queueAndShow(ev, result); }); }
    var answered = false;
    var slow = window.setTimeout(function () {
      local.then(function (result) { if (!answered) { showLocal(result, ev, true); } });
    }, ANSWER_MS);
    return D.api(URLS.scan, {
      method: "POST",
      body: Object.assign({ device_time: new Date().toISOString() }, ev),
      timeout: SCAN_TIMEOUT_MS
    }).then(function (result) {
      answered = true; window.clearTimeout(slow);
      goOnline();
      showServer(result.body, ev.mode);
    }, function (error) {
      answered = true; window.clearTimeout(slow);
      if (error.status === 422) { goOnline(); showRefusal(error.body || {}); return; }
      if (error.code === "device_revoked" || error.code === "unauthorized") { deviceGone(error); return; }
      if (error.status === 400) { show("bad", "", error.message || S.error); return; }
      // No answer (network, timeout, server trouble, rate limit): keep the scan on the device.
      goOffline();
      return local.then(function (result) { return queueAndShow(ev, result); });
    });
  }

  function refocus() {
    if (!window.matchMedia("(pointer: coarse)").matches) { el("scan-input").focus(); }
  }

  el("scan-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = el("scan-input");
    var value = input.value;
    input.value = "";
    handleCode(value);
    input.focus();
  });

  document.querySelectorAll("input[name=mode]").forEach(function (radio) {
    radio.checked = radio.value === (window.localStorage.getItem("checkin.mode") || "in");
    radio.addEventListener("change", function () {
      window.localStorage.setItem("checkin.mode", currentMode());
      root.setAttribute("data-mode", currentMode());
      refocus();
    });
  });
  root.setAttribute("data-mode", currentMode());

  // --- Sync with backoff --------------------------------------------------------------------

  function schedule(delay) {
    window.clearTimeout(state.timer);
    state.timer = window.setTimeout(tick, delay);
  }

  function later() {
    state.backoff = Math.min(60000, Math.max(2000, state.backoff * 2));
    schedule(state.backoff + Math.random() * 1000);
  }

  function tick() {
    if (state.syncing) { return schedule(1000); }
    queueAll().then(function (items) {
      if (!items.length) {
        if (state.offline) {
          return D.clockOffset(URLS.time).then(function () { goOnline(); schedule(15000); }, later);
        }
        if (!roster || Date.now() - (roster.fetched_at || 0) > ROSTER_MAX_AGE_MS) { refreshRoster(); }
        return schedule(15000);
      }
      items.sort(function (a, b) { return a.device_seq - b.device_seq; });
      var batch = items.slice(0, BATCH).map(function (i) {
        return { event_id: i.event_id, code: i.code, mode: i.mode, occurred_at: i.occurred_at, device_seq: i.device_seq, offline: true, local_result: i.local_result };
      });
      state.syncing = true;
      return D.api(URLS.sync, { method: "POST", body: { device_time: new Date().toISOString(), items: batch }, timeout: 10000 })
        .then(function (result) {
          state.syncing = false;
          var done = result.body.results.filter(function (r) { return r.result !== "error"; }).map(function (r) { return r.event_id; });
          el("last-sync").textContent = new Date().toLocaleTimeString();
          goOnline();
          return queueDelete(done).then(function (left) {
            if (done.length === 0) { return later(); }
            schedule(left ? 200 : 5000);
          });
        }, function (error) {
          state.syncing = false;
          if (error.code === "device_revoked" || error.code === "unauthorized") { return deviceGone(error); }
          goOffline();
          later();
        });
    });
  }

  // --- Camera -------------------------------------------------------------------------------

  var camera = { stream: null, detector: null, running: false };

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      var s = document.createElement("script");
      s.src = src; s.onload = resolve; s.onerror = reject;
      document.head.appendChild(s);
    });
  }

  function polyfillDetector() {
    return loadScript(URLS.polyfill).then(function () {
      var P = window.BarcodeDetectionAPI;
      P.prepareZXingModule({
        overrides: {
          locateFile: function (path, prefix) { return /\.wasm$/.test(path) ? URLS.wasm : prefix + path; }
        }
      });
      return new P.BarcodeDetector({ formats: ["qr_code"] });
    });
  }

  function getDetector() {
    if (camera.detector) { return Promise.resolve(camera.detector); }
    var native = "BarcodeDetector" in window
      ? window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        return formats.indexOf("qr_code") >= 0 ? new window.BarcodeDetector({ formats: ["qr_code"] }) : polyfillDetector();
      }, polyfillDetector)
      : polyfillDetector();
    return native.then(function (detector) { camera.detector = detector; return detector; });
  }

  function stopCamera() {
    camera.running = false;
    if (camera.stream) { camera.stream.getTracks().forEach(function (t) { t.stop(); }); }
    camera.stream = null;
    el("camera-video").hidden = true;
    el("torch-toggle").hidden = true;
    el("camera-toggle").textContent = S.camera_start;
    root.removeAttribute("data-camera");
  }

  function listCameras(activeId) {
    return navigator.mediaDevices.enumerateDevices().then(function (all) {
      var cams = all.filter(function (d) { return d.kind === "videoinput"; });
      var select = el("camera-select");
      select.innerHTML = "";
      cams.forEach(function (cam, i) {
        var option = document.createElement("option");
        option.value = cam.deviceId;
        option.textContent = cam.label || D.format(S.camera_n, { n: i + 1 });
        option.selected = cam.deviceId === activeId;
        select.appendChild(option);
      });
      el("camera-picker").hidden = cams.length < 2;
    });
  }

  function startCamera(deviceId) {
    stopCamera();
    el("camera-message").textContent = "";
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      el("camera-message").textContent = S.camera_denied;
      return;
    }
    var video = el("camera-video");
    var constraints = { audio: false, video: deviceId ? { deviceId: { exact: deviceId } } : { facingMode: { ideal: "environment" } } };
    Promise.all([navigator.mediaDevices.getUserMedia(constraints), getDetector()]).then(function (both) {
      camera.stream = both[0];
      video.srcObject = camera.stream;
      video.hidden = false;
      camera.running = true;
      el("camera-toggle").textContent = S.camera_stop;
      var track = camera.stream.getVideoTracks()[0];
      var caps = track && track.getCapabilities ? track.getCapabilities() : {};
      el("torch-toggle").hidden = !caps.torch;
      listCameras(track && track.getSettings ? track.getSettings().deviceId : null);
      return video.play().then(function () { root.setAttribute("data-camera", "on"); detectLoop(); });
    }).catch(function (error) {
      stopCamera();
      el("camera-message").textContent = error && error.name === "NotAllowedError" ? S.camera_denied : (camera.detector ? S.camera_denied : S.no_detector);
    });
  }

  function detectLoop() {
    if (!camera.running) { return; }
    var video = el("camera-video");
    if (video.readyState < 2) { window.setTimeout(detectLoop, 200); return; }
    camera.detector.detect(video).then(function (found) {
      if (found.length) { handleCode(found[0].rawValue); }
    }).catch(function () { /* a frame that could not be read */ }).then(function () {
      window.setTimeout(detectLoop, 150);
    });
  }

  el("camera-toggle").addEventListener("click", function () {
    if (camera.running) { stopCamera(); } else { startCamera(null); }
  });
  el("camera-select").addEventListener("change", function () { startCamera(el("camera-select").value); });
  el("torch-toggle").addEventListener("click", function () {
    var button = el("torch-toggle");
    var on = button.getAttribute("aria-pressed") !== "true";
    var track = camera.stream && camera.stream.getVideoTracks()[0];
    if (!track) { return; }
    track.applyConstraints({ advanced: [{ torch: on }] }).then(function () {
      button.setAttribute("aria-pressed", on ? "true" : "false");
    }).catch(function () { button.hidden = true; });
  });

  // --- Start --------------------------------------------------------------------------------

  if (roster) { el("expected-count").textContent = D.format(S.expected, { count: roster.participants.length }); }
  refreshRoster().then(function () { schedule(500); });
  showQueue();
  refocus();
  root.setAttribute("data-ready", "true");
})();
