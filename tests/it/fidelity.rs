//! Request fields a contract does not declare are accepted and ignored, as the vendors ignore
//! them: a write carrying an unknown top-level field and an unknown field inside a declared
//! nested object leaves neither in its answer nor in any later read. One test per API, and for
//! Arize one per version.
//!
//! See: #11. The engine drops undeclared request fields before it stores a body
//! (`src/contract/prune.rs`).

use serde_json::Value;

use crate::util::{Dialect, app, authed};

/// Every JSON pointer in `value` whose last token is `name`, at any depth.
fn traces(value: &Value, name: &str) -> Vec<String> {
    let mut found = Vec::new();
    walk(value, "", name, &mut found);
    found
}

fn walk(value: &Value, at: &str, name: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                let pointer = format!("{at}/{key}");
                if key == name {
                    found.push(pointer.clone());
                }
                walk(child, &pointer, name, found);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, &format!("{at}/{i}"), name, found);
            }
        }
        // Teable answers `config` as JSON text: look inside it too.
        Value::String(text) if text.starts_with('{') => {
            if let Ok(inner) = serde_json::from_str::<Value>(text) {
                walk(&inner, at, name, found);
            }
        }
        _ => {}
    }
}

/// Neither undeclared field shows anywhere in `answer`.
fn assert_no_trace(what: &str, answer: &Value) {
    for name in ["bar", "foo"] {
        let found = traces(answer, name);
        assert!(found.is_empty(), "{what}: undeclared `{name}` echoed at {found:?}: {answer}");
    }
}

