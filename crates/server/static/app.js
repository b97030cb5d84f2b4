// Debrief's only script: local times beside UTC, and the live timeline (server-sent events).
// Everything works without it; it only adds the viewer's zone and live updates.
"use strict";

// A stored value as people read it (`role_change` → "Role change"), as the server's
// `ui::view::label` does.
function label(v) {
  const special = { follow_up: "Follow-up", wont_do: "Won't do" };
  if (special[v]) return special[v];
  const words = String(v).replace(/[_-]/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function pad(n, w) { return String(n).padStart(w || 2, "0"); }

// The zone times are shown in: the one chosen in "Your settings" (the `debrief_zone` cookie),
// else the browser's.
function viewerZone() {
  const m = document.cookie.match(/(?:^|;\s*)debrief_zone=([^;]+)/);
  if (m) {
    const z = decodeURIComponent(m[1]);
    try { new Intl.DateTimeFormat("en", { timeZone: z }); return z; } catch (e) { /* unknown here */ }
  }
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

// A time for sentences, in the viewer's zone: "Tue 8 Dec, 05:51 CET" (the year when it is not
// this year's).
function prose(d) {
  const zone = viewerZone();
  const year = (x) => new Intl.DateTimeFormat("en-GB", { timeZone: zone, year: "numeric" }).format(x);
  const opts = { timeZone: zone, weekday: "short", day: "numeric", month: "short",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" };
  if (year(d) !== year(new Date())) opts.year = "numeric";
  const p = {};
  new Intl.DateTimeFormat("en-GB", opts).formatToParts(d).forEach((x) => { p[x.type] = x.value; });
  return `${p.weekday} ${p.day} ${p.month}${p.year ? " " + p.year : ""}, ${p.hour}:${p.minute} ${p.timeZoneName || ""}`.trim();
}

function localize(el) {
  const iso = el.getAttribute("datetime");
  const d = new Date(iso);
  if (isNaN(d)) return;
  const utc = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)} UTC`;
  el.title = utc;
  if (el.classList.contains("prose")) { el.textContent = prose(d); return; }
  const p = {};
  new Intl.DateTimeFormat("en-GB", {
    timeZone: viewerZone(), year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "short",
  }).formatToParts(d).forEach((x) => { p[x.type] = x.value; });
  const wall = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
  if (wall === utc.slice(0, 19)) { el.textContent = utc; return; }
  el.textContent = `${wall}.${pad(d.getUTCMilliseconds(), 3)} ${p.timeZoneName || ""} (${utc.slice(11)})`;
}

function localizeAll(root) { root.querySelectorAll("time[datetime]").forEach(localize); }

function eventItem(ev, reference, csrf) {
  const li = document.createElement("li");
  li.dataset.eventId = ev.id;
  li.dataset.kind = ev.kind;
  li.dataset.at = ev.at;
  if (ev.starred) li.classList.add("starred");
  const t = document.createElement("time");
  t.setAttribute("datetime", ev.at);
  t.textContent = ev.at;
  localize(t);
  const kind = document.createElement("span");
  kind.className = `kind kind-${ev.kind}`;
  kind.textContent = label(ev.kind);
  const body = document.createElement("span");
  body.className = "body";
  body.textContent = ev.body;
  li.append(t, " ", kind, " ", body, " ");
  for (const l of ev.links || []) {
    if (!/^https?:\/\//i.test(l.url)) continue;
    const a = document.createElement("a");
    a.href = l.url; a.rel = "noopener noreferrer"; a.target = "_blank";
    a.textContent = l.title || l.url;
    li.append(a, " ");
  }
  const by = document.createElement("span");
  by.className = "by";
  by.textContent = `— ${ev.author_name || "Debrief"} via ${ev.source}${ev.revision > 1 ? " (edited)" : ""}`;
  li.append(by);
  if (csrf && document.getElementById("event-form")) {
    const f = document.createElement("form");
    f.method = "post"; f.className = "inline star-form";
    f.action = `/incidents/${reference}/timeline/${ev.id}/star`;
    f.innerHTML = `<input type="hidden" name="csrf"><input type="hidden" name="starred"><button type="submit" class="star"></button>`;
    f.elements.csrf.value = csrf;
    f.elements.starred.value = ev.starred ? "0" : "1";
    f.querySelector("button").textContent = ev.starred ? "★" : "☆";
    li.append(" ", f);
  }
  return li;
}

function placeEvent(list, li) {
  const at = Date.parse(li.dataset.at), id = Number(li.dataset.eventId);
  for (const other of list.children) {
    const oat = Date.parse(other.dataset.at || other.querySelector("time").getAttribute("datetime"));
    if (oat > at || (oat === at && Number(other.dataset.eventId) > id)) { list.insertBefore(li, other); return; }
  }
  list.appendChild(li);
}

function liveTimeline() {
  const head = document.querySelector(".incident-head");
  const list = document.getElementById("timeline");
  if (!head || !list || !window.EventSource) return;
  const reference = head.dataset.reference, csrf = head.dataset.csrf;
  const state = document.getElementById("live-state");
  const source = new EventSource(`/api/v1/incidents/${encodeURIComponent(reference)}/stream`);
  source.onopen = () => { if (state) state.classList.add("on"); document.body.dataset.live = "on"; };
  source.onerror = () => { if (state) state.classList.remove("on"); };
  source.addEventListener("timeline", (msg) => {
    const ev = JSON.parse(msg.data);
    const li = eventItem(ev, reference, csrf);
    const existing = list.querySelector(`li[data-event-id="${ev.id}"]`);
    if (existing) existing.remove();
    placeEvent(list, li);
    li.classList.add("fresh");
    if (ev.kind === "status_change" && ev.data && ev.data.to) {
      const s = document.getElementById("incident-status");
      if (s) { s.textContent = ev.data.to; s.className = `status status-${ev.data.to}`; }
    }
    if (ev.kind === "severity_change" && ev.data && ev.data.to) {
      const s = document.getElementById("incident-severity");
      if (s) { s.textContent = ev.data.to; s.className = `sev sev-${ev.data.to}`; }
    }
  });
  source.addEventListener("reload", () => location.reload());
}

// A status page update's "also move the incident" box names the status the chosen update
// status moves the incident to, and hides when it would not move it; proposed components are
// proposed back to operational while "resolved" is chosen.
function wireIncidentMoves() {
  document.querySelectorAll(".publish-form").forEach((form) => {
    const select = form.querySelector("select.update-status");
    if (!select) return;
    select.addEventListener("change", () => {
      form.querySelectorAll("select[data-proposal]").forEach((s) => {
        s.value = select.value === "resolved" ? "operational" : s.dataset.proposal;
      });
    });
    const box = form.querySelector("label.move-incident");
    if (!box) return;
    const moves = {};
    box.dataset.moves.split(";").filter(Boolean).forEach((m) => {
      const [status, label] = m.split(":");
      moves[status] = label;
    });
    const show = () => {
      const to = moves[select.value];
      box.hidden = !to;
      if (to) box.querySelector(".move-to").textContent = to;
    };
    select.addEventListener("change", show);
    show();
  });
}

document.addEventListener("DOMContentLoaded", () => { localizeAll(document); liveTimeline(); });

// The postmortem editor: each section is checked for blame and previewed as you type (the
// server renders the Markdown, so the preview is exactly what will be published).
function setupPostmortem() {
  const head = document.getElementById("postmortem");
  if (!head) return;
  const csrf = head.dataset.csrf, reference = head.dataset.reference;
  const check = async (box) => {
    const input = box.querySelector("textarea");
    const res = await fetch("/api/v1/blameless-check", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ text: input.value, render: true }),
    });
    if (!res.ok) return;
    const answer = await res.json();
    const lint = box.querySelector(".lint");
    lint.replaceChildren();
    const chars = Array.from(input.value);
    for (const f of answer.findings) {
      const p = document.createElement("p");
      p.className = "finding";
      const mark = document.createElement("mark");
      mark.textContent = chars.slice(f.start, f.end).join("");
      const why = document.createElement("span");
      why.textContent = ` — ${f.why} `;
      const tip = document.createElement("em");
      tip.textContent = f.suggestion;
      p.append(mark, why, tip);
      lint.append(p);
    }
    const preview = box.querySelector(".preview");
    if (preview) preview.innerHTML = answer.html; // safe HTML rendered by the server
  };
  document.querySelectorAll("#pm-form .pm-section").forEach((box) => {
    let timer = null;
    box.querySelector("textarea").addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(() => check(box), 300);
    });
    check(box);
  });
  const button = document.getElementById("attach-button");
  if (button) button.addEventListener("click", async () => {
    const file = document.getElementById("attach-file").files[0];
    const status = document.getElementById("attach-status");
    if (!file) { status.textContent = "Choose a file first."; return; }
    const res = await fetch(`/api/v1/incidents/${reference}/attachments?filename=${encodeURIComponent(file.name)}`, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": file.type || "application/octet-stream", "X-CSRF-Token": csrf },
      body: file,
    });
    if (res.ok) { location.reload(); return; }
    const problem = await res.json().catch(() => ({}));
    status.textContent = problem.detail || `Upload failed (${res.status})`;
  });
}
document.addEventListener("DOMContentLoaded", setupPostmortem);

// "Go back" links on error pages (no inline script under the Content-Security-Policy).
for (const a of document.querySelectorAll("a[data-back]")) {
  a.addEventListener("click", (e) => {
    if (history.length > 1) {
      e.preventDefault();
      history.back();
    }
  });
}

// On call: "Enable push notifications in this browser" (/me/on-call). Registers the service
// worker (/sw.js), subscribes with the server's VAPID key and stores the subscription.
function base64UrlBytes(s) {
  const b = atob(s.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (s.length % 4)) % 4));
  return Uint8Array.from(b, (c) => c.charCodeAt(0));
}

async function enablePush(button) {
  const status = document.getElementById("push-status");
  const say = (t) => { if (status) status.textContent = t; };
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) { say("This browser cannot receive push notifications."); return; }
  try {
    if ((await Notification.requestPermission()) !== "granted") { say("Notifications are blocked for this site in the browser's settings."); return; }
    const reg = await navigator.serviceWorker.register("/sw.js", { scope: "/" });
    await navigator.serviceWorker.ready;
    const keyRes = await fetch("/api/v1/push/vapid-public-key", { credentials: "same-origin" });
    if (!keyRes.ok) { say(`The server's key could not be read (${keyRes.status}).`); return; }
    const { public_key } = await keyRes.json();
    const sub = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlBytes(public_key) });
    const res = await fetch("/api/v1/users/me/push-subscriptions", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": button.dataset.csrf },
      body: JSON.stringify(sub.toJSON()),
    });
    if (res.ok) { location.reload(); return; }
    const problem = await res.json().catch(() => ({}));
    say(problem.detail || `The subscription was refused (${res.status}).`);
  } catch (e) {
    say(`Push notifications could not be enabled: ${e.message || e}`);
  }
}

