//! Where responses come from: `Prefer` picks documented ones (Prism's words), and the strict
//! self-check refuses to send a response that breaks the contract.

use std::path::Path;
use std::sync::Arc;

use understudy::catalog::{Catalog, CatalogOptions};
use understudy::files::Tree;
use understudy::{App, Settings, Store, StoreOptions};

use crate::util::{Dialect, TOKEN, app, assert_envelope, authed, call, call_as};

const BLOCKS: &str = "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integration-blocks";
const ADA_PATCH: &str = "/ada/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b";

#[tokio::test]
async fn prefer_code_answers_the_documented_status_in_the_envelope() {
    let app = app(Dialect::V31);
    let answer =
        call(&app, "GET", BLOCKS, &[("authorization", TOKEN), ("prefer", "code=404")], None).await;
    assert_envelope("gitbook", &answer, 404);

    // The query-string fallback for clients that cannot set headers.
    let answer = authed(&app, "GET", &format!("{BLOCKS}?__code=404"), None).await;
    assert_envelope("gitbook", &answer, 404);

    // A documented 2xx other than the default one.
    let answer = call(&app, "DELETE", "/gitbook/v1/integrations/slack/installations/tR7cP2xVnK9mLq4WsB1d/spaces/NoK4wQzHOEVavmwBhb3l",
        &[("authorization", TOKEN), ("prefer", "code=205")], None).await;
    assert_eq!(answer.status.as_u16(), 205);
    assert!(answer.text.is_empty());
}

#[tokio::test]
async fn a_documented_answer_satisfies_every_dialect_of_the_version() {
    // GitBook is described by three documents that require different members of a space
    // integration (`urls.publicContentEndpoint` in the client's, `owner.permissions.
    // ingestConversations` in 3.0): the sample built from the 3.1 document is completed with
    // what the others require, static or varied, so the strict self-check passes.
    let app = app(Dialect::V31);
    let list = "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations";
    for prefer in ["code=200", "code=200, dynamic=true"] {
        let answer =
            call(&app, "GET", list, &[("authorization", TOKEN), ("prefer", prefer)], None).await;
        assert_eq!(answer.status.as_u16(), 200, "{prefer}: {}", answer.text);
        let first = &answer.json["items"][0];
        assert!(first["urls"]["publicContentEndpoint"].is_string(), "{prefer}: {}", answer.text);
    }
}

