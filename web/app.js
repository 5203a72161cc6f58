// anirec web page: plain JavaScript over the JSON API (/v1/...). No framework, no
// build step, nothing fetched from outside this server. Text from the data is only
// ever set with textContent, never parsed as HTML.
"use strict";

const state = {
  history: [],          // [{id, title, type, genres}] oldest first
  genres: new Set(),    // genre filter (any of)
  types: new Set(),     // type filter
  excludeSeen: true,
  model: null,
  similarOf: null,      // id of the anime in the similar panel
};
const K = 12;
const $ = (id) => document.getElementById(id);

// ---- small helpers ---------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (k === "style") e.style.cssText = v;
    else e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

function hue(id) {
  let h = 0;
  for (const ch of String(id)) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % 360;
}
function posterStyle(id) {
  const h = hue(id);
  return `background: linear-gradient(135deg, hsl(${h} 70% 58%), hsl(${(h + 40) % 360} 65% 45%))`;
}
function initials(title) {
  const words = String(title).replace(/[^\p{L}\p{N} ]+/gu, " ").split(/\s+/).filter(Boolean);
  return (words.slice(0, 2).map((w) => w[0]).join("") || "?").toUpperCase();
}
function genreText(item) { return (item.genres || []).join(", "); }

let toastTimer = 0;
function toast(msg) {
  const t = $("toast");
  t.textContent = msg;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 6000);
}

async function api(path, options = {}) {
  const res = await fetch(path, options);
  let body = null;
  try { body = await res.json(); } catch (_) { /* not JSON */ }
  if (!res.ok) {
    const detail = body && body.detail ? body.detail : `HTTP ${res.status}`;
    const err = new Error(detail);
    err.status = res.status;
    throw err;
  }
  return body;
}

function inHistory(id) { return state.history.some((h) => h.id === id); }

function save() {
  try {
    localStorage.setItem("anirec.history", JSON.stringify(state.history));
    localStorage.setItem("anirec.filters", JSON.stringify({
      genres: [...state.genres], types: [...state.types], excludeSeen: state.excludeSeen }));
  } catch (_) { /* private mode */ }
}
function restore() {
  try {
    const h = JSON.parse(localStorage.getItem("anirec.history") || "[]");
    if (Array.isArray(h)) state.history = h.filter((x) => x && typeof x.id === "string");
    const f = JSON.parse(localStorage.getItem("anirec.filters") || "{}");
    state.genres = new Set(f.genres || []);
    state.types = new Set(f.types || []);
    if (typeof f.excludeSeen === "boolean") state.excludeSeen = f.excludeSeen;
  } catch (_) { /* ignore a corrupt store */ }
}

// ---- history -----------------------------------------------------------------

function addToHistory(item) {
  if (inHistory(item.id)) { toast(`“${item.title}” is already in your history`); return; }
  state.history.push({ id: item.id, title: item.title, type: item.type || "", genres: item.genres || [] });
  save();
  renderHistory();
  refreshRecommendations();
}
function removeFromHistory(id) {
  state.history = state.history.filter((h) => h.id !== id);
  save();
  renderHistory();
  refreshRecommendations();
}

function renderHistory() {
  const ol = $("history");
  ol.replaceChildren(...state.history.map((h) => el("li", { "data-id": h.id },
    el("span", { class: "h-title", text: h.title, title: "Show similar animes", onclick: () => showSimilar(h.id) }),
    el("span", { class: "h-type", text: h.type }),
    el("button", { class: "icon-button remove", type: "button", "aria-label": `Remove ${h.title}`, text: "×",
                   onclick: () => removeFromHistory(h.id) }))));
  const empty = state.history.length === 0;
  $("clear-history").hidden = empty;
  $("history-hint").hidden = !empty;
}

// ---- search with suggestions ---------------------------------------------------

let searchSeq = 0;
let searchTimer = 0;
let active = -1;          // highlighted suggestion
let lastHits = [];

function closeSuggestions() {
  $("suggestions").hidden = true;
  $("search-box").setAttribute("aria-expanded", "false");
  active = -1;
}

