// The Deliveries, Config instances and Webhook configs tabs.
import { $, el, clear, pickRow, clampStep, fmtTime, fmtLatency, statusClass, toast, copy } from "./dom.js";
import { get, post, enc } from "./api.js";

// ---- deliveries ----
const dl = { rows: [], cursor: "", sel: -1, detail: null };

function deliveryFilters() {
  const f = new FormData($("delivery-filters"));
  return Object.fromEntries([...f.entries()].filter(([, v]) => v !== ""));
}

export async function loadDeliveries(more) {
  const params = { ...deliveryFilters(), limit: 100 };
  if (more) params.starting_after = dl.cursor;
  let list;
  try { list = await get("/api/deliveries", params); } catch (e) { toast(e.message, true); return; }
  const tot = clear($("delivery-totals"));
  tot.append(el("span", {}, "Total ", el("b", { "data-testid": "total" }, String(list.total))),
    el("span", { class: "ok" }, "Succeeded ", el("b", { "data-testid": "succeeded" }, String(list.succeeded))),
    el("span", { class: "fail" }, "Failed ", el("b", { "data-testid": "failed" }, String(list.failed))));
  const tbody = $("delivery-list");
  if (!more) { clear(tbody); dl.rows = []; dl.sel = -1; }
  for (const d of list.deliveries) {
    dl.rows.push(d);
    tbody.append(el("tr", { "data-testid": "delivery-row", "data-id": d.id, onclick: () => selectDelivery(dl.rows.findIndex((x) => x.id === d.id), true) },
      el("td", {}, fmtTime(d.created_at)), el("td", {}, d.event_type), el("td", { title: d.request_id }, d.request_id),
      el("td", { class: statusClass(d.status_code) }, d.status_code ? String(d.status_code) : "no answer"),
      el("td", { class: d.state === "succeeded" ? "ok" : d.state === "failed" ? "fail" : "none" }, d.state)));
  }
  dl.cursor = list.deliveries.length ? list.deliveries[list.deliveries.length - 1].id : dl.cursor;
  $("deliveries-more").hidden = !list.has_more;
}

function selectDelivery(i, open) {
  if (i < 0 || i >= dl.rows.length) return;
  dl.sel = pickRow($("delivery-list"), dl.sel, i);
  if (open) openDelivery(dl.rows[i].id);
}

// nav is the keyboard's view of a list: j/k move, Enter opens.
const nav = (st, select) => ({
  move(d) { select(clampStep(st.sel, d, st.rows.length), false); },
  open() { if (st.sel >= 0) select(st.sel, true); },
});

export const deliveryNav = nav(dl, selectDelivery);

function payloadText(p) { return typeof p === "string" ? p : JSON.stringify(p, null, 2); }

async function openDelivery(id) {
  dl.want = id;
  let d;
  try { d = await get("/api/deliveries/" + enc(id)); } catch (e) { toast(e.message, true); return; }
  if (dl.want !== id) return; // another one was opened meanwhile
  dl.detail = d;
  $("delivery-detail").hidden = false;
  $("delivery-detail").dataset.id = d.id;
  $("dd-title").textContent = d.event_type + " → " + d.url;
  $("dd-meta").textContent = [d.id, "request " + d.request_id, d.config_id, d.state, d.resend_of && "resend of " + d.resend_of,
    fmtTime(d.created_at)].filter(Boolean).join(" · ");
  $("dd-payload").textContent = payloadText(d.payload);
  $("dd-result").hidden = true;
  const at = clear($("dd-attempts"));
  for (const a of d.attempts) {
    at.append(el("div", { "data-testid": "attempt" },
      el("div", {}, "#" + a.attempt + " ", el("span", { class: statusClass(a.status_code) }, a.status_code ? String(a.status_code) : "no answer"),
        " ", fmtLatency(a.latency_ms), " · ", fmtTime(a.started_at), a.error ? " · " + a.error : ""),
      a.response_body ? el("pre", { class: "code" }, a.response_body + (a.response_truncated ? "\n… (truncated)" : "")) : null));
  }
}

async function resend() {
  const d = dl.detail;
  if (!d) return;
  const box = $("dd-result");
  box.hidden = false; box.classList.remove("error"); box.textContent = "Resending…";
  try {
    const res = await post("/api/deliveries/" + enc(d.id) + "/resend", { to: $("dd-to").value.trim() });
    const n = res.data[0];
    box.textContent = [...(res.warnings || []).map((w) => "⚠ " + w), res.error,
      n && `${n.id}: ${n.state}, ${n.status_code || "no answer"}`].filter(Boolean).join("\n");
    box.classList.toggle("error", !!res.error);
    loadDeliveries(false);
  } catch (e) { box.classList.add("error"); box.textContent = e.message; }
}

