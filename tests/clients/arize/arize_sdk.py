"""Arize's Python SDK (`arize` 8.38, 8.39 or 8.61) against understudy, with only the base URL
changed. Run by `tests/it/arize_clients.rs` with the interpreter of a virtualenv holding one
pinned version; prints a JSON report (one entry per check) on a line starting with
`CLIENT-REPORT ` and exits 1 when a check failed.

    python arize_sdk.py BASE_URL MODE

BASE_URL is what the client is pointed at (`http://127.0.0.1:PORT/arize` or
`.../arize@2026-07-02`). MODE:
- `generated`: the generated low-level client as its README builds it,
  `IntegrationsApi(ApiClient(Configuration(host=BASE_URL, access_token=...)))`. It sends no
  header naming the SDK (its User-Agent is `OpenAPI-Generator/1.0.0/python` in every version).
- `arize-client`: the generated client as `ArizeClient(api_key, api_host, api_scheme)` builds
  it for its own sub-clients, so it carries the SDK's `sdk-version`/`sdk-package-name` headers.
- `integrations` (8.61 only): the high-level `ArizeClient(...).integrations`.

Every success must deserialize into the client's own models; every error must raise the
client's own exception class with the right status and a parsed `Problem`.
"""

import json
import sys
import traceback
from urllib.parse import urlsplit

from arize._generated import api_client as gen
from arize._generated.api_client import exceptions as errors
from arize.version import __version__ as VERSION

BASE, MODE = sys.argv[1], sys.argv[2]
MINOR = int(VERSION.split(".")[1])
CURRENT = MINOR >= 40
LLM = "LLM" if CURRENT else "llm"
OPEN_AI = "OPEN_AI" if CURRENT else "openAI"
ANTHROPIC = "ANTHROPIC" if CURRENT else ("anthropic" if MINOR >= 39 else None)
TOKEN = "dev-token"
ID1 = "TGxtSW50ZWdyYXRpb246MQ=="  # LlmIntegration:1, seeded in every version
ID2 = "TGxtSW50ZWdyYXRpb246Mg=="  # LlmIntegration:2
UNKNOWN = "TGxtSW50ZWdyYXRpb246OTk5"  # LlmIntegration:999

REPORT = {"arize": VERSION, "mode": MODE, "base_url": BASE, "checks": []}


def check(name):
    """Runs the decorated function now and records its outcome (its return value is the detail)."""
    def run(fn):
        try:
            detail = fn()
            REPORT["checks"].append({"name": name, "ok": True, "detail": detail})
        except Exception as error:  # noqa: BLE001 - every failure is reported
            REPORT["checks"].append({"name": name, "ok": False,
                                     "error": f"{type(error).__name__}: {error}"[:2000],
                                     "trace": traceback.format_exc()[-2000:]})
        return fn
    return run


def raises(exception, status, call):
    """The client raises its own exception class for this status, with a parsed Problem."""
    try:
        call()
    except exception as error:
        assert error.status == status, f"status {error.status}, wanted {status}"
        problem = error.data
        assert isinstance(problem, gen.Problem), f"error.data is {type(problem).__name__}, not Problem"
        assert problem.status == status, problem
        return {"exception": type(error).__name__, "status": error.status, "detail": problem.detail}
    raise AssertionError(f"no {exception.__name__} raised")


def client(token=TOKEN):
    """The generated ApiClient, built the way MODE says."""
    if MODE == "generated":
        configuration = gen.Configuration(host=BASE)
        if token is not None:
            configuration.access_token = token
        return gen.ApiClient(configuration)
    from arize import ArizeClient
    url = urlsplit(BASE)
    arize = ArizeClient(api_key=token or "no-key", api_host=url.netloc + url.path, api_scheme=url.scheme)
    built = arize._gen_client_factory.get_client()
    if token is None:  # ArizeClient refuses to start without a key; take it away afterwards
        built.configuration.access_token = None
    return built


def unwrap(value):
    """8.61 wraps integrations in the `Integration` oneOf; earlier versions do not."""
    return getattr(value, "actual_instance", value)


api = gen.IntegrationsApi(client())
if CURRENT:
    create, get, lst, update, delete = (api.create_integration, api.get_integration, api.list_integrations,
                                        api.update_integration, api.delete_integration)
else:
    create, get, lst, update, delete = (api.integrations_create, api.integrations_get, api.integrations_list,
                                        api.integrations_update, api.integrations_delete)


