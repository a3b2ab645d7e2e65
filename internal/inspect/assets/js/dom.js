// DOM helpers. Received data only ever reaches the page as text
// (textContent, attribute values), never parsed as markup.

export const $ = (id) => document.getElementById(id);

// el("td", {class: "x", title: t, dataset: {id}}, child…): children are
// nodes or strings (as text nodes); null/undefined are skipped.
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === "dataset") Object.assign(e.dataset, v);
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c == null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

export function clear(e) { e.replaceChildren(); return e; }

// pickRow marks row i of tbody selected instead of row prev and scrolls
// to it; it returns the selected index (prev when i is out of range).
export function pickRow(tbody, prev, i) {
  const rows = tbody.children;
  if (i < 0 || i >= rows.length) return prev;
  if (rows[prev]) rows[prev].classList.remove("selected");
  rows[i].classList.add("selected");
  rows[i].scrollIntoView({ block: "nearest" });
  return i;
}

// clampStep is the index d rows from sel (-1: none yet) within n rows.
export function clampStep(sel, d, n) { return Math.max(0, Math.min(n - 1, (sel < 0 ? -1 : sel) + d)); }

// The formats of toLocaleTimeString([], {hour12: false}) and
// toLocaleDateString(), made once (a list renders hundreds of times a
// second under load).
const timeFmt = new Intl.DateTimeFormat([], { hour: "numeric", minute: "numeric", second: "numeric", hour12: false });
const dateFmt = new Intl.DateTimeFormat([], { year: "numeric", month: "numeric", day: "numeric" });

export function fmtTime(s) {
  const d = new Date(s);
  if (isNaN(d)) return "";
  const t = timeFmt.format(d);
  const now = new Date();
  const today = d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  return today ? t : dateFmt.format(d) + " " + t;
}

export function fmtLatency(ms) {
  if (ms == null) return "";
  if (ms < 1) return Math.round(ms * 1000) + "µs";
  if (ms < 1000) return ms.toFixed(1) + "ms";
  return (ms / 1000).toFixed(2) + "s";
}

export function statusClass(code) { return "s" + String(code || 0)[0]; }

let toastTimer;
export function toast(msg, isError) {
  const t = $("toast");
  t.textContent = msg;
  t.className = "toast" + (isError ? " error" : "");
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, isError ? 6000 : 2500);
}

export async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const ta = el("textarea", { class: "offscreen" });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    document.execCommand("copy");
    ta.remove();
  }
  toast("Copied");
}

// jsonTree renders a parsed JSON value as nested <details>, objects and
// arrays collapsible, everything as text.
export function jsonTree(value, key, depth = 0) {
  const label = key == null ? null : el("span", { class: "k" }, JSON.stringify(key), ": ");
  if (value !== null && typeof value === "object") {
    const isArr = Array.isArray(value);
    const entries = isArr ? value.map((v, i) => [i, v]) : Object.entries(value);
    const d = el("details", depth < 2 ? { open: true } : {});
    d.append(el("summary", {}, label, isArr ? `[${entries.length}]` : `{${entries.length}}`));
    for (const [k, v] of entries) d.append(jsonTree(v, isArr ? null : k, depth + 1));
    return d;
  }
  const cls = typeof value === "string" ? "str" : typeof value === "number" ? "num" : "lit";
  return el("div", { class: "leaf" }, label, el("span", { class: cls }, JSON.stringify(value)));
}
