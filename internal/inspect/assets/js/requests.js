// The Requests tab: the live list, search and filters, the detail pane,
// replay and edit-and-replay.
import { $, el, clear, pickRow, clampStep, fmtTime, fmtLatency, statusClass, toast, copy, jsonTree } from "./dom.js";
import { get, post, enc } from "./api.js";

const PAGE = 100;
const state = { rows: [], ids: new Set(), cursor: "", hasMore: false, sel: -1, detail: null, loading: null,
  events: new Set(), missed: 0, showText: false, configs: [], atTop: true };

function filters() {
  return { search: $("search").value.trim(), event: $("filter-event").value,
    verification: $("filter-verify").value, status: $("filter-status").value };
}

function verifyState(v) { return v == null ? "unchecked" : v.ok ? "verified" : "failed"; }

function badge(r) {
  const st = verifyState(r.verification);
  const text = st === "verified" ? "✓" : st === "failed" ? "✗" : "•";
  return el("span", { class: "badge " + (st === "verified" ? "ok" : st === "failed" ? "fail" : "none"),
    "data-testid": "verify-badge", title: r.reason }, text);
}

function forwardText(r) {
  if (!r.forwards || !r.forwards.length) return r.filtered ? "filtered" : r.rejected ? "rejected: " + r.rejected : "";
  return r.forwards.map((f) => (f.error ? "✗ " + f.error : f.status) + " " + fmtLatency(f.latency_ms)).join(", ");
}

function row(r) {
  const fw = forwardText(r), path = r.path + (r.query ? "?" + r.query : "");
  return el("tr", { "data-testid": "request-row", "data-id": r.id }, // clicks: one listener on the tbody
    el("td", { title: r.received_at }, fmtTime(r.received_at)),
    el("td", {}, r.method),
    el("td", { title: path }, path),
    el("td", { title: r.event_type || "" }, r.event_type || ""),
    el("td", {}, badge(r)),
    el("td", { class: statusClass(r.status) }, r.status),
    el("td", { title: fw }, fw));
}

function noteEvent(t) {
  if (!t || state.events.has(t)) return;
  state.events.add(t);
  const sel = $("filter-event");
  const opts = [...sel.options].slice(1).map((o) => o.value);
  opts.push(t);
  opts.sort();
  const cur = sel.value;
  sel.replaceChildren(sel.options[0], ...opts.map((v) => el("option", { value: v }, v)));
  sel.value = cur;
}

export async function loadRequests(more) {
  const f = filters();
  const params = { ...f, limit: PAGE };
  if (more) params.starting_after = state.cursor;
  const token = {};
  state.loading = token;
  let page;
  try {
    page = await get("/api/requests", params);
  } catch (e) {
    toast(e.message, true);
    return;
  }
  if (state.loading !== token) return; // a newer search won
  const tbody = $("request-list");
  if (!more) {
    state.rows = []; state.ids.clear(); state.sel = -1; state.missed = 0; live.dropped = 0;
    clear(tbody);
    $("new-notice").hidden = true;
    tbody.closest(".list-pane").scrollTop = 0;
    state.atTop = true;
  }
  const frag = document.createDocumentFragment();
  for (const r of page.data) {
    if (state.ids.has(r.id)) continue;
    state.ids.add(r.id);
    state.rows.push(r);
    noteEvent(r.event_type);
    frag.append(row(r));
  }
  tbody.append(frag);
  state.hasMore = page.has_more;
  state.cursor = page.data.length ? page.data[page.data.length - 1].id : state.cursor;
  $("requests-more").hidden = !state.hasMore;
  $("requests-empty").hidden = state.rows.length > 0;
  document.body.dataset.ready = "1";
}

function matches(r, f) {
  if (f.event && r.event_type !== f.event) return false;
  if (f.verification && verifyState(r.verification) !== f.verification) return false;
  if (f.status && String(r.status)[0] !== f.status[0]) return false;
  return true;
}

// LIVE_ROWS bounds the rows live updates keep in the list: past it, the
// oldest rows leave the DOM (paging, "load more" and search reach them on
// the server). A list made longer by "load more" is only trimmed once new
// requests are shown again at its top.
export const LIVE_ROWS = 200;
// Batches with more new rows than this are shown without the highlight.
const FRESH_MAX = 5;