#[tokio::test]
async fn teable_keeps_no_trace_of_undeclared_request_fields() {
    let app = app(Dialect::V31);
    let path = "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration/intH0sBtuGK6ikltC7E";
    let body = r#"{"enable": true, "bar": 1, "config": {"llmProviders": [{"type": "openai", "name": "OpenAI", "foo": 1}], "foo": 1}}"#;

    let written = authed(&app, "PATCH", path, Some(body)).await;
    assert_eq!(written.status, 200, "{}", written.text);
    assert_no_trace("PATCH answer", &written.json);

    let created = authed(
        &app,
        "POST",
        "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration",
        Some(r#"{"type": "AI", "bar": 1, "config": {"foo": 1, "llmProviders": []}}"#),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_no_trace("POST answer", &created.json);

    let read = authed(&app, "GET", "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration", None).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_no_trace("later list", &read.json);
}

#[tokio::test]
async fn gitbook_keeps_no_trace_of_undeclared_request_fields() {
    // installIntegrationOnSpace's body (`{space}`) has no nested object: the unknown field
    // carries one instead.
    let app = app(Dialect::V31);
    let install = "/gitbook/v1/integrations/mermaid/installations/pL2vG9tXcM4bQ7nRz1Ke/spaces";
    let body = r#"{"space": "Hf3ZuY6nB1aQx0GvTjKo", "bar": {"foo": 1}}"#;

    let written = authed(&app, "POST", install, Some(body)).await;
    assert_eq!(written.status, 201, "{}", written.text);
    assert_no_trace("install answer", &written.json);

    // Installing again answers the stored installation.
    let again = authed(&app, "POST", install, Some(r#"{"space": "Hf3ZuY6nB1aQx0GvTjKo"}"#)).await;
    assert_eq!(again.status, 201, "{}", again.text);
    assert_no_trace("install again", &again.json);

    let read =
        authed(&app, "GET", "/gitbook/v1/spaces/Hf3ZuY6nB1aQx0GvTjKo/integrations", None).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_no_trace("later list", &read.json);
}

#[tokio::test]
async fn ada_keeps_no_trace_of_undeclared_request_fields() {
    // The PATCH's nested objects (`configuration_fields`, `error_codes`) are free-form, so any
    // key inside them is declared: the unknown field carries a nested object instead.
    let app = app(Dialect::V31);
    let path = "/ada/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b";
    let body = r#"{"name": "Cool Shop Knowledge Hub", "bar": {"foo": 1}, "foo": true}"#;

    let written = authed(&app, "PATCH", path, Some(body)).await;
    assert_eq!(written.status, 200, "{}", written.text);
    assert_no_trace("PATCH answer", &written.json);

    let status = "/ada/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b/installations/66f3b1d8a2c4e6f809b1d3e5";
    let installation =
        authed(&app, "PATCH", status, Some(r#"{"status": "complete", "bar": 1}"#)).await;
    assert_eq!(installation.status, 200, "{}", installation.text);
    assert_no_trace("installation answer", &installation.json);

    let read = authed(&app, "GET", "/ada/api/v2/platform-integrations/", None).await;
    assert_eq!(read.status, 200, "{}", read.text);
    assert_no_trace("later list", &read.json);
    let mine = authed(&app, "GET", &format!("{path}/installations/self"), None).await;
    assert_eq!(mine.status, 200, "{}", mine.text);
    assert_no_trace("later installation", &mine.json);
}

/// Arize: a create and a PATCH with unknown fields at the top and inside `config`, then the
/// later reads, in one version (`mount`: `arize@<version>`).
async fn arize_keeps_no_trace(mount: &str, create: &str, patch: &str) {
    let app = app(Dialect::V31);
    let list = format!("/{mount}/v2/integrations");
    let created = authed(&app, "POST", &list, Some(create)).await;
    assert_eq!(created.status, 201, "{mount}: {}", created.text);
    assert_no_trace("POST answer", &created.json);

    let one = format!("{list}/{}", created.json["id"].as_str().unwrap().replace('=', "%3D"));
    let written = authed(&app, "PATCH", &one, Some(patch)).await;
    assert_eq!(written.status, 200, "{mount}: {}", written.text);
    assert_no_trace("PATCH answer", &written.json);

    let read = authed(&app, "GET", &one, None).await;
    assert_eq!(read.status, 200, "{mount}: {}", read.text);
    assert_no_trace("later get", &read.json);
    let listed = authed(&app, "GET", &list, None).await;
    assert_eq!(listed.status, 200, "{mount}: {}", listed.text);
    assert_no_trace("later list", &listed.json);
}

#[tokio::test]
async fn arize_keeps_no_trace_of_undeclared_request_fields_in_every_version() {
    // 2026-07-02 and 2026-07-10: the clients of these versions reject any key their models do
    // not list, so an echoed field would break every later read.
    for mount in ["arize@2026-07-02", "arize@2026-07-10"] {
        arize_keeps_no_trace(
            mount,
            r#"{"type": "llm", "name": "Traceless", "bar": 1, "config": {"provider": "openAI", "api_key": "k", "foo": 1}}"#,
            r#"{"type": "llm", "bar": {"foo": 1}, "config": {"foo": true, "is_function_calling_enabled": false}}"#,
        )
        .await;
    }
    // current: an undeclared field inside a declared nested object of an agent's config too.
    arize_keeps_no_trace(
        "arize@current",
        r#"{"type": "AGENT", "name": "Traceless", "bar": 1, "config": {"endpoint": "https://a.example.com", "input_schema": {"type": "object"}, "foo": 1, "request_presets": [{"name": "p", "config": {}, "foo": 1}]}}"#,
        r#"{"type": "AGENT", "bar": 1, "config": {"foo": 1, "endpoint": "https://b.example.com"}}"#,
    )
    .await;
    arize_keeps_no_trace(
        "arize@current",
        r#"{"type": "LLM", "name": "Traceless", "bar": 1, "config": {"provider": "OPEN_AI", "api_key": "k", "foo": 1}}"#,
        r#"{"type": "LLM", "bar": 1, "config": {"foo": 1, "is_function_calling_enabled": false}}"#,
    )
    .await;
}
