// The state view: the records of one API version in one session, as tables or as JSON; edit
// a record (checked against the contract by the server: refused with its violations, nothing
// changed), delete one, reset the session, dump every API's state to a file and load one.

import { admin, AdminError, apis, describeError, el, fill, NeedsToken, prettyJson, select, toast, versions } from "./util.js";

const view = { key: "", session: "default", mode: "table", data: null, root: null, editing: null, refused: null };

export async function render(root) {
  view.root = root;
  fill(root, el("div", { class: "toolbar" }, "Loading…"));
  let list;
  try {
    list = await apis();
  } catch (error) {
    return fill(root, el("p", { class: "error" }, describeError(error)));
  }
  const all = versions(list);
  if (!view.key && all.length) view.key = all[0].version.key;
  await load();
  draw(all);
}

/** Re-reads the data (after requests changed it), unless a record is being edited. */
export async function refresh() {
  if (!view.root || !view.root.isConnected || view.editing) return;
  await load();
  draw(versions(await apis()));
}

async function load() {
  try {
    const dump = await admin(`/state?api=${encodeURIComponent(view.key)}`);
    view.data = dump[view.key] || {};
    view.error = null;
  } catch (error) {
    view.data = {};
    view.error = describeError(error);
  }
}

function draw(all) {
  const sessions = Object.keys(view.data).sort();
  if (!sessions.includes(view.session)) sessions.unshift(view.session);
  const found = all.find((v) => v.version.key === view.key);
  fill(
    view.root,
    el(
      "div",
      { class: "toolbar" },
      select(all.map(({ version }) => [version.key, version.key + (version.default ? " (default)" : "")]), view.key, async (value) => {
        view.key = value;
        await load();
        draw(all);
      }, { class: "state-api", "aria-label": "API version" }),
      select(sessions.map((s) => [s, `session ${s}`]), view.session, (value) => {
        view.session = value;
        draw(all);
      }, { class: "state-session", "aria-label": "session" }),
      el("div", { class: "segmented" }, ["table", "json"].map((mode) => el("button", { class: view.mode === mode ? "on" : "", onclick: () => { view.mode = mode; draw(all); } }, mode === "table" ? "Table" : "JSON"))),
      el("span", { class: "grow" }),
      el("button", { class: "reset-session", onclick: () => reset(all), title: "Back to the scenario's seed" }, "Reset session"),
      el("button", { class: "dump", onclick: dump, title: "Download every API's state, secrets included, to load back later" }, "Dump…"),
      el("label", { class: "button", title: "Load a dumped state file: checked against the contracts first, refused whole if any record breaks them" }, "Load…", el("input", { type: "file", accept: "application/json,.json", class: "offscreen load-file", onchange: (event) => loadFile(event, all) })),
    ),
    view.error ? el("p", { class: "error" }, view.error) : null,
    view.refused ? refusedLoad(all) : null,
    body(found),
  );
}

function body(found) {
  const data = view.data[view.session];
  if (!data) {
    return el("div", { class: "empty" }, el("p", {}, `Session “${view.session}” of ${view.key} has no data yet.`), el("p", { class: "muted" }, "It is seeded from the active scenario at its first request."));
  }
  if (view.mode === "json") return prettyJson(data);
  const resources = found ? found.version.resources : [];
  const names = Object.keys(data.collections);
  return el("div", { class: "collections" }, names.map((name) => collection(name, data.collections[name], resources.find((r) => r.name === name))));
}

function collection(name, records, resource) {
  const keys = Object.keys(records);
  const columns = [];
  for (const key of keys) for (const field of Object.keys(records[key] || {})) if (!columns.includes(field)) columns.push(field);
  const shown = columns.slice(0, 7);
  return el(
    "section",
    { class: "collection", dataset: { resource: name } },
    el("h3", {}, name, el("span", { class: "muted" }, ` · ${keys.length} record${keys.length === 1 ? "" : "s"}`), resource && resource.key ? el("span", { class: "muted" }, ` · key ${resource.key}`) : null),
    el(
      "div",
      { class: "table-wrap" },
      el(
        "table",
        { class: "records" },
        el("thead", {}, el("tr", {}, shown.map((c) => el("th", {}, c)), columns.length > shown.length ? el("th", {}, `+${columns.length - shown.length}`) : null, el("th", {}, ""))),
        el(
          "tbody",
          {},
          keys.map((key) => [
            el(
              "tr",
              { dataset: { key } },
              shown.map((c) => el("td", { title: cell(records[key][c], true) }, cell(records[key][c]))),
              columns.length > shown.length ? el("td", {}, "…") : null,
              el("td", { class: "row-actions" }, el("button", { class: "edit", onclick: () => edit(name, key, records[key]) }, "Edit"), el("button", { class: "danger", onclick: () => remove(name, key) }, "Delete")),
            ),
            view.editing && view.editing.resource === name && view.editing.key === key ? el("tr", { class: "editor-row" }, el("td", { colspan: shown.length + 2 }, editor())) : null,
          ]),
        ),
      ),
    ),
  );
}

function cell(value, full = false) {
  if (value === undefined) return "";
  if (value === null) return "null";
  if (typeof value === "object") {
    const text = JSON.stringify(value);
    return full || text.length < 60 ? text : text.slice(0, 57) + "…";
  }
  return String(value);
}

