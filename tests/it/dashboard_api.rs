//! The admin routes behind the dashboard, through the service: why each answer is what it is
//! (the journal's `step` and `why`), the live journal stream, record edits checked against the
//! contract, the catalog and rate-limit views, and the default version switch.
//! (The page itself is tested in a browser: `tests/dashboard.rs`.)

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::util::{Dialect, app, app_with_scenario, authed, call, call_as};

const TEABLE: &str = "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration/intH0sBtuGK6ikltC7E";
const RECORD: &str = "/__understudy/state/teable/default/integrations/intH0sBtuGK6ikltC7E";
const ARIZE_ONE: &str = "/arize@2026-07-10/v2/integrations/TGxtSW50ZWdyYXRpb246MQ==";
const ARIZE_TWO: &str = "/arize@2026-07-10/v2/integrations/TGxtSW50ZWdyYXRpb246Mg==";

async fn newest(app: &understudy::App) -> Value {
    let journal = call(app, "GET", "/__understudy/journal?limit=1", &[], None).await;
    journal.json["entries"][0].clone()
}

#[tokio::test]
async fn every_journal_entry_names_the_step_that_answered_and_a_refusal_says_why() {
    let app = app(Dialect::V31);

    authed(&app, "PATCH", TEABLE, Some(r#"{"enable": "yes"}"#)).await;
    let entry = newest(&app).await;
    assert_eq!(entry["step"], "validate");
    let violation = &entry["why"]["violations"][0];
    assert_eq!(violation["location"], "body");
    assert_eq!(violation["pointer"], "/enable");
    assert_eq!(
        violation["contract"],
        "openapi.yaml#/paths/~1space~1{spaceId}~1integration~1{integrationId}/patch/requestBody/content/application~1json/schema/properties/enable/type"
    );
    assert!(entry["why"]["message"].as_str().unwrap().contains("/enable"));

    call_as(&app, Some("readonly-token"), None, "PATCH", TEABLE, Some(r#"{"enable": true}"#)).await;
    let entry = newest(&app).await;
    assert_eq!(
        (entry["step"].as_str(), entry["response"]["status"].as_u64()),
        (Some("tokens"), Some(403))
    );
    assert_eq!(entry["why"]["rule"], "tokens.readonly-token: read-only");

    call_as(
        &app,
        Some("nobody"),
        None,
        "GET",
        "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations",
        None,
    )
    .await;
    let entry = newest(&app).await;
    assert_eq!(entry["step"], "tokens");
    assert!(
        entry["why"].get("rule").is_none(),
        "an unknown token breaks no rule of a token: {entry}"
    );

    call(&app, "GET", "/arize/v2/integrations", &[], None).await;
    assert_eq!(newest(&app).await["step"], "auth");
    authed(&app, "GET", "/teable/api/nothing", None).await;
    assert_eq!(newest(&app).await["step"], "route");
    authed(&app, "PUT", TEABLE, Some("{}")).await;
    let entry = newest(&app).await;
    assert_eq!(entry["step"], "route");
    assert!(entry["why"]["message"].as_str().unwrap().contains("not allowed"), "{entry}");

    // A rule of the scenario's operation, named as the scenario writes it.
    let answer =
        authed(&app, "PATCH", ARIZE_TWO, Some(r#"{"type": "llm", "name": "Production OpenAI"}"#))
            .await;
    assert_eq!(answer.status, 409, "{}", answer.text);
    let entry = newest(&app).await;
    assert_eq!(entry["step"], "engine");
    assert_eq!(entry["why"]["rule"], "operations.integrations_update.unique: /type, /name");
    authed(
        &app,
        "PATCH",
        ARIZE_ONE,
        Some(r#"{"type": "llm", "config": {"provider": "anthropic"}}"#),
    )
    .await;
    assert_eq!(
        newest(&app).await["why"]["rule"],
        "operations.integrations_update.immutable: /config/provider"
    );

    // Prefer, and answers that are no refusal.
    call(
        &app,
        "GET",
        "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integration-blocks",
        &[("authorization", crate::util::TOKEN), ("prefer", "code=404")],
        None,
    )
    .await;
    let entry = newest(&app).await;
    assert_eq!(
        (entry["step"].as_str(), entry["response"]["status"].as_u64()),
        (Some("prefer"), Some(404))
    );
    assert!(entry.get("why").is_none(), "a documented answer asked for is no refusal: {entry}");
    call(
        &app,
        "GET",
        "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integration-blocks",
        &[("authorization", crate::util::TOKEN), ("prefer", "code=418")],
        None,
    )
    .await;
    let entry = newest(&app).await;
    assert_eq!(entry["step"], "prefer");
    assert!(entry["why"]["message"].as_str().unwrap().contains("418"), "{entry}");
    authed(&app, "GET", "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations", None).await;
    let entry = newest(&app).await;
    assert_eq!(entry["step"], "engine");
    assert!(entry.get("why").is_none(), "{entry}");
    // The same read again, from the same data (once the answer was kept).
    for _ in 0..2 {
        authed(&app, "GET", "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations", None).await;
    }
    assert_eq!(newest(&app).await["step"], "cache");
}

#[tokio::test]
async fn a_rate_limit_refusal_names_its_window() {
    let app = app_with_scenario("teable", "rate-limited");
    for _ in 0..6 {
        authed(&app, "GET", "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration", None).await;
    }
    let entry = newest(&app).await;
    assert_eq!(
        (entry["step"].as_str(), entry["response"]["status"].as_u64()),
        (Some("limit"), Some(429))
    );
    assert_eq!(entry["why"]["rule"], "limits: 5 requests per 60 s");
    let limits = call(&app, "GET", "/__understudy/limits", &[], None).await;
    assert_eq!(limits.json["teable"]["tokens"][0]["token"], "dev-token", "{}", limits.text);
    assert_eq!(limits.json["teable"]["tokens"][0]["windows"][0]["used"], 5, "{}", limits.text);
    // A token the scenario does not list is counted by the client's address (none here:
    // `anonymous`), and never shown.
    call_as(
        &app,
        Some("a-secret-key"),
        None,
        "GET",
        "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration",
        None,
    )
    .await;
    let limits = call(&app, "GET", "/__understudy/limits", &[], None).await;
    assert!(
        limits.text.contains("\"anonymous\"") && !limits.text.contains("a-s"),
        "{}",
        limits.text
    );
}

#[tokio::test]
async fn a_violation_of_a_secret_field_does_not_repeat_its_value() {
    let app = app(Dialect::V31);
    let body =
        r#"{"type": "llm", "name": "n", "config": {"provider": "openAI", "api_key": 12345678}}"#;
    authed(&app, "POST", "/arize@2026-07-10/v2/integrations", Some(body)).await;
    let entry = newest(&app).await;
    assert_eq!(entry["step"], "validate", "{entry}");
    let shown = entry["why"].to_string();
    assert!(!shown.contains("12345678"), "{shown}");
}

/// The journal stream's text until it has `wanted` in it (then the server shuts down, and
/// the stream must end).
async fn stream_until(
    app: &understudy::App,
    path: &str,
    wanted: &str,
    then: impl std::future::Future<Output = ()>,
) -> String {
    let request = http::Request::get(path).body(Full::new(Bytes::new())).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut body = response.into_body();
    let mut text = String::new();
    let mut then = Some(Box::pin(then));
    while !text.contains(wanted) {
        let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
            .await
            .unwrap_or_else(|_| panic!("no `{wanted}` within 5 s; got:\n{text}"))
            .expect("the stream is open")
            .unwrap();
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
        if text.contains("event: ready")
            && let Some(then) = then.take()
        {
            then.await;
        }
    }
    app.state().close_streams();
    let rest = tokio::time::timeout(Duration::from_secs(5), body.collect())
        .await
        .expect("the stream ends at shutdown");
    text.push_str(&String::from_utf8_lossy(&rest.unwrap().to_bytes()));
    text
}

#[tokio::test]
async fn the_journal_stream_sends_what_it_holds_then_new_entries_and_ends_at_shutdown() {
    let app = app(Dialect::V31);
    authed(&app, "GET", "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations", None).await;
    authed(&app, "GET", "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration", None).await;
    let sender = app.clone();
    let text = stream_until(&app, "/__understudy/journal/stream?api=teable", "id: 4", async move {
        authed(&sender, "GET", "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations", None).await;
        authed(&sender, "PATCH", TEABLE, Some(r#"{"enable": "yes"}"#)).await;
    })
    .await;
    let ids: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("id: ")).collect();
    assert_eq!(ids, ["2", "4"], "teable's entries only, the held one then the new one:\n{text}");
    let ready = text.find("event: ready\ndata: {\"seq\":2}").expect("ready after the backlog");
    assert!(ready < text.find("id: 4").unwrap());
    let data: Vec<Value> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .filter_map(|d| serde_json::from_str(d).ok())
        .collect();
    assert!(data.iter().any(|e| e["step"] == "validate" && e["seq"] == 4), "{text}");
    // After shutdown began, a stream ends at once.
    let request =
        http::Request::get("/__understudy/journal/stream").body(Full::new(Bytes::new())).unwrap();
    let late = app.clone().oneshot(request).await.unwrap().into_body().collect();
    tokio::time::timeout(Duration::from_secs(5), late).await.expect("ends at once").unwrap();

    // `since` skips what the reader has, and bad filters are refused like the journal's.
    let app = crate::util::app(Dialect::V31);
    for _ in 0..3 {
        authed(&app, "GET", "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations", None).await;
    }
    let text =
        stream_until(&app, "/__understudy/journal/stream?since=2", "event: ready", async {}).await;
    let ids: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("id: ")).collect();
    assert_eq!(ids, ["3"], "{text}");
    let bad = call(&app, "GET", "/__understudy/journal/stream?status=abc", &[], None).await;
    assert_eq!(bad.status, 400);
    let bad = call(&app, "POST", "/__understudy/journal/stream", &[], None).await;
    assert_eq!(bad.status, 405);
}

#[tokio::test]
async fn the_journal_stream_needs_the_admin_token_and_its_own_origin() {
    let app = understudy::App::new(
        crate::util::catalog(Dialect::V31),
        understudy::Store::new(understudy::StoreOptions::default()),
        understudy::Settings { admin_token: Some("s3cret".into()), ..Default::default() },
    );
    let answer = call(&app, "GET", "/__understudy/journal/stream", &[], None).await;
    assert_eq!(answer.status, 401);
    let answer = call(
        &app,
        "GET",
        "/__understudy/journal/stream",
        &[
            ("authorization", "Bearer s3cret"),
            ("origin", "http://evil.example"),
            ("host", "localhost:4010"),
        ],
        None,
    )
    .await;
    assert_eq!(answer.status, 403);
    // The page and its files need no token (they hold no data); the data does.
    let page = call(&app, "GET", "/__understudy/", &[("accept", "text/html")], None).await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("<main id=\"view\">"));
    assert_eq!(call(&app, "GET", "/__understudy/apis", &[], None).await.status, 401);
}

#[tokio::test]
async fn a_record_edit_is_checked_against_the_contract_and_a_refused_one_changes_nothing() {
    let app = app(Dialect::V31);
    authed(&app, "GET", "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration", None).await;
    let state = |app: &understudy::App| {
        let app = app.clone();
        async move {
            call(&app, "GET", "/__understudy/state?api=teable&secrets=true", &[], None).await.json
        }
    };
    let before = state(&app).await;
    let mut record =
        before["teable"]["default"]["collections"]["integrations"]["intH0sBtuGK6ikltC7E"].clone();

    // Refused: a wrong type, a missing required field; all of them listed.
    let mut broken = record.clone();
    broken["enable"] = json!("sometimes");
    broken.as_object_mut().unwrap().remove("createdTime");
    let answer = call(&app, "PUT", RECORD, &[], Some(&broken.to_string())).await;
    assert_eq!(answer.status, 422, "{}", answer.text);
    let violations = answer.json["violations"].as_array().unwrap();
    assert!(
        violations.iter().any(|v| v["pointer"] == "/enable"
            && v["contract"]
                == "openapi.yaml#/components/schemas/IntegrationItem/properties/enable/type"),
        "{}",
        answer.text
    );
    assert!(
        violations.iter().any(|v| v["message"].as_str().unwrap().contains("createdTime")),
        "{}",
        answer.text
    );
    assert_eq!(state(&app).await, before);

    // Refused: another key, not an object, not JSON; unknown places.
    let mut moved = record.clone();
    moved["id"] = json!("intOther");
    assert_eq!(call(&app, "PUT", RECORD, &[], Some(&moved.to_string())).await.status, 422);
    assert_eq!(call(&app, "PUT", RECORD, &[], Some("[1]")).await.status, 422);
    assert_eq!(call(&app, "PUT", RECORD, &[], Some("{oops")).await.status, 400);
    assert_eq!(
        call(&app, "PUT", "/__understudy/state/nope/default/integrations/x", &[], Some("{}"))
            .await
            .status,
        404
    );
    assert_eq!(
        call(&app, "PUT", "/__understudy/state/teable/default/nothing/x", &[], Some("{}"))
            .await
            .status,
        404
    );
    assert_eq!(
        call(&app, "PUT", "/__understudy/state/teable/a%20b/integrations/x", &[], Some("{}"))
            .await
            .status,
        400
    );
    assert_eq!(
        call(&app, "PUT", "/__understudy/state/teable/default", &[], Some("{}")).await.status,
        404
    );
    assert_eq!(call(&app, "POST", RECORD, &[], Some("{}")).await.status, 405);
    assert_eq!(state(&app).await, before);

    // Stored: a valid change; a secret sent back as the dump shows it keeps its value.
    record["enable"] = json!(false);
    record["config"]["llmProviders"][0]["apiKey"] = json!("‹redacted›");
    let answer = call(&app, "PUT", RECORD, &[], Some(&record.to_string())).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.json["record"]["config"]["llmProviders"][0]["apiKey"], "‹redacted›");
    let after = state(&app).await;
    let stored = &after["teable"]["default"]["collections"]["integrations"]["intH0sBtuGK6ikltC7E"];
    assert_eq!(stored["enable"], false);
    let old = &before["teable"]["default"]["collections"]["integrations"]["intH0sBtuGK6ikltC7E"];
    assert_eq!(stored["config"], old["config"]);
    let listed =
        authed(&app, "GET", "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration", None).await;
    assert_eq!(
        listed.json[0]["enable"], false,
        "the mock answers the edited record (no stale cache)"
    );

    // Deleted, then gone.
    assert_eq!(call(&app, "DELETE", RECORD, &[], None).await.status, 204);
    assert_eq!(call(&app, "DELETE", RECORD, &[], None).await.status, 404);
}

#[tokio::test]
async fn records_of_an_inferred_resource_are_checked_against_its_read_operation() {
    // An inferred scenario names no schema for its records: the answer of `getPet` decides.
    let app = crate::util::document_app("tests/data/any-contract/shop.yaml");
    call(&app, "GET", "/shop/api/v1/pets", &[("authorization", "Bearer any")], None).await;
    let path = "/__understudy/state/shop/default/pets/7";
    let answer =
        call(&app, "PUT", path, &[], Some(r#"{"id": 7, "name": 12, "status": "sold"}"#)).await;
    assert_eq!(answer.status, 422, "{}", answer.text);
    assert_eq!(answer.json["violations"].as_array().unwrap().len(), 1, "{}", answer.text);
    assert_eq!(answer.json["violations"][0]["pointer"], "/name", "{}", answer.text);
    assert_eq!(
        answer.json["violations"][0]["contract"],
        "shop.yaml#/components/schemas/Pet/properties/name/type"
    );
    let answer =
        call(&app, "PUT", path, &[], Some(r#"{"id": 7, "name": "Rex II", "status": "sold"}"#))
            .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let read =
        call(&app, "GET", "/shop/api/v1/pets/7", &[("authorization", "Bearer any")], None).await;
    assert_eq!(read.json["name"], "Rex II", "{}", read.text);
}

#[tokio::test]
async fn the_catalog_view_lists_versions_mounts_tokens_and_operations() {
    let app = app(Dialect::V31);
    let apis = call(&app, "GET", "/__understudy/apis", &[], None).await;
    assert_eq!(apis.status, 200);
    let arize = apis.json["apis"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "arize")
        .unwrap()
        .clone();
    assert_eq!(arize["default"], "arize@current");
    let current =
        arize["versions"].as_array().unwrap().iter().find(|v| v["default"] == true).unwrap();
    assert_eq!(current["mounts"], json!(["/arize", "/arize@current"]));
    let update = current["operations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "update_integration")
        .unwrap();
    assert_eq!(update["method"], "PATCH");
    assert_eq!(update["url"], "/arize@current/v2/integrations/{integration_id}");
    assert!(update["statuses"].as_array().unwrap().contains(&json!("422")), "{update}");
    assert_eq!(
        (update["action"].as_str(), update["resource"].as_str()),
        (Some("update"), Some("integrations"))
    );
    assert!(
        current["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["token"] == "readonly-token" && t["read_only"] == true)
    );
    let gitbook =
        apis.json["apis"].as_array().unwrap().iter().find(|a| a["name"] == "gitbook").unwrap();
    assert_eq!(gitbook["versions"][0]["mounts"], json!(["/gitbook/v1"]));
    assert_eq!(
        gitbook["versions"][0]["limits"]["windows"],
        json!([{"requests": 1000, "seconds": 60}])
    );
    assert_eq!(call(&app, "POST", "/__understudy/apis", &[], None).await.status, 405);
}

#[tokio::test]
async fn the_default_version_switches_at_runtime() {
    let app = app(Dialect::V31);
    let before = authed(&app, "GET", "/arize/v2/integrations", None).await;
    assert!(before.text.contains("\"LLM\""), "{}", before.text);
    let answer =
        call(&app, "PUT", "/__understudy/version/arize", &[], Some(r#"{"version": "2026-07-10"}"#))
            .await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let after = authed(&app, "GET", "/arize/v2/integrations", None).await;
    assert!(after.text.contains("\"type\":\"llm\""), "{}", after.text);
    let apis = call(&app, "GET", "/__understudy/apis", &[], None).await;
    assert!(apis.text.contains("\"default\":\"arize@2026-07-10\""));
    let unknown =
        call(&app, "PUT", "/__understudy/version/arize", &[], Some(r#"{"version": "1999"}"#)).await;
    assert_eq!(unknown.status, 404);
    assert!(unknown.json["error"].as_str().unwrap().contains("2026-07-02"), "{}", unknown.text);
    assert_eq!(
        call(&app, "PUT", "/__understudy/version/teable", &[], Some(r#"{"version": "x"}"#))
            .await
            .status,
        404
    );
    assert_eq!(call(&app, "PUT", "/__understudy/version/arize", &[], Some("{}")).await.status, 400);
}
