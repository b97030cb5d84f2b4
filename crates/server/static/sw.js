// Debrief's service worker: shows on-call pages pushed to this browser (Web Push, RFC 8030,
// sent by the server itself with VAPID; no vendor's cloud in between). The buttons acknowledge
// or resolve with the message's signed single-use links; a click elsewhere opens the page.
"use strict";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let data = {};
  try { data = event.data ? event.data.json() : {}; } catch (_) { data = { body: event.data ? event.data.text() : "" }; }
  const actions = [];
  if (data.acknowledge) actions.push({ action: "acknowledge", title: "Acknowledge" });
  if (data.resolve) actions.push({ action: "resolve", title: "Resolve" });
  event.waitUntil(self.registration.showNotification(data.title || "Debrief: you are paged", {
    body: data.body || "",
    tag: data.tag || undefined,
    requireInteraction: true,
    data,
    actions,
  }));
});

self.addEventListener("notificationclick", (event) => {
  const data = event.notification.data || {};
  event.notification.close();
  const link = event.action === "acknowledge" ? data.acknowledge : event.action === "resolve" ? data.resolve : null;
  if (link) {
    // The links act on POST (and answer a small page); the session is not needed.
    event.waitUntil(fetch(link, { method: "POST", credentials: "omit" }).catch(() => self.clients.openWindow(link)));
    return;
  }
  if (data.url) event.waitUntil(self.clients.openWindow(data.url));
});