function edit(resource, key, record) {
  view.editing = { resource, key, text: JSON.stringify(record, null, 2), violations: null };
  apis().then((list) => draw(versions(list)));
}

function editor() {
  const editing = view.editing;
  const area = el("textarea", { class: "record-editor", spellcheck: "false", rows: Math.min(24, editing.text.split("\n").length + 1) });
  area.value = editing.text;
  area.addEventListener("input", () => (editing.text = area.value));
  return el(
    "div",
    { class: "editor" },
    area,
    editing.violations ? violations(editing.violations) : null,
    el("div", { class: "actions" }, el("button", { class: "primary save", onclick: save }, "Save"), el("button", { onclick: cancel }, "Cancel"), el("span", { class: "muted" }, "Checked against the contract before it is stored. Fields shown ‹redacted› keep their stored value.")),
  );
}

function violations(body) {
  return el(
    "div",
    { class: "verdict s4 edit-refused" },
    el("strong", {}, body.error || "Refused"),
    body.violations && body.violations.length
      ? el("table", { class: "violations" }, el("tbody", {}, body.violations.map((v) => el("tr", {}, el("td", {}, el("code", {}, v.pointer || "/")), el("td", { class: "problem" }, v.message), el("td", {}, v.contract ? el("code", { class: "contract-location" }, v.contract) : "–")))))
      : null,
  );
}

async function save() {
  const editing = view.editing;
  let record;
  try {
    record = JSON.parse(editing.text);
  } catch (error) {
    editing.violations = { error: `Not JSON: ${error.message}` };
    return draw(versions(await apis()));
  }
  const path = ["state", view.key, view.session, editing.resource, editing.key].map(encodeURIComponent).join("/");
  try {
    await admin(`/${path}`, { method: "PUT", body: record });
    view.editing = null;
    toast("Record saved", "ok");
    await load();
  } catch (error) {
    if (error instanceof AdminError) editing.violations = error.body || { error: error.message };
    else if (!(error instanceof NeedsToken)) editing.violations = { error: describeError(error) };
  }
  draw(versions(await apis()));
}

async function cancel() {
  view.editing = null;
  await load();
  draw(versions(await apis()));
}

async function remove(resource, key) {
  if (!confirm(`Delete ${resource} “${key}” from session ${view.session}?`)) return;
  const path = ["state", view.key, view.session, resource, key].map(encodeURIComponent).join("/");
  try {
    await admin(`/${path}`, { method: "DELETE" });
    toast("Record deleted", "ok");
  } catch (error) {
    toast(describeError(error), "error");
  }
  await load();
  draw(versions(await apis()));
}

async function reset(all) {
  try {
    await admin(`/reset?api=${encodeURIComponent(view.key)}&session=${encodeURIComponent(view.session)}`, { method: "POST" });
    toast(`Session ${view.session} of ${view.key} is back to its seed`, "ok");
  } catch (error) {
    toast(describeError(error), "error");
  }
  view.editing = null;
  await load();
  draw(all);
}

async function dump() {
  try {
    const state = await admin("/state?secrets=true");
    const blob = new Blob([JSON.stringify(state, null, 2)], { type: "application/json" });
    const link = el("a", { href: URL.createObjectURL(blob), download: `understudy-state-${new Date().toISOString().replace(/[:.]/g, "-")}.json` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  } catch (error) {
    toast(describeError(error), "error");
  }
}

async function loadFile(event, all) {
  const file = event.target.files && event.target.files[0];
  event.target.value = "";
  if (!file) return;
  view.refused = null;
  try {
    const result = await admin("/state", { method: "PUT", body: await file.text() });
    const count = result.loaded.length;
    toast(`Loaded ${count} session${count === 1 ? "" : "s"} from ${file.name}`, "ok");
  } catch (error) {
    if (error instanceof AdminError) view.refused = { file: file.name, body: error.body || { error: error.message } };
    else if (!(error instanceof NeedsToken)) toast(describeError(error), "error");
  }
  await load();
  draw(all);
}

/** A state file the server refused: its message and every violation (nothing was loaded). */
function refusedLoad(all) {
  const { file, body } = view.refused;
  const list = body.violations || [];
  return el(
    "div",
    { class: "verdict s4 load-refused" },
    el("div", { class: "verdict-head" }, el("strong", {}, `${file} was not loaded`), el("span", { class: "grow" }), el("button", { class: "quiet", onclick: () => { view.refused = null; draw(all); } }, "Dismiss")),
    el("p", { class: "why-message" }, body.error || "Refused"),
    list.length
      ? el(
          "table",
          { class: "violations" },
          el("thead", {}, el("tr", {}, el("th", {}, "record"), el("th", {}, "pointer"), el("th", {}, "problem"))),
          el(
            "tbody",
            {},
            list.map((v) =>
              el(
                "tr",
                {},
                el("td", {}, [v.api, v.session, v.resource, v.key].filter((part) => part !== undefined && part !== null).join(" · ")),
                el("td", {}, el("code", {}, v.pointer || "/")),
                el("td", { class: "problem" }, v.message),
              ),
            ),
          ),
        )
      : null,
  );
}
