//! Sessions, the admin API (reset, state, journal, scenario switching, admin token), a fifth
//! API that needs no Rust, and concurrent writers that lose nothing.

use serde_json::{Value, json};
use understudy::{App, Settings, Store, StoreOptions};

use crate::util::{Dialect, app, authed, call, call_as, catalog, fixture_app};

// The admin tests use Arize at version 2026-07-10 (the seed-era data: three integrations).
const ARIZE: &str = "/arize@2026-07-10/v2/integrations";
const NEW_ARIZE: &str = r#"{"type": "llm", "name": "Session only", "config": {"provider": "anthropic", "api_key": "k"}}"#;

fn names(answer: &crate::util::Answer) -> Vec<String> {
    answer.json["integrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn two_sessions_see_independent_data_and_reset_restores_the_seed() {
    let app = app(Dialect::V31);
    let created =
        call_as(&app, Some("dev-token"), Some("alice"), "POST", ARIZE, Some(NEW_ARIZE)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let alice = call_as(&app, Some("dev-token"), Some("alice"), "GET", ARIZE, None).await;
    let bob = call_as(&app, Some("dev-token"), Some("bob"), "GET", ARIZE, None).await;
    let shared = authed(&app, "GET", ARIZE, None).await;
    assert!(names(&alice).contains(&"Session only".to_owned()));
    assert!(!names(&bob).contains(&"Session only".to_owned()));
    assert_eq!(names(&bob), names(&shared));

    // Reset one session: back to the seed, the others untouched.
    call_as(
        &app,
        Some("dev-token"),
        Some("bob"),
        "POST",
        ARIZE,
        Some(
            r#"{"type": "llm", "name": "Bob's", "config": {"provider": "openAI", "api_key": "k"}}"#,
        ),
    )
    .await;
    let reset = authed(&app, "POST", "/__understudy/reset?api=arize&session=alice", None).await;
    assert_eq!(reset.status, 200, "{}", reset.text);
    let alice = call_as(&app, Some("dev-token"), Some("alice"), "GET", ARIZE, None).await;
    assert_eq!(names(&alice), names(&shared));
    let bob = call_as(&app, Some("dev-token"), Some("bob"), "GET", ARIZE, None).await;
    assert!(names(&bob).contains(&"Bob's".to_owned()));

    // Reset everything.
    authed(&app, "POST", "/__understudy/reset", None).await;
    let bob = call_as(&app, Some("dev-token"), Some("bob"), "GET", ARIZE, None).await;
    assert_eq!(names(&bob), names(&shared));
}

#[tokio::test]
async fn state_dumped_and_loaded_back_round_trips_exactly() {
    let app = app(Dialect::V31);
    // Arrange: data in two APIs and two sessions, write-only fields and counters included.
    call_as(&app, Some("dev-token"), Some("s1"), "POST", ARIZE, Some(NEW_ARIZE)).await;
    call_as(
        &app,
        Some("dev-token"),
        None,
        "POST",
        "/teable/api/space/spcRoundTripSpace01/integration",
        Some(r#"{"type": "AI", "config": {"llmProviders": []}}"#),
    )
    .await;
    let dumped = authed(&app, "GET", "/__understudy/state?secrets=true", None).await;
    assert_eq!(dumped.status, 200);
    assert_eq!(dumped.json["arize@2026-07-10"]["s1"]["counters"]["integrations"], 4);
    assert_eq!(
        dumped.json["arize@2026-07-10"]["s1"]["collections"]["integrations"]["TGxtSW50ZWdyYXRpb246NA=="]
            ["config"]["api_key"],
        "k"
    );

    // Act: forget everything, then load the dump into a fresh service.
    authed(&app, "POST", "/__understudy/reset", None).await;
    assert_eq!(authed(&app, "GET", "/__understudy/state", None).await.json, json!({}));
    let fresh =
        App::new(catalog(Dialect::V31), Store::new(StoreOptions::default()), Settings::default());
    let loaded = authed(&fresh, "PUT", "/__understudy/state", Some(&dumped.text)).await;
    assert_eq!(loaded.status, 200, "{}", loaded.text);

    // Assert: the same state, byte for byte, and the service uses it.
    let again = authed(&fresh, "GET", "/__understudy/state?secrets=true", None).await;
    assert_eq!(again.text, dumped.text);
    let listed = call_as(&fresh, Some("dev-token"), Some("s1"), "GET", ARIZE, None).await;
    assert!(names(&listed).contains(&"Session only".to_owned()));
    let next = call_as(
        &fresh,
        Some("dev-token"),
        Some("s1"),
        "POST",
        ARIZE,
        Some(
            r#"{"type": "llm", "name": "Next", "config": {"provider": "openAI", "api_key": "k"}}"#,
        ),
    )
    .await;
    assert_eq!(next.json["id"], "TGxtSW50ZWdyYXRpb246NQ==", "the counter came back too");
}

#[tokio::test]
async fn a_bad_state_document_changes_nothing() {
    let app = app(Dialect::V31);
    call_as(&app, Some("dev-token"), None, "POST", ARIZE, Some(NEW_ARIZE)).await;
    let before = authed(&app, "GET", "/__understudy/state", None).await;
    let bad = [
        r#"{"arize": {"default": {"collections": {"integrations": {"x": {"id": "y"}}}}}}"#,
        r#"{"arize": {"default": {"collections": {"gadgets": {}}}}}"#,
        r#"{"salesforce": {}}"#,
        "not json",
    ];
    for body in bad {
        let answer = authed(&app, "PUT", "/__understudy/state", Some(body)).await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.text);
        assert!(answer.json["error"].is_string());
    }
    assert_eq!(authed(&app, "GET", "/__understudy/state", None).await.text, before.text);
}

#[tokio::test]
async fn the_journal_keeps_recent_exchanges_and_filters_them() {
    let app = app(Dialect::V31);
    authed(&app, "GET", ARIZE, None).await;
    call_as(
        &app,
        Some("dev-token"),
        Some("j"),
        "GET",
        "/arize@2026-07-10/v2/integrations/TGxtSW50ZWdyYXRpb246OTk=",
        None,
    )
    .await;
    authed(&app, "GET", "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration", None).await;

    let all = authed(&app, "GET", "/__understudy/journal", None).await;
    let entries = all.json["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[0]["api"], "teable", "newest first");
    assert_eq!(entries[1]["operation"], "integrations_get");
    assert_eq!(entries[1]["session"], "j");
    assert_eq!(entries[1]["response"]["status"], 404);
    assert_eq!(entries[1]["response"]["body"]["status"], 404);
    assert_eq!(
        entries[1]["request"]["headers"]["authorization"], "Bearer dev…",
        "credentials are masked"
    );

    let filtered = authed(&app, "GET", "/__understudy/journal?api=arize&status=404", None).await;
    assert_eq!(filtered.json["entries"].as_array().unwrap().len(), 1);
    let limited = authed(&app, "GET", "/__understudy/journal?limit=1", None).await;
    assert_eq!(limited.json["entries"].as_array().unwrap().len(), 1);
    assert_eq!(authed(&app, "GET", "/__understudy/journal?status=abc", None).await.status, 400);
    assert_eq!(authed(&app, "DELETE", "/__understudy/journal", None).await.status, 204);
    assert_eq!(authed(&app, "GET", "/__understudy/journal", None).await.json["entries"], json!([]));
}

#[tokio::test]
async fn the_scenario_switches_at_runtime_and_the_data_follows() {
    let app = app(Dialect::V31);
    let shown = authed(&app, "GET", "/__understudy/scenario/arize", None).await;
    assert_eq!(shown.json["active"], "default");
    let available: Vec<&str> = shown.json["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(available, ["default", "empty", "rate-limited"]);

    let switched =
        authed(&app, "PUT", "/__understudy/scenario/arize", Some(r#"{"scenario": "empty"}"#)).await;
    assert_eq!(switched.json, json!({"api": "arize", "active": "empty"}));
    assert_eq!(authed(&app, "GET", ARIZE, None).await.json["integrations"], json!([]));
    assert_eq!(
        authed(&app, "GET", "/__understudy/health", None).await.json["apis"][1]["scenario"],
        "empty"
    );

    let unknown =
        authed(&app, "PUT", "/__understudy/scenario/arize", Some(r#"{"scenario": "chaos"}"#)).await;
    assert_eq!(unknown.status, 404);
    assert!(
        unknown.json["error"].as_str().unwrap().contains("available: default, empty, rate-limited")
    );
    assert_eq!(authed(&app, "PUT", "/__understudy/scenario/arize", Some("{}")).await.status, 400);

    authed(&app, "PUT", "/__understudy/scenario/arize", Some(r#"{"scenario": "default"}"#)).await;
    assert_eq!(
        authed(&app, "GET", ARIZE, None).await.json["integrations"].as_array().unwrap().len(),
        3
    );
}

#[tokio::test]
async fn an_admin_token_protects_everything_but_health() {
    let settings = Settings { admin_token: Some("s3cret".into()), ..Settings::default() };
    let app = App::new(catalog(Dialect::V31), Store::new(StoreOptions::default()), settings);
    assert_eq!(call(&app, "GET", "/__understudy/health", &[], None).await.status, 200);
    for (method, path) in [
        ("GET", "/__understudy/state"),
        ("POST", "/__understudy/reset"),
        ("GET", "/__understudy/journal"),
    ] {
        let refused = call(&app, method, path, &[("authorization", "Bearer wrong")], None).await;
        assert_eq!(refused.status, 401, "{path}");
        let allowed = call(&app, method, path, &[("authorization", "Bearer s3cret")], None).await;
        assert_eq!(allowed.status, 200, "{path}: {}", allowed.text);
    }
}

#[tokio::test]
async fn unknown_admin_routes_and_methods_say_so() {
    let app = app(Dialect::V31);
    assert_eq!(authed(&app, "GET", "/__understudy/nothing", None).await.status, 404);
    let answer = authed(&app, "DELETE", "/__understudy/state", None).await;
    assert_eq!(
        (answer.status.as_u16(), answer.headers["allow"].to_str().unwrap()),
        (405, "GET, PUT")
    );
    assert_eq!(authed(&app, "POST", "/__understudy/reset?api=salesforce", None).await.status, 404);
}

// === A fifth API: a contract and a scenario under tests/data/, no Rust ===

#[tokio::test]
async fn a_fifth_api_works_from_a_contract_and_a_scenario_alone() {
    let app = fixture_app("fifth-api");
    let key = [("x-api-key", "any")];
    let list = call(&app, "GET", "/notes/api/v1/notes?q=o", &key, None).await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(list.json["total"], 2);
    let titles: Vec<&str> = list.json["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Books", "Groceries"], "ordered by title");

    let headers = [("x-api-key", "any"), ("content-type", "application/json")];
    let created =
        call(&app, "POST", "/notes/api/v1/notes", &headers, Some(r#"{"title": "Films"}"#)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(
        (created.json["id"].clone(), created.json["fields"].clone()),
        (json!("note_3"), json!({}))
    );
    let clash =
        call(&app, "POST", "/notes/api/v1/notes", &headers, Some(r#"{"title": "Films"}"#)).await;
    assert_eq!(clash.status, 409);
    assert_eq!(
        clash.json,
        json!({"fault": {"status": 409, "reason": "a note titled Films exists"}})
    );

    // Its own envelope for understudy's rejections too.
    let missing = call(&app, "GET", "/notes/api/v1/notes", &[], None).await;
    assert_eq!(missing.status, 401);
    assert_eq!(missing.json["fault"]["status"], 401);
    let invalid = call(&app, "GET", "/notes/api/v1/notes/bad-id", &key, None).await;
    assert_eq!(invalid.status, 400);
    assert!(invalid.json["fault"]["reason"].as_str().unwrap().contains("noteId"));
    let gone = call(&app, "DELETE", "/notes/api/v1/notes/note_3", &key, None).await;
    assert_eq!(gone.status, 204);
    assert_eq!(call(&app, "GET", "/notes/api/v1/notes/note_3", &key, None).await.status, 404);
    // A lone API also answers at the root.
    assert_eq!(call(&app, "GET", "/api/v1/notes/note_1", &key, None).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_updates_of_distinct_fields_all_land() {
    // Arrange
    let app = fixture_app("fifth-api");
    let path = "/notes/api/v1/notes/note_1";
    let headers = [("x-api-key", "any"), ("content-type", "application/json")];

    // Act: 32 tasks × 50 updates, each task writing its own field.
    let tasks: Vec<_> = (0..32)
        .map(|task| {
            let app = app.clone();
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                for round in 0..50 {
                    let body = format!(r#"{{"fields": {{"f{task}": "{round}"}}}}"#);
                    statuses.push(
                        call(&app, "PATCH", path, &headers, Some(&body)).await.status.as_u16(),
                    );
                }
                statuses
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.extend(task.await.unwrap());
    }

    // Assert: every response succeeded, and the record holds every task's last write.
    assert_eq!(statuses.len(), 1600);
    assert!(
        statuses.iter().all(|s| *s == 200),
        "{:?}",
        statuses.iter().filter(|s| **s != 200).collect::<Vec<_>>()
    );
    let note = call(&app, "GET", path, &[("x-api-key", "any")], None).await;
    let fields = note.json["fields"].as_object().unwrap();
    assert_eq!(fields["milk"], "2", "the seed's field is kept");
    for task in 0..32 {
        assert_eq!(fields[&format!("f{task}")], Value::from("49"), "task {task}");
    }
    assert_eq!(fields.len(), 33);
}

#[test]
fn the_bundled_scenarios_validate_against_the_printed_json_schema() {
    let schema = understudy::scenario::json_schema();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut checked = 0;
    // Files of an API, and of each of its version folders.
    let mut files = Vec::new();
    for api in std::fs::read_dir(&root).unwrap() {
        for entry in std::fs::read_dir(api.unwrap().path()).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            } else {
                files.push(path);
            }
        }
    }
    for path in files {
        let value: Value =
            serde_saphyr::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let errors: Vec<String> =
            validator.iter_errors(&value).map(|e| format!("{}: {e}", e.instance_path())).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        checked += 1;
    }
    assert!(checked >= 12, "{checked}");
    // And it rejects what the loader rejects.
    assert!(!validator.is_valid(&json!({"resources": {"a": {"colour": "red"}}})));
}