// The zone of datetime-local fields ("in your zone"): the viewer's IANA zone.
function fillZones() {
  const browser = Intl.DateTimeFormat().resolvedOptions().timeZone;
  document.querySelectorAll("[data-browser-zone]").forEach((e) => { e.textContent = browser || "unknown"; });
  const zone = viewerZone();
  if (!zone) return;
  document.querySelectorAll("input[data-viewer-zone]").forEach((i) => { i.value = zone; });
  // A time field showing a stored instant: its wall time in the viewer's zone.
  document.querySelectorAll("input[data-utc]").forEach((i) => {
    const d = new Date(i.dataset.utc);
    if (isNaN(d)) return;
    const p = {};
    new Intl.DateTimeFormat("en-GB", {
      timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
    }).formatToParts(d).forEach((x) => { p[x.type] = x.value; });
    i.value = `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}`;
  });
  document.querySelectorAll("[data-viewer-zone-label]").forEach((e) => { e.textContent = zone; });
}

// "Copy link" buttons: copy the named field's value (links shown once, e.g. invitations).
function wireCopyButtons() {
  document.querySelectorAll("button[data-copy]").forEach((b) => {
    b.addEventListener("click", async () => {
      const field = document.getElementById(b.dataset.copy);
      if (!field) return;
      try {
        await navigator.clipboard.writeText(field.value);
      } catch (e) {
        field.select();
        document.execCommand("copy");
      }
      b.textContent = "Copied";
    });
  });
}