// held tells whether new requests must not be inserted now, only counted
// in the notice: a search is active, some were already held (inserting
// later ones would leave a gap), the user scrolled down the list (noted by
// the scroll handler: a batch reads no layout), or the selected row would
// be trimmed.
function held(f, keep) {
  return !!f.search || state.missed > 0 || state.sel >= keep || !state.atTop;
}

// The stream's batches wait here to be shown together: at most one
// render every CALM_GAP ms, every BUSY_GAP ms after a render of more than
// FRESH_MAX rows (under load a batch replaces most of the list: showing
// every one costs the browser more than anyone can read), none while the
// tab is hidden (all at once when it shows again).
const CALM_GAP = 100, BUSY_GAP = 500;
const live = { data: [], dropped: 0, timer: 0, last: -Infinity, busy: false };

// liveRequests takes a message of the stream: {data: [summary…] oldest
// first, dropped: N}.
export function liveRequests(msg) {
  for (const r of msg.data) noteEvent(r.event_type);
  live.data.push(...msg.data);
  live.dropped += msg.dropped || 0;
  if (live.data.length > 2 * LIVE_ROWS) { // only the newest can be shown
    const over = live.data.length - LIVE_ROWS;
    live.data.splice(0, over);
    live.dropped += over;
  }
  scheduleLive();
}

function scheduleLive() {
  if (live.timer || document.hidden || (!live.data.length && !live.dropped)) return;
  const wait = live.last + (live.busy ? BUSY_GAP : CALM_GAP) - performance.now();
  if (wait <= 0) { flushLive(); return; }
  live.timer = setTimeout(() => { live.timer = 0; flushLive(); }, wait);
}

function flushLive() {
  const data = live.data, dropped = live.dropped;
  live.data = []; live.dropped = 0;
  live.last = performance.now();
  live.busy = data.length > FRESH_MAX;
  showLive(data, dropped);
}

// showLive adds requests (oldest first) on top, as one fragment, and trims
// the list to LIVE_ROWS rows.
function showLive(data, dropped) {
  const f = filters();
  const fresh = [];
  for (const r of data) {
    if (state.ids.has(r.id) || !matches(r, f)) continue;
    fresh.push(r);
  }
  // Rows of the list that stay: none after a gap (the stream dropped
  // requests between them and this batch).
  const keep = dropped ? 0 : Math.max(0, LIVE_ROWS - fresh.length);
  if (!fresh.length) {
    state.missed += dropped; // only the notice can tell (a reload shows them)
  } else if (held(f, keep)) {
    state.missed += fresh.length + dropped;
  } else {
    insertLive(fresh.slice(-LIVE_ROWS), keep, dropped > 0);
  }
  const n = $("new-notice");
  if (state.missed) {
    n.textContent = `${state.missed} more new request${state.missed > 1 ? "s" : ""} — click to refresh`;
    n.hidden = false;
  }
  $("requests-empty").hidden = state.rows.length > 0;
}

// insertLive puts rs (oldest first) on top of the first keep rows.
function insertLive(rs, keep, gap) {
  const tbody = $("request-list");
  const animate = rs.length <= FRESH_MAX && !document.hidden;
  const frag = document.createDocumentFragment();
  const added = [];
  for (let i = rs.length - 1; i >= 0; i--) { // newest first
    const r = rs[i];
    state.ids.add(r.id);
    added.push(r);
    const tr = row(r);
    if (animate) tr.classList.add("fresh");
    frag.append(tr);
  }
  const trimmed = state.rows.length > keep;
  for (const r of state.rows.slice(keep)) state.ids.delete(r.id);
  state.rows = added.concat(state.rows.slice(0, keep));
  if (keep === 0) {
    tbody.replaceChildren(frag);
  } else {
    while (tbody.children.length > keep) tbody.lastElementChild.remove();
    tbody.prepend(frag);
  }
  if (state.sel >= 0) state.sel = state.sel < keep ? state.sel + added.length : -1;
  if (trimmed || gap) {
    // What left the DOM is the next page.
    state.hasMore = true;
    state.cursor = state.rows.length ? state.rows[state.rows.length - 1].id : state.cursor;
    $("requests-more").hidden = false;
  }
}

