// GitBook's official client, @gitbook/api 0.202.0, against understudy: its documented calls on
// a space's integrations, with only the endpoint changed, and the errors it raises.
//
//   NODE_PATH=target/client-tests/node/node_modules node tests/clients/gitbook.cjs ENDPOINT
//
// ENDPOINT is what `new GitBookAPI({endpoint})` takes (`http://127.0.0.1:PORT/gitbook`; the
// client adds `/v1`). Every 2xx body is validated, with ajv (draft 2020-12) and ajv-formats,
// against the response schema its operation documents in the spec the package ships
// (`@gitbook/api/spec/openapi.json`). Prints one JSON object: what each call returned or
// raised, and `invalid`, every validation failure (empty when all conform). Runs from a fresh
// server's default scenario; the Rust test (`tests/it/clients.rs`) asserts on the output.

const { GitBookAPI, GitBookAPIError } = require('@gitbook/api');
const spec = require('@gitbook/api/spec/openapi.json');
const Ajv2020 = require('ajv/dist/2020').default;
const addFormats = require('ajv-formats').default;

const endpoint = process.argv[2];
const S1 = 'NoK4wQzHOEVavmwBhb3l'; // slack and mermaid installed
const S2 = 'd7JqX2mP9sLkV4tWcR8e'; // github installed
const S3 = 'Hf3ZuY6nB1aQx0GvTjKo'; // nothing installed
const GITHUB = ['github', 'Ya8KjU3eZq5NwD0rHs6F'];

// The spec is registered whole under one id, so the `#/components/...` references inside it
// resolve; each operation's response schema is compiled as a reference into it. The spec's
// OpenAPI keywords that are no JSON Schema (`example`, `discriminator`, `x-*`) are ignored
// (`strict: false`); formats are checked.
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true, logger: false });
addFormats(ajv);
ajv.addSchema(spec, 'gitbook-openapi.json');
const validators = new Map();
function validator(method, path, status) {
  const key = `${method} ${path} ${status}`;
  if (!validators.has(key)) {
    const pointer = ['paths', path, method, 'responses', String(status), 'content', 'application/json', 'schema']
      .map((t) => encodeURIComponent(t.replace(/~/g, '~0').replace(/\//g, '~1')))
      .join('/');
    validators.set(key, ajv.compile({ $ref: `gitbook-openapi.json#/${pointer}` }));
  }
  return validators.get(key);
}

const invalid = [];
/** Validates a 2xx answer against its operation's documented schema; records failures. */
function check(label, method, path, response) {
  if (!spec.paths[path][method].responses[String(response.status)]) {
    invalid.push({ label, error: `status ${response.status} is not documented` });
    return;
  }
  const schema = spec.paths[path][method].responses[String(response.status)].content;
  if (!schema) return; // 204/205: no body documented
  const validate = validator(method, path, response.status);
  if (!validate(response.data)) {
    invalid.push({ label, errors: validate.errors.map((e) => `${e.instancePath} ${e.message}`) });
  }
}

const LIST = '/spaces/{spaceId}/integrations';
const BLOCKS = '/spaces/{spaceId}/integration-blocks';
const INSTALL = '/integrations/{integrationName}/installations/{installationId}/spaces';
const UNINSTALL = '/integrations/{integrationName}/installations/{installationId}/spaces/{spaceId}';

async function list(api, label, spaceId, query) {
  const response = await api.spaces.listSpaceIntegrations(spaceId, query);
  check(label, 'get', LIST, response);
  return {
    status: response.status,
    names: response.data.items.map((i) => i.name),
    count: response.data.count,
    next: response.data.next,
  };
}

async function blocks(api, label, spaceId) {
  const response = await api.spaces.listSpaceIntegrationsBlocks(spaceId);
  check(label, 'get', BLOCKS, response);
  return response.data.map((b) => [b.name, b.blocks.map((block) => block.id)]);
}

/** The error a call raised, as the client's own type. */
async function failure(call) {
  try {
    const response = await call();
    return { raised: false, status: response.status };
  } catch (error) {
    return {
      raised: true,
      gitbookError: error instanceof GitBookAPIError,
      code: error.code,
      message: error.errorMessage,
    };
  }
}

async function main() {
  const api = new GitBookAPI({ endpoint, authToken: 'dev-token' });
  const out = {};

  out.list = await list(api, 'list', S1);
  out.search = await list(api, 'search', S1, { search: 'SLACK' });
  out.searchNone = await list(api, 'search none', S1, { search: 'zzz' });
  // `limit` and `page` are not in the client's typed query (nor in the spec), but it sends them.
  out.page1 = await list(api, 'page 1', S1, { limit: 1 });
  out.page2 = await list(api, 'page 2', S1, { limit: 1, page: out.page1.next && out.page1.next.page });
  out.empty = await list(api, 'empty space', S3);
  out.blocks = await blocks(api, 'blocks', S1);

  const installed = await api.integrations.installIntegrationOnSpace(...GITHUB, { space: S1 });
  check('install', 'post', INSTALL, installed);
  out.install = {
    status: installed.status,
    location: installed.headers.get('location'),
    integration: installed.data.integration,
    space: installed.data.space,
    installationStatus: installed.data.status,
  };
  out.listAfterInstall = await list(api, 'list after install', S1);
  out.blocksAfterInstall = await blocks(api, 'blocks after install', S1);

  const removed = await api.integrations.uninstallIntegrationFromSpace(...GITHUB, S1);
  check('uninstall', 'delete', UNINSTALL, removed);
  const again = await api.integrations.uninstallIntegrationFromSpace(...GITHUB, S1);
  check('uninstall again', 'delete', UNINSTALL, again);
  out.uninstall = [removed.status, again.status];
  out.listAfterUninstall = await list(api, 'list after uninstall', S1);
  out.listOtherSpace = await list(api, 'list other space', S2);

  // Errors, each as the client's GitBookAPIError.
  out.noToken = await failure(() => new GitBookAPI({ endpoint }).spaces.listSpaceIntegrations(S1));
  out.invalidToken = await failure(() =>
    new GitBookAPI({ endpoint, authToken: 'not-a-token' }).spaces.listSpaceIntegrations(S1),
  );
  const readonly = new GitBookAPI({ endpoint, authToken: 'readonly-token' });
  out.readonlyInstall = await failure(() => readonly.integrations.installIntegrationOnSpace(...GITHUB, { space: S1 }));
  const limited = new GitBookAPI({ endpoint, authToken: 'space-token' });
  out.limitedOtherSpace = await failure(() => limited.spaces.listSpaceIntegrations(S2));
  out.unknownSpaceList = await failure(() => api.spaces.listSpaceIntegrations('UnknownSpace00000000'));
  out.unknownSpaceBlocks = await failure(() => api.spaces.listSpaceIntegrationsBlocks('UnknownSpace00000000'));
  out.unknownInstallation = await failure(() =>
    api.integrations.installIntegrationOnSpace('github', 'NoSuchInstallation00', { space: S1 }),
  );

  out.invalid = invalid;
  console.log(JSON.stringify(out));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
