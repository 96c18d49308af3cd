//! Every documented error status of every API, reproduced by the bundled scenarios' rules:
//! status, envelope and headers. (401 for every operation, and 400/404/405/415 of the
//! contract layer, are in `operations.rs`.)

use crate::util::{Dialect, app, app_with_scenario, assert_envelope, authed, call_as};

const TEABLE: &str = "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration";
const TEABLE_ITEM: &str = "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration/intH0sBtuGK6ikltC7E";
// Arize's seed-era rules, at version 2026-07-10 (arize 8.39); `current` has its own tests below.
const ARIZE: &str = "/arize@2026-07-10/v2/integrations";
const ARIZE_ONE: &str = "/arize@2026-07-10/v2/integrations/TGxtSW50ZWdyYXRpb246MQ==";
const ARIZE_TWO: &str = "/arize@2026-07-10/v2/integrations/TGxtSW50ZWdyYXRpb246Mg==";
// Version current (the default at /arize).
const CURRENT: &str = "/arize/v2/integrations";
const CURRENT_ONE: &str = "/arize/v2/integrations/TGxtSW50ZWdyYXRpb246MQ==";
const CURRENT_BEDROCK: &str = "/arize/v2/integrations/TGxtSW50ZWdyYXRpb246NA==";
const CURRENT_AGENT: &str = "/arize/v2/integrations/TGxtSW50ZWdyYXRpb246Ng==";
const GITBOOK: &str = "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations";
const ADA: &str = "/ada/api/v2/platform-integrations/";
const ADA_DEV: &str = "/ada/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b";
const ADA_APPROVED: &str = "/ada/api/v2/platform-integrations/64b7f0c2a91e3d5f8c0a1e27";

// === Teable: 400, 401, 403, 404, 429 ===

