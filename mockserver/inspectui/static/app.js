// The s2s mock inspector: follows the journal as server-sent events and
// drives the inspection API. Plain script, no dependencies, no build step.
"use strict";

(() => {
  const base = location.pathname.replace(/\/ui\/.*$/, "/"); // "/_s2s/"
  const tokenKey = "s2s-admin-token";
  const maxRows = 2000;
  const $ = (id) => document.getElementById(id);

  const state = {
    items: [],          // newest last
    bySeq: new Map(),
    last: 0,            // last seq seen
    profiles: [],
    rules: new Map(),   // rule id → {level, text}
    sessions: new Map(),
    es: null,
    certificates: false,
  };

  // --- the inspection API -------------------------------------------------

  class Unauthorized extends Error {}

  async function api(method, path, body) {
    const headers = {};
    const token = sessionStorage.getItem(tokenKey);
    if (token) headers["Authorization"] = "Bearer " + token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(base + path, {method, headers, body: body === undefined ? undefined : JSON.stringify(body)});
    if (res.status === 401) throw new Unauthorized("the admin token was refused");
    const type = res.headers.get("Content-Type") || "";
    const data = type.includes("json") ? await res.json() : await res.text();
    if (!res.ok) throw new Error((data && data.message) || (method + " " + path + ": " + res.status));
    return data;
  }

  function notice(msg, bad) {
    const n = $("notice");
    n.textContent = msg;
    n.className = "notice" + (bad ? " bad" : "");
    n.hidden = !msg;
  }

  async function guarded(fn) {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof Unauthorized) askToken(e.message);
      else notice(e.message, true);
    }
  }

  // --- the token prompt ---------------------------------------------------

  function askToken(msg) {
    $("app").hidden = true;
    const d = $("token-dialog");
    $("token-error").hidden = !msg || !sessionStorage.getItem(tokenKey);
    $("token-error").textContent = msg || "";
    if (state.es) { state.es.close(); state.es = null; }
    if (!d.open) d.showModal();
    $("token").focus();
  }

  $("token-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(tokenKey, $("token").value);
    $("token").value = "";
    $("token-dialog").close();
    start();
  });
  $("token-dialog").addEventListener("cancel", (ev) => ev.preventDefault());
  $("forget").addEventListener("click", () => { sessionStorage.removeItem(tokenKey); askToken(""); });

  // --- start --------------------------------------------------------------

  async function start() {
    try {
      const info = await api("GET", "ui/api/profiles");
      state.profiles = info.profiles;
      state.certificates = info.certificates;
      $("version").textContent = info.version ? "mock " + info.version : "";
      $("forget").hidden = !sessionStorage.getItem(tokenKey);
      fillProfiles();
    } catch (e) {
      if (e instanceof Unauthorized) { askToken(e.message); return; }
      notice(e.message, true);
      return;
    }
    $("app").hidden = false;
    await Promise.all([loadSessions(), loadClock(), loadFaults()].map((p) => p.catch((e) => notice(e.message, true))));
    route();
    connect();
  }

  function fillProfiles() {
    const sel = $("f-profile"), fa = $("fa-profile"), dl = $("rule-list");
    sel.length = 1; fa.length = 0; dl.textContent = "";
    for (const p of state.profiles) {
      sel.add(new Option(p.name, p.name));
      fa.add(new Option(p.name, p.name));
      for (const [id, r] of Object.entries(p.rules)) {
        state.rules.set(id, r);
        dl.append(new Option(id + " — " + r.text, id));
      }
    }
  }

  // --- the stream ---------------------------------------------------------

  async function connect() {
    if (state.es) state.es.close();
    let ticket;
    try {
      ticket = (await api("POST", "ui/api/ticket")).ticket;
    } catch (e) {
      if (e instanceof Unauthorized) { askToken(e.message); return; }
      setConn(false, e.message);
      setTimeout(connect, 2000);
      return;
    }
    // The first connection starts with the newest entries; a reconnect goes on.
    const q = new URLSearchParams(state.last ? {after: String(state.last)} : {tail: String(maxRows)});
    if (ticket) q.set("ticket", ticket);
    const es = new EventSource(base + "ui/api/stream?" + q);
    state.es = es;
    es.onopen = () => setConn(true, "live");
    es.addEventListener("entry", (ev) => add(JSON.parse(ev.data)));
    es.addEventListener("evicted", (ev) => notice("The journal let " + ev.data + " old entries go (its ring is full).", false));
    es.addEventListener("problem", (ev) => notice(JSON.parse(ev.data).message, true));
    es.onerror = () => {
      setConn(false, "reconnecting…");
      if (es.readyState === EventSource.CLOSED && state.es === es) {
        // A refused or expired ticket closes the stream: ask for a new one.
        setTimeout(connect, 1000);
      }
    };
  }

  function setConn(on, text) {
    const c = $("conn");
    c.className = "conn " + (on ? "on" : "off");
    c.textContent = text;
  }

  // --- entries ------------------------------------------------------------

  function add(item) {
    const e = item.entry;
    if (state.bySeq.has(e.seq)) return;
    state.last = Math.max(state.last, e.seq);
    item.text = JSON.stringify(e).toLowerCase();
    item.rules = ruleIDs(e);
    state.items.push(item);
    state.bySeq.set(e.seq, item);
    item.row = renderRow(item);
    $("rows").prepend(item.row);
    while (state.items.length > maxRows) {
      const old = state.items.shift();
      state.bySeq.delete(old.entry.seq);
      old.row.remove();
      if (old.detail) old.detail.remove();
    }
    if (e.session && !state.sessions.has(e.session)) {
      state.sessions.set(e.session, {id: e.session});
      fillSessions();
    }
    applyFilter(item);
    counts();
    if (currentSession() && e.session === currentSession()) refreshCertificate();
  }

  function ruleIDs(e) {
    const ids = [];
    if (e.rule) ids.push(e.rule);
    for (const v of e.violations || []) if (v.rule && !ids.includes(v.rule)) ids.push(v.rule);
    return ids;
  }

  function el(tag, attrs, ...kids) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") n.className = v;
      else if (k.startsWith("data-")) n.setAttribute(k, v);
      else n[k] = v;
    }
    for (const k of kids) if (k !== null && k !== undefined) n.append(k);
    return n;
  }

  function time(t) {
    const d = new Date(t);
    return isNaN(d) ? t : d.toISOString().slice(11, 23);
  }

  function renderRow(item) {
    const e = item.entry;
    const rules = el("td", {class: "rules"});
    for (const id of item.rules) {
      const r = state.rules.get(id);
      rules.append(el("span", {class: "rule" + (id === e.rule ? " deciding" : ""), title: r ? r.level + ": " + r.text : id}, id), " ");
    }
    const tr = el("tr", {class: "row", "data-seq": String(e.seq), "data-outcome": e.outcome, tabIndex: 0},
      el("td", {class: "mono", title: e.received_at}, time(e.received_at)),
      el("td", {}, e.profile || "—"),
      el("td", {class: "mono", title: e.method + " " + e.path}, e.endpoint || e.method + " " + e.path),
      el("td", {class: "status s" + String(e.status)[0]}, String(e.status)),
      el("td", {}, el("span", {class: "outcome " + e.outcome}, e.outcome)),
      rules,
      el("td", {class: "mono small"}, e.session ? sessionLabel(e.session) : ""));
    tr.addEventListener("click", () => toggle(item));
    tr.addEventListener("keydown", (ev) => { if (ev.key === "Enter") toggle(item); });
    return tr;
  }

  function sessionLabel(id) {
    const s = state.sessions.get(id);
    return s && s.name ? s.name : id.slice(0, 8);
  }

  function toggle(item) {
    if (item.detail) {
      item.detail.remove();
      item.detail = null;
      item.row.classList.remove("open");
      return;
    }
    item.detail = el("tr", {class: "detail"}, el("td", {colSpan: 7}, renderDetail(item)));
    item.row.classList.add("open");
    item.row.after(item.detail);
    item.detail.hidden = item.row.hidden;
  }

  function kv(rows) {
    const t = el("table", {class: "kv"});
    for (const [k, v] of rows) if (v !== undefined && v !== "" && v !== null) t.append(el("tr", {}, el("th", {}, k), el("td", {}, v)));
    return t;
  }

  function pretty(s) {
    if (!s) return "";
    try { return JSON.stringify(JSON.parse(s), null, 2); } catch { return s; }
  }

  function renderDetail(item) {
    const e = item.entry, d = item.decision;
    const box = el("div", {class: "detail-box"});
    if (d) {
      const cite = el("div", {class: "decision"},
        el("p", {}, el("span", {class: "rule deciding"}, d.rule), " ", el("b", {}, d.level || ""),
          d.field ? el("span", {}, " at ", el("code", {}, d.field)) : null, d.text ? ": " + d.text : ""));
      if (d.quote) {
        cite.append(el("blockquote", {lang: "und"}, d.quote, el("br"), el("span", {class: "muted"}, d.seed + ": “" + d.english + "”")));
      } else if (d.basis) {
        cite.append(el("p", {class: "muted"}, "Basis: " + d.basis + (d.why ? " — " + d.why : "")));
      }
      box.append(el("h3", {}, "Deciding rule"), cite);
    }
    box.append(kv([["seq", String(e.seq)], ["received", e.received_at], ["request", e.method + " " + e.path + (e.query ? "?" + e.query + (e.query_cut ? "…" : "") : "")],
      ["answer", e.status + " " + e.outcome + (e.retry_after ? ", Retry-After " + e.retry_after + " s" : "")],
      ["reason", e.reason], ["session", e.session], ["body bytes", String(e.body_bytes)]]));
    if (e.violations && e.violations.length) {
      const t = el("table", {class: "grid"}, el("tr", {}, ...["rule", "level", "in", "field", "message", "rejects"].map((h) => el("th", {}, h))));
      for (const v of e.violations) {
        t.append(el("tr", {}, el("td", {}, el("span", {class: "rule"}, v.rule)), el("td", {}, v.level), el("td", {}, v.in),
          el("td", {class: "mono"}, v.field || ""), el("td", {}, v.message), el("td", {}, v.reject ? "yes" : "no")));
      }
      box.append(el("h3", {}, "Rules broken"), t);
    }
    if (e.events && e.events.length) {
      const t = el("table", {class: "grid"}, el("tr", {}, ...["#", "event", "id", "recorded", "repeat"].map((h) => el("th", {}, h))));
      for (const v of e.events) {
        const rep = [v.replay && "replay", v.duplicate && "duplicate", v.conflict && "conflict", v.probable_duplicate && "probable duplicate"].filter(Boolean).join(", ");
        t.append(el("tr", {}, el("td", {}, String(v.index)), el("td", {}, v.event || ""), el("td", {class: "mono"}, v.id || v.key || ""),
          el("td", {}, v.recorded ? "yes" : "no"), el("td", {}, rep)));
      }
      box.append(el("h3", {}, "Decoded events"), t);
    }
    if (e.headers) {
      box.append(el("h3", {}, "Headers (secrets redacted)"), kv(Object.keys(e.headers).sort().map((k) => [k, e.headers[k]])));
    }
    if (e.document) {
      box.append(el("h3", {}, "Query parameters (secrets redacted)"), kv(Object.keys(e.document).sort().map((k) => [k, String(e.document[k])])));
    }
    if (e.body) box.append(el("h3", {}, "Body"), el("pre", {}, pretty(e.body)));
    if (e.answer) box.append(el("h3", {}, "Answer " + e.status), el("pre", {}, pretty(e.answer)));
    const curl = curlOf(e);
    const copy = el("button", {type: "button", class: "copy"}, "Copy as curl");
    copy.addEventListener("click", (ev) => { ev.stopPropagation(); copyText(curl, copy); });
    box.append(el("h3", {}, "Replay it"), el("pre", {class: "curl"}, curl), copy);
    box.addEventListener("click", (ev) => ev.stopPropagation());
    return box;
  }

  const skipHeaders = new Set(["content-length", "accept-encoding", "connection", "user-agent", "host"]);

  function sq(s) { return "'" + String(s).replace(/'/g, "'\\''") + "'"; }

  function curlOf(e) {
    const parts = ["curl -sS -i -X " + e.method + " " + sq(location.origin + e.path + (e.query ? "?" + e.query : ""))];
    for (const k of Object.keys(e.headers || {}).sort()) {
      if (!skipHeaders.has(k.toLowerCase())) parts.push("-H " + sq(k + ": " + e.headers[k]));
    }
    if (e.body) parts.push("--data-binary " + sq(e.body));
    return parts.join(" \\\n  ");
  }

  async function copyText(s, button) {
    try {
      await navigator.clipboard.writeText(s);
    } catch {
      const t = el("textarea", {value: s});
      document.body.append(t);
      t.select();
      document.execCommand("copy");
      t.remove();
    }
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = "Copy as curl"; }, 1500);
  }

  // --- filters ------------------------------------------------------------

  function filters() {
    return {
      profile: $("f-profile").value,
      outcome: $("f-outcome").value,
      rule: $("f-rule").value.trim().toUpperCase(),
      session: currentSession() || $("f-session").value,
      text: $("f-text").value.trim().toLowerCase(),
    };
  }

  function matches(item, f) {
    const e = item.entry;
    return (!f.profile || e.profile === f.profile) && (!f.outcome || e.outcome === f.outcome) &&
      (!f.rule || item.rules.some((r) => r.includes(f.rule))) && (!f.session || e.session === f.session) &&
      (!f.text || item.text.includes(f.text));
  }

  function applyFilter(item, f) {
    const hide = !matches(item, f || filters());
    item.row.hidden = hide;
    if (item.detail) item.detail.hidden = hide;
  }

  function applyAll() {
    const f = filters();
    for (const it of state.items) applyFilter(it, f);
    counts();
  }

  function counts() {
    const shown = state.items.filter((it) => !it.row.hidden).length;
    $("counts").textContent = shown + " of " + state.items.length + " shown";
    $("empty").hidden = state.items.length > 0;
  }

  $("filters").addEventListener("input", applyAll);
  $("filters").addEventListener("change", applyAll);
  $("filters").addEventListener("reset", () => setTimeout(applyAll));

  // --- sessions -----------------------------------------------------------

  async function loadSessions() {
    const list = await api("GET", "sessions");
    for (const s of list) state.sessions.set(s.id, s);
    fillSessions();
  }

  function fillSessions() {
    const sel = $("f-session"), keep = sel.value, ul = $("session-list");
    sel.length = 1;
    ul.textContent = "";
    for (const s of [...state.sessions.values()].reverse()) {
      sel.add(new Option((s.name || s.id.slice(0, 8)) + (s.ended_at ? " (ended)" : ""), s.id));
      const a = el("a", {href: "#session/" + encodeURIComponent(s.id), class: "session-link"}, s.name || s.id);
      ul.append(el("li", {}, a, " ", el("span", {class: "muted small"}, s.ended_at ? "ended" : (s.started_at ? "open" : "tagged"))));
    }
    sel.value = keep;
    for (const it of state.items) {
      const cell = it.row.lastChild;
      if (it.entry.session) cell.textContent = sessionLabel(it.entry.session);
    }
  }

  $("session-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    guarded(async () => {
      const spec = {name: $("s-name").value.trim(), untagged: $("s-untagged").checked};
      const status = $("s-status").value;
      if (status) spec.script = {status: Number(status), retry_after: Number($("s-retry").value) || 0, failures: Number($("s-failures").value) || 0};
      const s = await api("POST", "sessions", spec);
      state.sessions.set(s.id, s);
      fillSessions();
      $("s-name").value = "";
      location.hash = "#session/" + encodeURIComponent(s.id);
    });
  });

  function currentSession() {
    const m = location.hash.match(/^#session\/(.+)$/);
    return m ? decodeURIComponent(m[1]) : "";
  }

  async function route() {
    const id = currentSession();
    $("session-view").hidden = !id;
    $("f-session").disabled = !!id;
    applyAll();
    if (!id) return;
    await guarded(async () => {
      const s = await api("GET", "sessions/" + encodeURIComponent(id));
      state.sessions.set(s.id, s);
      $("sv-title").textContent = "Session " + (s.name || s.id);
      const script = s.script ? "scripted: first " + (s.script.failures || 1) + " deliveries of each event answered " + s.script.status +
        (s.script.retry_after ? " with Retry-After " + s.script.retry_after + " s" : "") : "no scripted faults";
      $("sv-meta").textContent = "id " + s.id + " · started " + s.started_at + (s.ended_at ? " · ended " + s.ended_at : " · open") +
        (s.untagged ? " · claims untagged requests" : " · requests tagged X-S2S-Session: " + s.id) + " · " + script;
      $("sv-end").disabled = !!s.ended_at;
    });
    refreshCertificate(true);
  }

  window.addEventListener("hashchange", route);

  let certTimer = null;
  function refreshCertificate(now) {
    clearTimeout(certTimer);
    certTimer = setTimeout(() => guarded(loadCertificate), now ? 0 : 400);
  }

  async function loadCertificate() {
    const id = currentSession();
    if (!id) return;
    const chip = $("sv-verdict");
    if (!state.certificates) {
      chip.textContent = "no certificate (mock built without s2s verify)";
      return;
    }
    const path = "ui/api/sessions/" + encodeURIComponent(id) + "/certificate";
    const [res, html] = await Promise.all([api("GET", path + "?format=json"), api("GET", path + "?format=html")]);
    if (currentSession() !== id) return;
    chip.textContent = res.verdict + " · " + res.requests + " request" + (res.requests === 1 ? "" : "s");
    chip.className = "verdict-chip " + String(res.verdict).toLowerCase().replace(/[^a-z]+/g, "-");
    $("sv-cert").srcdoc = html;
  }

  $("sv-end").addEventListener("click", () => guarded(async () => {
    await api("DELETE", "sessions/" + encodeURIComponent(currentSession()));
    await loadSessions();
    route();
  }));

  // --- clock and faults ---------------------------------------------------

  async function loadClock() {
    const c = await api("GET", "clock");
    $("clock-now").textContent = c.now + " (" + c.mode + (c.offset ? " " + c.offset : "") + ")";
  }

  function setClock(method, body) {
    guarded(async () => { await api(method, "clock", body); await loadClock(); notice("Clock: " + $("clock-now").textContent); });
  }

  $("c-fix").addEventListener("click", () => {
    const v = $("c-fixed").value;
    if (!v) { notice("Pick a time to fix the clock at.", true); return; }
    setClock("PUT", {fixed: new Date(v + "Z").toISOString()});
  });
  $("c-off").addEventListener("click", () => setClock("PUT", {offset: $("c-offset").value.trim()}));
  $("c-real").addEventListener("click", () => setClock("DELETE"));

  let faults = {};
  async function loadFaults() {
    faults = await api("GET", "faults");
    showFaults();
  }

  function showFaults() {
    const f = faults[$("fa-profile").value] || {};
    $("fa-json").value = Object.keys(f).length ? JSON.stringify(f, null, 2) : "";
  }

  $("fa-profile").addEventListener("change", showFaults);
  $("fa-apply").addEventListener("click", () => guarded(async () => {
    let f;
    try { f = JSON.parse($("fa-json").value || "{}"); } catch (e) { notice("Faults: not JSON: " + e.message, true); return; }
    await api("PUT", "faults/" + encodeURIComponent($("fa-profile").value), f);
    await loadFaults();
    notice("Faults of " + $("fa-profile").value + " set.");
  }));
  $("fa-clear").addEventListener("click", () => guarded(async () => {
    await api("DELETE", "faults/" + encodeURIComponent($("fa-profile").value));
    await loadFaults();
    notice("Faults of " + $("fa-profile").value + " cleared.");
  }));
  $("fa-clear-all").addEventListener("click", () => guarded(async () => {
    await api("DELETE", "faults");
    await loadFaults();
    notice("Every profile's faults cleared.");
  }));

  start();
})();