// Buttons that need a second thought (deactivating someone) ask first.
function wireConfirmations() {
  document.querySelectorAll("button[data-confirm]").forEach((b) => {
    b.addEventListener("click", (ev) => {
      if (!window.confirm(b.dataset.confirm)) ev.preventDefault();
    });
  });
}

// The incident page's keyboard shortcuts; `?` lists them. Keys typed into a field, or with
// Ctrl/Alt/Meta, are left alone.
function wireShortcuts() {
  const head = document.querySelector(".incident-head");
  const dialog = document.getElementById("shortcuts");
  if (!head || !dialog) return;
  const ref = head.dataset.reference;
  const go = (path) => { window.location.assign(path); };
  const focus = (css) => { const el = document.querySelector(css); if (el) { el.focus(); return true; } return false; };
  const keys = {
    "n": () => focus("#event-form input[name=body]"),
    "s": () => focus("#status-form select[name=to]"),
    "e": () => document.getElementById("edit-link") && go(`/incidents/${ref}/edit`),
    "m": () => document.getElementById("merge-link") && go(`/incidents/${ref}/merge`),
    "p": () => go(`/incidents/${ref}/postmortem`),
    "u": () => go(`/incidents/${ref}/status-page`),
    "l": () => go("/"),
    "?": () => { if (dialog.open) dialog.close(); else dialog.showModal(); },
  };
  document.addEventListener("keydown", (ev) => {
    if (ev.ctrlKey || ev.altKey || ev.metaKey) return;
    const t = ev.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) return;
    if (dialog.open && ev.key !== "?") return;
    const act = keys[ev.key];
    if (!act) return;
    ev.preventDefault();
    act();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  fillZones();
  wireShortcuts();
  wireIncidentMoves();
  wireCopyButtons();
  wireConfirmations();
  const b = document.getElementById("push-enable");
  if (b) b.addEventListener("click", () => enablePush(b));
});
