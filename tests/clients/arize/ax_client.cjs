// Arize's TypeScript client `@arizeai/ax-client` (1.23 or 1.28) against understudy, with only
// the base URL changed. Run by `tests/it/arize_clients.rs`:
//
//     node ax_client.cjs PACKAGE BASE_URL
//
// PACKAGE is the folder of the pinned release (scripts/client-deps.sh installs 1.23.0 and
// 1.28.0 side by side, as node_modules/ax-client-1.23.0 and ax-client-1.28.0); BASE_URL what
// `createClient({ baseUrl })` gets
// (`http://127.0.0.1:PORT/arize` or `.../arize@current`). The client sends `sdk-language`,
// `sdk-version` and `sdk-package-name` headers on every request.
//
// 1.23.0 has no integration functions: its typed paths (`client.GET('/v2/integrations')`...)
// are the documented way. 1.28.0 has `createIntegration`, `getIntegration`, `listIntegrations`,
// `updateIntegration` and `deleteIntegration`. Errors go through the package's own
// `handleApiError`, which throws AuthenticationError (401), AuthorizationError (403),
// BadRequestError (400), NotFoundError (404) or APIError (any other status).
//
// Prints a JSON report (one entry per check) on a line starting with `CLIENT-REPORT ` and
// exits 1 when a check failed.

"use strict";

const fs = require("fs");
const path = require("path");

const [pkg, base] = process.argv.slice(2);
// Required by its folder (its package.json `main`), as `require("@arizeai/ax-client")` would.
const ax = require(path.resolve(pkg));
const version = JSON.parse(fs.readFileSync(path.join(path.resolve(pkg), "package.json"), "utf8")).version;
const [, minor] = version.split(".").map(Number);

const ID1 = "TGxtSW50ZWdyYXRpb246MQ=="; // LlmIntegration:1, seeded in every version
const ID2 = "TGxtSW50ZWdyYXRpb246Mg==";
const UNKNOWN = "TGxtSW50ZWdyYXRpb246OTk5";
const report = { "ax-client": version, base_url: base, checks: [] };

