// Ponder's admin console: one page that renders the admin JSON APIs. No framework, no CDN: it must work air-gapped.
"use strict";

const page = document.getElementById("page");
let csrf = null;

async function session() {
  if (!csrf) {
    const s = await api("GET", "/admin/api/session");
    csrf = s.csrf;
    const logout = document.getElementById("logout");
    logout.querySelector("input[type=hidden]")?.remove();
    const hidden = document.createElement("input");
    hidden.type = "hidden";
    hidden.name = csrf.parameter_name;
    hidden.value = csrf.token;
    logout.appendChild(hidden);
  }
  return csrf;
}

async function api(method, url, body, retried) {
  const headers = { "Accept": "application/json" };
  if (method !== "GET") {
    const c = await session();
    headers[c.header_name] = c.token;
    headers["Content-Type"] = "application/json";
  }
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) {
    // The session is gone (a timeout, a restart): log in again rather than show the API's advice to scripts.
    location.href = "/admin/login?expired";
    return new Promise(() => {});
  }
  if (response.status === 403 && method !== "GET" && !retried) {
    // A token of an older session (logged in again in another tab, or the session is gone): fetch the current
    // one and try once more; without a session, fetching it lands on the login page.
    csrf = null;
    return api(method, url, body, true);
  }
  const json = await response.json();
  if (!response.ok) {
    throw new Error(json.error ? json.error.message : response.statusText);
  }
  return json;
}

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null) el.setAttribute(k, v);
  }
  for (const c of children.flat()) el.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
  return el;
}

// A form field as JSON: a number when it reads as one, else the text as typed, so that the server's error names it
// (a NaN would travel as null, and a limit typed wrong would silently become no limit).
const numberOrText = v => Number.isFinite(Number(v)) ? Number(v) : v;

const usd = v => v === null || v === undefined ? "" : "$" + Number(v).toFixed(Number(v) < 1 ? 6 : 2);
const ms = v => v === null || v === undefined ? "" : Number(v).toFixed(1) + " ms";
const pct = v => (100 * Number(v)).toFixed(1) + "%";
const when = v => v ? new Date(v).toISOString().replace("T", " ").slice(0, 19) : "";

function card(label, value) {
  return h("div", { class: "card" }, h("div", { class: "v" }, value), h("div", { class: "k" }, label));
}

function table(columns, rows, id) {
  return h("table", { id },
    h("thead", {}, h("tr", {}, columns.map(c => h("th", {}, c.label)))),
    h("tbody", {}, rows.map(r => h("tr", {}, columns.map(c => {
      const v = c.render ? c.render(r) : r[c.key];
      return h("td", { class: c.num ? "num" : undefined }, v);
    })))));
}

const SVG = "http://www.w3.org/2000/svg";
function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  children.forEach(c => el.append(c));
  return el;
}

// Stacked bars: one bar per time bucket, one colour per backend.
function stackedBars(series, valueKey, title) {
  const W = 900, H = 200, pad = 30;
  const buckets = [...new Set(series.map(s => s.bucket))].sort();
  const backends = [...new Set(series.map(s => s.backend))].sort();
  const colours = ["#4f7cff", "#2db37d", "#f2a93b", "#d9534f", "#8e6cd8", "#3bb4c9"];
  const totals = buckets.map(b => series.filter(s => s.bucket === b).reduce((a, s) => a + Number(s[valueKey]), 0));
  const max = Math.max(1e-12, ...totals);
  const bw = (W - 2 * pad) / Math.max(1, buckets.length);
  const root = svg("svg", { width: W, height: H + 40, role: "img", "aria-label": title });
  buckets.forEach((b, i) => {
    let y = H;
    backends.forEach((be, j) => {
      const row = series.find(s => s.bucket === b && s.backend === be);
      if (!row) return;
      const bh = (H - pad) * Number(row[valueKey]) / max;
      y -= bh;
      root.append(svg("rect", { x: pad + i * bw, y, width: Math.max(1, bw - 2), height: bh,
        fill: colours[j % colours.length] }, svg("title", {}, `${when(b)} ${be}: ${row[valueKey]}`)));
    });
  });
  backends.forEach((be, j) => root.append(svg("text", { x: pad + j * 150, y: H + 30, fill: colours[j % colours.length] },
    document.createTextNode("■ " + be))));
  root.append(svg("text", { x: pad, y: 14 }, document.createTextNode(`${title} (max ${max.toPrecision(3)})`)));
  return root;
}