#[tokio::test]
async fn teable_403_for_a_token_without_access_to_the_space_or_a_read_only_one() {
    let app = app(Dialect::V31);
    let other = "/teable/api/space/spcy2HwGF2NJEHs2ivO/integration";
    let answer = call_as(&app, Some("space-token"), None, "GET", other, None).await;
    let message = assert_envelope("teable", &answer, 403);
    assert_eq!(answer.json["code"], "restricted_resource");
    assert_eq!(message, "not allowed to space spcy2HwGF2NJEHs2ivO");
    assert_eq!(call_as(&app, Some("space-token"), None, "GET", TEABLE, None).await.status, 200);

    let answer = call_as(
        &app,
        Some("readonly-token"),
        None,
        "PATCH",
        TEABLE_ITEM,
        Some(r#"{"enable": false}"#),
    )
    .await;
    assert_envelope("teable", &answer, 403);
    assert_eq!(answer.json["code"], "restricted_resource");
    assert_eq!(call_as(&app, Some("readonly-token"), None, "GET", TEABLE, None).await.status, 200);
}

#[tokio::test]
async fn teable_401_for_an_unknown_token() {
    let answer =
        call_as(&app(Dialect::V31), Some("teable_someone_else"), None, "GET", TEABLE, None).await;
    assert_envelope("teable", &answer, 401);
    assert_eq!(answer.json["code"], "unauthorized");
    assert_eq!(answer.headers["www-authenticate"], "Bearer");
}

#[tokio::test]
async fn teable_404_for_an_unknown_integration_or_space() {
    let app = app(Dialect::V31);
    let answer = authed(&app, "DELETE", &format!("{TEABLE}/intDoesNotExist00001"), None).await;
    assert_envelope("teable", &answer, 404);
    assert_eq!(answer.json["code"], "not_found");
    // Another space's integration is not found through this space.
    let answer = authed(
        &app,
        "PATCH",
        &format!("{TEABLE}/intVPiQJrdDZLKNjkdM"),
        Some(r#"{"enable": true}"#),
    )
    .await;
    assert_envelope("teable", &answer, 404);
    // A space id of the wrong form is no space.
    let answer = authed(&app, "GET", "/teable/api/space/not-a-space/integration", None).await;
    assert_envelope("teable", &answer, 404);
}

#[tokio::test]
async fn teable_400_validation_error_names_the_field() {
    let answer = authed(&app(Dialect::V31), "POST", TEABLE, Some(r#"{"type": "AI"}"#)).await;
    let message = assert_envelope("teable", &answer, 400);
    assert_eq!(answer.json["code"], "validation_error");
    assert!(
        message.starts_with("Validation error: ")
            && message.contains("\"config\" is a required property"),
        "{message}"
    );
}

#[tokio::test]
async fn teable_429_after_the_window_with_retry_after() {
    let app = app_with_scenario("teable", "rate-limited");
    for _ in 0..5 {
        assert_eq!(authed(&app, "GET", TEABLE, None).await.status, 200);
    }
    let answer = authed(&app, "GET", TEABLE, None).await;
    assert_envelope("teable", &answer, 429);
    assert_eq!(answer.json["code"], "too_many_requests");
    let retry: u64 = answer.headers["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
    // Another token has its own window.
    assert_eq!(call_as(&app, Some("readonly-token"), None, "GET", TEABLE, None).await.status, 200);
}

// === Arize: 400, 401, 403, 404, 409, 422, 429 ===

#[tokio::test]
async fn arize_400_for_a_patch_with_only_type_and_for_bad_list_parameters() {
    let app = app(Dialect::V31);
    let answer = authed(&app, "PATCH", ARIZE_ONE, Some(r#"{"type": "llm"}"#)).await;
    let message = assert_envelope("arize", &answer, 400);
    assert_eq!(
        message,
        "At least one updatable field (name, scopings, or config) must be provided in addition to type."
    );
    let answer = authed(&app, "PATCH", ARIZE_ONE, Some("{}")).await;
    assert!(assert_envelope("arize", &answer, 400).contains("\"type\" is a required property"));
    let answer = authed(&app, "GET", &format!("{ARIZE}?limit=101"), None).await;
    assert!(assert_envelope("arize", &answer, 400).contains("limit"));
    let answer = authed(&app, "GET", &format!("{ARIZE}?type=agent"), None).await;
    assert!(assert_envelope("arize", &answer, 400).contains("type"));
}

#[tokio::test]
async fn arize_401_403_and_404_by_token() {
    let app = app(Dialect::V31);
    let answer = call_as(&app, Some("ak-unknown"), None, "GET", ARIZE, None).await;
    assert_envelope("arize", &answer, 401);
    let answer = call_as(&app, Some("readonly-token"), None, "DELETE", ARIZE_ONE, None).await;
    let message = assert_envelope("arize", &answer, 403);
    assert_eq!(message, "The API key does not have permission to modify integrations.");
    // The integration token sees its integration; others do not exist for it.
    assert_eq!(
        call_as(&app, Some("integration-token"), None, "GET", ARIZE_ONE, None).await.status,
        200
    );
    let answer = call_as(&app, Some("integration-token"), None, "GET", ARIZE_TWO, None).await;
    let message = assert_envelope("arize", &answer, 404);
    assert_eq!(message, "Integration TGxtSW50ZWdyYXRpb246Mg== not found.");
    let answer =
        authed(&app, "GET", "/arize@2026-07-10/v2/integrations/TGxtSW50ZWdyYXRpb246OTk=", None)
            .await;
    assert_envelope("arize", &answer, 404);
}

#[tokio::test]
async fn arize_409_for_a_name_taken_by_create_or_rename() {
    let app = app(Dialect::V31);
    let answer = authed(&app, "POST", ARIZE, Some(r#"{"type": "llm", "name": "Production OpenAI", "config": {"provider": "openAI", "api_key": "k"}}"#)).await;
    let message = assert_envelope("arize", &answer, 409);
    assert_eq!(message, "An integration of type `llm` named `Production OpenAI` already exists.");
    let answer =
        authed(&app, "PATCH", ARIZE_TWO, Some(r#"{"type": "llm", "name": "Production OpenAI"}"#))
            .await;
    assert_envelope("arize", &answer, 409);
    // The refused rename left the record as it was.
    let kept = authed(&app, "GET", ARIZE_TWO, None).await;
    assert_eq!(kept.status, 200, "{}", kept.text);
    assert_eq!(kept.json["name"], "Staging OpenAI", "{}", kept.text);
    // Renaming to its own name is no clash.
    let answer =
        authed(&app, "PATCH", ARIZE_ONE, Some(r#"{"type": "llm", "name": "Production OpenAI"}"#))
            .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
}

#[tokio::test]
async fn arize_422_for_a_different_type_or_provider() {
    let app = app(Dialect::V31);
    let answer = authed(
        &app,
        "PATCH",
        ARIZE_ONE,
        Some(r#"{"type": "llm", "config": {"provider": "anthropic"}}"#),
    )
    .await;
    let message = assert_envelope("arize", &answer, 422);
    assert!(message.starts_with("provider is immutable"), "{message}");
    assert_eq!(
        answer.json["type"],
        "https://arize.com/docs/ax/rest-reference/errors#unprocessable-entity"
    );
    // The same provider is fine.
    let answer = authed(
        &app,
        "PATCH",
        ARIZE_ONE,
        Some(r#"{"type": "llm", "config": {"provider": "openAI", "api_key": "new"}}"#),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json["config"]["has_api_key"], true);
}

#[tokio::test]
async fn arize_429_with_retry_after() {
    let app = app_with_scenario("arize", "rate-limited");
    for _ in 0..5 {
        authed(&app, "GET", ARIZE, None).await;
    }
    let answer = authed(&app, "GET", ARIZE, None).await;
    let message = assert_envelope("arize", &answer, 429);
    let retry = answer.headers["retry-after"].to_str().unwrap();
    assert!(message.contains(&format!("Retry after {retry} seconds")), "{message}");
}

#[tokio::test]
async fn arize_2026_07_02_knows_only_openai_and_keeps_its_default_models_flag() {
    let app = app(Dialect::V31);
    let path = "/arize@2026-07-02/v2/integrations";
    let body =
        r#"{"type": "llm", "name": "Claude", "config": {"provider": "anthropic", "api_key": "k"}}"#;
    let answer = authed(&app, "POST", path, Some(body)).await;
    assert_envelope("arize", &answer, 400);
    let body =
        r#"{"type": "llm", "name": "New", "config": {"provider": "openAI", "api_key": "k"}}"#;
    let created = authed(&app, "POST", path, Some(body)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["config"]["is_default_models_enabled"], false, "{}", created.text);
}

#[tokio::test]
async fn arize_current_422_for_a_type_only_patch_a_foreign_type_and_a_field_of_another_provider() {
    let app = app(Dialect::V31);
    // The 8.61 SDK: the server answers a type-only PATCH with "an opaque 422".
    let answer = authed(&app, "PATCH", CURRENT_ONE, Some(r#"{"type": "LLM"}"#)).await;
    assert!(assert_envelope("arize", &answer, 422).starts_with("At least one updatable field"));
    let answer =
        authed(&app, "PATCH", CURRENT_ONE, Some(r#"{"type": "AGENT", "name": "x"}"#)).await;
    assert!(assert_envelope("arize", &answer, 422).starts_with("type is immutable"));
    // The seed's example no longer applies to an OpenAI integration...
    let seed = r#"{"type": "LLM", "name": "Updated OpenAI", "config": {"is_default_models_enabled": true}}"#;
    let answer = authed(&app, "PATCH", CURRENT_ONE, Some(seed)).await;
    let message = assert_envelope("arize", &answer, 422);
    assert_eq!(message, "`config.is_default_models_enabled` does not apply to provider `OPEN_AI`.");
    let answer = authed(
        &app,
        "PATCH",
        CURRENT_ONE,
        Some(r#"{"type": "LLM", "config": {"project_id": "p"}}"#),
    )
    .await;
    assert_envelope("arize", &answer, 422);
    // ...and nothing was changed.
    let kept = authed(&app, "GET", CURRENT_ONE, None).await;
    assert_eq!(kept.json["name"], "Production OpenAI", "{}", kept.text);
    // It applies to AWS Bedrock; Bedrock takes no API key.
    let answer = authed(&app, "PATCH", CURRENT_BEDROCK, Some(r#"{"type": "LLM", "config": {"is_default_models_enabled": false, "model_names": ["m1", "m2"]}}"#)).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json["config"]["model_names"], serde_json::json!(["m1", "m2"]));
    let answer = authed(
        &app,
        "PATCH",
        CURRENT_BEDROCK,
        Some(r#"{"type": "LLM", "config": {"api_key": "k"}}"#),
    )
    .await;
    let message = assert_envelope("arize", &answer, 422);
    assert_eq!(message, "`config.api_key` does not apply to provider `AWS_BEDROCK`.");
    // An agent has no provider: its headers and description are its own.
    let answer = authed(
        &app,
        "PATCH",
        CURRENT_AGENT,
        Some(r#"{"type": "AGENT", "description": "d", "config": {"headers": {"X-Key": "v"}}}"#),
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert!(!answer.text.contains("X-Key"), "{}", answer.text);
}

#[tokio::test]
async fn arize_current_404_for_a_space_the_account_does_not_see() {
    let app = app(Dialect::V31);
    let seen = authed(&app, "GET", &format!("{CURRENT}?space_id=U3BhY2U6MQ%3D%3D"), None).await;
    assert_eq!(seen.status, 200, "{}", seen.text);
    let unseen = authed(&app, "GET", &format!("{CURRENT}?space_id=U3BhY2U6OQ%3D%3D"), None).await;
    assert_eq!(assert_envelope("arize", &unseen, 404), "Space U3BhY2U6OQ== not found.");
}

// === GitBook: 400, 401, 403, 404, 429, and rate-limit headers everywhere ===

#[tokio::test]
async fn gitbook_403_and_404_and_401() {
    let app = app(Dialect::V31);
    let answer = call_as(
        &app,
        Some("space-token"),
        None,
        "GET",
        "/gitbook/v1/spaces/d7JqX2mP9sLkV4tWcR8e/integrations",
        None,
    )
    .await;
    assert_eq!(
        assert_envelope("gitbook", &answer, 403),
        "You do not have access to space d7JqX2mP9sLkV4tWcR8e"
    );
    let answer = call_as(
        &app,
        Some("readonly-token"),
        None,
        "POST",
        "/gitbook/v1/integrations/slack/installations/tR7cP2xVnK9mLq4WsB1d/spaces",
        Some(r#"{"space": "d7JqX2mP9sLkV4tWcR8e"}"#),
    )
    .await;
    assert_envelope("gitbook", &answer, 403);
    let answer =
        authed(&app, "GET", "/gitbook/v1/spaces/UnknownSpace/integration-blocks", None).await;
    assert_eq!(assert_envelope("gitbook", &answer, 404), "Space UnknownSpace not found");
    let answer = authed(
        &app,
        "POST",
        "/gitbook/v1/integrations/slack/installations/NotAnInstallation000/spaces",
        Some(r#"{"space": "d7JqX2mP9sLkV4tWcR8e"}"#),
    )
    .await;
    assert_envelope("gitbook", &answer, 404);
    // An installation of another integration is not this integration's.
    let answer = authed(
        &app,
        "POST",
        "/gitbook/v1/integrations/github/installations/tR7cP2xVnK9mLq4WsB1d/spaces",
        Some(r#"{"space": "d7JqX2mP9sLkV4tWcR8e"}"#),
    )
    .await;
    assert_envelope("gitbook", &answer, 404);
    let answer = call_as(&app, None, None, "GET", GITBOOK, None).await;
    assert_envelope("gitbook", &answer, 401);
}

#[tokio::test]
async fn gitbook_every_response_carries_rate_limit_headers() {
    let app = app(Dialect::V31);
    let mut remaining = Vec::new();
    for (token, path) in
        [(Some("dev-token"), GITBOOK), (Some("dev-token"), "/gitbook/v1/nothing"), (None, GITBOOK)]
    {
        let answer = call_as(&app, token, None, "GET", path, None).await;
        assert_eq!(answer.headers["x-ratelimit-limit"], "1000", "{path}");
        let reset: u64 = answer.headers["x-ratelimit-reset"].to_str().unwrap().parse().unwrap();
        let now =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        assert!(
            reset > now && reset <= now + 61,
            "reset {reset} is epoch seconds within the minute"
        );
        remaining.push(answer.headers["x-ratelimit-remaining"].to_str().unwrap().to_owned());
    }
    assert_eq!(remaining, ["999", "998", "999"], "per token, 401 and 404 included");
}

#[tokio::test]
async fn gitbook_429_with_the_documented_message() {
    let app = app_with_scenario("gitbook", "rate-limited");
    for _ in 0..5 {
        assert_eq!(authed(&app, "GET", GITBOOK, None).await.status, 200);
    }
    let answer = authed(&app, "GET", GITBOOK, None).await;
    let message = assert_envelope("gitbook", &answer, 429);
    assert!(message.starts_with("API rate limit exceeded. Please try again in "), "{message}");
    assert_eq!(answer.headers["x-ratelimit-remaining"], "0");
    assert_eq!(answer.headers["x-ratelimit-limit"], "5");
}

// === Ada: 400, 401, 403, 404, 429 ===

#[tokio::test]
async fn ada_403_only_integrations_in_development_may_be_updated() {
    let answer =
        authed(&app(Dialect::V31), "PATCH", ADA_APPROVED, Some(r#"{"name": "Renamed"}"#)).await;
    let message = assert_envelope("ada", &answer, 403);
    assert_eq!(answer.json["errors"][0]["type"], "forbidden");
    assert!(
        message
            .starts_with("Only integrations in development may be updated; this one is approved."),
        "{message}"
    );
}

#[tokio::test]
async fn ada_tokens_401_403() {
    let app = app(Dialect::V31);
    assert_envelope("ada", &call_as(&app, Some("nope"), None, "GET", ADA, None).await, 401);
    let answer =
        call_as(&app, Some("readonly-token"), None, "PATCH", ADA_DEV, Some(r#"{"name": "x"}"#))
            .await;
    assert_envelope("ada", &answer, 403);
    let answer = call_as(
        &app,
        Some("installation-token"),
        None,
        "GET",
        &format!("{ADA_APPROVED}/installations/self"),
        None,
    )
    .await;
    assert_envelope("ada", &answer, 403);
    let answer = call_as(
        &app,
        Some("installation-token"),
        None,
        "GET",
        &format!("{ADA_DEV}/installations/self"),
        None,
    )
    .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json["id"], "66f3b1d8a2c4e6f809b1d3e5");
}

#[tokio::test]
async fn ada_404_for_an_unknown_installation() {
    let app = app(Dialect::V31);
    let answer = authed(
        &app,
        "PATCH",
        &format!("{ADA_DEV}/installations/66f2a9c4e1b7d3a05c8e4f12"),
        Some(r#"{"status": "complete"}"#),
    )
    .await;
    assert_envelope("ada", &answer, 404); // an installation of another integration
    let answer = authed(
        &app,
        "GET",
        "/ada/api/v2/platform-integrations/ffffffffffffffffffffffff/installations/self",
        None,
    )
    .await;
    assert_envelope("ada", &answer, 404);
}

#[tokio::test]
async fn ada_documented_limits_refuse_the_eleventh_request_in_a_second() {
    let app = app_with_scenario("ada", "documented-limits");
    let mut statuses = Vec::new();
    for _ in 0..11 {
        statuses.push(authed(&app, "GET", ADA, None).await.status.as_u16());
    }
    // The burst fits in one second on any machine this runs on; if it did not, the window
    // would restart and the last request pass, which the assertion would show.
    assert_eq!(statuses[..10], [200; 10]);
    assert_eq!(statuses[10], 429);
    let answer = authed(&app, "GET", ADA, None).await;
    assert_envelope("ada", &answer, 429);
    assert_eq!(answer.json["errors"][0]["type"], "too_many_requests");
}

// === Every API: a request body that never arrives ===

/// A request body that sends nothing and never ends.
struct Stalled;

impl hyper::body::Body for Stalled {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<hyper::body::Frame<bytes::Bytes>, Self::Error>>> {
        std::task::Poll::Pending
    }
}

#[tokio::test]
async fn a_body_that_does_not_arrive_within_the_request_timeout_is_408_there_and_on_the_admin_api()
{
    use http_body_util::BodyExt;
    let settings = understudy::Settings {
        request_timeout: std::time::Duration::from_millis(100),
        ..understudy::Settings::default()
    };
    let app = understudy::App::new(
        crate::util::catalog(Dialect::V31),
        understudy::Store::new(understudy::StoreOptions::default()),
        settings,
    );
    for (path, api) in [(TEABLE_ITEM, Some("teable")), ("/__understudy/state", None)] {
        let request = http::Request::builder()
            .method("PATCH")
            .uri(path)
            .header("authorization", crate::util::TOKEN)
            .header("content-type", "application/json")
            .body(Stalled)
            .unwrap();
        let response = app.handle(request).await.expect("answered, not dropped");
        let (parts, body) = response.into_parts();
        let text = String::from_utf8(body.collect().await.unwrap().to_bytes().to_vec()).unwrap();
        let answer = crate::util::Answer {
            status: parts.status,
            headers: parts.headers,
            json: serde_json::from_str(&text).unwrap_or_default(),
            text,
        };
        match api {
            Some(api) => {
                let message = assert_envelope(api, &answer, 408);
                assert!(message.contains("did not arrive within 100ms"), "{message}");
            }
            None => {
                assert_eq!(answer.status, 408, "{}", answer.text);
                assert_eq!(
                    answer.json["error"],
                    "the admin request body did not arrive within 100ms"
                );
            }
        }
    }
}