// ---- config instances ----
const ci = { rows: [], sel: -1, detail: null };

export async function loadInstances() {
  let list;
  try { list = await get("/api/instances", { status: $("instance-status").value }); } catch (e) { toast(e.message, true); return; }
  ci.rows = list.data;
  const tbody = clear($("instance-list"));
  for (const c of ci.rows) {
    tbody.append(el("tr", { "data-testid": "instance-row", "data-id": c.id, "data-status": c.status,
      class: ci.detail && ci.detail.instance.id === c.id ? "selected" : null, onclick: () => selectInstance(ci.rows.findIndex((x) => x.id === c.id), true) },
    el("td", {}, fmtTime(c.created_at)), el("td", {}, c.id), el("td", {}, c.device_id), el("td", {}, c.relative_filepath),
    el("td", {}, c.config_type_id), el("td", { class: c.status === "rejected" ? "fail" : c.status === "validating" ? "none" : "ok" }, c.status)));
  }
  $("instances-empty").hidden = ci.rows.length > 0;
  if (ci.detail) ci.sel = ci.rows.findIndex((x) => x.id === ci.detail.instance.id);
}

function selectInstance(i, open) {
  if (i < 0 || i >= ci.rows.length) return;
  ci.sel = pickRow($("instance-list"), ci.sel, i);
  if (open) openInstance(ci.rows[i].id);
}

export const instanceNav = nav(ci, selectInstance);

async function openInstance(id, keepInputs) {
  if (!keepInputs) {
    // Another instance: its controls show once it is loaded.
    ci.want = id;
    $("id-decision").hidden = true;
    $("id-message").value = "";
    clear($("id-param-errors"));
    $("id-result").hidden = true;
  }
  let d;
  try { d = await get("/api/instances/" + enc(id)); } catch (e) { toast(e.message, true); return; }
  if (ci.want !== id) return; // another one was opened meanwhile
  ci.detail = d;
  const c = d.instance;
  $("instance-detail").hidden = false;
  $("instance-detail").dataset.id = c.id;
  $("instance-detail").dataset.status = c.status;
  $("id-title").textContent = c.id + " — " + c.status;
  $("id-meta").textContent = [c.config_type_id, "device " + c.device_id, c.relative_filepath, c.config_schema_id, "updated " + fmtTime(c.updated_at)]
    .filter(Boolean).join(" · ");
  $("id-content").textContent = d.content;
  const errs = clear($("id-errors"));
  if (c.message) errs.append(el("p", { "data-testid": "decision-message" }, "Message: ", c.message));
  for (const e of c.errors || []) errs.append(el("div", { class: "fail", "data-testid": "decision-error" }, "✗ " + e.parameter_path.join(".") + ": " + e.message));
  const diff = clear($("id-diff"));
  if (!d.deployed) $("id-diff-title").textContent = "Nothing deployed on " + c.device_id + " at " + c.relative_filepath + ": a new file";
  else if (d.deployed.id === c.id) $("id-diff-title").textContent = "This instance is deployed";
  else $("id-diff-title").textContent = "Changes against " + d.deployed.id + ", deployed";
  for (const l of d.diff) diff.append(el("div", { class: l.op === "+" ? "add" : l.op === "-" ? "del" : null }, l.op + " " + l.line));
  diff.hidden = d.diff.length === 0;
  $("id-approve").disabled = $("id-reject").disabled = $("id-add-error").disabled = c.status !== "validating";
  $("id-deploy").disabled = c.status !== "approved";
  $("id-decision").hidden = false;
}

function addParamError() {
  const row = el("div", { class: "param-row", "data-testid": "param-error-row" },
    el("input", { type: "text", placeholder: "parameter path (speed.max)", "data-testid": "param-path" }),
    el("input", { type: "text", placeholder: "what is wrong", "data-testid": "param-message" }));
  row.append(el("button", { type: "button", "data-testid": "remove-param-error", title: "remove", onclick: () => row.remove() }, "✕"));
  $("id-param-errors").append(row);
  row.querySelector("input").focus();
}

