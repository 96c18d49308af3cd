// The journal view: every request as it arrives (the admin API's server-sent events, read
// with fetch so the admin token travels as a header), newest first, filterable; an entry
// opens to its request and response, the step that answered, and why it was refused.

import { ADMIN, admin, authHeaders, copy, el, fill, methodBadge, NeedsToken, prettyJson, select, shellQuote, statusClass, statusPill, time, toast, apis, versions } from "./util.js";
import { VList } from "./vlist.js";

/** Entries kept in the page (the oldest go first). */
const KEEP = 20000;
const ROW = 34;
/** How long a hidden tab keeps its stream (switching tabs for a moment costs nothing). */
const HIDDEN_GRACE = 10000;

const STEPS = {
  read: "reading the request",
  route: "routing",
  limit: "rate limits",
  auth: "authentication",
  tokens: "the scenario's tokens",
  prefer: "Prefer",
  validate: "validation against the contract",
  cache: "the response cache",
  engine: "the scenario",
  "self-check": "the self-check of the response",
};

const journal = {
  all: [], // oldest first
  view: [], // filtered, newest first
  bySeq: new Map(),
  selected: null,
  paused: false,
  held: [],
  lastSeq: 0,
  status: "connecting",
  filters: { api: "", version: "", session: "", status: "", path: "", text: "" },
  list: null,
  root: null,
  listeners: new Set(),
  abort: null,
  started: false,
  tokens: [],
};

/** Starts the stream, for the whole life of the page (entries arrive in any view). */
export function start() {
  if (journal.abort) return;
  connect();
  if (journal.started) return;
  journal.started = true;
  apis()
    .then((list) => {
      journal.tokens = versions(list).flatMap(({ api, version }) => version.tokens.map((t) => ({ api: api.name, token: t.token })));
    })
    .catch(() => {});
  // A browser opens at most six connections to one host (HTTP/1.1, as browsers speak to a
  // server without TLS), and a stream holds one for as long as it runs: with six dashboard
  // tabs open, or six pages left in the back-forward cache, a seventh would wait. So a page
  // that is left, or hidden for a while, lets its stream go, and takes it up again from the
  // last entry it has when it is shown.
  let hiding;
  document.addEventListener("visibilitychange", () => {
    clearTimeout(hiding);
    if (!document.hidden) start();
    else hiding = setTimeout(() => stop("asleep"), HIDDEN_GRACE);
  });
  window.addEventListener("pagehide", () => stop("asleep"));
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) start();
  });
}

/** Restarts the stream (after the token changed). */
export function restart() {
  stop("connecting");
  start();
}

/** Lets the stream go; `start` takes it up again from the last entry received. */
function stop(status) {
  if (journal.abort) journal.abort.abort();
  journal.abort = null;
  setStatus(status);
}

function setStatus(status) {
  journal.status = status;
  const node = document.getElementById("live");
  if (node) {
    node.className = `live st-${journal.paused ? "paused" : status.replace(" ", "-")}`;
    node.textContent = journal.paused ? `paused${journal.held.length ? ` · ${journal.held.length} new` : ""}` : status;
  }
}

async function connect() {
  const abort = new AbortController();
  journal.abort = abort;
  setStatus("connecting");
  try {
    const response = await fetch(`${ADMIN}/journal/stream?since=${journal.lastSeq}`, {
      headers: authHeaders({ accept: "text/event-stream" }),
      signal: abort.signal,
      cache: "no-store",
    });
    if (response.status === 401) {
      setStatus("needs token");
      journal.abort = null;
      await admin("/journal?limit=1").catch(() => {}); // shows the token form
      return;
    }
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end;
      const batch = [];
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        event(block, batch);
      }
      if (batch.length) receive(batch);
    }
  } catch (error) {
    if (abort.signal.aborted) return;
  }
  if (abort.signal.aborted) return;
  setStatus("reconnecting");
  setTimeout(() => {
    if (journal.abort === abort) connect();
  }, 2000);
}

function event(block, batch) {
  let name = "message";
  let data = "";
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") name = value;
    else if (field === "data") data += value;
  }
  if (name === "entry") {
    try {
      batch.push(JSON.parse(data));
    } catch {
      /* a broken event is skipped */
    }
  } else if (name === "ready") {
    // For profiling (and the browser tests): when the page has what the server held.
    if (!performance.getEntriesByName("understudy:journal-ready").length) performance.mark("understudy:journal-ready");
    setStatus("live");
  } else if (name === "lagged") {
    const missed = JSON.parse(data).missed;
    toast(`${missed} entries fell off the journal before they could be shown`, "warn");
  }
}

