// The scenarios view: per API, the default version and each version's active scenario, both
// switched with one click; the tokens of the active scenario and what each may do; the
// rate-limit windows and the current count of every client in them (a token of the scenario,
// another credential by a hash of it, or the address of requests without an accepted token).

import { admin, apis, describeError, el, fill, toast } from "./util.js";

const view = { root: null, timer: null };

export async function render(root) {
  view.root = root;
  clearInterval(view.timer);
  await draw();
  // The counts move with every request: refreshed while the view is open.
  view.timer = setInterval(() => {
    if (!root.isConnected) return clearInterval(view.timer);
    limits();
  }, 2000);
}

async function draw(refresh = false) {
  let list;
  try {
    list = await apis(refresh);
  } catch (error) {
    return fill(view.root, el("p", { class: "error" }, describeError(error)));
  }
  fill(view.root, el("div", { class: "cards" }, list.apis.map(card)));
  limits();
}

function card(api) {
  const versioned = api.versions.length > 1 || api.versions[0].name;
  return el(
    "section",
    { class: "card api-card", dataset: { api: api.name } },
    el("header", {}, el("h2", {}, api.name), el("code", { class: "muted" }, api.mount)),
    versioned
      ? el(
          "div",
          { class: "versions" },
          el("span", { class: "k" }, "default version"),
          el(
            "div",
            { class: "segmented" },
            api.versions.map((v) =>
              el("button", { class: `version-button${v.default ? " on" : ""}`, dataset: { version: v.name }, title: v.description, onclick: () => switchVersion(api.name, v.name) }, v.name),
            ),
          ),
        )
      : null,
    api.versions.map((version) => versionBlock(api, version, versioned)),
  );
}

function versionBlock(api, version, versioned) {
  return el(
    "div",
    { class: "version", dataset: { key: version.key } },
    versioned ? el("h3", {}, version.key, version.default ? el("span", { class: "tag" }, "default") : null) : null,
    versioned && version.description ? el("p", { class: "muted small version-description", title: version.description }, version.description) : null,
    el("div", { class: "k" }, "scenario"),
    el(
      "div",
      { class: "scenario-list" },
      version.scenarios.map((scenario) =>
        el(
          "button",
          { class: `scenario-button${scenario.name === version.scenario ? " on" : ""}`, dataset: { scenario: scenario.name }, title: scenario.description, onclick: () => switchScenario(version.key, scenario.name) },
          scenario.name,
        ),
      ),
    ),
    scenarioDescription(version),
    version.tokens.length ? tokens(version) : el("p", { class: "muted" }, "No tokens: any well-formed credential is accepted."),
    version.limits ? el("div", { class: "limits", dataset: { key: version.key } }, el("div", { class: "k" }, "rate limits"), el("div", { class: "limit-body" }, windows(version.limits.windows))) : null,
  );
}

function scenarioDescription(version) {
  const text = (version.scenarios.find((s) => s.name === version.scenario) || {}).description || "";
  return el("p", { class: "muted small scenario-description", title: text }, text);
}

function tokens(version) {
  return el(
    "table",
    { class: "tokens" },
    el("thead", {}, el("tr", {}, el("th", {}, "token"), el("th", {}, "may"))),
    el(
      "tbody",
      {},
      version.tokens.map((t) =>
        el(
          "tr",
          {},
          el("td", {}, el("code", {}, t.token), t.name ? el("span", { class: "muted" }, ` ${t.name}`) : null),
          el("td", {}, may(t)),
        ),
      ),
    ),
  );
}

function may(token) {
  const parts = [token.read_only ? "read only (writes → 403)" : "read and write"];
  for (const [name, values] of Object.entries(token.allow || {})) parts.push(`only ${name} ${values.join(", ")} (others → ${token.deny_status})`);
  return parts.join("; ");
}

/** How each kind of client of `GET /limits` is shown, and what it means. */
const CLIENTS = {
  token: { note: (c) => c.name || "", title: "a token of the scenario" },
  credential: { note: () => "unlisted", title: "a credential the scenario accepts but does not list, shown by a short hash of it (never its text)" },
  address: { note: () => "no accepted token", title: "requests without a token the scenario accepts (none, or a wrong one), from this address: one counter for all of them" },
  anonymous: { note: () => "no token, no address", title: "requests without a token the scenario accepts and without a client address" },
  overflow: { note: () => "past the bound", title: "clients past --rate-limit-counters share this one counter until windows end" },
};

function client(c) {
  const kind = CLIENTS[c.kind] || { note: () => "", title: "" };
  const note = kind.note(c);
  return el(
    "span",
    { class: `client client-${c.kind}`, title: kind.title },
    c.kind === "token" || c.kind === "credential" ? el("code", {}, c.client) : el("span", {}, c.client),
    note ? el("span", { class: "muted" }, ` ${note}`) : null,
  );
}

function windows(list, counts = []) {
  return list.map((w, i) =>
    el(
      "div",
      { class: "window" },
      el("span", { class: "w-name" }, `${w.requests} per ${w.seconds} s`),
      counts.length
        ? counts.map((c) => {
            const used = c.windows[i].used;
            return el(
              "div",
              { class: "meter-row", dataset: { client: c.client, kind: c.kind } },
              client(c),
              el("meter", { min: 0, max: w.requests, value: used, low: w.requests * 0.5, high: w.requests * 0.8, optimum: 0 }),
              el("span", { class: "count-text" }, `${used}/${w.requests}`),
              el("span", { class: "muted resets" }, c.windows[i].resets_in ? `resets in ${c.windows[i].resets_in} s` : ""),
            );
          })
        : el("span", { class: "muted" }, " no requests counted"),
    ),
  );
}

async function limits() {
  let counts;
  try {
    counts = await admin("/limits");
  } catch {
    return;
  }
  for (const node of view.root.querySelectorAll(".limits")) {
    const data = counts[node.dataset.key];
    if (data) fill(node.querySelector(".limit-body"), windows(data.windows, data.clients));
  }
}

async function switchScenario(key, scenario) {
  try {
    await admin(`/scenario/${encodeURIComponent(key)}`, { method: "PUT", body: { scenario } });
    toast(`${key}: scenario ${scenario} (its data starts again from the seed)`, "ok");
  } catch (error) {
    toast(describeError(error), "error");
  }
  await draw(true);
}

async function switchVersion(api, version) {
  try {
    await admin(`/version/${encodeURIComponent(api)}`, { method: "PUT", body: { version } });
    toast(`${api}: default version ${version}`, "ok");
  } catch (error) {
    toast(describeError(error), "error");
  }
  await draw(true);
}
