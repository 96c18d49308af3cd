//! Writes change reads: per API, a full flow through HTTP (create → list shows it → update →
//! get/list show the update → delete → 404), each step in the vendor's documented shape and
//! passing the strict self-check (a violation would be a 500).

use serde_json::{Value, json};

use crate::util::{Dialect, app, assert_envelope, authed};

fn ids(list: &Value, key: &str) -> Vec<String> {
    list.as_array().unwrap().iter().map(|i| i[key].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn teable_new_space_upsert_patch_delete() {
    let app = app(Dialect::V31);
    let space = "/teable/api/space/spcBrandNewSpace001/integration";

    // A new space lists the one default AI integration Teable gives every space.
    let list = authed(&app, "GET", space, None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.json.as_array().unwrap().len(), 1);
    let default = &list.json[0];
    assert_eq!((default["type"].clone(), default["enable"].clone()), (json!("AI"), json!(false)));
    assert_eq!(default["config"], json!({"llmProviders": []}));
    let id = default["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("int") && id.len() == 19, "{id}");

    // POST with type AI is an upsert: same integration, providers appended, enable kept.
    let openai =
        r#"{"type": "AI", "config": {"llmProviders": [{"type": "openai", "name": "OpenAI"}]}}"#;
    let created = authed(&app, "POST", space, Some(openai)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["id"], id.as_str());
    assert_eq!(created.json["resourceId"], "spcBrandNewSpace001");
    assert_eq!(created.json["enable"], false);
    let config: Value = serde_json::from_str(created.json["config"].as_str().unwrap()).unwrap();
    assert_eq!(config["llmProviders"], json!([{"type": "openai", "name": "OpenAI", "models": ""}]));
    let anthropic = r#"{"type": "AI", "enable": true, "config": {"llmProviders": [{"type": "anthropic", "name": "Claude"}]}}"#;
    authed(&app, "POST", space, Some(anthropic)).await;
    let list = authed(&app, "GET", space, None).await;
    assert_eq!(ids(&list.json, "id"), std::slice::from_ref(&id));
    let names: Vec<&str> = list.json[0]["config"]["llmProviders"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["OpenAI", "Claude"]);
    assert_eq!(list.json[0]["enable"], true);

    // PATCH replaces config wholesale.
    let item = format!("{space}/{id}");
    let patched = authed(
        &app,
        "PATCH",
        &item,
        Some(r#"{"enable": false, "config": {"embeddingModel": "openai@text-embedding-3-small"}}"#),
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    let list = authed(&app, "GET", space, None).await;
    assert_eq!(
        list.json[0]["config"],
        json!({"llmProviders": [], "embeddingModel": "openai@text-embedding-3-small", "attachmentTransferMode": "url"})
    );
    assert_eq!(list.json[0]["enable"], false);
    assert_ne!(list.json[0]["lastModifiedTime"], list.json[0]["createdTime"]);

    // DELETE answers 200 with no body; afterwards the integration is gone.
    let deleted = authed(&app, "DELETE", &item, None).await;
    assert_eq!((deleted.status.as_u16(), deleted.text.as_str()), (200, ""));
    assert_eq!(authed(&app, "GET", space, None).await.json, json!([]));
    let again = authed(&app, "PATCH", &item, Some(r#"{"enable": true}"#)).await;
    let message = assert_envelope("teable", &again, 404);
    assert!(message.contains(&id), "{message}");
    assert_eq!(again.json["code"], "not_found");
}

#[tokio::test]
async fn arize_create_list_update_get_delete() {
    let app = app(Dialect::V31);
    let created = authed(&app, "POST", "/arize@2026-07-10/v2/integrations", Some(r#"{"type": "llm", "name": "Research Claude", "scopings": [{"space_id": "U3BhY2U6Nw=="}], "config": {"provider": "anthropic", "api_key": "sk-ant"}}"#)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_str().unwrap().to_owned();
    assert_eq!(id, "TGxtSW50ZWdyYXRpb246NA==");
    assert_eq!(created.json["created_by_user_id"], "VXNlcjox");
    assert_eq!(created.json["config"]["has_api_key"], true);
    assert!(!created.text.contains("sk-ant"));

    // Newest first.
    let list = authed(&app, "GET", "/arize@2026-07-10/v2/integrations", None).await;
    assert_eq!(ids(&list.json["integrations"], "id")[0], id);
    assert_eq!(list.json["pagination"], json!({"has_more": false}));

    let path = format!("/arize@2026-07-10/v2/integrations/{}", id.replace('=', "%3D"));
    let updated = authed(&app, "PATCH", &path, Some(r#"{"type": "llm", "name": "Research Claude v2", "config": {"is_function_calling_enabled": false, "api_key": null}}"#)).await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(
        updated.json["config"],
        json!({"provider": "anthropic", "is_function_calling_enabled": false, "has_api_key": false})
    );
    assert_eq!(
        updated.json["scopings"],
        json!([{"space_id": "U3BhY2U6Nw=="}]),
        "omitted fields are kept"
    );

    let got = authed(&app, "GET", &path, None).await;
    assert_eq!(got.json, updated.json);
    let listed =
        authed(&app, "GET", "/arize@2026-07-10/v2/integrations?name=claude%20V2", None).await;
    assert_eq!(listed.json["integrations"], json!([updated.json]));

    let deleted = authed(&app, "DELETE", &path, None).await;
    assert_eq!((deleted.status.as_u16(), deleted.text.as_str()), (204, ""));
    let gone = authed(&app, "GET", &path, None).await;
    assert_envelope("arize", &gone, 404);
}

#[tokio::test]
async fn arize_current_llm_agent_and_evaluator_create_list_update_delete() {
    let app = app(Dialect::V31);
    let list = "/arize/v2/integrations";
    // An LLM integration gets the documented defaults; its key is never returned.
    let body = r#"{"type": "LLM", "name": "NIM", "config": {"provider": "NVIDIA_NIM", "api_key": "nv-secret", "headers": {"X-Tenant": "t1"}, "is_default_models_enabled": true}}"#;
    let llm = authed(&app, "POST", list, Some(body)).await;
    assert_eq!(llm.status, 201, "{}", llm.text);
    assert_eq!(
        llm.json["config"],
        json!({"provider": "NVIDIA_NIM", "is_function_calling_enabled": true, "is_default_models_enabled": true, "model_names": [], "has_api_key": true})
    );
    assert!(!llm.text.contains("nv-secret") && !llm.text.contains("t1"), "{}", llm.text);
    // An agent, with its presets; an evaluator.
    let body = r#"{"type": "AGENT", "name": "Bot", "config": {"endpoint": "https://bot.example.com", "input_schema": {"type": "object"}, "request_presets": [{"name": "hi", "config": {"input": "hi"}}]}}"#;
    let agent = authed(&app, "POST", list, Some(body)).await;
    assert_eq!(agent.status, 201, "{}", agent.text);
    assert_eq!(agent.json["config"]["request_presets"][0]["name"], "hi");
    let body = r#"{"type": "EVALUATOR", "name": "Judge", "config": {"endpoint": "https://judge.example.com", "input_schema": {"type": "object"}}}"#;
    let evaluator = authed(&app, "POST", list, Some(body)).await;
    assert_eq!(evaluator.status, 201, "{}", evaluator.text);
    // The same name may be used by another type (names are unique per type here).
    let body =
        r#"{"type": "LLM", "name": "Bot", "config": {"provider": "GEMINI", "api_key": "g"}}"#;
    assert_eq!(authed(&app, "POST", list, Some(body)).await.status, 201);

    let agents = authed(&app, "GET", &format!("{list}?type=AGENT"), None).await;
    assert_eq!(
        ids(&agents.json["integrations"], "name"),
        ["Bot", "Support Agent"],
        "newest first, agents only"
    );
    let evaluators = authed(&app, "GET", &format!("{list}?type=EVALUATOR"), None).await;
    assert_eq!(ids(&evaluators.json["integrations"], "name"), ["Judge"]);

    // PATCH deep-merges the config, replaces collections, and an explicit null clears.
    let id = llm.json["id"].as_str().unwrap();
    let path = format!("{list}/{}", id.replace('=', "%3D"));
    let body = r#"{"type": "LLM", "config": {"provider": "NVIDIA_NIM", "model_names": ["a"], "api_key": null, "base_url": "https://nim.example.com/v1"}}"#;
    let updated = authed(&app, "PATCH", &path, Some(body)).await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    assert_eq!(updated.json["config"]["model_names"], json!(["a"]));
    assert_eq!(updated.json["config"]["has_api_key"], false);
    assert_eq!(updated.json["config"]["is_default_models_enabled"], true, "kept");
    let agent_path = format!("{list}/{}", agent.json["id"].as_str().unwrap().replace('=', "%3D"));
    let body = r#"{"type": "AGENT", "config": {"request_presets": [{"name": "bye", "config": {"input": "bye"}}]}}"#;
    let replaced = authed(&app, "PATCH", &agent_path, Some(body)).await;
    assert_eq!(ids(&replaced.json["config"]["request_presets"], "name"), ["bye"]);

    let deleted = authed(&app, "DELETE", &path, None).await;
    assert_eq!(deleted.status.as_u16(), 204);
    assert_envelope("arize", &authed(&app, "GET", &path, None).await, 404);
}

#[tokio::test]
async fn gitbook_install_lists_then_uninstall_205_then_204() {
    let app = app(Dialect::V30);
    let space = "Hf3ZuY6nB1aQx0GvTjKo";
    let list = format!("/gitbook/v1/spaces/{space}/integrations");
    assert_eq!(authed(&app, "GET", &list, None).await.json, json!({"items": [], "count": 0}));

    let installed = authed(
        &app,
        "POST",
        "/gitbook/v1/integrations/mermaid/installations/pL2vG9tXcM4bQ7nRz1Ke/spaces",
        Some(&format!(r#"{{"space": "{space}"}}"#)),
    )
    .await;
    assert_eq!(installed.status, 201, "{}", installed.text);
    let location = installed.headers["location"].to_str().unwrap();
    assert_eq!(
        location,
        format!(
            "https://api.gitbook.com/v1/integrations/mermaid/installations/pL2vG9tXcM4bQ7nRz1Ke/spaces/{space}"
        )
    );
    assert_eq!(installed.json["space"], space);

    let listed = authed(&app, "GET", &list, None).await;
    assert_eq!(ids(&listed.json["items"], "name"), ["mermaid"]);
    assert_eq!(listed.json["count"], 1);
    let blocks =
        authed(&app, "GET", &format!("/gitbook/v1/spaces/{space}/integration-blocks"), None).await;
    assert_eq!(ids(&blocks.json, "name"), ["mermaid"]);
    assert!(!blocks.json[0]["blocks"].as_array().unwrap().is_empty());

    let uninstall = format!(
        "/gitbook/v1/integrations/mermaid/installations/pL2vG9tXcM4bQ7nRz1Ke/spaces/{space}"
    );
    assert_eq!(authed(&app, "DELETE", &uninstall, None).await.status, 205);
    assert_eq!(authed(&app, "DELETE", &uninstall, None).await.status, 204);
    assert_eq!(authed(&app, "GET", &list, None).await.json["count"], 0);
}

#[tokio::test]
async fn gitbook_lists_search_and_page() {
    let app = app(Dialect::V31);
    let list = "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations";
    let all = authed(&app, "GET", list, None).await;
    assert_eq!(ids(&all.json["items"], "name"), ["slack", "mermaid"]);
    // Search is case-insensitive, in name and title.
    let found = authed(&app, "GET", &format!("{list}?search=SLA"), None).await;
    assert_eq!(ids(&found.json["items"], "name"), ["slack"]);
    let by_title = authed(&app, "GET", &format!("{list}?search=diagram"), None).await;
    let titles: Vec<&str> = all.json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        by_title.json["count"],
        titles.iter().filter(|t| t.to_lowercase().contains("diagram")).count()
    );
    // Pages of one.
    let first = authed(&app, "GET", &format!("{list}?limit=1"), None).await;
    assert_eq!(
        (
            ids(&first.json["items"], "name"),
            first.json["next"].clone(),
            first.json["count"].clone()
        ),
        (vec!["slack".to_owned()], json!({"page": "2"}), json!(2))
    );
    let second = authed(&app, "GET", &format!("{list}?limit=1&page=2"), None).await;
    assert_eq!(ids(&second.json["items"], "name"), ["mermaid"]);
    assert!(second.json.get("next").is_none(), "{}", second.text);
}

#[tokio::test]
async fn ada_create_list_update_and_unknown() {
    let app = app(Dialect::V31);
    let body = r#"{"identifier_field_path": "account.name", "name": "Acme Docs", "description": "Sync Acme articles",
      "author": "Acme", "contact": "help@acme.example", "uninstallation_url": "https://acme.example/uninstall",
      "oauth_callback_url": "https://acme.example/oauth", "tags": ["knowledge"], "scopes": ["articles:read"],
      "configuration_fields": {"type": "object"}}"#;
    let created = authed(&app, "POST", "/ada/api/v2/platform-integrations/", Some(body)).await;
    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(created.json["status"], "development");
    let secret = created.json["client_secret"].as_str().unwrap().to_owned();
    assert!(secret.len() == 64 && secret.chars().all(|c| c.is_ascii_hexdigit()), "{secret}");
    let id = created.json["id"].as_str().unwrap().to_owned();
    assert!(created.json["created"].as_str().unwrap().ends_with("+00:00"));

    let list = authed(&app, "GET", "/ada/api/v2/platform-integrations/", None).await;
    let listed = list.json["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id.as_str())
        .unwrap()
        .clone();
    assert!(listed.get("client_secret").is_none(), "the secret is shown only on create");
    assert_eq!(list.json["meta"]["next_page_url"], Value::Null);

    let path = format!("/ada/api/v2/platform-integrations/{id}");
    let updated = authed(&app, "PATCH", &path, Some(r#"{"name": "Acme Knowledge"}"#)).await;
    assert_eq!(updated.status, 200, "{}", updated.text);
    let list = authed(&app, "GET", "/ada/api/v2/platform-integrations/", None).await;
    assert!(
        list.json["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["id"] == id.as_str() && i["name"] == "Acme Knowledge")
    );

    let unknown = authed(
        &app,
        "PATCH",
        "/ada/api/v2/platform-integrations/ffffffffffffffffffffffff",
        Some(r#"{"name": "x"}"#),
    )
    .await;
    assert_envelope("ada", &unknown, 404);
}

#[tokio::test]
async fn ada_pages_by_cursor_with_next_page_urls() {
    let app = app(Dialect::V31);
    let first = crate::util::call(
        &app,
        "GET",
        "/ada/api/v2/platform-integrations/?limit=2",
        &[("authorization", crate::util::TOKEN), ("host", "bot.ada.test")],
        None,
    )
    .await;
    assert_eq!(first.json["data"].as_array().unwrap().len(), 2);
    let next = first.json["meta"]["next_page_url"].as_str().unwrap();
    let third_id = "65a17e3f43bec88e2792d0eb";
    assert_eq!(
        next,
        format!("http://bot.ada.test/ada/api/v2/platform-integrations/?cursor={third_id}&limit=2")
    );
    let path = next.strip_prefix("http://bot.ada.test").unwrap();
    let second = authed(&app, "GET", path, None).await;
    assert_eq!(ids(&second.json["data"], "id"), [third_id]);
    assert_eq!(second.json["meta"]["next_page_url"], Value::Null);
    let bad = authed(
        &app,
        "GET",
        "/ada/api/v2/platform-integrations/?cursor=000000000000000000000000",
        None,
    )
    .await;
    assert_envelope("ada", &bad, 400);
}

#[tokio::test]
async fn arize_pages_by_opaque_cursor_valid_only_for_its_query() {
    let app = app(Dialect::V31);
    let first =
        authed(&app, "GET", "/arize@2026-07-10/v2/integrations?limit=2&type=llm", None).await;
    assert_eq!(first.json["integrations"].as_array().unwrap().len(), 2);
    assert_eq!(first.json["pagination"]["has_more"], true);
    let cursor = first.json["pagination"]["next_cursor"].as_str().unwrap().to_owned();
    let second = authed(
        &app,
        "GET",
        &format!("/arize@2026-07-10/v2/integrations?limit=2&type=llm&cursor={cursor}"),
        None,
    )
    .await;
    assert_eq!(
        ids(&second.json["integrations"], "id"),
        ["TGxtSW50ZWdyYXRpb246MQ=="],
        "the oldest comes last"
    );
    assert_eq!(second.json["pagination"], json!({"has_more": false}));
    // The same cursor with another query, or a made-up one, is 400.
    for path in [
        format!("/arize@2026-07-10/v2/integrations?cursor={cursor}"),
        "/arize@2026-07-10/v2/integrations?cursor=bm9wZQ".to_owned(),
    ] {
        let answer = authed(&app, "GET", &path, None).await;
        let message = assert_envelope("arize", &answer, 400);
        assert!(message.contains("cursor"), "{message}");
    }
    // space_id matches any scoping.
    let scoped =
        authed(&app, "GET", "/arize@2026-07-10/v2/integrations?space_id=U3BhY2U6MQ%3D%3D", None)
            .await;
    assert_eq!(ids(&scoped.json["integrations"], "id"), ["TGxtSW50ZWdyYXRpb246Mg=="]);
}
