// Shared helpers: the admin API client (with the admin token), DOM building, formatting.
//
// Everything shown comes from requests other people's code sent, so text always goes into
// the page as text (textContent), never as HTML.

export const ADMIN = "/__understudy";
const TOKEN_KEY = "understudy.admin-token";

/** The admin token of this tab (sessionStorage: gone when the tab closes). */
export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function setToken(value) {
  if (value) sessionStorage.setItem(TOKEN_KEY, value);
  else sessionStorage.removeItem(TOKEN_KEY);
}

/** Raised when the admin API wants the token (401). */
export class NeedsToken extends Error {
  constructor() {
    super("the admin API needs its token");
  }
}

/** Raised for an admin API error; `body` is its JSON answer. */
export class AdminError extends Error {
  constructor(status, body) {
    super((body && body.error) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export function authHeaders(extra = {}) {
  const headers = { ...extra };
  const value = token();
  if (value) headers.authorization = `Bearer ${value}`;
  return headers;
}

const listeners = new Set();
/** Called with no argument when a request found the token missing or wrong. */
export function onNeedsToken(listener) {
  listeners.add(listener);
}

/** A request to the admin API; resolves to its JSON (or null), throws AdminError/NeedsToken. */
export async function admin(path, { method = "GET", body, headers = {} } = {}) {
  const init = { method, headers: authHeaders({ accept: "application/json", ...headers }), cache: "no-store" };
  if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    init.headers["content-type"] = "application/json";
  }
  const response = await fetch(ADMIN + path, init);
  if (response.status === 401) {
    listeners.forEach((listener) => listener());
    throw new NeedsToken();
  }
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = { error: text };
  }
  if (!response.ok) throw new AdminError(response.status, json);
  return json;
}

/** `el("div", {class: "x", onclick: f}, "text", child)`: an element, children as text or nodes. */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (value === true) node.setAttribute(name, "");
    else node.setAttribute(name, value);
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : String(child));
  }
}

/** Empties `node` and puts `children` in it. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** `2xx`... as a CSS class. */
export function statusClass(status) {
  if (!status) return "s0";
  return `s${Math.floor(status / 100)}`;
}

export function statusPill(status, extra = "") {
  return el("span", { class: `pill ${statusClass(status)} ${extra}` }, status ?? "–");
}

export function methodBadge(method) {
  return el("span", { class: `method m-${String(method).toLowerCase()}` }, method);
}

/** A JSON value as highlighted, indented text (spans, never HTML). */
export function prettyJson(value) {
  const root = el("pre", { class: "json" });
  if (value === null || value === undefined) {
    root.append(el("span", { class: "j-null" }, value === null ? "(empty)" : ""));
    return root;
  }
  if (typeof value === "string") {
    root.textContent = value;
    return root;
  }
  write(root, value, 0);
  return root;
}

function write(root, value, depth) {
  const pad = "  ".repeat(depth + 1);
  const end = "  ".repeat(depth);
  if (Array.isArray(value)) {
    if (!value.length) return root.append("[]");
    root.append("[\n");
    value.forEach((item, i) => {
      root.append(pad);
      write(root, item, depth + 1);
      root.append(i < value.length - 1 ? ",\n" : "\n");
    });
    root.append(end + "]");
  } else if (value && typeof value === "object") {
    const keys = Object.keys(value);
    if (!keys.length) return root.append("{}");
    root.append("{\n");
    keys.forEach((key, i) => {
      root.append(pad, el("span", { class: "j-key" }, JSON.stringify(key)), ": ");
      write(root, value[key], depth + 1);
      root.append(i < keys.length - 1 ? ",\n" : "\n");
    });
    root.append(end + "}");
  } else {
    const kind = value === null ? "null" : typeof value;
    root.append(el("span", { class: `j-${kind}` }, JSON.stringify(value)));
  }
}

export function time(text) {
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return text;
  return date.toLocaleTimeString([], { hour12: false }) + "." + String(date.getMilliseconds()).padStart(3, "0");
}

/** A shell word: `'it'\''s'`. */
export function shellQuote(text) {
  return `'${String(text).replace(/'/g, `'\\''`)}'`;
}

/** Copies text to the clipboard (falls back to a selection where the Clipboard API is not there). */
export async function copy(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = el("textarea", { class: "offscreen" });
    area.value = text;
    document.body.append(area);
    area.select();
    const done = document.execCommand("copy");
    area.remove();
    return done;
  }
}

let toastTimer;
/** A short message at the bottom of the page. */
export function toast(message, kind = "info") {
  const node = document.getElementById("toast");
  if (!node) return;
  node.textContent = message;
  node.className = `toast show ${kind}`;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (node.className = "toast"), 2600);
}

/** The catalog (`GET /apis`), fetched once and refreshed on demand. */
let catalog;
export async function apis(refresh = false) {
  if (!catalog || refresh) catalog = admin("/apis").catch((error) => {
    catalog = undefined;
    throw error;
  });
  return catalog;
}

/** Every version of every API, flattened: [{api, version}]. */
export function versions(list) {
  return list.apis.flatMap((api) => api.versions.map((version) => ({ api, version })));
}

/** A message for an error thrown by `admin`. */
export function describeError(error) {
  if (error instanceof NeedsToken) return "The admin API needs its token.";
  return error && error.message ? error.message : String(error);
}

/** A `<select>` of `options` ([value, label]) with `value` selected. */
export function select(options, value, onchange, attributes = {}) {
  const node = el("select", { ...attributes, onchange: (event) => onchange(event.target.value) });
  for (const [optionValue, label] of options) {
    const option = el("option", { value: optionValue }, label);
    if (optionValue === value) option.selected = true;
    node.append(option);
  }
  return node;
}
