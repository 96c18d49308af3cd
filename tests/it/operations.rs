//! Every operation of every contract, both GitBook dialects included: a valid request gets a
//! documented 2xx whose body validates; the same request without a token gets 401, and with
//! broken JSON 400, each in the API's envelope; bodies breaking each kind of schema rule get
//! 400 listing every violation; unknown paths get 404 and wrong methods 405.

use rstest::rstest;
use rstest_reuse::{self, apply, template};
use understudy::contract::check;

use crate::util::{Dialect, app, assert_envelope, authed, call};

/// A valid request for an operation of the bundled default scenarios.
struct Valid {
    api: &'static str,
    method: &'static str,
    path: &'static str,
    body: Option<&'static str>,
}

const ADA_CREATE: &str = r#"{"identifier_field_path": "account.name", "name": "Acme Docs", "description": "Sync Acme articles",
  "author": "Acme", "contact": "help@acme.example", "uninstallation_url": "https://acme.example/uninstall",
  "oauth_callback_url": "https://acme.example/oauth", "tags": ["knowledge"], "scopes": ["articles:read"],
  "configuration_fields": {"type": "object", "properties": {"account": {"type": "object"}}}}"#;

fn valid(operation: &str) -> Valid {
    let v = |api, method, path, body| Valid { api, method, path, body };
    match operation {
        "getIntegrationList" => {
            v("teable", "GET", "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration", None)
        }
        "createIntegration" => v(
            "teable",
            "POST",
            "/teable/api/space/spcy2HwGF2NJEHs2ivO/integration",
            Some(
                r#"{"type": "AI", "enable": true, "config": {"llmProviders": [{"type": "openai", "name": "OpenAI"}]}}"#,
            ),
        ),
        "updateIntegration" => v(
            "teable",
            "PATCH",
            "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration/intH0sBtuGK6ikltC7E",
            Some(r#"{"enable": false, "config": {"llmProviders": []}}"#),
        ),
        "deleteIntegration" => v(
            "teable",
            "DELETE",
            "/teable/api/space/spcy2HwGF2NJEHs2ivO/integration/intVPiQJrdDZLKNjkdM",
            None,
        ),
        "testIntegrationLLM" => v(
            "teable",
            "POST",
            "/teable/api/space/spcTeSYe43VZTSG4Uu3/test-llm",
            Some(
                r#"{"type": "openai", "name": "OpenAI", "apiKey": "sk-test", "baseUrl": "https://api.openai.com/v1", "models": "gpt-4o"}"#,
            ),
        ),
        // Arize 2026-07-02 and 2026-07-10 share these ids; the seed's format is 2026-07-02.
        "integrations_list" => {
            v("arize", "GET", "/arize@2026-07-02/v2/integrations?type=llm&limit=10", None)
        }
        "integrations_create" => v(
            "arize",
            "POST",
            "/arize@2026-07-02/v2/integrations",
            Some(
                r#"{"type": "llm", "name": "Experiments OpenAI", "config": {"provider": "openAI", "api_key": "sk-test"}}"#,
            ),
        ),
        "integrations_get" => v(
            "arize",
            "GET",
            "/arize@2026-07-02/v2/integrations/TGxtSW50ZWdyYXRpb246MQ%3D%3D",
            None,
        ),
        "integrations_update" => v(
            "arize",
            "PATCH",
            "/arize@2026-07-02/v2/integrations/TGxtSW50ZWdyYXRpb246Mg%3D%3D",
            Some(
                r#"{"type": "llm", "name": "Updated OpenAI", "config": {"is_default_models_enabled": true}}"#,
            ),
        ),
        "integrations_delete" => {
            v("arize", "DELETE", "/arize@2026-07-02/v2/integrations/TGxtSW50ZWdyYXRpb246Mw==", None)
        }
        // Arize current, the default at /arize.
        "list_integrations" => {
            v("arize", "GET", "/arize/v2/integrations?type=LLM&name=openai&limit=10", None)
        }
        "create_integration" => v(
            "arize",
            "POST",
            "/arize/v2/integrations",
            Some(
                r#"{"type": "LLM", "name": "Experiments Gemini", "config": {"provider": "GEMINI", "api_key": "sk-test"}}"#,
            ),
        ),
        "get_integration" => {
            v("arize", "GET", "/arize/v2/integrations/TGxtSW50ZWdyYXRpb246Ng%3D%3D", None)
        }
        "update_integration" => v(
            "arize",
            "PATCH",
            "/arize/v2/integrations/TGxtSW50ZWdyYXRpb246Mg%3D%3D",
            Some(
                r#"{"type": "LLM", "name": "Updated OpenAI", "config": {"is_function_calling_enabled": true}}"#,
            ),
        ),
        "delete_integration" => {
            v("arize", "DELETE", "/arize/v2/integrations/TGxtSW50ZWdyYXRpb246Mw==", None)
        }
        "listSpaceIntegrations" => v(
            "gitbook",
            "GET",
            "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations?search=slack",
            None,
        ),
        "listSpaceIntegrationsBlocks" => {
            v("gitbook", "GET", "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integration-blocks", None)
        }
        "installIntegrationOnSpace" => v(
            "gitbook",
            "POST",
            "/gitbook/v1/integrations/slack/installations/tR7cP2xVnK9mLq4WsB1d/spaces",
            Some(r#"{"space": "Hf3ZuY6nB1aQx0GvTjKo"}"#),
        ),
        "uninstallIntegrationFromSpace" => v(
            "gitbook",
            "DELETE",
            "/gitbook/v1/integrations/slack/installations/tR7cP2xVnK9mLq4WsB1d/spaces/NoK4wQzHOEVavmwBhb3l",
            None,
        ),
        "listPlatformIntegrations" => {
            v("ada", "GET", "/ada/api/v2/platform-integrations/?limit=10", None)
        }
        "createPlatformIntegration" => {
            v("ada", "POST", "/ada/api/v2/platform-integrations/", Some(ADA_CREATE))
        }
        "updatePlatformIntegration" => v(
            "ada",
            "PATCH",
            "/ada/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b",
            Some(
                r#"{"name": "Connect to Cool Shop", "icon_url": "https://coolshop.com/icon.png", "tags": ["knowledge"]}"#,
            ),
        ),
        "getPlatformIntegrationInstallationSelf" => v(
            "ada",
            "GET",
            "/ada/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b/installations/self",
            None,
        ),
        "updatePlatformIntegrationInstallation" => v(
            "ada",
            "PATCH",
            "/ada/api/v2/platform-integrations/64b7f0c2a91e3d5f8c0a1e27/installations/66f2a9c4e1b7d3a05c8e4f12",
            Some(r#"{"status": "complete"}"#),
        ),
        other => panic!("no valid request written for operation `{other}`: add one to `valid()`"),
    }
}

#[test]
fn every_operation_of_every_contract_has_a_valid_request() {
    for dialect in [Dialect::V31, Dialect::V30] {
        for api in crate::util::catalog(dialect).apis.iter().flat_map(|a| &a.versions) {
            for contract in &api.contracts {
                for operation in &contract.operations {
                    assert_eq!(valid(&operation.id).api, api.api, "{}", operation.id);
                }
            }
        }
    }
}

/// Every operation of every bundled contract.
#[template]
#[rstest]
#[case::teable_list("getIntegrationList")]
#[case::teable_create("createIntegration")]
#[case::teable_update("updateIntegration")]
#[case::teable_delete("deleteIntegration")]
#[case::teable_test_llm("testIntegrationLLM")]
#[case::arize_list("integrations_list")]
#[case::arize_create("integrations_create")]
#[case::arize_get("integrations_get")]
#[case::arize_update("integrations_update")]
#[case::arize_delete("integrations_delete")]
#[case::arize_current_list("list_integrations")]
#[case::arize_current_create("create_integration")]
#[case::arize_current_get("get_integration")]
#[case::arize_current_update("update_integration")]
#[case::arize_current_delete("delete_integration")]
#[case::gitbook_list("listSpaceIntegrations")]
#[case::gitbook_blocks("listSpaceIntegrationsBlocks")]
#[case::gitbook_install("installIntegrationOnSpace")]
#[case::gitbook_uninstall("uninstallIntegrationFromSpace")]
#[case::ada_list("listPlatformIntegrations")]
#[case::ada_create("createPlatformIntegration")]
#[case::ada_update("updatePlatformIntegration")]
#[case::ada_installation_self("getPlatformIntegrationInstallationSelf")]
#[case::ada_installation_update("updatePlatformIntegrationInstallation")]
fn every_operation(#[case] operation: &str) {}

#[apply(every_operation)]
#[tokio::test]
async fn a_valid_request_gets_a_documented_2xx_that_validates(
    #[case] operation: &str,
    #[values(Dialect::V31, Dialect::V30)] dialect: Dialect,
) {
    // Arrange
    let request = valid(operation);
    let app = app(dialect);

    // Act
    let answer = authed(&app, request.method, request.path, request.body).await;

    // Assert: a documented 2xx, valid against every contract of the version the path names.
    let catalog = app.catalog();
    let mount = request.path.split('/').nth(1).unwrap();
    let api = catalog.version(mount).unwrap();
    assert!(answer.status.is_success(), "{operation}: {} {}", answer.status, answer.text);
    for contract in &api.contracts {
        let documented = contract.operation(operation).unwrap();
        assert!(
            documented.response(answer.status.as_u16()).is_some(),
            "{operation}: {} not documented",
            answer.status
        );
        let body = (!answer.text.is_empty()).then_some(&answer.json);
        let media = answer.media();
        let violations = check::response(
            documented,
            answer.status.as_u16(),
            &answer.headers,
            Some(&media),
            body,
        );
        assert!(
            violations.is_empty(),
            "{operation} per {}: {violations:?}\n{}",
            contract.file_name,
            answer.text
        );
    }
}

#[apply(every_operation)]
#[tokio::test]
async fn without_a_token_the_answer_is_401_in_the_envelope(
    #[case] operation: &str,
    #[values(Dialect::V31, Dialect::V30)] dialect: Dialect,
) {
    let request = valid(operation);
    let app = app(dialect);
    let mut headers = vec![];
    if request.body.is_some() {
        headers.push(("content-type", "application/json"));
    }
    let answer = call(&app, request.method, request.path, &headers, request.body).await;
    assert_envelope(request.api, &answer, 401);
    assert_eq!(answer.headers["www-authenticate"], "Bearer");

    // A malformed header is as good as none.
    headers.push(("authorization", "Token abc"));
    let answer = call(&app, request.method, request.path, &headers, request.body).await;
    let message = assert_envelope(request.api, &answer, 401);
    assert!(!message.is_empty());
}

#[rstest]
#[case::teable_create("createIntegration")]
#[case::teable_update("updateIntegration")]
#[case::teable_test_llm("testIntegrationLLM")]
#[case::arize_create("integrations_create")]
#[case::arize_update("integrations_update")]
#[case::arize_current_create("create_integration")]
#[case::arize_current_update("update_integration")]
#[case::gitbook_install("installIntegrationOnSpace")]
#[case::ada_create("createPlatformIntegration")]
#[case::ada_update("updatePlatformIntegration")]
#[case::ada_installation_update("updatePlatformIntegrationInstallation")]
#[tokio::test]
async fn malformed_json_is_400_naming_line_and_column(
    #[case] operation: &str,
    #[values(Dialect::V31, Dialect::V30)] dialect: Dialect,
) {
    let request = valid(operation);
    let app = app(dialect);
    let answer =
        authed(&app, request.method, request.path, Some("{\n  \"name\": \"x\",\n  oops\n}")).await;
    let message = assert_envelope(request.api, &answer, 400);
    assert!(message.contains("line 3") && message.contains("column 3"), "{message}");

    // A body sent as something other than JSON is 415.
    let headers = [("authorization", crate::util::TOKEN), ("content-type", "text/plain")];
    let answer = call(&app, request.method, request.path, &headers, request.body).await;
    let message = assert_envelope(request.api, &answer, 415);
    assert!(message.contains("text/plain") && message.contains("application/json"), "{message}");
}

/// Bodies and parameters breaking one kind of schema rule each, and together.
#[rstest]
// type
#[case::teable_type("teable", "PATCH", "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration/intH0sBtuGK6ikltC7E",
    r#"{"enable": "yes"}"#, &["/enable", "boolean"])]
#[case::arize_type("arize", "POST", "/arize@2026-07-10/v2/integrations",
    r#"{"type": "llm", "name": 5, "config": {"provider": "openAI", "api_key": "k"}}"#, &["/name", "string"])]
#[case::gitbook_type("gitbook", "POST", "/gitbook/v1/integrations/slack/installations/tR7cP2xVnK9mLq4WsB1d/spaces",
    r#"{"space": 5}"#, &["/space", "string"])]
#[case::ada_type("ada", "PATCH", "/ada/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b",
    r#"{"scopes": "articles:read"}"#, &["$.scopes", "array"])]
// enum
#[case::teable_enum("teable", "POST", "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration",
    r#"{"type": "ai", "config": {"llmProviders": [{"type": "nope", "name": "x"}]}}"#, &["/type", "/config/llmProviders/0/type"])]
#[case::arize_enum("arize", "POST", "/arize@2026-07-10/v2/integrations",
    r#"{"type": "LLM", "name": "x", "config": {"provider": "openAI", "api_key": "k"}}"#, &["/type"])]
#[case::ada_enum("ada", "PATCH", "/ada/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b",
    r#"{"tags": ["knowledge", "sales"]}"#, &["$.tags[1]", "knowledge"])]
// minLength / maxLength
#[case::ada_min_length("ada", "PATCH", "/ada/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b",
    r#"{"name": ""}"#, &["$.name", "shorter than 1"])]
#[case::ada_max_length("ada", "PATCH", "/ada/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b",
    &format!(r#"{{"author": "{}"}}"#, "a".repeat(161)), &["$.author", "longer than 160"])]
#[case::arize_query_max_length("arize", "GET", &format!("/arize/v2/integrations?name={}", "n".repeat(256)), "", &["name", "longer than 255"])]
// format
#[case::teable_format("teable", "PATCH", "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration/intH0sBtuGK6ikltC7E",
    r#"{"config": {"aiGatewayBaseUrl": "not a uri"}}"#, &["/config/aiGatewayBaseUrl", "uri"])]
#[case::ada_format("ada", "PATCH", "/ada/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b",
    r#"{"icon_url": "icon.png", "oauth_callback_url": "ftp://x"}"#, &["$.icon_url", "$.oauth_callback_url", "url"])]
// required
#[case::teable_required("teable", "POST", "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration",
    r#"{"type": "AI", "config": {"llmProviders": [{"type": "openai"}]}}"#, &["/config/llmProviders/0", "\"name\" is a required property"])]
#[case::arize_required("arize", "PATCH", "/arize@2026-07-10/v2/integrations/TGxtSW50ZWdyYXRpb246MQ==",
    r#"{"name": "x"}"#, &["\"type\" is a required property"])]
#[case::gitbook_required("gitbook", "POST", "/gitbook/v1/integrations/slack/installations/tR7cP2xVnK9mLq4WsB1d/spaces",
    r#"{}"#, &["\"space\" is a required property"])]
#[case::ada_required("ada", "PATCH", "/ada/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b/installations/66f2a9c4e1b7d3a05c8e4f12",
    r#"{}"#, &["\"status\" is a required property"])]
// numeric bounds on a query parameter
#[case::arize_query_bounds("arize", "GET", "/arize/v2/integrations?limit=0", "", &["limit", "minimum of 1"])]
#[case::arize_query_type("arize", "GET", "/arize/v2/integrations?limit=ten", "", &["limit", "integer"])]
// all kinds at once: every one is listed
#[case::ada_every_kind("ada", "PATCH", "/ada/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b",
    &format!(r#"{{"name": "", "author": "{}", "icon_url": "nope", "tags": ["x"], "scopes": 5}}"#, "a".repeat(200)),
    &["$.name", "$.author", "$.icon_url", "$.tags[0]", "$.scopes"])]
#[case::teable_every_kind("teable", "POST", "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration",
    r#"{"type": "x", "enable": 1, "config": {"aiGatewayBaseUrl": "::", "concurrencyPerKey": 0, "llmProviders": [{"type": "openai"}]}}"#,
    &["/type", "/enable", "/config/aiGatewayBaseUrl", "/config/concurrencyPerKey", "/config/llmProviders/0"])]
#[tokio::test]
async fn schema_violations_are_400_listing_every_one(
    #[case] api: &str,
    #[case] method: &str,
    #[case] path: &str,
    #[case] body: &str,
    #[case] expected: &[&str],
    #[values(Dialect::V31, Dialect::V30)] dialect: Dialect,
) {
    let app = app(dialect);
    let body = (!body.is_empty()).then_some(body);
    let answer = authed(&app, method, path, body).await;
    let message = assert_envelope(api, &answer, 400);
    for fragment in expected {
        assert!(message.contains(fragment), "`{fragment}` missing from: {message}");
    }
}

#[tokio::test]
async fn ada_lists_each_violation_as_a_detail() {
    let app = app(Dialect::V31);
    let body = r#"{"name": "", "icon_url": "nope", "tags": ["x"]}"#;
    let answer = authed(
        &app,
        "PATCH",
        "/ada/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b",
        Some(body),
    )
    .await;
    assert_envelope("ada", &answer, 400);
    let error = &answer.json["errors"][0];
    assert_eq!(error["type"], "validation_error");
    let parameters: Vec<&str> = error["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["parameter"].as_str().unwrap())
        .collect();
    assert_eq!(parameters, ["$.name", "$.icon_url", "$.tags[0]"]);
    assert!(error["details"].as_array().unwrap().iter().all(|d| d["location"] == "body"));
}

#[tokio::test]
async fn the_31_dialect_checks_the_space_id_pattern_and_the_30_one_does_not() {
    let path = "/gitbook/v1/spaces/not%20an%20id/integration-blocks";
    let answer = authed(&app(Dialect::V31), "GET", path, None).await;
    let message = assert_envelope("gitbook", &answer, 400);
    assert!(
        message.contains("path parameter `spaceId`") && message.contains("not an id"),
        "{message}"
    );
    let answer = authed(&app(Dialect::V30), "GET", path, None).await;
    assert_ne!(answer.status.as_u16(), 400, "{}", answer.text);
}

#[rstest]
#[case::teable(
    "teable",
    "/teable/api/space/spcTeSYe43VZTSG4Uu3/nothing",
    "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration"
)]
#[case::teable_outside_base_path(
    "teable",
    "/teable/v2/space",
    "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration"
)]
#[case::arize("arize", "/arize/v2/integrationz", "/arize/v2/integrations/TGxtSW50ZWdyYXRpb246MQ==")]
#[case::gitbook(
    "gitbook",
    "/gitbook/v1/spaces",
    "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations"
)]
#[case::ada("ada", "/ada/api/v2/platform-integrations/x/y/z", "/ada/api/v2/platform-integrations/")]
#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405_in_the_envelope(
    #[case] api: &str,
    #[case] unknown: &str,
    #[case] known: &str,
    #[values(Dialect::V31, Dialect::V30)] dialect: Dialect,
) {
    let app = app(dialect);
    let answer = authed(&app, "GET", unknown, None).await;
    assert_envelope(api, &answer, 404);
    let answer = authed(&app, "PUT", known, Some("{}")).await;
    assert_envelope(api, &answer, 405);
    let allow = answer.headers["allow"].to_str().unwrap();
    assert!(!allow.contains("PUT") && allow.contains("GET") || allow.contains("POST"), "{allow}");
}

#[tokio::test]
async fn a_path_under_no_mount_lists_where_the_apis_are() {
    let answer = authed(&app(Dialect::V31), "GET", "/salesforce/v1/things", None).await;
    assert_eq!(answer.status.as_u16(), 404);
    assert_eq!(answer.json["apis"]["gitbook"], "/gitbook/v1");
    assert_eq!(answer.json["apis"]["teable"], "/teable/api");
}

#[tokio::test]
async fn path_parameters_arrive_percent_decoded() {
    let app = app(Dialect::V31);
    for path in [
        "/arize/v2/integrations/TGxtSW50ZWdyYXRpb246MQ%3D%3D",
        "/arize/v2/integrations/TGxtSW50ZWdyYXRpb246MQ==",
    ] {
        let answer = authed(&app, "GET", path, None).await;
        assert_eq!(answer.status.as_u16(), 200, "{}", answer.text);
        assert_eq!(answer.json["id"], "TGxtSW50ZWdyYXRpb246MQ==");
    }
}
