// Service worker for the scanner and kiosk: keeps the pages and their scripts so that the
// scanner opens without a network. The API is never cached (scans go to the queue instead).
"use strict";

var CACHE = "checkin-v1";
var PAGES = ["/checkin/skanner", "/checkin/skarm", "/checkin/registrera-enhet"];
var ASSETS = [
  "/static/css/app.css",
  "/static/js/app.js",
  "/static/favicon.svg",
  "/checkin/static/device.js",
  "/checkin/static/scanner.js",
  "/checkin/static/kiosk.js",
  "/checkin/static/enrol.js",
  "/checkin/vendor/barcode-detector.js",
  "/checkin/vendor/zxing_reader.wasm"
];

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      // One missing file (say, the polyfill before `make assets`) must not stop the rest.
      return Promise.all(PAGES.concat(ASSETS).map(function (url) {
        return cache.add(new Request(url, { credentials: "same-origin" })).catch(function () {});
      }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
    }).then(function () { return self.clients.claim(); })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin || url.pathname.indexOf("/api/") === 0) {
    return;
  }
  if (PAGES.indexOf(url.pathname) >= 0) {
    // Pages: the network first (fresh translations and fixes), the copy when offline.
    event.respondWith(
      fetch(request).then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(url.pathname, copy); });
        }
        return response;
      }).catch(function () {
        return caches.match(url.pathname);
      })
    );
    return;
  }
  if (ASSETS.indexOf(url.pathname) >= 0) {
    // Scripts and styles: the copy at once, refreshed in the background.
    event.respondWith(
      caches.open(CACHE).then(function (cache) {
        return cache.match(url.pathname).then(function (cached) {
          var fresh = fetch(request).then(function (response) {
            if (response.ok) { cache.put(url.pathname, response.clone()); }
            return response;
          }).catch(function () { return cached; });
          return cached || fresh;
        });
      })
    );
  }
});
