// The inspector page: tabs, keyboard, the live stream.
import { $, toast } from "./dom.js";
import { get } from "./api.js";
import { initRequests, loadRequests, liveRequests, move, openSelected, replay, editReplay, setConfigs } from "./requests.js";
import { initViews, loadDeliveries, loadInstances, loadConfigs, deliveryNav, instanceNav, instanceChanged } from "./views.js";

let tab = "requests";
const loaded = new Set();
const loaders = { requests: () => loadRequests(false), deliveries: () => loadDeliveries(false), instances: loadInstances, configs: () => reloadConfigs() };

function reloadConfigs() { return loadConfigs(setConfigs); }

function show(name) {
  tab = name;
  for (const b of document.querySelectorAll("[data-tab]")) b.setAttribute("aria-selected", String(b.dataset.tab === name));
  for (const v of document.querySelectorAll("[data-view]")) v.hidden = v.dataset.view !== name;
  if (!loaded.has(name)) { loaded.add(name); loaders[name](); }
  history.replaceState(null, "", "#" + name);
}

function typing(e) {
  const t = e.target;
  return t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName) || $("replay-dialog").open;
}

document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.key === "Escape" && e.target === $("search")) { $("search").blur(); return; }
  if (typing(e)) return;
  const nav = tab === "requests" ? { move, open: openSelected } : tab === "deliveries" ? deliveryNav : tab === "instances" ? instanceNav : null;
  switch (e.key) {
    case "j": case "ArrowDown": if (nav) { nav.move(1); e.preventDefault(); } break;
    case "k": case "ArrowUp": if (nav) { nav.move(-1); e.preventDefault(); } break;
    case "Enter": if (nav) { nav.open(); e.preventDefault(); } break;
    case "/": show("requests"); $("search").focus(); e.preventDefault(); break;
    case "r": if (tab === "requests") replay(); break;
    case "e": if (tab === "requests") { editReplay(); e.preventDefault(); } break;
  }
});

function connect() {
  const live = $("live");
  const es = new EventSource("/api/events");
  let first = true;
  es.addEventListener("ready", () => {
    live.textContent = "live";
    live.classList.add("on");
    if (first && !loaded.size) {
      first = false;
      show(location.hash.slice(1) in loaders ? location.hash.slice(1) : "requests");
      reloadConfigs();
      loaded.add("configs");
    } else {
      for (const t of loaded) loaders[t](); // reconnected: what was missed
    }
    first = false;
  });
  es.addEventListener("requests", (e) => liveRequests(JSON.parse(e.data)));
  es.addEventListener("changed", (e) => {
    for (const k of JSON.parse(e.data).kinds) {
      if (k === "instances" && loaded.has("instances")) instanceChanged();
      if (k === "deliveries" && loaded.has("deliveries")) loadDeliveries(false);
      if (k === "configs") reloadConfigs();
    }
  });
  es.onerror = () => { live.textContent = "reconnecting…"; live.classList.remove("on"); };
  // Without a stream (a proxy that buffers it), the lists still load.
  setTimeout(() => { if (first) { first = false; show(location.hash.slice(1) in loaders ? location.hash.slice(1) : "requests"); reloadConfigs(); } }, 3000);
}

for (const b of document.querySelectorAll("[data-tab]")) b.addEventListener("click", () => show(b.dataset.tab));
initRequests();
initViews(reloadConfigs);
get("/api/info").then((i) => { $("mode").textContent = i.mode + " · " + i.version; }).catch((e) => toast(e.message, true));
connect();