function receive(entries) {
  for (const entry of entries) journal.lastSeq = Math.max(journal.lastSeq, entry.seq);
  if (journal.paused) {
    journal.held.push(...entries);
    setStatus(journal.status);
    return;
  }
  add(entries);
}

function add(entries) {
  const fresh = entries.filter((entry) => !journal.bySeq.has(entry.seq));
  for (const entry of fresh) {
    journal.all.push(entry);
    journal.bySeq.set(entry.seq, entry);
  }
  if (journal.all.length > KEEP) {
    const gone = journal.all.splice(0, journal.all.length - KEEP);
    for (const entry of gone) journal.bySeq.delete(entry.seq);
    applyFilters();
  } else {
    const matching = fresh.filter(matches).reverse();
    journal.view = matching.concat(journal.view);
    if (journal.list) journal.list.setItems(journal.view, matching.length);
  }
  updateCount();
  updateFilterOptions(fresh);
  journal.listeners.forEach((listener) => listener(fresh));
}

/** Called with each batch of new entries (the state and scenario views refresh on them). */
export function onEntries(listener) {
  journal.listeners.add(listener);
}

function matches(entry) {
  const f = journal.filters;
  if (f.api && entry.api !== f.api) return false;
  if (f.version && (entry.version || "") !== f.version) return false;
  if (f.session && entry.session !== f.session) return false;
  if (f.status) {
    const status = entry.response.status || 0;
    if (f.status.endsWith("xx")) {
      if (Math.floor(status / 100) !== Number(f.status[0])) return false;
    } else if (f.status === "refused") {
      if (!entry.why) return false;
    } else if (String(status) !== f.status) return false;
  }
  if (f.path && !(entry.request.path || "").toLowerCase().includes(f.path.toLowerCase())) return false;
  if (f.text) {
    if (entry._text === undefined) entry._text = JSON.stringify(entry).toLowerCase();
    if (!entry._text.includes(f.text.toLowerCase())) return false;
  }
  return true;
}

function applyFilters() {
  const view = [];
  for (let i = journal.all.length - 1; i >= 0; i--) if (matches(journal.all[i])) view.push(journal.all[i]);
  journal.view = view;
  if (journal.list) journal.list.setItems(view);
  updateCount();
}

function updateCount() {
  const node = journal.root && journal.root.querySelector(".count");
  if (node) node.textContent = journal.view.length === journal.all.length ? `${journal.all.length} requests` : `${journal.view.length} of ${journal.all.length} requests`;
}

const seen = { api: new Set(), version: new Set(), session: new Set(), status: new Set() };
function updateFilterOptions(entries) {
  let changed = false;
  for (const entry of entries) {
    const status = entry.response.status ? String(entry.response.status) : "";
    for (const [name, value] of [["api", entry.api], ["version", entry.version], ["session", entry.session], ["status", status]]) {
      if (value && !seen[name].has(value)) {
        seen[name].add(value);
        changed = true;
      }
    }
  }
  if (changed) refreshOptions();
}

/** The journal view in `root`. */
export function render(root) {
  journal.root = root;
  const list = el("div", { class: "entries", tabindex: "0", onkeydown: keys });
  const detail = el("section", { class: "detail", id: "entry-detail" });
  fill(
    root,
    el("div", { class: "toolbar", id: "journal-toolbar" }),
    el("div", { class: "split" }, el("div", { class: "list-pane" }, el("div", { class: "list-head" }, el("span", {}, "time"), el("span", {}, "method"), el("span", {}, "path"), el("span", {}, "status"), el("span", {}, "step"), el("span", {}, "api"), el("span", {}, "ms")), list), detail),
  );
  journal.list = new VList(list, { rowHeight: ROW, render: row, key: (entry) => `${entry.seq}${entry === journal.selected ? "*" : ""}` });
  list.addEventListener("click", (event) => {
    const rowNode = event.target.closest(".vlist-row");
    if (rowNode) select_(journal.view[Number(rowNode.dataset.index)]);
  });
  renderFilters();
  journal.list.setItems(journal.view);
  updateCount();
  showDetail();
  setStatus(journal.status);
}

