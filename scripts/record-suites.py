#!/usr/bin/env python3
"""Re-records the bundled conformance suites (conformance/<api>/) with `understudy record`.

A development tool, not run by CI. It starts understudy (default scenarios, fixed seed and
clock, so recorded values are stable), puts the recording proxy in front of one API at a time,
sends each API's scripted requests through it, then gives the token placeholders the
development tokens as fallbacks (`${env.TOKEN:-dev-token}`) and adds each case's description.

    cargo build && python3 scripts/record-suites.py [api ...]

An API with versions is recorded one version at a time: `arize@2026-07-02`, `arize@2026-07-10`,
`arize@current` (`arize` alone records all three), each into conformance/<api>/<version>/.

Review the diff of conformance/ before committing: the files are the expectations.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "debug", "understudy")
SERVE_PORT = 4310
PROXY_PORT = 4311

# Token placeholders in the order each API's script first uses them, with their names and the
# development tokens of the default scenarios as fallbacks.
TOKENS = {
    "TOKEN": ("TOKEN", "dev-token"),
    "TOKEN_2": ("READONLY_TOKEN", "readonly-token"),
    "TOKEN_3": ("LIMITED_TOKEN", None),  # per API, below
    "TOKEN_4": ("OTHER_TOKEN", None),
}
LIMITED = {"teable": "space-token", "arize": "integration-token", "gitbook": "space-token", "ada": "installation-token"}
SECRETS = {"API_KEY": "sk-test-key", "AI_GATEWAY_API_KEY": "string", "X_API_KEY": "agent-test-key"}

DEV, READONLY = "dev-token", "readonly-token"


def case(case_id, description, method, path, body=None, token=DEV, headers=None, raw=None):
    return {"id": case_id, "description": description, "method": method, "path": path,
            "body": body, "token": token, "headers": headers or {}, "raw": raw}


TEABLE_SPACE = "/api/space/spcTeSYe43VZTSG4Uu3/integration"
TEABLE_NEW = "/api/space/spcConformanceNew01/integration"
TEABLE_OTHER = "/api/space/spcy2HwGF2NJEHs2ivO/integration"
SEED_PATCH = {
    "enable": True,
    "config": {"llmProviders": [], "embeddingModel": "string", "translationModel": "string",
               "chatModel": {"lg": "string", "md": "string", "sm": "string",
                             "ability": {"image": True, "pdf": True, "webSearch": True, "toolCall": True, "reasoning": True, "imageGeneration": True}},
               "capabilities": {"disableActions": ["string"]}, "aiGatewayApiKey": "string", "aiGatewayBaseUrl": "http://example.com",
               "attachmentTransferMode": "url", "concurrencyPerKey": 1},
}

SCRIPTS = {
    "teable": [
        case("list-200", "A seeded space lists its one AI integration", "GET", TEABLE_SPACE),
        case("list-new-space-200", "A new space lists the default AI integration every space gets", "GET", TEABLE_NEW),
        case("create-upsert-201", "POST with type AI upserts into the space's integration and answers the raw row", "POST", TEABLE_NEW,
             {"type": "AI", "config": {"llmProviders": [{"type": "openai", "name": "OpenAI", "apiKey": "sk-provider-secret-1"}]}}),
        case("create-upsert-again-201", "A second POST appends its providers to the same integration", "POST", TEABLE_NEW,
             {"type": "AI", "enable": True, "config": {"llmProviders": [{"type": "anthropic", "name": "Claude"}]}}),
        case("list-after-create-200", "The list shows both providers, enabled", "GET", TEABLE_NEW),
        case("update-200", "PATCH replaces config wholesale", "PATCH", None, {"enable": False, "config": {"embeddingModel": "openai@text-embedding-3-small"}}),
        case("list-after-update-200", "The list shows the replaced config", "GET", TEABLE_NEW),
        case("update-seed-sample-200", "The seed's documented PATCH body", "PATCH", TEABLE_SPACE + "/intH0sBtuGK6ikltC7E", SEED_PATCH),
        case("update-invalid-400", "A body breaking the schema is a validation_error naming each field", "PATCH", TEABLE_SPACE + "/intH0sBtuGK6ikltC7E",
             {"enable": "yes", "config": {"llmProviders": [{"type": "nope"}]}}),
        case("create-missing-config-400", "POST without config", "POST", TEABLE_SPACE, {"type": "AI"}),
        case("create-broken-json-400", "A body that is not JSON", "POST", TEABLE_SPACE, raw='{"type": "AI",'),
        case("list-401", "No token", "GET", TEABLE_SPACE, token=None),
        case("delete-readonly-403", "A read-only token cannot delete", "DELETE", TEABLE_SPACE + "/intH0sBtuGK6ikltC7E", token=READONLY),
        case("list-other-space-403", "A token limited to one space cannot read another", "GET", TEABLE_OTHER, token="space-token"),
        case("update-unknown-404", "An unknown integration is not_found", "PATCH", TEABLE_SPACE + "/intUnknownUnknown01", {"enable": True}),
        case("list-bad-space-404", "A space id of the wrong form is no space", "GET", "/api/space/nope/integration"),
        case("delete-200", "DELETE answers 200 with no body", "DELETE", None),
        case("delete-again-404", "Deleting it again is not_found", "DELETE", None),
        case("list-429-prefer", "The documented 429, asked for with Prefer", "GET", TEABLE_SPACE, headers={"prefer": "code=429"}),
        case("list-500-prefer", "The documented 500, asked for with Prefer", "GET", TEABLE_SPACE, headers={"prefer": "code=500"}),
        case("test-llm-201", "test-llm checks a provider's credentials; nothing is stored", "POST", "/api/space/spcTeSYe43VZTSG4Uu3/test-llm",
             {"type": "openai", "name": "OpenAI", "apiKey": "sk-provider-secret-2", "baseUrl": "https://api.openai.com/v1",
              "models": "gpt-4o,gpt-4o-mini", "modelKey": "openai@gpt-4o@OpenAI"}),
        case("test-llm-invalid-400", "test-llm needs the provider's apiKey and baseUrl", "POST", "/api/space/spcTeSYe43VZTSG4Uu3/test-llm",
             {"type": "openai", "name": "OpenAI"}),
    ],
    "arize@2026-07-02": [
        case("list-200", "Newest first, with pagination metadata", "GET", "/v2/integrations"),
        case("list-filtered-200", "Filtered by type and a case-insensitive name substring", "GET", "/v2/integrations?type=llm&name=EVALS"),
        case("list-space-200", "Filtered by a space of any scoping", "GET", "/v2/integrations?space_id=U3BhY2U6MQ%3D%3D"),
        case("list-page-1-200", "A first page of two, with a cursor", "GET", "/v2/integrations?limit=2"),
        case("list-page-2-200", "The next page", "GET", None),
        case("list-bad-cursor-400", "A cursor the list never issued", "GET", "/v2/integrations?cursor=bm90LWEtY3Vyc29y"),
        case("list-limit-400", "limit above 100", "GET", "/v2/integrations?limit=500"),
        case("list-401", "No token", "GET", "/v2/integrations", token=None),
        case("create-201", "Creating an integration: is_default_models_enabled false and function calling on by default; api_key is never returned",
             "POST", "/v2/integrations", {"type": "llm", "name": "Conformance OpenAI", "config": {"provider": "openAI", "api_key": "sk-conformance-secret"}}),
        case("create-anthropic-400", "anthropic is not a provider of this version", "POST", "/v2/integrations",
             {"type": "llm", "name": "Conformance Claude", "config": {"provider": "anthropic", "api_key": "sk-conformance-secret"}}),
        case("create-duplicate-409", "The same name for the same type", "POST", "/v2/integrations",
             {"type": "llm", "name": "Conformance OpenAI", "config": {"provider": "openAI", "api_key": "sk-conformance-secret"}}),
        case("create-missing-name-400", "name is required", "POST", "/v2/integrations", {"type": "llm", "config": {"provider": "openAI", "api_key": "sk-conformance-secret"}}),
        case("create-readonly-403", "A read-only key cannot create", "POST", "/v2/integrations",
             {"type": "llm", "name": "Nope", "config": {"provider": "openAI", "api_key": "sk-conformance-secret"}}, token=READONLY),
        case("get-200", "The created integration", "GET", None),
        case("get-limited-404", "A key limited to one integration does not see others", "GET", "/v2/integrations/TGxtSW50ZWdyYXRpb246Mg%3D%3D", token="integration-token"),
        case("update-seed-200", "The seed's valid example: rename, and enable the default models", "PATCH", None,
             {"type": "llm", "name": "Updated OpenAI", "config": {"is_default_models_enabled": True}}),
        case("update-200", "Clear the key with null", "PATCH", None, {"type": "llm", "config": {"api_key": None}}),
        case("update-type-only-400", "type alone is not an update", "PATCH", None, {"type": "llm"}),
        case("update-422-prefer", "The documented 422, asked for with Prefer (one type and one provider: no valid body reaches it)", "PATCH", None,
             {"type": "llm", "name": "x"}, headers={"prefer": "code=422"}),
        case("update-rename-409", "Renaming onto a taken name", "PATCH", None, {"type": "llm", "name": "Production OpenAI"}),
        case("get-after-update-200", "The update is read back", "GET", None),
        case("delete-204", "DELETE answers 204", "DELETE", None),
        case("get-after-delete-404", "It is gone", "GET", None),
        case("list-429-prefer", "The documented 429, asked for with Prefer", "GET", "/v2/integrations", headers={"prefer": "code=429"}),
    ],
    "arize@2026-07-10": [
        case("list-200", "Newest first, with pagination metadata", "GET", "/v2/integrations"),
        case("list-filtered-200", "Filtered by type and a case-insensitive name substring", "GET", "/v2/integrations?type=llm&name=OPENAI"),
        case("list-space-200", "Filtered by a space of any scoping", "GET", "/v2/integrations?space_id=U3BhY2U6MQ%3D%3D"),
        case("list-page-1-200", "A first page of two, with a cursor", "GET", "/v2/integrations?limit=2"),
        case("list-page-2-200", "The next page", "GET", None),
        case("list-bad-cursor-400", "A cursor the list never issued", "GET", "/v2/integrations?cursor=bm90LWEtY3Vyc29y"),
        case("list-limit-400", "limit above 100", "GET", "/v2/integrations?limit=500"),
        case("list-401", "No token", "GET", "/v2/integrations", token=None),
        case("create-201", "Creating an integration; api_key is never returned", "POST", "/v2/integrations",
             {"type": "llm", "name": "Conformance OpenAI", "config": {"provider": "openAI", "api_key": "sk-conformance-secret"}}),
        case("create-anthropic-201", "An Anthropic integration visible in one space", "POST", "/v2/integrations",
             {"type": "llm", "name": "Conformance Claude", "scopings": [{"organization_id": "T3JnYW5pemF0aW9uOjE=", "space_id": "U3BhY2U6Mw=="}],
              "config": {"provider": "anthropic", "api_key": "sk-conformance-secret", "is_function_calling_enabled": False}}),
        case("create-duplicate-409", "The same name for the same type", "POST", "/v2/integrations",
             {"type": "llm", "name": "Conformance OpenAI", "config": {"provider": "openAI", "api_key": "sk-conformance-secret"}}),
        case("create-missing-name-400", "name is required", "POST", "/v2/integrations", {"type": "llm", "config": {"provider": "anthropic", "api_key": "sk-conformance-secret"}}),
        case("create-readonly-403", "A read-only key cannot create", "POST", "/v2/integrations",
             {"type": "llm", "name": "Nope", "config": {"provider": "openAI", "api_key": "sk-conformance-secret"}}, token=READONLY),
        case("get-200", "The created integration", "GET", None),
        case("get-limited-404", "A key limited to one integration does not see others", "GET", "/v2/integrations/TGxtSW50ZWdyYXRpb246Mg%3D%3D", token="integration-token"),
        case("update-seed-200", "The seed's example, sent as it is: is_default_models_enabled is not a field of this version, and is ignored", "PATCH", None,
             {"type": "llm", "name": "Updated OpenAI", "config": {"is_default_models_enabled": True}}),
        case("update-200", "Clear the key with null", "PATCH", None, {"type": "llm", "config": {"api_key": None}}),
        case("update-type-only-400", "type alone is not an update", "PATCH", None, {"type": "llm"}),
        case("update-provider-422", "provider is immutable", "PATCH", None, {"type": "llm", "config": {"provider": "anthropic"}}),
        case("update-rename-409", "Renaming onto a taken name", "PATCH", None, {"type": "llm", "name": "Production OpenAI"}),
        case("get-after-update-200", "The update is read back", "GET", None),
        case("delete-204", "DELETE answers 204", "DELETE", None),
        case("get-after-delete-404", "It is gone", "GET", None),
        case("list-429-prefer", "The documented 429, asked for with Prefer", "GET", "/v2/integrations", headers={"prefer": "code=429"}),
    ],
    "arize@current": [
        case("list-200", "Without type: LLM and AGENT integrations, newest first", "GET", "/v2/integrations"),
        case("list-filtered-200", "Filtered by type and a case-insensitive name substring", "GET", "/v2/integrations?type=LLM&name=OPENAI"),
        case("list-agents-200", "Only the agents", "GET", "/v2/integrations?type=AGENT"),
        case("list-space-200", "Filtered by a space of any scoping", "GET", "/v2/integrations?space_id=U3BhY2U6MQ%3D%3D"),
        case("list-unseen-space-404", "A space outside the caller's visibility", "GET", "/v2/integrations?space_id=U3BhY2U6OQ%3D%3D"),
        case("list-page-1-200", "A first page of two, with a cursor", "GET", "/v2/integrations?limit=2"),
        case("list-page-2-200", "The next page", "GET", None),
        case("list-bad-cursor-400", "A cursor the list never issued", "GET", "/v2/integrations?cursor=bm90LWEtY3Vyc29y"),
        case("list-limit-400", "limit above 100", "GET", "/v2/integrations?limit=500"),
        case("list-401", "No token", "GET", "/v2/integrations", token=None),
        case("create-201", "The vendor's valid example, renamed; api_key is never returned, function calling is on by default", "POST", "/v2/integrations",
             {"type": "LLM", "name": "Conformance OpenAI", "config": {"provider": "OPEN_AI", "api_key": "sk-conformance-secret"}}),
        case("create-duplicate-409", "The same name for the same type", "POST", "/v2/integrations",
             {"type": "LLM", "name": "Conformance OpenAI", "config": {"provider": "OPEN_AI", "api_key": "sk-conformance-secret"}}),
        case("create-missing-config-400", "The vendor's invalid example: config is required", "POST", "/v2/integrations", {"type": "LLM", "name": "Bad Integration"}),
        case("create-readonly-403", "A read-only key cannot create", "POST", "/v2/integrations",
             {"type": "LLM", "name": "Nope", "config": {"provider": "OPEN_AI", "api_key": "sk-conformance-secret"}}, token=READONLY),
        case("create-agent-201", "An agent integration with a request preset; header values are never returned", "POST", "/v2/integrations",
             {"type": "AGENT", "name": "Conformance Agent", "description": "Replays conversations.",
              "config": {"endpoint": "https://agent.example.com/replay", "headers": {"X-Api-Key": "agent-conformance-secret"},
                         "input_schema": {"type": "object", "properties": {"input": {"type": "string"}}},
                         "request_presets": [{"name": "default", "config": {"input": "hello"}}]}}),
        case("create-evaluator-201", "The vendor's valid EVALUATOR example", "POST", "/v2/integrations",
             {"type": "EVALUATOR", "name": "My remote evaluator", "config": {"endpoint": "https://eval.example.com/evaluate", "input_schema": {"type": "object"}}}),
        case("list-evaluators-200", "Evaluators are listed with type=EVALUATOR", "GET", "/v2/integrations?type=EVALUATOR"),
        case("get-200", "The created integration", "GET", "{create-201}"),
        case("get-limited-404", "A key limited to one integration does not see others", "GET", "/v2/integrations/TGxtSW50ZWdyYXRpb246Mg%3D%3D", token="integration-token"),
        case("update-200", "The vendor's valid example: rename, and function calling", "PATCH", "{create-201}",
             {"type": "LLM", "name": "Conformance OpenAI 2", "config": {"is_function_calling_enabled": False}}),
        case("update-not-applicable-422", "The seed's example: is_default_models_enabled does not apply to OPEN_AI", "PATCH", "{create-201}",
             {"type": "LLM", "config": {"is_default_models_enabled": True}}),
        case("update-type-only-422", "type alone is not an update", "PATCH", "{create-201}", {"type": "LLM"}),
        case("update-provider-422", "provider is immutable", "PATCH", "{create-201}", {"type": "LLM", "config": {"provider": "ANTHROPIC"}}),
        case("update-type-422", "type is immutable", "PATCH", "{create-201}", {"type": "AGENT", "name": "Conformance Agent 2"}),
        case("update-rename-409", "Renaming onto a taken name", "PATCH", "{create-201}", {"type": "LLM", "name": "Production OpenAI"}),
        case("update-agent-200", "An agent's description, and its presets replaced", "PATCH", "{create-agent-201}",
             {"type": "AGENT", "description": "Still replays conversations.", "config": {"request_presets": [{"name": "farewell", "config": {"input": "bye"}}]}}),
        case("update-evaluator-200", "The vendor's valid EVALUATOR example", "PATCH", "{create-evaluator-201}",
             {"type": "EVALUATOR", "config": {"endpoint": "https://eval.example.com/v2/evaluate"}}),
        case("get-after-update-200", "The update is read back", "GET", "{create-201}"),
        case("delete-204", "DELETE answers 204", "DELETE", "{create-201}"),
        case("get-after-delete-404", "It is gone", "GET", "{create-201}"),
        case("delete-again-404", "Deleting it again is 404", "DELETE", "{create-201}"),
        case("list-429-prefer", "The documented 429, asked for with Prefer", "GET", "/v2/integrations", headers={"prefer": "code=429"}),
    ],
    "gitbook": [
        case("list-200", "A space lists the integrations installed on it", "GET", "/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations"),
        case("list-search-200", "search, case-insensitive, in name and title", "GET", "/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations?search=MERM"),
        case("list-page-1-200", "A page of one with next.page", "GET", "/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations?limit=1"),
        case("list-page-2-200", "The next page", "GET", "/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations?limit=1&page=2"),
        case("blocks-200", "The blocks of the installed integrations that define any", "GET", "/v1/spaces/NoK4wQzHOEVavmwBhb3l/integration-blocks"),
        case("list-empty-space-200", "A space with nothing installed", "GET", "/v1/spaces/Hf3ZuY6nB1aQx0GvTjKo/integrations"),
        case("install-201", "Installing an integration on a space", "POST", "/v1/integrations/mermaid/installations/pL2vG9tXcM4bQ7nRz1Ke/spaces",
             {"space": "Hf3ZuY6nB1aQx0GvTjKo"}),
        case("list-after-install-200", "The space now lists it", "GET", "/v1/spaces/Hf3ZuY6nB1aQx0GvTjKo/integrations"),
        case("blocks-after-install-200", "...and its blocks", "GET", "/v1/spaces/Hf3ZuY6nB1aQx0GvTjKo/integration-blocks"),
        case("uninstall-205", "Uninstalling answers 205", "DELETE", "/v1/integrations/mermaid/installations/pL2vG9tXcM4bQ7nRz1Ke/spaces/Hf3ZuY6nB1aQx0GvTjKo"),
        case("uninstall-again-204", "Uninstalling what is not installed answers 204", "DELETE", "/v1/integrations/mermaid/installations/pL2vG9tXcM4bQ7nRz1Ke/spaces/Hf3ZuY6nB1aQx0GvTjKo"),
        case("list-after-uninstall-200", "The space lists nothing again", "GET", "/v1/spaces/Hf3ZuY6nB1aQx0GvTjKo/integrations"),
        case("install-invalid-400", "space must be a string", "POST", "/v1/integrations/mermaid/installations/pL2vG9tXcM4bQ7nRz1Ke/spaces", {"space": 5}),
        case("install-unknown-installation-404", "An installation that does not exist", "POST", "/v1/integrations/mermaid/installations/NoSuchInstallation01/spaces",
             {"space": "Hf3ZuY6nB1aQx0GvTjKo"}),
        case("blocks-unknown-space-404", "An unknown space", "GET", "/v1/spaces/UnknownSpace/integration-blocks"),
        case("list-401", "No token", "GET", "/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations", token=None),
        case("install-readonly-403", "A read-only token cannot install", "POST", "/v1/integrations/mermaid/installations/pL2vG9tXcM4bQ7nRz1Ke/spaces",
             {"space": "Hf3ZuY6nB1aQx0GvTjKo"}, token=READONLY),
        case("list-other-space-403", "A token limited to one space cannot read another", "GET", "/v1/spaces/d7JqX2mP9sLkV4tWcR8e/integrations", token="space-token"),
    ],
    "ada": [
        case("list-200", "The bot's integrations, with meta.next_page_url", "GET", "/api/v2/platform-integrations/"),
        case("list-page-1-200", "A first page of two", "GET", "/api/v2/platform-integrations/?limit=2"),
        case("list-page-2-200", "The page its next_page_url names", "GET", "/api/v2/platform-integrations/?cursor=65a17e3f43bec88e2792d0eb&limit=2"),
        case("list-bad-cursor-400", "A cursor that is no integration's id", "GET", "/api/v2/platform-integrations/?cursor=ffffffffffffffffffffffff"),
        case("list-401", "No token", "GET", "/api/v2/platform-integrations/", token=None),
        case("create-200", "Created in development, with a client_secret shown once", "POST", "/api/v2/platform-integrations/",
             {"identifier_field_path": "account.name", "name": "Conformance Docs", "description": "Sync articles",
              "author": "Conformance", "contact": "help@conformance.example", "uninstallation_url": "https://conformance.example/uninstall",
              "oauth_callback_url": "https://conformance.example/oauth", "tags": ["knowledge"], "scopes": ["articles:read"],
              "configuration_fields": {"type": "object"}}),
        case("create-invalid-400", "Every invalid field listed in details", "POST", "/api/v2/platform-integrations/",
             {"name": "", "author": "a" * 161, "icon_url": "nope", "tags": ["x"]}),
        case("create-broken-json-400", "A body that is not JSON", "POST", "/api/v2/platform-integrations/", raw="{"),
        case("update-200", "A development integration may change", "PATCH", None, {"name": "Conformance Docs 2"}),
        case("list-after-update-200", "The update shows in the list", "GET", "/api/v2/platform-integrations/"),
        case("update-approved-403", "An approved integration may not", "PATCH", "/api/v2/platform-integrations/64b7f0c2a91e3d5f8c0a1e27", {"name": "x"}),
        case("update-invalid-400", "The seed's field constraints", "PATCH", "/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b",
             {"oauth_callback_url": "not a url", "contact": ""}),
        case("update-unknown-404", "An unknown integration", "PATCH", "/api/v2/platform-integrations/ffffffffffffffffffffffff", {"name": "x"}),
        case("update-readonly-403", "A read-only key cannot update", "PATCH", "/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b", {"name": "x"}, token=READONLY),
        case("installation-self-200", "The installation the token belongs to", "GET", "/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b/installations/self",
             token="installation-token"),
        case("installation-self-403", "An installation token of another integration", "GET", "/api/v2/platform-integrations/64b7f0c2a91e3d5f8c0a1e27/installations/self",
             token="installation-token"),
        case("installation-update-200", "Marking the installation complete", "PATCH",
             "/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b/installations/66f3b1d8a2c4e6f809b1d3e5", {"status": "complete"}, token="installation-token"),
        case("installation-update-404", "An installation of another integration", "PATCH",
             "/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b/installations/66f2a9c4e1b7d3a05c8e4f12", {"status": "complete"}),
        case("list-429-prefer", "The documented 429, asked for with Prefer", "GET", "/api/v2/platform-integrations/", headers={"prefer": "code=429"}),
        case("list-500-prefer", "The documented 500, asked for with Prefer", "GET", "/api/v2/platform-integrations/", headers={"prefer": "code=500"}),
    ],
}


def send(method, path, body, token, headers, raw, case_id):
    request = urllib.request.Request(f"http://127.0.0.1:{PROXY_PORT}{path}", method=method)
    request.add_header("x-understudy-case", case_id)
    if token:
        request.add_header("authorization", f"Bearer {token}")
    for name, value in headers.items():
        request.add_header(name, value)
    data = None
    if raw is not None:
        data = raw.encode()
    elif body is not None:
        data = json.dumps(body).encode()
    if data is not None:
        request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request, data=data) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for(port):
    """Waits until something listens on the port (a TCP connect: no request is sent)."""
    import socket
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


def record(selector):
    api, _, version = selector.partition("@")
    out = os.path.join(ROOT, "conformance", api, version) if version else os.path.join(ROOT, "conformance", api)
    shutil.rmtree(out, ignore_errors=True)
    proxy = subprocess.Popen([BINARY, "record", "--api", selector, "--target", f"http://127.0.0.1:{SERVE_PORT}/{selector}",
                              "--out", out, "--port", str(PROXY_PORT)], stderr=subprocess.DEVNULL)
    wait_for(PROXY_PORT)
    descriptions = {}
    last_id = None  # the id of the record the flow works on
    created = {}  # case id → the id it created, for paths written "{case-id}"
    for step in SCRIPTS[selector]:
        path = step["path"]
        if path is None:
            path = flow_path(api, last_id)
        elif path.startswith("{"):
            path = flow_path(api, created[path.strip("{}")])
        status, answer = send(step["method"], path, step["body"], step["token"], step["headers"], step["raw"], step["id"])
        descriptions[step["id"]] = step["description"]
        try:
            parsed = json.loads(answer) if answer else None
        except ValueError:
            parsed = None
        if step["id"].startswith(("create-upsert-201", "create-201", "create-200")) and isinstance(parsed, dict):
            last_id = parsed["id"]
        if step["method"] == "POST" and status == 201 and isinstance(parsed, dict) and "id" in parsed:
            created[step["id"]] = parsed["id"]
        if api == "arize" and step["id"] == "list-page-1-200":
            last_id = ("cursor", parsed["pagination"]["next_cursor"])
        print(f"  {api} {step['id']}: {status}")
        if api == "arize" and step["id"] == "list-page-2-200":
            last_id = None
    proxy.send_signal(signal.SIGINT)
    proxy.wait(timeout=15)
    finish(api, out, descriptions)


def flow_path(api, last):
    if isinstance(last, tuple):
        return f"/v2/integrations?limit=2&cursor={last[1]}"
    return {
        "teable": f"{TEABLE_NEW}/{last}",
        "arize": f"/v2/integrations/{last}",
        "ada": f"/api/v2/platform-integrations/{last}",
    }[api]


def finish(api, out, descriptions):
    """Names the token placeholders, gives them fallbacks, and adds descriptions."""
    for name in sorted(os.listdir(out)):
        path = os.path.join(out, name)
        with open(path) as f:
            text = f.read()
        for placeholder, (env, fallback) in sorted(TOKENS.items(), reverse=True):
            fallback = fallback or LIMITED[api]
            text = text.replace("${env.%s}" % placeholder, "${env.%s:-%s}" % (env, fallback))
        for env, fallback in SECRETS.items():
            text = text.replace("${env.%s}" % env, "${env.%s:-%s}" % (env, fallback))
        exchange = json.loads(text)
        exchange.pop("recorded", None)
        ordered = {"id": exchange["id"], "operation": exchange["operation"], "description": descriptions.get(exchange["id"], "")}
        ordered.update({k: v for k, v in exchange.items() if k not in ordered})
        with open(path, "w") as f:
            f.write(json.dumps(ordered, indent=2, ensure_ascii=False) + "\n")


def main():
    apis = [s for arg in (sys.argv[1:] or ["teable", "arize", "gitbook", "ada"])
            for s in ([arg] if arg in SCRIPTS else [k for k in SCRIPTS if k.startswith(arg + "@")])]
    server = subprocess.Popen([BINARY, "serve", "--port", str(SERVE_PORT), "--seed", "1", "--clock", "2026-01-01T00:00:00Z"],
                              stderr=subprocess.DEVNULL)
    try:
        wait_for(SERVE_PORT)
        for api in apis:
            record(api)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=15)


if __name__ == "__main__":
    main()