export function select(i, open) {
  if (i < 0 || i >= state.rows.length) return;
  state.sel = pickRow($("request-list"), state.sel, i);
  if (open) openDetail(state.rows[i].id);
}

export function move(d) {
  const next = state.sel < 0 ? 0 : state.sel + d;
  if (next >= state.rows.length && state.hasMore && d > 0) {
    loadRequests(true).then(() => select(next, false));
    return;
  }
  select(clampStep(state.sel, d, state.rows.length), false);
}

export function openSelected() { if (state.sel >= 0) select(state.sel, true); }

// openDetail shows a request; credential headers stay redacted unless
// showSecret ("show credentials").
async function openDetail(id, showSecret) {
  state.want = id;
  let d;
  try { d = await get("/api/requests/" + enc(id), showSecret ? { show_secret: "true" } : null); } catch (e) { toast(e.message, true); return; }
  if (state.want !== id) return; // another one was opened meanwhile
  state.detail = d;
  const r = d.request;
  $("request-detail").hidden = false;
  $("request-detail").dataset.id = r.id;
  $("rd-title").textContent = r.method + " " + r.path + (r.query ? "?" + r.query : "");
  $("rd-meta").textContent = [r.id, fmtTime(r.received_at), r.event_type, "answered " + r.status,
    r.rejected && "rejected: " + r.rejected, r.filtered && "filtered", r.remote_addr && "from " + r.remote_addr].filter(Boolean).join(" · ");
  const b = badge(r);
  $("rd-badge").replaceWith(Object.assign(b, { id: "rd-badge" }));
  $("rd-badge").removeAttribute("data-testid");
  $("rd-reason").textContent = d.reason;
  $("rd-check-result").textContent = "";
  $("rd-replay-result").hidden = true;
  $("rd-raw-link").href = "/api/requests/" + enc(r.id) + "/raw";
  $("rd-show-secret").hidden = !!showSecret;
  const fw = clear($("rd-forwards"));
  if (!r.forwards || !r.forwards.length) fw.append(el("p", { class: "none" }, "Not forwarded."));
  for (const f of r.forwards || []) {
    fw.append(el("div", { "data-testid": "forward" }, el("span", { class: statusClass(f.status) }, f.error ? "✗ " + f.error : String(f.status)),
      " ", f.url, f.route ? " [" + f.route + "]" : "", " ", fmtLatency(f.latency_ms)));
  }
  const ht = clear($("rd-headers"));
  for (const k of Object.keys(r.headers || {}).sort()) {
    for (const v of r.headers[k]) ht.append(el("tr", {}, el("td", {}, k), el("td", {}, v)));
  }
  const text = r.body != null ? r.body : "(binary body, " + atob(r.body_base64 || "").length + " bytes: download raw)";
  $("rd-body-text").textContent = text;
  const tree = clear($("rd-body-tree"));
  if (r.payload !== undefined) tree.append(jsonTree(r.payload));
  showBody(r.payload !== undefined);
  $("rd-raw").textContent = d.raw;
}

function showBody(hasTree) {
  const asText = state.showText || !hasTree;
  $("rd-body-tree").hidden = asText;
  $("rd-body-text").hidden = false;
  $("rd-body-mode").hidden = !hasTree;
  $("rd-body-mode").textContent = asText ? "show as tree" : "show as text";
  if (!asText) $("rd-body-text").hidden = true;
}

function resultNode(box, res, err) {
  box.hidden = false;
  box.classList.toggle("error", !!err);
  if (err) { box.textContent = err.message; return; }
  clear(box).append(
    el("div", {}, el("b", { class: statusClass(res.status), "data-testid": "replay-status" }, String(res.status)),
      " ", el("span", { "data-testid": "replay-latency" }, fmtLatency(res.latency_ms)), " → ", res.url,
      res.resigned ? " (re-signed)" : "", res.edited ? " (edited)" : ""),
    ...(res.warnings || []).map((w) => el("div", { class: "fail" }, "⚠ " + w)),
    el("div", { "data-testid": "replay-answer" }, res.body));
}