function rangePicker(current, onChange) {
  return h("label", {}, "Time range",
    h("select", { id: "range", onchange: e => onChange(e.target.value) },
      ["1h", "24h", "7d", "30d"].map(r => r === current ? h("option", { selected: "" }, r) : h("option", {}, r))));
}

const pages = {
  async overview(args, range = "24h") {
    const o = await api("GET", `/admin/api/console/overview?range=${range}`);
    const n = Number(o.requests);
    return [
      h("h1", {}, "Overview"),
      rangePicker(range, r => show("overview", [], r)),
      h("div", { class: "cards", id: "overview-cards" },
        card("requests", n),
        card("errors", `${o.failed} (${pct(n ? o.failed / n : 0)})`),
        card("refusals", `${o.refused} (${pct(n ? o.refused / n : 0)})`),
        card("escalation rate", pct(n ? o.escalated / n : 0)),
        card("cost", usd(o.cost_usd)),
        card("always top tier", usd(o.top_tier_cost_usd)),
        card("savings", usd(o.savings_usd)),
        card("latency p50 / p95 / p99", `${ms(o.p50_ms)} / ${ms(o.p95_ms)} / ${ms(o.p99_ms)}`)),
      h("h2", {}, "Traffic by tier"), stackedBars(o.series, "requests", "requests per interval"),
      h("h2", {}, "Cost by tier"), stackedBars(o.series, "cost_usd", "USD per interval"),
    ];
  },

  async requests(args) {
    const params = new URLSearchParams(location.hash.split("?")[1] || "");
    const data = await api("GET", "/admin/api/console/requests?" + params);
    const field = (name, label) => h("label", {}, label, h("input", { name, value: params.get(name) || "" }));
    // The same search from another page: the newest one, or the one after the cursor the API gave.
    const pageLink = (id, label, cursor) => {
      const q = new URLSearchParams(params);
      q.delete("before");
      q.delete("before_id");
      for (const [k, v] of Object.entries(cursor)) q.set(k, v);
      return h("a", { href: "#requests?" + q, id }, label);
    };
    return [
      h("h1", {}, "Requests"),
      h("form", { class: "inline", id: "request-search", onsubmit: e => {
          e.preventDefault();
          const q = new URLSearchParams(new FormData(e.target));
          for (const [k, v] of [...q]) if (!v) q.delete(k);
          location.hash = "requests?" + q;
        } },
        h("label", {}, "Range", h("select", { name: "range" }, ["1h", "24h", "7d", "30d"].map(r =>
          h("option", r === (params.get("range") || "24h") ? { selected: "" } : {}, r)))),
        field("policy", "Policy"), field("backend", "Backend"),
        h("label", {}, "Status", h("select", { name: "status" }, ["", "answered", "refused", "failed"].map(s =>
          h("option", s === (params.get("status") || "") ? { selected: "" } : {}, s)))),
        field("q", "Request id or prompt text"), h("button", { type: "submit" }, "Search")),
      table([
        { label: "time", render: r => when(r.created_at) },
        { label: "request", render: r => h("a", { href: "#request/" + r.request_id, class: "trail-link" }, r.request_id) },
        { label: "policy", key: "policy" }, { label: "status", key: "status" },
        { label: "answered by", key: "answered_by" }, { label: "score", num: true, render: r => r.score?.toFixed(3) },
        { label: "escalations", key: "escalations", num: true },
        { label: "latency", num: true, render: r => ms(r.total_ms) }, { label: "cost", num: true, render: r => usd(r.cost_usd) },
      ], data.data, "requests-table"),
      h("p", { class: "pager" },
        params.has("before") ? pageLink("newest-requests", "← Newest", {}) : "",
        data.next ? pageLink("older-requests", "Older requests →", data.next) : ""),
    ];
  },

  async request(args) {
    const r = await api("GET", "/admin/api/console/requests/" + encodeURIComponent(args[0]));
    return [
      h("h1", {}, "Request " + r.request_id),
      h("div", { class: "cards" }, card("policy", r.policy), card("status", `${r.status} (${r.http_status})`),
        card("difficulty score", r.score?.toFixed(4)), card("answered by", r.answered_by || "—"),
        card("total", ms(r.total_ms)), card("waiting on backends", ms(r.backend_ms)), card("cost", usd(r.cost_usd))),
      h("h2", {}, "Cascade trail"),
      table([
        { label: "#", key: "seq", num: true }, { label: "tier", render: a => `${a.tier} ${a.tier_name}` },
        { label: "backend", key: "backend" }, { label: "model", key: "model" },
        { label: "verdict", render: a => h("span", { class: a.verdict === "accepted" ? "ok" : a.verdict === "failed" ? "bad" : "warn" }, a.verdict) },
        { label: "decided by", render: a => a.decided_by ?? "—" },
        { label: "latency", num: true, render: a => ms(a.latency_ms) },
        { label: "first token", num: true, render: a => ms(a.first_token_ms) },
        { label: "tokens in/out", num: true, render: a => `${a.input_tokens} / ${a.output_tokens}` },
        { label: "cost", num: true, render: a => usd(a.cost_usd) },
        { label: "signals", render: a => a.signals }, { label: "error", key: "error" },
      ], r.trail, "trail"),
      h("h2", {}, "Prompt"), h("pre", {}, r.prompt ?? "(not logged)"),
      h("h2", {}, "Answer"), h("pre", {}, r.answer ?? "(not logged)"),
    ];
  },

  async router() {
    const [router, policies] = await Promise.all([api("GET", "/admin/api/router"), api("GET", "/admin/api/console/policies")]);
    const whatIf = h("div", { id: "whatif-result" });
    const policyNames = policies.data.map(p => p.name);
    return [
      h("h1", {}, "Router"),
      h("p", {}, "Active version: ", h("strong", { id: "active-version" }, router.active)),
      table([
        { label: "version", key: "version" }, { label: "status", key: "status" },
        { label: "created", render: v => when(v.created_at) },
        { label: "thresholds", render: v => thresholds(v.thresholds) },
        { label: "logprob weights", render: v => v.logprob_weights ? v.logprob_weights.map(w => w.toFixed(3)).join(", ") : "prior" },
        { label: "metrics", render: v => JSON.stringify(v.metrics) },
        { label: "curve", render: v => curve(v.curves) },
        { label: "", render: v => h("button", { onclick: () => act(async () => {
            await api("POST", `/admin/api/router/versions/${encodeURIComponent(v.version)}/activate`);
            await show("router");
          }) }, v.status === "active" ? "active" : "promote / roll back") },
      ], router.versions, "versions"),
      h("button", { onclick: () => act(async () => {
          await api("POST", "/admin/api/router/versions/bundled/activate"); await show("router"); }) },
        "Roll back to the bundled model"),
      h("h2", {}, "What if"),
      h("form", { class: "inline", id: "whatif", onsubmit: async e => {
          e.preventDefault();
          const f = new FormData(e.target);
          const query = new URLSearchParams({ policy: f.get("policy"), threshold: f.get("threshold") });
          try {
            const w = await api("GET", "/admin/api/console/whatif?" + query);
            whatIf.replaceChildren(h("div", { class: "cards" },
              card("requests considered", w.requests), card("strong share", pct(w.strong_share)),
              card("predicted cost", usd(w.predicted_cost_usd)), card("always strong", usd(w.always_strong_cost_usd)),
              card("predicted quality vs always strong", pct(w.predicted_quality_vs_always_strong))));
          } catch (err) {
            // In place of the last prediction, which no longer answers what the form asks.
            whatIf.replaceChildren(h("p", { class: "error" }, err.message));
          }
        } },
        h("label", {}, "Policy", h("select", { name: "policy" }, policyNames.map(n => h("option", {}, n)))),
        h("label", {}, "Threshold", h("input", { name: "threshold", type: "number", min: 0, max: 1, step: 0.01, value: 0.5 })),
        h("button", { type: "submit" }, "Predict")),
      whatIf,
    ];
  },

  async policies() {
    const p = await api("GET", "/admin/api/console/policies");
    return [
      h("h1", {}, "Policies"),
      p.data.map(policy => h("form", { class: "inline policy", "data-policy": policy.name, onsubmit: async e => {
          e.preventDefault();
          const f = new FormData(e.target);
          const msg = e.target.querySelector(".msg");
          try {
            // An empty budget is unlimited (null), as the form shows one; an empty deadline keeps the current one.
            const number = (name, empty) => f.get(name).trim() === "" ? empty : numberOrText(f.get(name).trim());
            // The version this form shows: if someone changed the policy since, the server refuses (409).
            await api("PUT", "/admin/api/console/policies/" + encodeURIComponent(policy.name), {
              thresholds: f.get("thresholds").split(",").filter(s => s.trim()).map(s => numberOrText(s.trim())),
              max_escalations: number("max_escalations", null),
              max_cost_usd: number("max_cost_usd", null),
              deadline_ms: number("deadline_ms", undefined),
              version: policy.version });
            show("policies");
          } catch (err) {
            msg.textContent = err.message;
            msg.classList.add("error");
          }
        } },
        h("strong", {}, policy.name), h("span", {}, "tiers: " + policy.tiers.join(" → ")),
        h("label", {}, "Thresholds", h("input", { name: "thresholds", value: policy.thresholds.join(",") })),
        h("label", {}, "Max escalations", h("input", { name: "max_escalations", value: policy.max_escalations ?? "", placeholder: "unlimited" })),
        h("label", {}, "Max cost (USD)", h("input", { name: "max_cost_usd", value: policy.max_cost_usd ?? "", placeholder: "unlimited" })),
        h("label", {}, "Deadline (ms)", h("input", { name: "deadline_ms", value: policy.deadline_ms })),
        h("button", { type: "submit" }, "Save"), h("span", { class: "msg" }))),
      h("h2", {}, "Audit"),
      table([{ label: "when", render: a => when(a.changed_at) }, { label: "policy", key: "policy" },
        { label: "by", key: "changed_by" }, { label: "before", key: "before" }, { label: "after", key: "after" }],
        p.audit, "audit"),
    ];
  },

  async backends() {
    const backends = await api("GET", "/admin/api/console/backends");
    return [
      h("h1", {}, "Backends"),
      table([
        { label: "name", key: "name" }, { label: "type", key: "type" }, { label: "model", key: "model" },
        { label: "health", render: b => b.state?.lastProbe ? (b.state.lastProbe.healthy ? h("span", { class: "ok" }, "healthy") : h("span", { class: "bad" }, "unhealthy")) : "not probed" },
        { label: "circuit", render: b => b.state?.circuit ?? "" },
        { label: "in flight", num: true, render: b => b.state ? `${b.state.callsInFlight} / ${b.state.maxConcurrentCalls}` : "" },
        { label: "attempts (1h)", num: true, render: b => b.last_hour.attempts },
        { label: "p50 / p95 (1h)", num: true, render: b => b.last_hour.p50_ms === undefined ? "" : `${ms(b.last_hour.p50_ms)} / ${ms(b.last_hour.p95_ms)}` },
        { label: "price in/out per 1M", num: true, render: b => `${usd(b.price.input)} / ${usd(b.price.output)}` },
        { label: "last error", render: b => b.state?.lastError ?? "" },
      ], backends, "backends"),
    ];
  },

  async keys() {
    const keys = await api("GET", "/admin/api/keys");
    const created = h("div", { id: "created-key" });
    return [
      h("h1", {}, "Keys"),
      h("form", { class: "inline", id: "create-key", onsubmit: async e => {
          e.preventDefault();
          const f = new FormData(e.target);
          const body = { name: f.get("name"), owner: f.get("owner") };
          for (const k of ["rpm_limit", "tpm_limit", "daily_budget_usd", "monthly_budget_usd"]) {
            if (f.get(k).trim()) body[k] = numberOrText(f.get(k).trim());
          }
          // An ISO-8601 instant, sent as typed: the server says what is wrong with it (a date in the past, say).
          if (f.get("expires_at").trim()) body.expires_at = f.get("expires_at").trim();
          try {
            const k = await api("POST", "/admin/api/keys", body);
            await show("keys");
            document.getElementById("created-key").replaceChildren(
              h("p", {}, "New key (shown once): ", h("code", { id: "new-key" }, k.key)));
          } catch (err) { created.replaceChildren(h("p", { class: "error" }, err.message)); }
        } },
        ["name", "owner", "rpm_limit", "tpm_limit", "daily_budget_usd", "monthly_budget_usd"].map(n =>
          h("label", {}, n.replaceAll("_", " "), h("input", { name: n }))),
        h("label", {}, "expires at (UTC)", h("input", { name: "expires_at", placeholder: "2027-01-31T00:00:00Z" })),
        h("button", { type: "submit" }, "Create")),
      created,
      table([
        { label: "id", key: "id" }, { label: "name", key: "name" }, { label: "owner", key: "owner" },
        { label: "prefix", key: "key_prefix" }, { label: "RPM / TPM", render: k => `${k.rpm_limit ?? "∞"} / ${k.tpm_limit ?? "∞"}` },
        { label: "budget day / month", render: k => `${usd(k.daily_budget_usd) || "∞"} / ${usd(k.monthly_budget_usd) || "∞"}` },
        { label: "expires", render: k => when(k.expires_at) }, { label: "revoked", render: k => when(k.revoked_at) },
        { label: "", render: k => k.revoked_at ? "" : h("button", { onclick: () => act(async () => {
            await api("DELETE", "/admin/api/keys/" + encodeURIComponent(k.id)); await show("keys"); }) }, "revoke") },
      ], keys.data, "keys"),
    ];
  },

  async training() {
    const runs = await api("GET", "/admin/api/console/training-runs");
    return [
      h("h1", {}, "Training runs"),
      h("p", {}, "Runs of the retraining job (", h("code", {}, "java -jar ponder.jar retrain"),
        ", or the chart's CronJob)."),
      table([
        { label: "id", key: "id", num: true }, { label: "started", render: r => when(r.started_at) },
        { label: "finished", render: r => when(r.finished_at) }, { label: "status", key: "status" },
        { label: "labels", key: "label_count", num: true }, { label: "progress", key: "progress" },
        { label: "model version", key: "model_version" }, { label: "metrics and log", render: r => h("pre", {}, r.detail ?? "") },
      ], runs.data, "training-runs"),
    ];
  },
};

