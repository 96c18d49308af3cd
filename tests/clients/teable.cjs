// Teable's official client, @teable/openapi 1.10.0, against understudy: its space-integration
// calls as documented, with only the endpoint changed, and the errors it raises.
//
//   NODE_PATH=target/client-tests/node/node_modules node tests/clients/teable.cjs ENDPOINT SEED_PATCH_JSON
//
// ENDPOINT is what `configApi` takes (`http://127.0.0.1:PORT/teable`; the client adds `/api`),
// SEED_PATCH_JSON the body of the seed's documented PATCH. Prints one JSON object: what each
// call returned or raised, and whether each answer parsed with the package's own zod schemas
// (`integrationItemVoSchema` for list items, `testLLMVoSchema` for test-llm). Runs from a fresh
// server's default scenario; the Rust test (`tests/it/clients.rs`) asserts on the output.

const {
  configApi,
  getIntegrationList,
  createIntegration,
  updateIntegration,
  deleteIntegration,
  testIntegrationLLM,
  integrationItemVoSchema,
  testLLMVoSchema,
} = require('@teable/openapi');
const { HttpError } = require('@teable/core');
const { z } = require('zod');

const [endpoint, seedPatch] = process.argv.slice(2);
const S1 = 'spcTeSYe43VZTSG4Uu3'; // seeded: OpenAI provider, enabled
const S2 = 'spcy2HwGF2NJEHs2ivO'; // seeded: the default integration, disabled, no providers
const I1 = 'intH0sBtuGK6ikltC7E';
const listSchema = z.array(integrationItemVoSchema);

/** A list answer, parsed by the package's zod schema. */
async function list(spaceId) {
  const response = await getIntegrationList(spaceId);
  const parsed = listSchema.safeParse(response.data);
  return {
    status: response.status,
    zod: parsed.success ? 'ok' : parsed.error.issues.map((i) => `${i.path.join('/')}: ${i.message}`),
    items: response.data.map((i) => ({
      id: i.id,
      spaceId: i.spaceId,
      enable: i.enable,
      providers: (i.config.llmProviders || []).map((p) => p.type),
    })),
  };
}

/** The error a call raised, as the client's own type. */
async function failure(call) {
  try {
    const response = await call();
    return { raised: false, status: response && response.status };
  } catch (error) {
    return {
      raised: true,
      httpError: error instanceof HttpError,
      status: error.status,
      code: error.code,
      message: error.message,
    };
  }
}

async function main() {
  const out = {};
  configApi({ endpoint, token: 'dev-token' });

  out.listS1 = await list(S1);
  out.listS2 = await list(S2);
  const defaultId = out.listS2.items[0].id;

  const created = await createIntegration(S2, {
    type: 'AI',
    enable: true,
    config: {
      llmProviders: [
        {
          type: 'anthropic',
          name: 'Claude',
          apiKey: 'sk-ant-test',
          baseUrl: 'https://api.anthropic.com/v1',
          models: 'claude-3-5-sonnet-latest',
        },
      ],
    },
  });
  out.create = {
    status: created.status,
    id: created.data.id,
    resourceId: created.data.resourceId,
    enable: created.data.enable,
    configIsText: typeof created.data.config === 'string',
  };
  out.listS2AfterCreate = await list(S2);

  const updated = await updateIntegration(S1, I1, JSON.parse(seedPatch));
  out.seedUpdate = { status: updated.status, id: updated.data.id, enable: updated.data.enable };
  out.listS1AfterSeedUpdate = await list(S1);
  const disabled = await updateIntegration(S1, I1, { enable: false });
  out.disable = { status: disabled.status, enable: disabled.data.enable };

  const tested = await testIntegrationLLM(S1, {
    type: 'openai',
    name: 'OpenAI',
    apiKey: 'sk-test',
    baseUrl: 'https://api.openai.com/v1',
    models: 'gpt-4o,gpt-4o-mini',
    modelKey: 'openai@gpt-4o@OpenAI',
  });
  const testedParse = testLLMVoSchema.safeParse(tested);
  out.testLLM = { answer: tested, zod: testedParse.success ? 'ok' : testedParse.error.issues };

  const deleted = await deleteIntegration(S2, defaultId);
  out.delete = { status: deleted.status, body: deleted.data };
  out.listS2AfterDelete = await list(S2);

  // Errors, each as the client's HttpError.
  out.unknownIntegration = await failure(() => updateIntegration(S1, 'intUnknown0000000000', { enable: true }));
  out.unknownSpace = await failure(() => getIntegrationList('not-a-space'));
  out.badType = await failure(() => createIntegration(S1, { type: 'NOPE', config: { llmProviders: [] } }));
  out.testLLMWithoutKey = await failure(() => testIntegrationLLM(S1, { type: 'openai', name: 'OpenAI' }));

  configApi({ endpoint, token: 'readonly-token' });
  out.readonlyList = await failure(() => getIntegrationList(S1));
  out.readonlyUpdate = await failure(() => updateIntegration(S1, I1, { enable: true }));
  out.readonlyTestLLM = await failure(() =>
    testIntegrationLLM(S1, { type: 'openai', name: 'OpenAI', apiKey: 'k', baseUrl: 'https://api.openai.com/v1' }),
  );

  configApi({ endpoint, token: 'space-token' });
  out.otherSpace = await failure(() => getIntegrationList(S2));

  configApi({ endpoint, token: 'not-a-token' });
  out.invalidToken = await failure(() => getIntegrationList(S1));

  try {
    configApi({ endpoint, token: '' });
    out.noToken = 'accepted';
  } catch (error) {
    out.noToken = { clientSide: true, message: error.message };
  }

  console.log(JSON.stringify(out));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