function renderSuggestions(hits, query) {
  const ul = $("suggestions");
  lastHits = hits;
  active = hits.length ? 0 : -1;
  if (!hits.length) {
    ul.replaceChildren(el("li", { class: "suggestion-empty", text: `No anime matches “${query}”.` }));
  } else {
    ul.replaceChildren(...hits.map((it, i) => {
      const sub = [it.type, genreText(it)].filter(Boolean).join(" · ");
      const alt = it.english_title && it.english_title !== it.title ? it.english_title : "";
      return el("li", { class: "suggestion" + (inHistory(it.id) ? " in-history" : ""), role: "option", id: `sugg-${i}`,
                        "data-id": it.id, "aria-selected": i === active ? "true" : "false",
                        onmousedown: (e) => { e.preventDefault(); pick(i); }, onmousemove: () => highlight(i) },
        el("span", { class: "sim-dot", style: posterStyle(it.id), text: initials(it.title) }),
        el("span", { class: "s-text" },
          el("div", { class: "s-title", text: it.title }),
          el("div", { class: "s-sub", text: alt ? `${alt} — ${sub}` : sub })),
        el("span", { class: "s-add", text: inHistory(it.id) ? "✓ in history" : "+ add" }));
    }));
  }
  ul.hidden = false;
  $("search-box").setAttribute("aria-expanded", "true");
}

function highlight(i) {
  const items = $("suggestions").querySelectorAll(".suggestion");
  items.forEach((li, j) => li.setAttribute("aria-selected", j === i ? "true" : "false"));
  active = i;
  if (items[i]) items[i].scrollIntoView({ block: "nearest" });
}

function pick(i) {
  const it = lastHits[i];
  if (!it) return;
  addToHistory(it);
  $("search").value = "";
  closeSuggestions();
  $("search").focus();
}

async function search(q) {
  const seq = ++searchSeq;
  try {
    const r = await api(`/v1/items?q=${encodeURIComponent(q)}&limit=8`);
    if (seq === searchSeq && $("search").value.trim() === q) renderSuggestions(r.items, q);
  } catch (e) {
    if (seq === searchSeq) toast(e.message);
  }
}

function onSearchInput() {
  const q = $("search").value.trim();
  clearTimeout(searchTimer);
  if (!q) { closeSuggestions(); return; }
  searchTimer = setTimeout(() => search(q), 90);
}

function onSearchKey(e) {
  const open = !$("suggestions").hidden;
  if (e.key === "ArrowDown" && open) { e.preventDefault(); highlight(Math.min(active + 1, lastHits.length - 1)); }
  else if (e.key === "ArrowUp" && open) { e.preventDefault(); highlight(Math.max(active - 1, 0)); }
  else if (e.key === "Enter" && open && active >= 0) { e.preventDefault(); pick(active); }
  else if (e.key === "Escape") { closeSuggestions(); }
}

// ---- recommendations -------------------------------------------------------------

let recSeq = 0;

function scoreBar(frac) {
  const pct = Math.max(4, Math.round(100 * Math.min(1, Math.max(0, frac))));
  return el("span", { class: "bar" }, el("i", { style: `width: ${pct}%` }));
}

// A result card. Recommendations carry the model's score (a logit, shown against the
// list's range); the popular list carries how many training histories hold the anime.
function card(it, lo, hi) {
  const ranked = typeof it.score === "number";
  const value = ranked ? it.score : it.popularity;
  const frac = hi > lo ? (value - lo) / (hi - lo) : 1;
  const alt = it.english_title && it.english_title !== it.title ? it.english_title : "";
  return el("article", { class: "card", "data-id": it.id },
    el("div", { class: "poster", style: posterStyle(it.id) },
      el("span", { class: "type", text: it.type || "anime" }),
      el("span", { class: "rank", text: `#${it.rank}` }),
      el("span", { class: "mark", text: initials(it.title) })),
    el("div", { class: "card-body" },
      el("div", { class: "card-title", text: it.title }),
      alt ? el("div", { class: "card-sub", text: alt }) : null,
      el("div", {}, ...(it.genres || []).slice(0, 4).map((g) => el("span", { class: "genre-tag", text: g }))),
      el("div", { class: "score", title: ranked ? "Model score (logit): higher means more likely next"
                                                : "Training histories that contain this anime" },
        scoreBar(frac),
        el("span", { class: "score-value", text: ranked ? it.score.toFixed(2) : `${fmt(it.popularity)} watched` })),
      el("div", { class: "card-actions" },
        el("button", { class: "btn primary", type: "button", text: inHistory(it.id) ? "✓ Watched" : "+ Watched",
                       onclick: () => addToHistory(it) }),
        el("button", { class: "btn", type: "button", text: "Similar", onclick: () => showSimilar(it.id) }))));
}

