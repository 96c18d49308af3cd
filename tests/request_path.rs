//! The embedded contracts are read again, registered and compiled on first use, once
//! (`contract/load/` and `contract/forms.rs` say why not at start-up): serving a request again
//! parses and compiles nothing. (How fast requests are is measured by the benchmarks, never by
//! a test.)
//!
//! This test has a binary of its own so that no other test compiles schemas meanwhile.

#[path = "util/mod.rs"]
mod util;

use util::{Dialect, app, authed, call};

#[tokio::test]
async fn the_embedded_contracts_compile_nothing_at_load_and_a_schema_once_on_first_use() {
    // Arrange: loading the embedded catalog parses each document once, and neither registers
    // its rewritten forms nor compiles a schema.
    let app = app(Dialect::V31);
    let loaded = understudy::contract::schema::compilations();
    let catalog = util::catalog(Dialect::V31);
    let documents = catalog.apis.iter().flat_map(|a| &a.versions).flat_map(|v| &v.contracts);
    assert_eq!(loaded, documents.count(), "a parse per document, nothing compiled");

    // Act: the first round reads again and registers the forms it needs and compiles their
    // schemas; two more must do none of it again (each on a fresh store over the same
    // catalog, so that they get the same answers as the first).
    requests(&app).await;
    let first = understudy::contract::schema::compilations();
    assert!(first > loaded, "the first requests compiled their schemas");
    requests(&util::app(Dialect::V31)).await;
    requests(&util::app(Dialect::V31)).await;

    // Assert
    assert_eq!(
        understudy::contract::schema::compilations(),
        first,
        "a request parsed a contract or compiled a schema already compiled"
    );
}

/// Successes, every kind of rejection, Prefer, and the self-check on all of them.
async fn requests(app: &understudy::App) {
    let patch = "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration/intH0sBtuGK6ikltC7E";
    authed(app, "GET", "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration", None).await;
    authed(app, "PATCH", patch, Some(r#"{"enable": true}"#)).await;
    authed(app, "PATCH", patch, Some(r#"{"enable": "yes"}"#)).await;
    authed(app, "PATCH", patch, Some("{oops")).await;
    call(app, "PATCH", patch, &[], Some("{}")).await;
    authed(app, "PUT", patch, None).await;
    authed(app, "GET", "/arize/v2/integrations?limit=500", None).await;
    authed(
        app,
        "POST",
        "/arize/v2/integrations",
        Some(
            r#"{"type": "LLM", "name": "n", "config": {"provider": "ANTHROPIC", "api_key": "k"}}"#,
        ),
    )
    .await;
    authed(
        app,
        "POST",
        "/arize@2026-07-10/v2/integrations",
        Some(
            r#"{"type": "llm", "name": "n", "config": {"provider": "anthropic", "api_key": "k"}}"#,
        ),
    )
    .await;
    authed(app, "GET", "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integration-blocks", None).await;
    call(
        app,
        "GET",
        "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integration-blocks",
        &[("authorization", util::TOKEN), ("prefer", "code=404")],
        None,
    )
    .await;
    authed(app, "GET", "/ada/api/v2/platform-integrations/", None).await;
    authed(app, "GET", "/__understudy/health", None).await;
}