def create_body(name, provider, key):
    if CURRENT:
        config_class = gen.CreateOpenAiConfig if provider == OPEN_AI else gen.CreateAnthropicConfig
        config = gen.CreateLlmConfig(config_class(provider=provider, api_key=key))
        return gen.CreateIntegrationRequest(gen.CreateLlmIntegrationRequest(type=LLM, name=name, config=config))
    if MINOR == 38:
        return gen.CreateLlmIntegrationRequest(type=LLM, name=name,
                                               config=gen.CreateOpenAiConfig(provider=provider, api_key=key))
    config_class = gen.CreateOpenAiConfig if provider == OPEN_AI else gen.CreateAnthropicConfig
    return gen.CreateLlmIntegrationRequest(type=LLM, name=name,
                                           config=gen.CreateLlmConfig(config_class(provider=provider, api_key=key)))


def update_body(**fields):
    config = fields.pop("config", None)
    if config is not None:
        fields["config"] = gen.UpdateLlmConfig(**config)
    request = gen.UpdateLlmIntegrationRequest(type=LLM, **fields)
    return gen.UpdateIntegrationRequest(request) if CURRENT else request


def do_create(body):
    return unwrap(create(create_integration_request=body) if CURRENT else create(body=body))


def do_update(integration_id, body, **kwargs):
    if CURRENT:
        return unwrap(update(integration_id=integration_id, update_integration_request=body, **kwargs))
    return unwrap(update(integration_id=integration_id, body=body, **kwargs))


def integration_class():
    return gen.LlmIntegration


def list_all(**query):
    """Every page of a list, following `next_cursor`."""
    names, pages, cursor = [], 0, None
    while True:
        page = lst(cursor=cursor, **query)
        assert isinstance(page, gen.ListIntegrationsResponse if CURRENT else gen.IntegrationListResponse)
        pages += 1
        names += [unwrap(i).name for i in page.integrations]
        if not page.pagination.has_more:
            assert page.pagination.next_cursor is None
            return names, pages
        cursor = page.pagination.next_cursor
        assert cursor, "has_more without a next_cursor"