async function decide(verb) {
  const c = ci.detail && ci.detail.instance;
  if (!c) return;
  const body = {};
  if (verb !== "deploy") body.message = $("id-message").value;
  if (verb === "reject") {
    body.errors = [...$("id-param-errors").querySelectorAll("[data-testid=param-error-row]")].map((r) => ({
      path: r.querySelector("[data-testid=param-path]").value, message: r.querySelector("[data-testid=param-message]").value }));
  }
  const box = $("id-result");
  box.hidden = false; box.classList.remove("error");
  try {
    const res = await post("/api/instances/" + enc(c.id) + "/" + verb, body);
    box.textContent = verb === "deploy"
      ? "Deployed " + res.deploy.id + (res.remove.length ? "; removed " + res.remove.map((r) => r.config_instance.id).join(", ") : "")
      : (verb === "approve" ? "Approved " : "Rejected ") + res.id;
    await openInstance(c.id, true);
    loadInstances();
  } catch (e) { box.classList.add("error"); box.textContent = e.message; }
}

export function instanceChanged() {
  loadInstances();
  if (ci.detail) openInstance(ci.detail.instance.id, true);
}

// ---- webhook configs ----
export async function loadConfigs(onConfigs) {
  let list;
  try { list = await get("/api/configs"); } catch (e) { toast(e.message, true); return; }
  if (onConfigs) onConfigs(list.data);
  const tbody = clear($("config-list"));
  for (const c of list.data) {
    const secret = el("span", { class: "secret", "data-testid": "config-secret" }, "••••••••");
    const out = el("span", { "data-testid": "config-row-result" });
    tbody.append(el("tr", { "data-testid": "config-row", "data-id": c.id },
      el("td", {}, c.id), el("td", { title: c.url }, c.url), el("td", {}, (c.events || []).join(", ")), el("td", {}, c.scheme),
      el("td", { class: c.enabled ? "ok" : "fail" }, c.enabled ? "yes" : "no"), el("td", {}, secret),
      el("td", {},
        el("button", { type: "button", "data-testid": "reveal-secret", onclick: () => reveal(c.id, secret) }, "Reveal"), " ",
        el("button", { type: "button", "data-testid": "rotate-secret", onclick: () => rotate(c.id, secret) }, "Rotate"), " ",
        el("button", { type: "button", "data-testid": "send-test", onclick: () => sendTest(c.id, out) }, "Send test"), " ", out)));
  }
  $("configs-empty").hidden = list.data.length > 0;
}

async function reveal(id, span) {
  try { span.textContent = (await get("/api/configs/" + enc(id) + "/secret")).secret; } catch (e) { toast(e.message, true); }
}

async function rotate(id, span) {
  if (!confirm("Rotate the secret of " + id + "? The old one stays valid for 24h.")) return;
  try { span.textContent = (await post("/api/configs/" + enc(id) + "/rotate", {})).secret; toast("Rotated: the new secret is shown"); } catch (e) { toast(e.message, true); }
}

async function sendTest(id, out) {
  out.textContent = "sending…";
  try {
    const d = await post("/api/configs/" + enc(id) + "/test", {});
    const a = d.attempts[d.attempts.length - 1];
    out.textContent = (d.state === "succeeded" ? "✓ " : "✗ ") + (d.status_code || (a && a.error) || "no answer") + (a ? " " + fmtLatency(a.latency_ms) : "");
    out.className = d.state === "succeeded" ? "ok" : "fail";
  } catch (e) { out.textContent = e.message; out.className = "fail"; }
}

async function create(e) {
  e.preventDefault();
  const f = new FormData($("create-config"));
  const body = { url: f.get("url"), scheme: f.get("scheme"), description: f.get("description") || undefined,
    events: String(f.get("events") || "").split(",").map((s) => s.trim()).filter(Boolean) };
  const box = $("config-result");
  box.hidden = false; box.classList.remove("error");
  try {
    const c = await post("/api/configs", body);
    box.textContent = "Created " + c.id + ". Its secret (shown once here; Reveal shows it again): " + c.secret;
    $("create-config").reset();
  } catch (err) { box.classList.add("error"); box.textContent = err.message; }
}

export function initViews(reloadConfigs) {
  $("delivery-filters").addEventListener("submit", (e) => { e.preventDefault(); loadDeliveries(false); });
  $("deliveries-more").addEventListener("click", () => loadDeliveries(true));
  $("dd-resend").addEventListener("click", resend);
  $("dd-copy").addEventListener("click", () => dl.detail && copy(payloadText(dl.detail.payload)));
  $("instance-status").addEventListener("change", loadInstances);
  $("id-add-error").addEventListener("click", addParamError);
  for (const v of ["approve", "reject", "deploy"]) $("id-" + v).addEventListener("click", () => decide(v));
  $("create-config").addEventListener("submit", (e) => create(e).then(reloadConfigs));
}