// The thresholds the retraining job calibrated for a version, one line per policy (every tier's, cheapest first).
function thresholds(byPolicy) {
  const names = Object.keys(byPolicy ?? {});
  return names.length === 0 ? "as configured"
    : h("div", { class: "thresholds" }, names.map(p => h("div", {}, `${p}: ${byPolicy[p].map(t => t.toFixed(4)).join(", ")}`)));
}

// A router version's curve (quality vs share of strong calls) as a small line chart.
function curve(curves) {
  // The retraining job stores the candidate's held-out curve: quality at each share of strong calls.
  const points = curves && curves.candidate;
  if (!Array.isArray(points) || points.length === 0) return "";
  const W = 160, H = 60;
  const xs = points.map(p => Number(p.strong_share));
  const ys = points.map(p => Number(p.quality));
  const minY = Math.min(...ys), maxY = Math.max(...ys, minY + 1e-9);
  const d = xs.map((x, i) => `${i ? "L" : "M"}${(x * W).toFixed(1)},${(H - (ys[i] - minY) / (maxY - minY) * H).toFixed(1)}`).join(" ");
  return svg("svg", { width: W, height: H, role: "img", "aria-label": "quality vs strong share" },
    svg("path", { d, fill: "none", stroke: "#4f7cff", "stroke-width": 2 }));
}

// Runs a button's action; what the server refuses is shown at the top of the page rather than lost in a promise.
async function act(action) {
  try {
    await action();
  } catch (err) {
    page.querySelector(":scope > p.action-error")?.remove();
    page.prepend(h("p", { class: "error action-error" }, err.message));
  }
}

// Counts the pages asked for: a slow page (the overview under load) that answers after a later one was asked for
// must not replace it, or the URL says one page while another is shown.
let asked = 0;

async function show(name, args = [], extra) {
  const mine = ++asked;
  document.querySelectorAll("#nav a").forEach(a => a.classList.toggle("active", a.hash === "#" + name));
  try {
    const children = (await pages[name](args, extra)).flat();
    if (mine === asked) {
      page.replaceChildren(...children);
      page.dataset.page = name;
    }
  } catch (err) {
    if (mine === asked) {
      page.replaceChildren(h("p", { class: "error" }, err.message));
    }
  }
}

function route() {
  const [path] = (location.hash.slice(1) || "overview").split("?");
  const [name, ...args] = path.split("/");
  show(pages[name] ? name : "overview", args.map(decodeURIComponent));
}

window.addEventListener("hashchange", route);
session().then(route, route);