def run_generated():
    state = {}

    @check("create openAI (201, api_key not returned)")
    def _():
        created = do_create(create_body("Client OpenAI", OPEN_AI, "sk-client-secret"))
        assert isinstance(created, integration_class()), type(created)
        assert created.type == LLM and created.name == "Client OpenAI"
        config = unwrap(created.config)
        assert config.provider == OPEN_AI and config.has_api_key is True
        assert config.is_function_calling_enabled is True
        if MINOR == 38:
            assert config.is_default_models_enabled is False
        assert "sk-client-secret" not in repr(created.to_dict())
        state["openai"] = created.id
        return created.id

    if ANTHROPIC:
        @check("create anthropic (201)")
        def _():
            created = do_create(create_body("Client Claude", ANTHROPIC, "sk-ant-client"))
            assert unwrap(created.config).provider == ANTHROPIC
            state["anthropic"] = created.id
            return created.id

    @check("get the created integration (200)")
    def _():
        got = unwrap(get(integration_id=state["openai"]))
        assert isinstance(got, integration_class()) and got.name == "Client OpenAI"
        return got.id

    @check("get a seeded integration (200)")
    def _():
        got = unwrap(get(integration_id=ID1))
        assert got.name == "Production OpenAI", got.name
        return got.name

    @check("list every integration (200), newest first")
    def _():
        page = lst()
        items = [unwrap(i) for i in page.integrations]
        assert items and items[0].id == state.get("anthropic", state["openai"]), [i.name for i in items]
        return [i.name for i in items]

    @check("list filtered by type and name")
    def _():
        names, _ = list_all(type=LLM, name="OPENAI")
        assert names and all("openai" in n.lower() for n in names), names
        return names

    @check("list paginated (limit=1), following next_cursor to the end")
    def _():
        everything = [unwrap(i).name for i in lst(type=LLM, limit=100).integrations]
        names, pages = list_all(type=LLM, limit=1)
        assert names == everything and pages == len(everything), (names, everything)
        return {"pages": pages}

    @check("the seed's update (200)")
    def _():
        # The seed's valid example: {"type": "llm", "name": "Updated OpenAI",
        # "config": {"is_default_models_enabled": true}}. 8.38 sends it as is; 8.39's model has
        # no such field and drops it; 8.61 sends it, and it does not apply to an OpenAI
        # integration any more (422, checked below), so the vendor's current example is sent.
        if CURRENT:
            body = update_body(name="Updated OpenAI", config={"is_function_calling_enabled": True})
        else:
            body = update_body(name="Updated OpenAI", config={"is_default_models_enabled": True})
        updated = do_update(ID1, body)
        assert isinstance(updated, integration_class()) and updated.name == "Updated OpenAI"
        if MINOR == 38:
            assert unwrap(updated.config).is_default_models_enabled is True
        assert unwrap(get(integration_id=ID1)).name == "Updated OpenAI"
        return updated.name

    @check("clear the API key with null (200)")
    def _():
        updated = do_update(state["openai"], update_body(config={"api_key": None}))
        assert unwrap(updated.config).has_api_key is False
        return "has_api_key false"

    @check("401 without a token")
    def _():
        bare = gen.IntegrationsApi(client(token=None))
        method = bare.list_integrations if CURRENT else bare.integrations_list
        return raises(errors.UnauthorizedException, 401, method)

    @check("401 with an unknown token")
    def _():
        other = gen.IntegrationsApi(client(token="not-a-known-key"))
        method = other.list_integrations if CURRENT else other.integrations_list
        return raises(errors.UnauthorizedException, 401, method)

    @check("403 creating with a read-only key")
    def _():
        readonly = gen.IntegrationsApi(client(token="readonly-token"))
        body = create_body("Read-only OpenAI", OPEN_AI, "sk-x")
        if CURRENT:
            return raises(errors.ForbiddenException, 403, lambda: readonly.create_integration(create_integration_request=body))
        return raises(errors.ForbiddenException, 403, lambda: readonly.integrations_create(body=body))

    @check("404 for an unknown id")
    def _():
        return raises(errors.NotFoundException, 404, lambda: get(integration_id=UNKNOWN))

    @check("409 creating a taken name")
    def _():
        return raises(errors.ConflictException, 409,
                      lambda: do_create(create_body("Client OpenAI", OPEN_AI, "sk-again")))

    @check("409 renaming onto a taken name")
    def _():
        return raises(errors.ConflictException, 409,
                      lambda: do_update(ID2, update_body(name="Client OpenAI")))

    if ANTHROPIC:
        @check("422 changing the provider")
        def _():
            return raises(errors.UnprocessableEntityException, 422,
                          lambda: do_update(state["anthropic"], update_body(config={"provider": OPEN_AI})))
    else:
        @check("422 (asked for with Prefer: one provider, one type, no valid body reaches it)")
        def _():
            return raises(errors.UnprocessableEntityException, 422,
                          lambda: do_update(ID2, update_body(name="x"), _headers={"Prefer": "code=422"}))

    if CURRENT:
        @check("422 for the seed's update: is_default_models_enabled does not apply to OPEN_AI")
        def _():
            return raises(errors.UnprocessableEntityException, 422,
                          lambda: do_update(ID2, update_body(config={"is_default_models_enabled": True})))

        @check("422 for a PATCH with only type")
        def _():
            return raises(errors.UnprocessableEntityException, 422, lambda: do_update(ID2, update_body()))
    else:
        @check("400 for a PATCH with only type")
        def _():
            return raises(errors.BadRequestException, 400, lambda: do_update(ID2, update_body()))

    @check("400 for a cursor the list never issued")
    def _():
        return raises(errors.BadRequestException, 400, lambda: lst(cursor="bm90LWEtY3Vyc29y"))

    @check("delete (204), then get is 404")
    def _():
        assert delete(integration_id=state["openai"]) is None
        return raises(errors.NotFoundException, 404, lambda: get(integration_id=state["openai"]))

    @check("delete again is 404")
    def _():
        return raises(errors.NotFoundException, 404, lambda: delete(integration_id=state["openai"]))