/** The choices of each select filter: fixed ones, then the values seen so far. */
function choices(name) {
  const seenValues = [...seen[name]].sort().map((v) => [v, v]);
  switch (name) {
    case "api":
      return [["", "all APIs"], ...seenValues];
    case "version":
      return [["", "all versions"], ...seenValues];
    case "session":
      return [["", "all sessions"], ...seenValues];
    default:
      return [["", "any status"], ["2xx", "2xx"], ["3xx", "3xx"], ["4xx", "4xx"], ["5xx", "5xx"], ["refused", "refused"], ...seenValues];
  }
}

const SELECTS = [
  ["api", "API"],
  ["version", "version"],
  ["session", "session"],
  ["status", "status"],
];

function renderFilters() {
  const bar = journal.root && journal.root.querySelector("#journal-toolbar");
  if (!bar) return;
  const f = journal.filters;
  const set = (name) => (value) => {
    f[name] = value;
    applyFilters();
  };
  const text = (name, placeholder) =>
    el("input", { type: "search", placeholder, value: f[name], class: `filter-${name}`, oninput: (e) => set(name)(e.target.value) });
  fill(
    bar,
    SELECTS.map(([name, label]) => select(choices(name), f[name], set(name), { class: `filter-${name}`, "aria-label": label })),
    text("path", "path contains…"),
    text("text", "search everything…"),
    el("span", { class: "count" }),
    el("span", { class: "grow" }),
    el("button", { class: "pause", onclick: togglePause }, journal.paused ? "Resume" : "Pause"),
    el("button", { class: "clear", onclick: clear, title: "Forget every entry (here and on the server)" }, "Clear"),
  );
  updateCount();
}

/** New values seen: the select filters get them as choices, in place (focus and typing in
 *  the text filters are not disturbed). */
function refreshOptions() {
  const bar = journal.root && journal.root.querySelector("#journal-toolbar");
  if (!bar) return;
  for (const [name] of SELECTS) {
    const node = bar.querySelector(`select.filter-${name}`);
    if (!node) continue;
    const current = [...node.options].map((o) => o.value);
    const wanted = choices(name);
    if (current.length === wanted.length && current.every((v, i) => v === wanted[i][0])) continue;
    node.replaceChildren(...wanted.map(([value, label]) => el("option", { value }, label)));
    node.value = journal.filters[name];
  }
}

function row(entry, node) {
  const status = entry.response.status;
  node.className = `vlist-row entry ${statusClass(status)}${entry === journal.selected ? " selected" : ""}`;
  node.dataset.seq = entry.seq;
  fill(
    node,
    el("span", { class: "t" }, time(entry.time)),
    methodBadge(entry.request.method),
    el("span", { class: "p", title: entry.request.path }, entry.request.path),
    statusPill(status),
    el("span", { class: `step step-${entry.step}` }, entry.step),
    el("span", { class: "a" }, entry.version ? `${entry.api}@${entry.version}` : entry.api, entry.session !== "default" ? el("em", {}, ` · ${entry.session}`) : null),
    el("span", { class: "ms" }, entry.ms < 10 ? entry.ms.toFixed(1) : Math.round(entry.ms)),
  );
}

function keys(event) {
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  event.preventDefault();
  const index = journal.view.indexOf(journal.selected);
  const next = Math.min(journal.view.length - 1, Math.max(0, index + (event.key === "ArrowDown" ? 1 : -1)));
  if (journal.view[next]) {
    select_(journal.view[next]);
    journal.list.reveal(next);
  }
}

function select_(entry) {
  journal.selected = entry;
  journal.list.refresh();
  showDetail();
}

function togglePause() {
  journal.paused = !journal.paused;
  if (!journal.paused && journal.held.length) {
    const held = journal.held;
    journal.held = [];
    add(held);
  }
  const button = journal.root && journal.root.querySelector("button.pause");
  if (button) button.textContent = journal.paused ? "Resume" : "Pause";
  setStatus(journal.status);
}

async function clear() {
  try {
    await admin("/journal", { method: "DELETE" });
  } catch (error) {
    if (!(error instanceof NeedsToken)) toast(error.message, "error");
    return;
  }
  journal.all = [];
  journal.view = [];
  journal.held = [];
  journal.bySeq.clear();
  journal.selected = null;
  journal.list.setItems([]);
  updateCount();
  showDetail();
}

