//! Any OpenAPI document, served with no scenario (issue 12): the inferred scenario remembers
//! writes, fits ids to their schemas, answers in the contract's shapes, and the command line
//! serves files, adds directories to the embedded ones, and prints what it infers.
//!
//! The document is `tests/data/any-contract/shop.yaml`, written for these tests.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use serde_json::{Value, json};
use understudy::catalog::{Catalog, CatalogOptions};
use understudy::files::Tree;
use understudy::{App, Settings, Store, StoreOptions};

use crate::util::{Answer, call};

const BASE: &str = "/shop/api/v1";
const AUTH: (&str, &str) = ("authorization", "Bearer anything");
const JSON: (&str, &str) = ("content-type", "application/json");

fn shop() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/any-contract/shop.yaml")
}

fn app() -> App {
    let options = CatalogOptions {
        contracts: Tree::documents(&[shop()]).unwrap(),
        scenarios: Tree::embedded_scenarios(),
        only: Vec::new(),
        apis: Default::default(),
    };
    let catalog = Arc::new(Catalog::load(&options).expect("the document loads"));
    App::new(
        catalog,
        Store::new(StoreOptions { seed: Some(3), ..StoreOptions::default() }),
        Settings::default(),
    )
}

async fn send(app: &App, method: &str, path: &str, body: Option<&str>) -> Answer {
    let path = format!("{BASE}{path}");
    let headers: &[(&str, &str)] = if body.is_some() { &[AUTH, JSON] } else { &[AUTH] };
    call(app, method, &path, headers, body).await
}

