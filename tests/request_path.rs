//! The request path does no contract parsing and no schema compilation: everything is built
//! at start-up. (How fast requests are is measured by the benchmarks, never by a test.)
//!
//! This test has a binary of its own so that no other test compiles schemas meanwhile.

#[path = "util/mod.rs"]
mod util;

use util::{Dialect, app, authed, call};

#[tokio::test]
async fn serving_requests_parses_and_compiles_nothing() {
    // Arrange: loading the catalog compiles everything.
    let app = app(Dialect::V31);
    let before = understudy::contract::schema::compilations();
    assert!(before > 50, "loading compiled {before} schemas");

    // Act: successes, every kind of rejection, Prefer, and the self-check on all of them.
    let patch = "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration/intH0sBtuGK6ikltC7E";
    for _ in 0..3 {
        authed(&app, "GET", "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration", None).await;
        authed(&app, "PATCH", patch, Some(r#"{"enable": true}"#)).await;
        authed(&app, "PATCH", patch, Some(r#"{"enable": "yes"}"#)).await;
        authed(&app, "PATCH", patch, Some("{oops")).await;
        call(&app, "PATCH", patch, &[], Some("{}")).await;
        authed(&app, "PUT", patch, None).await;
        authed(&app, "GET", "/arize/v2/integrations?limit=500", None).await;
        authed(&app, "POST", "/arize/v2/integrations", Some(r#"{"type": "LLM", "name": "n", "config": {"provider": "ANTHROPIC", "api_key": "k"}}"#)).await;
        authed(&app, "POST", "/arize@2026-07-10/v2/integrations", Some(r#"{"type": "llm", "name": "n", "config": {"provider": "anthropic", "api_key": "k"}}"#)).await;
        authed(&app, "GET", "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integration-blocks", None)
            .await;
        call(
            &app,
            "GET",
            "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integration-blocks",
            &[("authorization", util::TOKEN), ("prefer", "code=404")],
            None,
        )
        .await;
        authed(&app, "GET", "/ada/api/v2/platform-integrations/", None).await;
        authed(&app, "GET", "/__understudy/health", None).await;
    }

    // Assert
    assert_eq!(
        understudy::contract::schema::compilations(),
        before,
        "a request parsed a contract or compiled a schema"
    );
}