async function refreshRecommendations() {
  const seq = ++recSeq;
  const box = $("recs");
  if (!state.history.length) {
    box.replaceChildren();
    $("recs-empty").hidden = false;
    $("recs-meta").textContent = "";
    return;
  }
  $("recs-empty").hidden = true;
  box.parentElement.classList.add("loading");
  const body = { history: state.history.map((h) => h.id), k: K, exclude_seen: state.excludeSeen };
  if (state.genres.size) body.genres = [...state.genres];
  if (state.types.size) body.types = [...state.types];
  try {
    const r = await api("/v1/recommend", { method: "POST", headers: { "Content-Type": "application/json" },
                                             body: JSON.stringify(body) });
    if (seq !== recSeq) return;
    const scores = r.items.map((i) => i.score).filter((s) => s !== null);
    const lo = Math.min(...scores), hi = Math.max(...scores);
    box.replaceChildren(...r.items.map((it) => card(it, lo, hi)));
    if (!r.items.length) box.replaceChildren(el("p", { class: "hint", text: "No anime passes these filters." }));
    $("recs-meta").textContent = `from ${r.history_used} of ${r.history.length} watched`;
  } catch (e) {
    if (seq !== recSeq) return;
    // A saved history can name animes a newly loaded model does not have: drop them.
    const m = e.status === 422 && /history\[(\d+)\]/.exec(e.message);
    if (m && state.history[+m[1]]) {
      toast(`Removed “${state.history[+m[1]].title}”: this model does not know it`);
      state.history.splice(+m[1], 1);
      save();
      renderHistory();
      refreshRecommendations();
      return;
    }
    toast(e.message);
  } finally {
    if (seq === recSeq) box.parentElement.classList.remove("loading");
  }
}

// ---- similar panel ----------------------------------------------------------------

async function showSimilar(id) {
  state.similarOf = id;
  const panel = $("similar-panel");
  try {
    const r = await api(`/v1/items/${encodeURIComponent(id)}/similar?k=10`);
    if (state.similarOf !== id) return;
    $("similar-title").textContent = `Similar to ${r.item.title}`;
    $("similar").replaceChildren(...r.items.map((it) => el("li", { "data-id": it.id },
      el("span", { class: "sim-dot", style: posterStyle(it.id), text: initials(it.title) }),
      el("div", {},
        el("div", { class: "sim-title", text: it.title, title: "Show animes similar to this one",
                    onclick: () => showSimilar(it.id) }),
        el("div", { class: "sim-meta", text: [it.type, genreText(it)].filter(Boolean).join(" · ") }),
        el("div", { class: "sim-actions" },
          scoreBar(it.score),
          el("span", { class: "sim-meta", text: `${Math.round(100 * it.score)}%` +
                       (it.co_occurrences >= 0 ? ` · ${it.co_occurrences} watched both` : "") }))),
      el("button", { class: "link-button sim-add", type: "button", text: inHistory(it.id) ? "✓" : "+ add",
                     title: `Add ${it.title} to your history`, onclick: () => addToHistory(it) }))));
    panel.hidden = false;
    $("main-layout").classList.add("with-similar");
    if (window.innerWidth < 1100) panel.scrollIntoView({ behavior: "smooth", block: "start" });
  } catch (e) {
    toast(e.message);
  }
}

function closeSimilar() {
  state.similarOf = null;
  $("similar-panel").hidden = true;
  $("main-layout").classList.remove("with-similar");
}

// ---- filters ------------------------------------------------------------------------

function renderChips(container, names, selected) {
  container.replaceChildren(...names.map((n) => el("button", {
    class: "chip", type: "button", text: n, "aria-pressed": selected.has(n) ? "true" : "false",
    onclick: (e) => {
      if (selected.has(n)) selected.delete(n); else selected.add(n);
      e.currentTarget.setAttribute("aria-pressed", selected.has(n) ? "true" : "false");
      updateFilterCount();
      save();
      refreshRecommendations();
    } })));
}

// ---- model card ------------------------------------------------------------------------