export async function replay() {
  const d = state.detail;
  if (!d) return;
  if (!d.target) { editReplay(); return; }
  const box = $("rd-replay-result");
  box.hidden = false; box.textContent = "Replaying…";
  try { resultNode(box, await post("/api/requests/" + enc(d.request.id) + "/replay", {})); } catch (e) { resultNode(box, null, e); }
}

export async function setConfigs(configs) {
  state.configs = configs;
  for (const id of ["rp-config", "rd-check-config"]) {
    const sel = $(id);
    const cur = sel.value;
    sel.replaceChildren(sel.options[0], ...configs.map((c) => el("option", { value: c.id }, c.id + " — " + c.url + " (" + c.scheme + ")")));
    sel.value = cur;
  }
}

export function editReplay() {
  const d = state.detail;
  if (!d) return;
  const r = d.request;
  $("rp-id").textContent = r.id;
  $("rp-url").value = d.target || "";
  $("rp-body").value = r.body != null ? r.body : "";
  $("rp-result").textContent = "";
  $("rp-result").classList.remove("error");
  $("replay-dialog").showModal();
  ($("rp-url").value ? $("rp-body") : $("rp-url")).focus();
}

async function sendEdited() {
  const d = state.detail;
  const config = $("rp-config").value, secret = $("rp-secret").value;
  const body = { to: $("rp-url").value.trim(), body: $("rp-body").value, resign: !!(config || secret) };
  if (config) body.config_id = config;
  if (secret) body.secret = secret;
  if ($("rp-scheme").value) body.scheme = $("rp-scheme").value;
  const box = $("rp-result");
  box.classList.remove("error");
  box.textContent = "Sending…";
  try { resultNode(box, await post("/api/requests/" + enc(d.request.id) + "/replay", body)); } catch (e) { resultNode(box, null, e); }
}

async function recheck() {
  const d = state.detail, config = $("rd-check-config").value;
  if (!d || !config) { toast("Choose a webhook config to check the signature with", true); return; }
  try {
    const res = await post("/api/requests/" + enc(d.request.id) + "/verify", { config_id: config });
    $("rd-check-result").textContent = (res.verification.ok ? "✓ " : "✗ ") + res.reason;
  } catch (e) { toast(e.message, true); }
}

export function initRequests() {
  let timer;
  document.addEventListener("visibilitychange", scheduleLive);
  const tbody = $("request-list");
  tbody.dataset.maxRows = String(LIVE_ROWS);
  tbody.addEventListener("click", (e) => {
    const tr = e.target.closest("tr[data-id]");
    if (tr) select(state.rows.findIndex((x) => x.id === tr.dataset.id), true);
  });
  $("search").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => loadRequests(false), 250); });
  for (const id of ["filter-event", "filter-verify", "filter-status"]) $(id).addEventListener("change", () => loadRequests(false));
  $("requests-more").addEventListener("click", () => loadRequests(true));
  $("new-notice").addEventListener("click", () => loadRequests(false));
  $("rd-replay").addEventListener("click", replay);
  $("rd-edit").addEventListener("click", editReplay);
  $("rd-curl").addEventListener("click", () => state.detail && copy(state.detail.curl));
  $("rd-show-secret").addEventListener("click", () => state.detail && openDetail(state.detail.request.id, true));
  $("rd-check").addEventListener("click", recheck);
  $("rd-body-mode").addEventListener("click", () => { state.showText = !state.showText; showBody(true); });
  $("rp-send").addEventListener("click", sendEdited);
  $("rp-close").addEventListener("click", () => $("replay-dialog").close());
  $("replay-form").addEventListener("submit", (e) => { e.preventDefault(); sendEdited(); });
  const pane = $("request-list").closest(".list-pane");
  pane.addEventListener("scroll", () => {
    state.atTop = pane.scrollTop <= 8;
    if (state.hasMore && pane.scrollTop + pane.clientHeight > pane.scrollHeight - 200 && !state.busy) {
      state.busy = true;
      loadRequests(true).finally(() => { state.busy = false; });
    }
  });
}
