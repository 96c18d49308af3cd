// The contracts view: each API version's operations with their URL on this server, the
// statuses the contract documents, and a "try it" form that sends a request through the mock
// and shows the answer (it also appears in the journal, with its verdict).

import { apis, describeError, el, fill, methodBadge, prettyJson, select, statusClass, statusPill, versions } from "./util.js";

const view = { root: null, key: "", open: null };

export async function render(root) {
  view.root = root;
  let list;
  try {
    list = await apis();
  } catch (error) {
    return fill(root, el("p", { class: "error" }, describeError(error)));
  }
  const all = versions(list);
  if (!view.key && all.length) view.key = all[0].version.key;
  draw(all);
}

function draw(all) {
  const found = all.find((v) => v.version.key === view.key) || all[0];
  if (!found) return fill(view.root, el("p", {}, "No API is served."));
  const { api, version } = found;
  fill(
    view.root,
    el(
      "div",
      { class: "toolbar" },
      select(all.map(({ version: v }) => [v.key, v.key]), version.key, (value) => {
        view.key = value;
        view.open = null;
        draw(all);
      }, { class: "contract-api", "aria-label": "API version" }),
      el("span", { class: "muted" }, `${version.contract.title} · OpenAPI ${version.contract.openapi} · ${version.contract.dialects.join(", ")}`),
      el("span", { class: "grow" }),
      el("span", { class: "muted" }, "mounted at "),
      version.mounts.map((m) => el("code", { class: "mount" }, location.origin + m)),
    ),
    el(
      "div",
      { class: "operations" },
      version.operations.map((op) => operation(api, version, op)),
    ),
  );
}

function operation(api, version, op) {
  const open = view.open === op.id;
  return el(
    "div",
    { class: `operation${open ? " open" : ""}`, dataset: { operation: op.id } },
    el(
      "div",
      { class: "op-head", onclick: () => { view.open = open ? null : op.id; render(view.root); } },
      methodBadge(op.method),
      el("code", { class: "op-path" }, op.path),
      el("span", { class: "op-id" }, op.id),
      el("span", { class: "grow" }),
      op.action ? el("span", { class: "tag" }, `${op.action} ${op.resource}`) : null,
      el("span", { class: "statuses" }, op.statuses.map((s) => el("span", { class: `pill ${/^\d/.test(s) ? statusClass(Number(s[0]) * 100) : "s0"}` }, s))),
      el("button", { class: "try" }, open ? "Close" : "Try it"),
    ),
    open ? tryIt(version, op) : null,
  );
}

function tryIt(version, op) {
  const params = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
  const values = {};
  const first = version.tokens.find((t) => !t.read_only && !Object.keys(t.allow || {}).length) || version.tokens[0];
  const inputs = params.map((name) => el("label", { class: "field" }, el("span", {}, name), el("input", { class: `param param-${name}`, dataset: { name }, oninput: (e) => (values[name] = e.target.value) })));
  const query = el("input", { class: "query", placeholder: op.parameters.filter((p) => p.in === "query").map((p) => `${p.name}=`).join("&") || "name=value&…" });
  const auth = el("input", { class: "authorization", value: op.secured || first ? `Bearer ${first ? first.token : "dev-token"}` : "" });
  const session = el("input", { class: "session", placeholder: "default" });
  const body = op.body ? el("textarea", { class: "body", rows: 10, spellcheck: "false" }) : null;
  if (body) body.value = op.body.example === null || op.body.example === undefined ? "" : JSON.stringify(op.body.example, null, 2);
  const result = el("div", { class: "result" });
  const send = async () => {
    let path = version.mounts[0] + op.path;
    for (const name of params) path = path.replace(`{${name}}`, encodeURIComponent(values[name] || ""));
    const q = query.value.trim().replace(/^\?/, "");
    const url = path + (q ? `?${q}` : "");
    const headers = {};
    if (auth.value.trim()) headers.authorization = auth.value.trim();
    if (session.value.trim()) headers["x-understudy-session"] = session.value.trim();
    if (body && body.value.trim()) headers["content-type"] = (op.body.media[0] || "application/json");
    const started = performance.now();
    fill(result, el("p", { class: "muted" }, `${op.method} ${url} …`));
    try {
      const response = await fetch(url, { method: op.method, headers, body: body && body.value.trim() ? body.value : undefined, cache: "no-store" });
      const text = await response.text();
      let parsed = text;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        /* shown as text */
      }
      const ms = (performance.now() - started).toFixed(1);
      const names = [...response.headers.keys()];
      fill(
        result,
        el("div", { class: "detail-head" }, statusPill(response.status, "big try-status"), el("code", {}, `${op.method} ${url}`), el("span", { class: "muted" }, ` ${ms} ms`)),
        el("table", { class: "kv" }, el("tbody", {}, names.map((n) => el("tr", {}, el("th", {}, n), el("td", {}, response.headers.get(n)))))),
        prettyJson(parsed),
        el("p", { class: "muted small" }, "The request is in the journal, with the step that answered it."),
      );
    } catch (error) {
      fill(result, el("p", { class: "error" }, describeError(error)));
    }
  };
  return el(
    "div",
    { class: "try-it" },
    el("div", { class: "fields" }, inputs, el("label", { class: "field wide" }, el("span", {}, "query"), query), el("label", { class: "field wide" }, el("span", {}, "Authorization"), auth), el("label", { class: "field" }, el("span", {}, "session"), session)),
    body ? el("label", { class: "field wide" }, el("span", {}, `body (${op.body.media.join(", ")})`), body) : null,
    el("div", { class: "actions" }, el("button", { class: "primary send", onclick: send }, `Send ${op.method}`)),
    result,
  );
}