function fmt(v) {
  if (typeof v === "number") return Number.isInteger(v) ? v.toLocaleString("en-US") : String(+v.toPrecision(4));
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (v === null) return "–";
  if (Array.isArray(v) && v.every((x) => typeof x !== "object")) return v.join(", ");
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

function kvBox(title, obj) {
  const rows = [];
  const walk = (o, prefix) => {
    for (const [k, v] of Object.entries(o)) {
      if (v && typeof v === "object" && !Array.isArray(v)) walk(v, prefix + k + ".");
      else rows.push(el("tr", {}, el("td", { text: prefix + k }), el("td", { text: fmt(v) })));
    }
  };
  walk(obj, "");
  return el("section", { class: "kv" }, el("h4", { text: title }), el("table", {}, el("tbody", {}, ...rows)));
}

function renderModel(m) {
  state.model = m;
  const d = m.data || {};
  $("model-badge").textContent = `${fmt(d.items)} animes · ${fmt(d.users)} users · gen ${m.serving.generation}`;
  const card = m.card || {};
  const parts = [`SASRec · ${m.config.blocks} blocks · hidden ${m.config.hidden} · maxlen ${m.config.maxlen}`];
  // Headline quality: the test figures when the file has them, else validation.
  for (const name of ["test", "validation"]) {
    const q = card[name];
    if (q && typeof q["ndcg@10"] === "number") {
      parts.push(`${name} NDCG@10 ${fmt(q["ndcg@10"])}` + (typeof q["hr@10"] === "number" ? ` · HR@10 ${fmt(q["hr@10"])}` : ""));
      break;
    }
  }
  $("model-summary").textContent = parts.join(" · ");
  const boxes = [kvBox("Model", m.config), kvBox("Catalogue", d)];
  const rest = {};
  for (const [k, v] of Object.entries(card)) {
    if (v && typeof v === "object" && !Array.isArray(v)) boxes.push(kvBox(k.replace(/_/g, " "), v));
    else rest[k] = v;
  }
  if (Object.keys(rest).length) boxes.splice(2, 0, kvBox("Training", rest));
  boxes.push(kvBox("Serving", m.serving));
  $("model-card").replaceChildren(...boxes);
  renderChips($("type-chips"), m.types || [], state.types);
  renderChips($("genre-chips"), m.genres || [], state.genres);
  // Drop saved filters this model does not know (they would be a 400).
  for (const g of [...state.genres]) if (!(m.genres || []).includes(g)) state.genres.delete(g);
  for (const t of [...state.types]) if (!(m.types || []).includes(t)) state.types.delete(t);
  $("filters").hidden = !(m.genres || []).length && !(m.types || []).length;
  updateFilterCount();
}

async function loadPopular() {
  try {
    const r = await api("/v1/items?limit=8");
    const pops = r.items.map((i) => i.popularity);
    $("popular").replaceChildren(...r.items.map((it) => card(it, 0, Math.max(...pops))));
  } catch (e) {
    $("popular").hidden = true;
  }
}

function updateFilterCount() {
  const n = state.genres.size + state.types.size + (state.excludeSeen ? 0 : 1);
  $("filter-count").textContent = n ? `${n} active` : "";
}

// ---- start ------------------------------------------------------------------------------

async function start() {
  restore();
  $("search").addEventListener("input", onSearchInput);
  $("search").addEventListener("keydown", onSearchKey);
  $("search").addEventListener("blur", () => setTimeout(closeSuggestions, 120));
  $("search").addEventListener("focus", () => { if ($("search").value.trim()) onSearchInput(); });
  $("clear-history").addEventListener("click", () => { state.history = []; save(); renderHistory(); refreshRecommendations(); });
  $("close-similar").addEventListener("click", closeSimilar);
  $("exclude-seen").checked = state.excludeSeen;
  $("exclude-seen").addEventListener("change", (e) => {
    state.excludeSeen = e.target.checked; updateFilterCount(); save(); refreshRecommendations(); });
  document.addEventListener("keydown", (e) => {
    if (e.key === "/" && document.activeElement !== $("search")) { e.preventDefault(); $("search").focus(); }
  });
  renderHistory();
  loadPopular();
  try {
    renderModel(await api("/v1/model"));
  } catch (e) {
    toast(`Could not read the model card: ${e.message}`);
  }
  refreshRecommendations();
}

document.addEventListener("DOMContentLoaded", start);