#[tokio::test]
async fn a_collection_remembers_creates_replaces_patches_and_deletes_with_integer_ids() {
    let app = app();
    // The contract's example is the seed.
    let listed = send(&app, "GET", "/pets", None).await;
    assert_eq!(listed.json, json!([{"id": 7, "name": "Rex", "status": "available", "tag": "dog"}]));

    // Integer ids count up after the seed; the schema's default fills `status`; a field the
    // contract does not declare is forgotten.
    let created = send(&app, "POST", "/pets", Some(r#"{"name": "Bo", "extra": 1}"#)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json, json!({"id": 8, "name": "Bo", "status": "available"}));
    assert_eq!(send(&app, "GET", "/pets/8", None).await.json, created.json);

    let replaced =
        send(&app, "PUT", "/pets/8", Some(r#"{"name": "Bobo", "status": "sold"}"#)).await;
    assert_eq!(replaced.json, json!({"id": 8, "name": "Bobo", "status": "sold"}));
    let patched = send(&app, "PATCH", "/pets/8", Some(r#"{"tag": "cat"}"#)).await;
    assert_eq!(patched.json, json!({"id": 8, "name": "Bobo", "status": "sold", "tag": "cat"}));

    // A search under the collection filters on same-named properties.
    let sold = send(&app, "GET", "/pets/findByStatus?status=sold", None).await;
    assert_eq!(sold.json, json!([patched.json]));

    let deleted = send(&app, "DELETE", "/pets/8", None).await;
    assert_eq!(deleted.status, 204);
    // The 404 is the one the operation documents, not understudy's envelope.
    let gone = send(&app, "GET", "/pets/8", None).await;
    assert_eq!(
        (gone.status.as_u16(), gone.json),
        (404, json!({"code": 404, "message": "Pet not found"}))
    );
}

#[tokio::test]
async fn a_put_to_a_key_nothing_holds_creates_it_and_client_chosen_keys_are_kept() {
    let app = app();
    let put =
        send(&app, "PUT", "/users/alice", Some(r#"{"username": "alice", "email": "a@x.io"}"#))
            .await;
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(send(&app, "GET", "/users/alice", None).await.json["email"], "a@x.io");
    let created = send(&app, "POST", "/users", Some(r#"{"username": "bob"}"#)).await;
    assert_eq!(created.json, json!({"username": "bob"}));
    assert_eq!(send(&app, "GET", "/users/bob", None).await.status, 200);
    // A replacement at an existing key keeps it.
    let again = send(&app, "PUT", "/pets/7", Some(r#"{"name": "Rexy"}"#)).await;
    assert_eq!(again.json["id"], 7);
}

#[tokio::test]
async fn ids_fit_uuid_and_pattern_schemas_and_lists_keep_their_wrapper_and_their_parent() {
    let app = app();
    let thing = send(&app, "POST", "/things", Some(r#"{"label": "l1"}"#)).await;
    assert_eq!(thing.status, 201, "{}", thing.text);
    let id = thing.json["id"].as_str().unwrap();
    let uuid =
        regex::Regex::new("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
            .unwrap();
    assert!(uuid.is_match(id), "{id}");
    assert!(thing.json["createdAt"].is_string(), "timestamps inferred: {}", thing.text);
    let things = send(&app, "GET", "/things", None).await;
    assert_eq!(things.json, json!({"data": [thing.json.clone()], "total": 1}));

    let note = send(&app, "POST", "/owners/o1/notes", Some(r#"{"text": "hi"}"#)).await;
    assert_eq!(note.status, 201, "{}", note.text);
    assert!(
        regex::Regex::new("^n[0-9a-f]{6}$").unwrap().is_match(note.json["id"].as_str().unwrap())
    );
    assert_eq!(send(&app, "GET", "/owners/o1/notes", None).await.json, json!([note.json]));
    assert_eq!(send(&app, "GET", "/owners/o2/notes", None).await.json, json!([]));
}

#[tokio::test]
async fn an_operation_documenting_no_success_answers_a_status_it_documents_and_credentials_are_checked()
 {
    let app = app();
    let photo = send(&app, "POST", "/pets/7/photo", None).await;
    assert_eq!(photo.status, 405, "{}", photo.text);
    let anonymous = call(&app, "GET", &format!("{BASE}/pets"), &[], None).await;
    assert_eq!(anonymous.status, 401);
    assert_eq!(anonymous.media(), "application/problem+json");
}

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_understudy")
}

#[test]
fn infer_prints_a_scenario_that_lint_accepts_as_it_is() {
    let printed = Command::new(binary()).arg("infer").arg(shop()).output().unwrap();
    assert!(printed.status.success(), "{}", String::from_utf8_lossy(&printed.stderr));
    let yaml = String::from_utf8(printed.stdout).unwrap();
    assert!(yaml.contains("documented-errors: true") && yaml.contains("kind: integer"), "{yaml}");

    let root = std::env::temp_dir().join(format!("understudy-infer-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("contracts/shop")).unwrap();
    std::fs::create_dir_all(root.join("scenarios/shop")).unwrap();
    std::fs::create_dir_all(root.join("conformance")).unwrap();
    std::fs::copy(shop(), root.join("contracts/shop/openapi.yaml")).unwrap();
    std::fs::write(root.join("scenarios/shop/default.yaml"), &yaml).unwrap();
    let lint = Command::new(binary())
        .args(["lint", "--contracts"])
        .arg(root.join("contracts"))
        .arg("--scenarios")
        .arg(root.join("scenarios"))
        .arg("--suites")
        .arg(root.join("conformance"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&lint.stdout);
    assert!(lint.status.success(), "{text}");
    assert!(text.starts_with("0 problems"), "{text}");
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn serving_a_file_says_the_scenario_is_inferred_and_answers_at_the_root_too() {
    let (mut child, address) = crate::util::spawn_binary(
        &["serve", "--port", "0", shop().to_str().unwrap()],
        Path::new("."),
        &[],
    );
    let (status, body) =
        crate::util::http(address, "GET", "/api/v1/pets/7", &[("Authorization", "Bearer t")], "");
    assert_eq!(status, 200, "{body}");
    let (_, health) = crate::util::http(address, "GET", "/__understudy/health", &[], "");
    let health: Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["apis"][0]["scenario"], "inferred");
    assert_eq!(health["apis"].as_array().unwrap().len(), 1, "only the file, no bundled API");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn directories_add_to_the_embedded_apis_and_bad_ones_stop_start_up() {
    let root = std::env::temp_dir().join(format!("understudy-overlay-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("contracts/shop")).unwrap();
    std::fs::copy(shop(), root.join("contracts/shop/openapi.yaml")).unwrap();
    std::fs::create_dir_all(root.join("empty")).unwrap();
    let print =
        |args: &[&str]| Command::new(binary()).args(args).arg("--print-config").output().unwrap();
    let contracts = root.join("contracts").display().to_string();

    // A fifth API next to the bundled four, with its inferred scenario; the bundled ones keep
    // theirs.
    let added = print(&["serve", "--contracts", &contracts]);
    let text = String::from_utf8_lossy(&added.stdout);
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    for api in ["# ada:", "# arize:", "# gitbook:", "# shop:", "# teable:"] {
        assert!(text.contains(api), "{api} missing: {text}");
    }

    // An empty directory and two APIs on one mount are start-up errors.
    let empty = print(&["serve", "--scenarios-dir", &root.join("empty").display().to_string()]);
    assert_eq!(empty.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&empty.stderr).contains("holds no API folder"));
    let clash = print(&["serve", "--mount", "gitbook=/teable"]);
    assert_eq!(clash.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&clash.stderr).contains("mounted at `/teable` like API"),
        "{}",
        String::from_utf8_lossy(&clash.stderr)
    );
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn export_writes_the_embedded_files_as_written_and_never_overwrites() {
    let dir = std::env::temp_dir().join(format!("understudy-export-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let exported = Command::new(binary()).arg("export").arg(&dir).output().unwrap();
    assert!(exported.status.success(), "{}", String::from_utf8_lossy(&exported.stderr));
    let scenario = std::fs::read_to_string(dir.join("scenarios/teable/default.yaml")).unwrap();
    let original = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/teable/default.yaml"),
    )
    .unwrap();
    assert_eq!(scenario, original, "comments and all");
    assert!(dir.join("conformance/teable").is_dir());
    let again = Command::new(binary()).arg("export").arg(&dir).output().unwrap();
    assert_eq!(again.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(dir);
}

fn wrapped_app() -> App {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/any-contract/wrapped.yaml");
    let options = CatalogOptions {
        contracts: Tree::documents(&[file]).unwrap(),
        scenarios: Tree::embedded_scenarios(),
        only: Vec::new(),
        apis: Default::default(),
    };
    let catalog = Arc::new(Catalog::load(&options).expect("the document loads"));
    App::new(
        catalog,
        Store::new(StoreOptions { seed: Some(3), ..StoreOptions::default() }),
        Settings::default(),
    )
}

// See: issue 12, the corpus (ReadMe's API v2 answers `{"data": record}`, keys records by `slug`
// under `{identifier}`, and takes `number` page sizes).
#[tokio::test]
async fn wrapped_records_are_answered_in_their_wrapper_keyed_by_their_natural_key_and_number_pages_are_not_paginated()
 {
    let app = wrapped_app();
    let send = |method: &'static str, path: String, body: Option<&'static str>| {
        let app = app.clone();
        async move {
            let path = format!("/wrapped/v2{path}");
            let headers: &[(&str, &str)] = if body.is_some() { &[AUTH, JSON] } else { &[AUTH] };
            call(&app, method, &path, headers, body).await
        }
    };
    let created = send("POST", "/notes".into(), Some(r#"{"title": "Hi"}"#)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let note = created.json["data"].clone();
    assert_eq!((note["title"].as_str(), note["status"].as_str()), (Some("Hi"), Some("draft")));
    let slug = note["slug"].as_str().expect("the record keeps its natural key").to_owned();

    let read = send("GET", format!("/notes/{slug}"), None).await;
    assert_eq!((read.status.as_u16(), &read.json), (200, &json!({"data": note})), "{}", read.text);
    // `per_page` is a `number`: 7.5 is valid, and the list is not paginated.
    let listed = send("GET", "/notes?per_page=7.5".into(), None).await;
    assert_eq!(listed.json, json!({"total": 1, "data": [note]}), "{}", listed.text);
    assert_eq!(send("DELETE", format!("/notes/{slug}"), None).await.status, 204);
    assert_eq!(send("GET", format!("/notes/{slug}"), None).await.status, 404);

    // `POST /apply` answers a confirmation, not an opening: no collection, the contract answers.
    let applied = send("POST", "/apply".into(), Some(r#"{"name": "Ada"}"#)).await;
    assert_eq!((applied.status.as_u16(), applied.json), (201, json!({"message": "Thanks!"})));
}