def run_integrations():
    """8.61's high-level client: `ArizeClient(...).integrations`."""
    from arize import ArizeClient
    from arize.integrations.types import (CreateAnthropicConfig, CreateOpenAiConfig, IntegrationType)

    url = urlsplit(BASE)

    def arize(token=TOKEN):
        return ArizeClient(api_key=token, api_host=url.netloc + url.path, api_scheme=url.scheme).integrations

    integrations = arize()
    state = {}

    @check("create_llm OPEN_AI (201)")
    def _():
        created = integrations.create_llm(name="SDK OpenAI", config=CreateOpenAiConfig(provider="OPEN_AI", api_key="sk-sdk"))
        assert isinstance(created, gen.LlmIntegration), type(created)
        assert created.config.actual_instance.has_api_key is True
        state["openai"] = created.id
        return created.id

    @check("create_llm ANTHROPIC (201)")
    def _():
        created = integrations.create_llm(
            name="SDK Claude", config=CreateAnthropicConfig(provider="ANTHROPIC", api_key="sk-ant-sdk"))
        assert created.config.actual_instance.provider == "ANTHROPIC"
        state["anthropic"] = created.id
        return created.id

    @check("create_agent (201)")
    def _():
        created = integrations.create_agent(name="SDK Agent", endpoint="https://agent.example.com/run",
                                            input_schema={"type": "object"}, description="An agent.")
        assert isinstance(created, gen.AgentIntegration), type(created)
        assert created.config.request_presets == []
        state["agent"] = created.id
        return created.id

    @check("get by id (200)")
    def _():
        got = integrations.get(integration=state["openai"])
        assert isinstance(got, gen.LlmIntegration) and got.name == "SDK OpenAI"
        return got.name

    @check("get by name (resolved with GET ?name=&type=LLM)")
    def _():
        got = integrations.get(integration="Staging OpenAI", integration_type=IntegrationType.LLM)
        assert got.id == ID2, got.id
        return got.id

    @check("list (200): LLM and AGENT, newest first")
    def _():
        page = integrations.list()
        types = {unwrap(item).type for item in page.integrations}
        assert types <= {"LLM", "AGENT"} and "AGENT" in types, types
        assert unwrap(page.integrations[0]).id == state["agent"]
        return [unwrap(item).name for item in page.integrations]

    @check("list filtered by name, one per page, following next_cursor")
    def _():
        names, cursor = [], None
        while True:
            page = integrations.list(name="openai", limit=1, cursor=cursor)
            names += [unwrap(item).name for item in page.integrations]
            if not page.pagination.has_more:
                break
            cursor = page.pagination.next_cursor
        assert names == ["SDK OpenAI", "Staging OpenAI", "Production OpenAI"], names
        return names

    @check("update_llm: rename and function calling (200)")
    def _():
        updated = integrations.update_llm(integration=ID1, name="Updated OpenAI", function_calling_enabled=False)
        assert updated.name == "Updated OpenAI"
        assert updated.config.actual_instance.is_function_calling_enabled is False
        return updated.name

    @check("update_llm: the seed's is_default_models_enabled on OPEN_AI is 422")
    def _():
        return raises(errors.UnprocessableEntityException, 422,
                      lambda: integrations.update_llm(integration=ID2, is_default_models_enabled=True))

    @check("update_llm: base_url on ANTHROPIC applies (200)")
    def _():
        updated = integrations.update_llm(integration=state["anthropic"], base_url="https://gateway.example.com/v1")
        assert updated.config.actual_instance.base_url == "https://gateway.example.com/v1"
        return updated.config.actual_instance.base_url

    @check("update_agent: description (200)")
    def _():
        updated = integrations.update_agent(integration=state["agent"], description="Still an agent.")
        assert isinstance(updated, gen.AgentIntegration) and updated.description == "Still an agent."
        return updated.description

    @check("401 with an unknown key")
    def _():
        return raises(errors.UnauthorizedException, 401, lambda: arize("not-a-known-key").list())

    @check("403 creating with a read-only key")
    def _():
        return raises(errors.ForbiddenException, 403, lambda: arize("readonly-token").create_llm(
            name="Read-only", config=CreateOpenAiConfig(provider="OPEN_AI", api_key="k")))

    @check("404 for an unknown id")
    def _():
        return raises(errors.NotFoundException, 404, lambda: integrations.get(integration=UNKNOWN))

    @check("409 for a taken name")
    def _():
        return raises(errors.ConflictException, 409, lambda: integrations.create_llm(
            name="SDK OpenAI", config=CreateOpenAiConfig(provider="OPEN_AI", api_key="sk-again")))

    @check("400 for a cursor the list never issued")
    def _():
        return raises(errors.BadRequestException, 400, lambda: integrations.list(cursor="bm90LWEtY3Vyc29y"))

    @check("delete (204), then get is 404")
    def _():
        assert integrations.delete(integration=state["anthropic"]) is None
        return raises(errors.NotFoundException, 404, lambda: integrations.get(integration=state["anthropic"]))


if MODE == "integrations":
    assert CURRENT, "ArizeClient(...).integrations exists from arize 8.40 on"
    run_integrations()
else:
    run_generated()

# The SDK logs to standard output too: the report is the line that starts with the marker.
print("CLIENT-REPORT " + json.dumps(REPORT, default=str))
sys.exit(0 if all(c["ok"] for c in REPORT["checks"]) else 1)