function showDetail() {
  const node = journal.root && journal.root.querySelector("#entry-detail");
  if (!node) return;
  const entry = journal.selected;
  if (!entry) {
    fill(node, el("div", { class: "empty" }, el("p", {}, "Select a request to see it whole."), el("p", { class: "muted" }, "Requests to the mock appear here as they arrive, newest first.")));
    return;
  }
  const { request, response } = entry;
  const curl = curlOf(entry);
  fill(
    node,
    el("div", { class: "detail-head" }, methodBadge(request.method), el("code", { class: "path" }, request.path), statusPill(response.status, "big")),
    el(
      "div",
      { class: "facts" },
      fact("API", entry.version ? `${entry.api}@${entry.version}` : entry.api),
      fact("operation", entry.operation),
      fact("session", entry.session),
      fact("time", `${time(entry.time)} · ${entry.ms.toFixed(1)} ms`),
      fact("answered by", STEPS[entry.step] || entry.step),
      fact("entry", `#${entry.seq}`),
    ),
    entry.why ? verdict(entry) : null,
    el("div", { class: "actions" }, el("button", { class: "copy-curl", onclick: async () => toast((await copy(curl)) ? "Copied as curl" : "Could not copy", "ok") }, "Copy as curl"), el("button", { onclick: async () => toast((await copy(JSON.stringify(entry, (k, v) => (k === "_text" ? undefined : v), 2))) ? "Copied as JSON" : "Could not copy", "ok") }, "Copy JSON")),
    el("details", { class: "curl" }, el("summary", {}, "curl"), el("pre", { class: "curl-text" }, curl)),
    section("Request", request.headers, request.body),
    section("Response", response.headers, response.body),
  );
}

function fact(name, value) {
  return el("div", { class: "fact" }, el("span", { class: "k" }, name), el("span", { class: "v" }, value));
}

function verdict(entry) {
  const why = entry.why;
  return el(
    "div",
    { class: `verdict ${statusClass(entry.response.status)}` },
    el("div", { class: "verdict-head" }, el("strong", {}, `Refused by ${STEPS[entry.step] || entry.step}`), el("span", { class: `step step-${entry.step}` }, entry.step)),
    el("p", { class: "why-message" }, why.message),
    why.rule ? el("p", { class: "why-rule" }, el("span", { class: "k" }, "scenario rule "), el("code", {}, why.rule)) : null,
    why.violations && why.violations.length
      ? el(
          "table",
          { class: "violations" },
          el("thead", {}, el("tr", {}, el("th", {}, "where"), el("th", {}, "pointer"), el("th", {}, "problem"), el("th", {}, "contract"))),
          el(
            "tbody",
            {},
            why.violations.map((v) =>
              el(
                "tr",
                {},
                el("td", {}, v.parameter ? `${v.location} ${v.parameter}` : v.location),
                el("td", {}, el("code", {}, v.pointer || "/")),
                el("td", { class: "problem" }, v.message),
                el("td", {}, v.contract ? el("code", { class: "contract-location" }, v.contract) : "–"),
              ),
            ),
          ),
        )
      : null,
  );
}

function section(title, headers, body) {
  const names = Object.keys(headers || {});
  return el(
    "div",
    { class: "section" },
    el("h3", {}, title),
    el("details", { class: "headers", open: names.length <= 8 }, el("summary", {}, `${names.length} headers`), el("table", { class: "kv" }, el("tbody", {}, names.map((name) => el("tr", {}, el("th", {}, name), el("td", {}, headers[name])))))),
    prettyJson(body),
  );
}

/** The request as a curl command. A masked credential that a scenario token starts with
 *  gets that token back (scenario tokens are not secrets); any other stays a placeholder. */
function curlOf(entry) {
  const { request } = entry;
  const parts = ["curl"];
  if (request.method !== "GET") parts.push("-X", request.method);
  parts.push(shellQuote(location.origin + request.path));
  for (const [name, raw] of Object.entries(request.headers || {})) {
    if (["host", "content-length", "connection", "accept-encoding"].includes(name)) continue;
    let value = raw;
    const masked = /^(\S+) (.*)…$/.exec(raw);
    if (masked) {
      const candidates = journal.tokens.filter((t) => t.api === entry.api && t.token.startsWith(masked[2]));
      const unique = [...new Set(candidates.map((t) => t.token))];
      value = `${masked[1]} ${unique.length === 1 ? unique[0] : "<token>"}`;
    }
    parts.push("-H", shellQuote(`${name}: ${value}`));
  }
  if (request.body !== null && request.body !== undefined) {
    parts.push("--data-raw", shellQuote(typeof request.body === "string" ? request.body : JSON.stringify(request.body)));
  }
  const command = parts.join(" ");
  // A body the journal kept cut would be sent cut: said, in a line the shell ignores.
  const cut = request.truncated;
  return cut ? `# the journal kept ${cut.kept} of the body's ${cut.size} bytes: this sends only those\n${command}` : command;
}
