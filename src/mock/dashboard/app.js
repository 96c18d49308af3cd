// The dashboard's shell: the four views behind the tabs (#/journal, #/state, #/scenarios,
// #/contracts), the admin token form, and the live journal running in the background.

import * as journal from "./journal.js";
import * as state from "./state.js";
import * as scenarios from "./scenarios.js";
import * as contracts from "./contracts.js";
import { apis, el, fill, onNeedsToken, setToken, token, toast } from "./util.js";

const VIEWS = {
  journal: { title: "Journal", render: journal.render },
  state: { title: "State", render: state.render },
  scenarios: { title: "Scenarios", render: scenarios.render },
  contracts: { title: "Contracts", render: contracts.render },
};

function current() {
  const name = location.hash.replace(/^#\/?/, "").split("?")[0];
  return VIEWS[name] ? name : "journal";
}

function show() {
  const name = current();
  for (const link of document.querySelectorAll("nav a")) link.classList.toggle("on", link.dataset.view === name);
  const main = document.getElementById("view");
  main.dataset.view = name;
  document.title = `${VIEWS[name].title} · understudy`;
  VIEWS[name].render(main);
}

function askToken() {
  const dialog = document.getElementById("login");
  if (dialog.open) return;
  dialog.querySelector(".login-error").textContent = token() ? "That token was refused." : "";
  dialog.showModal();
  dialog.querySelector("input").focus();
}

function setup() {
  const nav = document.querySelector("nav");
  fill(nav, Object.entries(VIEWS).map(([name, view]) => el("a", { href: `#/${name}`, dataset: { view: name } }, view.title)));
  const form = document.querySelector("#login form");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    setToken(form.elements.token.value.trim());
    form.reset();
    document.getElementById("login").close();
    apis(true).catch(() => {});
    journal.restart();
    show();
  });
  document.getElementById("forget").addEventListener("click", () => {
    setToken("");
    toast("Admin token forgotten for this tab", "ok");
  });
  onNeedsToken(askToken);
  // The state view follows the requests that change it, at most a few times a second (a
  // flood of requests is not a flood of state dumps).
  let refreshing = null;
  journal.onEntries(() => {
    if (current() !== "state" || refreshing) return;
    refreshing = setTimeout(async () => {
      await state.refresh().catch(() => {});
      refreshing = null;
    }, 300);
  });
  window.addEventListener("hashchange", show);
  journal.start();
  show();
}

setup();