async function check(name, fn) {
  try {
    const detail = await fn();
    report.checks.push({ name, ok: true, detail: detail === undefined ? null : detail });
  } catch (error) {
    report.checks.push({ name, ok: false, error: `${error && error.name}: ${error && error.message}`, stack: String(error && error.stack).slice(0, 1500) });
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

function client(apiKey = "dev-token") {
  return ax.createClient({ baseUrl: base, apiKey });
}

/** The client's own error class for this status, with the server's detail as its message. */
async function raises(errorClass, status, call) {
  try {
    await call();
  } catch (error) {
    assert(error instanceof errorClass, `${error && error.name} (${error && error.message}) is not ${errorClass.name}`);
    assert(error.statusCode === status, `status ${error.statusCode}, wanted ${status}`);
    return { error: error.name, status: error.statusCode, message: error.message };
  }
  throw new Error(`no ${errorClass.name} thrown`);
}

/** A typed-path call as the package documents it: data, or the package's own error. */
async function typed(promise) {
  const response = await promise;
  if (response.error) return ax.handleApiError(response);
  return { data: response.data, status: response.response.status };
}

async function v123() {
  const c = client();
  const state = {};
  await check("POST create openAI (201, api_key not returned)", async () => {
    const { data, status } = await typed(c.POST("/v2/integrations", {
      body: { type: "llm", name: "Ax OpenAI", config: { provider: "openAI", api_key: "sk-ax-secret" } },
    }));
    assert(status === 201, status);
    assert(data.config.provider === "openAI" && data.config.has_api_key === true, JSON.stringify(data));
    assert(!JSON.stringify(data).includes("sk-ax-secret"), "api_key returned");
    state.openai = data.id;
    return data.id;
  });
  await check("POST create anthropic, space-scoped (201)", async () => {
    const { data } = await typed(c.POST("/v2/integrations", {
      body: {
        type: "llm", name: "Ax Claude", scopings: [{ organization_id: "T3JnYW5pemF0aW9uOjE=", space_id: "U3BhY2U6Mw==" }],
        config: { provider: "anthropic", api_key: "sk-ant-ax" },
      },
    }));
    assert(data.config.provider === "anthropic" && data.scopings[0].space_id === "U3BhY2U6Mw==", JSON.stringify(data));
    state.anthropic = data.id;
    return data.id;
  });
  await check("GET the created integration (200)", async () => {
    const { data } = await typed(c.GET("/v2/integrations/{integration_id}", { params: { path: { integration_id: state.openai } } }));
    assert(data.name === "Ax OpenAI", data.name);
    return data.name;
  });
  await check("GET list, newest first (200)", async () => {
    const { data } = await typed(c.GET("/v2/integrations", {}));
    assert(data.integrations[0].id === state.anthropic, JSON.stringify(data.integrations.map((i) => i.name)));
    assert(data.pagination.has_more === false, "one page");
    return data.integrations.map((i) => i.name);
  });
  await check("GET list filtered by type and name", async () => {
    const { data } = await typed(c.GET("/v2/integrations", { params: { query: { type: "llm", name: "openai" } } }));
    assert(data.integrations.length > 0 && data.integrations.every((i) => /openai/i.test(i.name)), "filtered");
    return data.integrations.map((i) => i.name);
  });
  await check("GET list, limit=2, following next_cursor", async () => {
    const names = [];
    let cursor;
    let pages = 0;
    do {
      const { data } = await typed(c.GET("/v2/integrations", { params: { query: { limit: 2, cursor } } }));
      names.push(...data.integrations.map((i) => i.name));
      cursor = data.pagination.next_cursor;
      pages += 1;
      assert(data.pagination.has_more === (cursor !== undefined), "has_more matches next_cursor");
    } while (cursor);
    assert(pages === 3 && names.length === 5, `${pages} pages, ${names}`);
    return { pages, names };
  });
  await check("the seed's update, sent verbatim (200)", async () => {
    // {"type":"llm","name":"Updated OpenAI","config":{"is_default_models_enabled":true}}: the
    // field is not in 1.23's typings (it is the 2026-07-02 format) but the client sends it.
    const { data } = await typed(c.PATCH("/v2/integrations/{integration_id}", {
      params: { path: { integration_id: ID1 } },
      body: { type: "llm", name: "Updated OpenAI", config: { is_default_models_enabled: true } },
    }));
    assert(data.name === "Updated OpenAI", data.name);
    assert(!("is_default_models_enabled" in data.config), "a field 2026-07-10 does not have came back");
    return data;
  });
  await check("PATCH clears the key with null (200)", async () => {
    const { data } = await typed(c.PATCH("/v2/integrations/{integration_id}", {
      params: { path: { integration_id: state.openai } }, body: { type: "llm", config: { api_key: null } },
    }));
    assert(data.config.has_api_key === false, JSON.stringify(data.config));
    return data.config;
  });
  await check("401 without Authorization", () => raises(ax.AuthenticationError, 401, () =>
    typed(c.GET("/v2/integrations", { headers: { Authorization: null } }))));
  await check("401 with an unknown key", () => raises(ax.AuthenticationError, 401, () =>
    typed(client("not-a-known-key").GET("/v2/integrations", {}))));
  await check("403 creating with a read-only key", () => raises(ax.AuthorizationError, 403, () =>
    typed(client("readonly-token").POST("/v2/integrations", {
      body: { type: "llm", name: "Nope", config: { provider: "openAI", api_key: "k" } },
    }))));
  await check("404 for an unknown id", () => raises(ax.NotFoundError, 404, () =>
    typed(c.GET("/v2/integrations/{integration_id}", { params: { path: { integration_id: UNKNOWN } } }))));
  await check("409 creating a taken name", () => raises(ax.APIError, 409, () =>
    typed(c.POST("/v2/integrations", { body: { type: "llm", name: "Ax OpenAI", config: { provider: "openAI", api_key: "k" } } }))));
  await check("422 changing the provider", () => raises(ax.APIError, 422, () =>
    typed(c.PATCH("/v2/integrations/{integration_id}", {
      params: { path: { integration_id: state.anthropic } }, body: { type: "llm", config: { provider: "openAI" } },
    }))));
  await check("400 for a PATCH with only type", () => raises(ax.BadRequestError, 400, () =>
    typed(c.PATCH("/v2/integrations/{integration_id}", { params: { path: { integration_id: ID2 } }, body: { type: "llm" } }))));
  await check("400 for a cursor the list never issued", () => raises(ax.BadRequestError, 400, () =>
    typed(c.GET("/v2/integrations", { params: { query: { cursor: "bm90LWEtY3Vyc29y" } } }))));
  await check("DELETE (204), then GET is 404", async () => {
    const { status } = await typed(c.DELETE("/v2/integrations/{integration_id}", { params: { path: { integration_id: state.openai } } }));
    assert(status === 204, status);
    return raises(ax.NotFoundError, 404, () =>
      typed(c.GET("/v2/integrations/{integration_id}", { params: { path: { integration_id: state.openai } } })));
  });
}

async function v128() {
  const c = client();
  const state = {};
  await check("createIntegration LLM OPEN_AI (201)", async () => {
    const created = await ax.createIntegration({ client: c, type: "LLM", name: "Ax OpenAI", config: { provider: "OPEN_AI", apiKey: "sk-ax-secret" } });
    assert(created.type === "LLM" && created.config.provider === "OPEN_AI" && created.config.hasApiKey === true, JSON.stringify(created));
    assert(created.createdAt instanceof Date && !Number.isNaN(created.createdAt.getTime()), "createdAt");
    state.openai = created.id;
    return created.id;
  });
  await check("createIntegration LLM ANTHROPIC, space-scoped (201)", async () => {
    const created = await ax.createIntegration({
      client: c, type: "LLM", name: "Ax Claude", scopings: [{ organizationId: "T3JnYW5pemF0aW9uOjE=", spaceId: "U3BhY2U6Mw==" }],
      config: { provider: "ANTHROPIC", apiKey: "sk-ant-ax" },
    });
    assert(created.config.provider === "ANTHROPIC" && created.scopings[0].spaceId === "U3BhY2U6Mw==", JSON.stringify(created));
    state.anthropic = created.id;
    return created.id;
  });
  await check("createIntegration AGENT with a request preset (201)", async () => {
    const created = await ax.createIntegration({
      client: c, type: "AGENT", name: "Ax Agent", description: "Replays conversations.",
      config: { endpoint: "https://agent.example.com/replay", headers: { "X-Api-Key": "agent-secret" },
        inputSchema: { type: "object" }, requestPresets: [{ name: "default", config: { input: "hello" } }] },
    });
    assert(created.type === "AGENT" && created.config.requestPresets[0].name === "default", JSON.stringify(created));
    assert(!JSON.stringify(created).includes("agent-secret"), "header value returned");
    state.agent = created.id;
    return created.id;
  });
  await check("getIntegration by id (200)", async () => {
    const got = await ax.getIntegration({ client: c, integration: state.openai });
    assert(got.name === "Ax OpenAI", got.name);
    return got.name;
  });
  await check("getIntegration by name and type", async () => {
    const got = await ax.getIntegration({ client: c, integration: "Staging OpenAI", type: "LLM" });
    assert(got.id === ID2, got.id);
    return got.id;
  });
  await check("listIntegrations: LLM and AGENT, newest first (200)", async () => {
    const { data, pagination } = await ax.listIntegrations({ client: c });
    assert(data[0].id === state.agent && data.every((i) => i.type === "LLM" || i.type === "AGENT"), JSON.stringify(data.map((i) => i.name)));
    assert(pagination.hasMore === false, "one page");
    return data.map((i) => `${i.type} ${i.name}`);
  });
  await check("listIntegrations by type and name, one per page, following nextCursor", async () => {
    const names = [];
    let cursor;
    do {
      const { data, pagination } = await ax.listIntegrations({ client: c, type: "LLM", name: "openai", limit: 1, cursor });
      names.push(...data.map((i) => i.name));
      cursor = pagination.nextCursor;
    } while (cursor);
    assert(JSON.stringify(names) === JSON.stringify(["Ax OpenAI", "Staging OpenAI", "Production OpenAI"]), names);
    return names;
  });
  await check("updateIntegration: rename and function calling (200)", async () => {
    const updated = await ax.updateIntegration({
      client: c, integration: ID1, type: "LLM", name: "Updated OpenAI", config: { provider: "OPEN_AI", isFunctionCallingEnabled: false },
    });
    assert(updated.name === "Updated OpenAI" && updated.config.isFunctionCallingEnabled === false, JSON.stringify(updated));
    return updated.name;
  });
  await check("the seed's update: is_default_models_enabled does not apply to OPEN_AI (422)", () => raises(ax.APIError, 422, () =>
    typed(c.PATCH("/v2/integrations/{integration_id}", {
      params: { path: { integration_id: ID2 } },
      body: { type: "LLM", config: { is_default_models_enabled: true } },
    }))));
  await check("updateIntegration: the provider cannot change (422)", () => raises(ax.APIError, 422, () =>
    ax.updateIntegration({ client: c, integration: state.anthropic, type: "LLM", config: { provider: "OPEN_AI", apiKey: "k" } })));
  await check("updateIntegration: an agent's description (200)", async () => {
    const updated = await ax.updateIntegration({ client: c, integration: state.agent, type: "AGENT", description: "Still an agent." });
    assert(updated.description === "Still an agent.", JSON.stringify(updated));
    return updated.description;
  });
  await check("401 with an unknown key", () => raises(ax.AuthenticationError, 401, () =>
    ax.listIntegrations({ client: client("not-a-known-key") })));
  await check("403 creating with a read-only key", () => raises(ax.AuthorizationError, 403, () =>
    ax.createIntegration({ client: client("readonly-token"), type: "LLM", name: "Nope", config: { provider: "OPEN_AI", apiKey: "k" } })));
  await check("404 for an unknown id", () => raises(ax.NotFoundError, 404, () =>
    ax.getIntegration({ client: c, integration: UNKNOWN })));
  await check("409 creating a taken name", () => raises(ax.APIError, 409, () =>
    ax.createIntegration({ client: c, type: "LLM", name: "Ax OpenAI", config: { provider: "OPEN_AI", apiKey: "k" } })));
  await check("400 for a cursor the list never issued", () => raises(ax.BadRequestError, 400, () =>
    ax.listIntegrations({ client: c, cursor: "bm90LWEtY3Vyc29y" })));
  await check("deleteIntegration (204), then getIntegration is 404", async () => {
    await ax.deleteIntegration({ client: c, integration: state.anthropic });
    return raises(ax.NotFoundError, 404, () => ax.getIntegration({ client: c, integration: state.anthropic }));
  });
}

(async () => {
  // The 1.28 functions warn on stderr that they are alpha; that is not a failure.
  if (minor >= 24) await v128();
  else await v123();
  process.stdout.write("CLIENT-REPORT " + JSON.stringify(report) + "\n");
  process.exit(report.checks.every((c) => c.ok) ? 0 : 1);
})();
