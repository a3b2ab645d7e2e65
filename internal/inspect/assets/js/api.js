// The inspector's JSON API. Every state-changing call carries the
// X-Hookctl-Inspector header (CSRF); the token is in an HttpOnly cookie.

export class APIError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

async function call(method, path, body) {
  const opts = { method, headers: { Accept: "application/json" }, credentials: "same-origin" };
  if (method !== "GET") {
    opts.headers["X-Hookctl-Inspector"] = "1";
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body || {});
  }
  const resp = await fetch(path, opts);
  const text = await resp.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!resp.ok) {
    const e = data && data.error;
    throw new APIError(resp.status, e ? e.code : "", e ? e.message : text.trim() || resp.statusText);
  }
  return data;
}

export const get = (path, params) => {
  if (params) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v != null && v !== "") q.set(k, v);
    const s = q.toString();
    if (s) path += "?" + s;
  }
  return call("GET", path);
};
export const post = (path, body) => call("POST", path, body);
export const enc = encodeURIComponent;