#[tokio::test]
async fn prefer_example_answers_that_example() {
    let app = app(Dialect::V31);
    let headers = [
        ("authorization", TOKEN),
        ("content-type", "application/json"),
        ("prefer", "example=coolShop"),
    ];
    let answer = call(&app, "PATCH", ADA_PATCH, &headers, Some(r#"{"name": "Other"}"#)).await;
    assert_eq!(answer.status.as_u16(), 200, "{}", answer.text);
    assert_eq!(answer.json["name"], "Connect to Cool Shop Knowledge Hub");

    // The documented example, not the store: the name sent was not stored either.
    let list = authed(&app, "GET", "/ada/api/v2/platform-integrations/", None).await;
    assert!(!list.text.contains("\"Other\""), "{}", list.text);

    // Error examples come back with their status.
    let answer = call(
        &app,
        "GET",
        "/arize@2026-07-10/v2/integrations",
        &[("authorization", TOKEN), ("prefer", "example=invalid_request")],
        None,
    )
    .await;
    assert_eq!(answer.status.as_u16(), 400, "{}", answer.text);
    assert_eq!(answer.json["detail"], "JSON parse error: unexpected token '}' at position 42.");
}

#[tokio::test]
async fn prefer_with_an_undocumented_code_or_example_is_400_naming_what_exists() {
    let app = app(Dialect::V31);
    let answer =
        call(&app, "GET", BLOCKS, &[("authorization", TOKEN), ("prefer", "code=418")], None).await;
    let message = assert_envelope("gitbook", &answer, 400);
    assert!(
        message.contains("code=418")
            && message.contains("documented: 200, 400, 401, 403, 404, 429"),
        "{message}"
    );

    let answer = call(
        &app,
        "PATCH",
        ADA_PATCH,
        &[
            ("authorization", TOKEN),
            ("content-type", "application/json"),
            ("prefer", "example=nope"),
        ],
        Some("{}"),
    )
    .await;
    let message = assert_envelope("ada", &answer, 400);
    assert!(message.contains("example=nope") && message.contains("coolShop (200)"), "{message}");

    let answer =
        call(&app, "GET", BLOCKS, &[("authorization", TOKEN), ("prefer", "code=abc")], None).await;
    assert_envelope("gitbook", &answer, 400);
}

#[tokio::test]
async fn prefer_still_needs_a_token_and_a_valid_request() {
    let app = app(Dialect::V31);
    let answer = call(&app, "GET", BLOCKS, &[("prefer", "code=200")], None).await;
    assert_envelope("gitbook", &answer, 401);
    let headers =
        [("authorization", TOKEN), ("content-type", "application/json"), ("prefer", "code=200")];
    let answer = call(&app, "PATCH", ADA_PATCH, &headers, Some(r#"{"name": ""}"#)).await;
    assert_envelope("ada", &answer, 400);
}

fn bad_scenario_app(strict: bool) -> App {
    let mut options = CatalogOptions::embedded();
    options.only = vec!["teable".into()];
    options.scenarios =
        Tree::disk(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/bad-scenario"));
    let catalog = Arc::new(Catalog::load(&options).unwrap());
    App::new(
        catalog,
        Store::new(StoreOptions::default()),
        Settings { strict, ..Settings::default() },
    )
}

#[tokio::test]
async fn the_strict_self_check_answers_500_naming_the_violation() {
    let answer = authed(
        &bad_scenario_app(true),
        "GET",
        "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration",
        None,
    )
    .await;
    let message = assert_envelope("teable", &answer, 500);
    assert!(
        message.contains("self-check")
            && message.contains("/0")
            && message.contains("\"spaceId\" is a required property")
            && message.ends_with("fix the scenario"),
        "{message}"
    );
}

#[tokio::test]
async fn without_strict_the_response_is_sent_as_built() {
    let answer = authed(
        &bad_scenario_app(false),
        "GET",
        "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration",
        None,
    )
    .await;
    assert_eq!(answer.status.as_u16(), 200);
    assert_eq!(answer.json[0]["id"], "intH0sBtuGK6ikltC7E");
    assert!(answer.json[0].get("spaceId").is_none());
}

#[tokio::test]
async fn writes_change_later_reads() {
    let app = app(Dialect::V31);
    let created = authed(&app, "POST", "/arize@2026-07-10/v2/integrations", Some(r#"{"type": "llm", "name": "Fresh", "config": {"provider": "anthropic", "api_key": "k"}}"#)).await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.text);
    let id = created.json["id"].as_str().unwrap().to_owned();
    assert_eq!(id, "TGxtSW50ZWdyYXRpb246NA==", "the next id after the three seeded ones");
    assert_eq!(
        created.json["config"],
        serde_json::json!({"provider": "anthropic", "is_function_calling_enabled": true, "has_api_key": true})
    );

    let updated = authed(
        &app,
        "PATCH",
        &format!("/arize@2026-07-10/v2/integrations/{id}"),
        Some(r#"{"type": "llm", "config": {"api_key": null}}"#),
    )
    .await;
    assert_eq!(updated.status.as_u16(), 200, "{}", updated.text);
    assert_eq!(updated.json["config"]["has_api_key"], false);

    let read = authed(&app, "GET", &format!("/arize@2026-07-10/v2/integrations/{id}"), None).await;
    assert_eq!(read.json, updated.json);
    assert!(!read.text.contains("\"api_key\""), "the key is never returned: {}", read.text);

    let deleted =
        authed(&app, "DELETE", &format!("/arize@2026-07-10/v2/integrations/{id}"), None).await;
    assert_eq!(deleted.status.as_u16(), 204);
    let gone = authed(&app, "GET", &format!("/arize@2026-07-10/v2/integrations/{id}"), None).await;
    assert_envelope("arize", &gone, 404);
}

/// Reads are answered from the response cache while their data is unchanged: every write,
/// reset and scenario switch shows at once, and what a read depends on (host, session, token,
/// `Prefer`) keeps answers apart.
#[tokio::test]
async fn repeated_reads_follow_writes_resets_switches_hosts_sessions_and_tokens() {
    let app = app(Dialect::V31);
    let list = "/arize@2026-07-10/v2/integrations?limit=1";
    let newest = "/arize@2026-07-10/v2/integrations/TGxtSW50ZWdyYXRpb246Mw%3D%3D";
    let first = authed(&app, "GET", list, None).await;
    assert_eq!(first.status, 200);
    assert_eq!(authed(&app, "GET", list, None).await.text, first.text);

    // A write shows in the next read, in its session only.
    let renamed =
        authed(&app, "PATCH", newest, Some(r#"{"type": "llm", "name": "Renamed"}"#)).await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    let after = authed(&app, "GET", list, None).await;
    assert_eq!(after.json["integrations"][0]["name"], "Renamed", "{}", after.text);
    let other = call_as(&app, Some("dev-token"), Some("other"), "GET", list, None).await;
    assert_ne!(other.json["integrations"][0]["name"], "Renamed");

    // The same read without a token, or asking for another answer, is not served the kept one.
    assert_eq!(call(&app, "GET", list, &[], None).await.status, 401);
    let preferred =
        call(&app, "GET", list, &[("authorization", TOKEN), ("prefer", "code=429")], None).await;
    assert_eq!(preferred.status, 429);

    // Links to the next page name the host each request came to.
    let ada = "/ada/api/v2/platform-integrations?limit=1";
    for host in ["a.example", "b.example", "a.example"] {
        let answer =
            call(&app, "GET", ada, &[("authorization", TOKEN), ("host", host)], None).await;
        let next = answer.json["meta"]["next_page_url"].as_str().unwrap_or_default().to_owned();
        assert!(next.starts_with(&format!("http://{host}/")), "{host}: {}", answer.text);
    }

    // A reset brings the seed back; a scenario switch its own data.
    let reset = call(&app, "POST", "/__understudy/reset?api=arize", &[], None).await;
    assert_eq!(reset.status, 200);
    assert_eq!(authed(&app, "GET", list, None).await.text, first.text);
    let switched = call(
        &app,
        "PUT",
        "/__understudy/scenario/arize",
        &[("content-type", "application/json")],
        Some(r#"{"scenario": "empty"}"#),
    )
    .await;
    assert_eq!(switched.status, 200, "{}", switched.text);
    assert_eq!(authed(&app, "GET", list, None).await.json["integrations"], serde_json::json!([]));
}
