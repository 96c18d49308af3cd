//! Any OpenAPI document, served with no scenario (issue 12): the inferred scenario remembers
//! writes, fits ids to their schemas, answers in the contract's shapes, and the command line
//! serves files, adds directories to the embedded ones, and prints what it infers.
//!
//! The document is `tests/data/any-contract/shop.yaml`, written for these tests.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use understudy::App;

use crate::util::{Answer, call};

const BASE: &str = "/shop/api/v1";
const AUTH: (&str, &str) = ("authorization", "Bearer anything");
const JSON: (&str, &str) = ("content-type", "application/json");

fn shop() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/any-contract/shop.yaml")
}

fn app() -> App {
    crate::util::document_app("tests/data/any-contract/shop.yaml")
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
    crate::util::document_app("tests/data/any-contract/wrapped.yaml")
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

// === Answers as their schema says (issue 12, the corpus) ===

fn observatory() -> App {
    crate::util::document_app("tests/data/any-contract/observatory.yaml")
}

async fn observe(app: &App, method: &str, path: &str, body: Option<&str>) -> Answer {
    let path = format!("/observatory/v1{path}");
    let headers: &[(&str, &str)] = if body.is_some() { &[AUTH, JSON] } else { &[AUTH] };
    call(app, method, &path, headers, body).await
}

/// The records of `resource` as the store keeps them (default session, secrets shown).
async fn stored(app: &App, resource: &str) -> Value {
    let state = call(app, "GET", "/__understudy/state?secrets=true", &[], None).await;
    state.json["observatory"]["default"]["collections"][resource].clone()
}

// See: issue 12 (Scalar Galaxy's `satellites[].orbit.planet.id`, ReadMe's images keeping their
// `file` part): the answer's schema, not the request's, says what an answer holds.
#[tokio::test]
async fn created_records_are_answered_as_the_answer_schema_says_and_stored_as_sent() {
    let app = observatory();
    // A nested star lacks the `id` only answers carry; `secret` is write-only.
    let sent = r#"{"name": "Sol", "secret": "s3", "planets": [{"name": "Earth", "orbit": {"star": {"name": "Sol"}}}]}"#;
    let created = observe(&app, "POST", "/stars", Some(sent)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let id = created.json["id"].as_i64().expect("an integer id");
    assert_eq!(
        created.json,
        json!({"id": id, "name": "Sol", "catalog": "HD", "planets": [
            {"name": "Earth", "orbit": {"star": {"name": "Sol", "catalog": "HD", "id": 1}}}
        ]}),
        "the nested star gets its id from the schema's example, and no secret goes back"
    );
    // Read and listed alike.
    assert_eq!(observe(&app, "GET", &format!("/stars/{id}"), None).await.json, created.json);
    let listed = observe(&app, "GET", "/stars", None).await;
    assert!(listed.json["data"].as_array().unwrap().contains(&created.json), "{}", listed.text);
    // The store keeps what was sent: the secret, and no id the client never gave.
    let record = &stored(&app, "stars").await[id.to_string()];
    assert_eq!(record["secret"], "s3", "{record}");
    assert!(record["planets"][0]["orbit"]["star"].get("id").is_none(), "{record}");

    // A form upload: its `file` part is stored, never answered (the answer is a closed object);
    // the read-only `url` the answer requires comes from the schema's example.
    let boundary = "XyZ";
    let form = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"moon.png\"\r\n\
         Content-Type: image/png\r\n\r\nPNG\r\n--{boundary}\r\nContent-Disposition: form-data; \
         name=\"title\"\r\n\r\nMoon\r\n--{boundary}--\r\n"
    );
    let media = format!("multipart/form-data; boundary={boundary}");
    let uploaded = call(
        &app,
        "POST",
        "/observatory/v1/images",
        &[AUTH, ("content-type", &media)],
        Some(&form),
    )
    .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.text);
    let image = uploaded.json["id"].clone();
    assert_eq!(
        uploaded.json,
        json!({"id": image, "title": "Moon", "url": "https://cdn.example.com/i.png"})
    );
    assert_eq!(observe(&app, "GET", "/images", None).await.json, json!([uploaded.json]));
    assert!(stored(&app, "images").await[image.to_string()]["file"].is_string());
}

// See: issue 12 (Train Travel documents a card payment whose `cvc` is write-only).
#[tokio::test]
async fn an_example_with_a_write_only_property_is_served_without_it() {
    let app = observatory();
    let card = json!({"id": "pay_1", "amount": 49.99, "source": {"object": "card", "number": "************4242"}});
    let asked = call(
        &app,
        "GET",
        "/observatory/v1/payments/pay_1",
        &[AUTH, ("prefer", "example=Card")],
        None,
    )
    .await;
    assert_eq!((asked.status.as_u16(), &asked.json), (200, &card), "{}", asked.text);
    // Valid without it, the example seeds the collection too.
    let read = observe(&app, "GET", "/payments/pay_1", None).await;
    assert_eq!((read.status.as_u16(), read.json), (200, card));
}

// See: issue 12 (ReadMe's API v2 is OpenAPI 3.1 and still says `nullable: true`).
#[tokio::test]
async fn nullable_in_an_openapi_3_1_document_admits_null() {
    let app = observatory();
    let created =
        observe(&app, "POST", "/stars", Some(r#"{"name": "Vega", "description": null}"#)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["description"], Value::Null);
    let refused =
        observe(&app, "POST", "/stars", Some(r#"{"name": "Vega", "description": 7}"#)).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
}

// See: issue 12 (Schemathesis asks ReadMe's legacy API for `?page=58664490171080374222848`).
#[tokio::test]
async fn a_page_number_beyond_64_bits_is_an_integer_and_a_page_past_the_end() {
    let app = observatory();
    observe(&app, "POST", "/stars", Some(r#"{"name": "Sol"}"#)).await;
    let far = observe(&app, "GET", "/stars?page=58664490171080374222848&per_page=5", None).await;
    assert_eq!((far.status.as_u16(), far.json), (200, json!({"data": []})), "{}", far.text);
    let first = observe(&app, "GET", "/stars?page=1&per_page=99999999999999999999999", None).await;
    assert_eq!(first.status, 400, "past the documented maximum: {}", first.text);
    let negative = observe(&app, "GET", "/stars?page=-58664490171080374222848", None).await;
    assert_eq!(negative.status, 400, "below the minimum: {}", negative.text);
    // A key past `i64` in the path (Schemathesis's `9223372036854775808`) is still a number.
    let put = observe(&app, "PUT", "/stars/9223372036854775808", Some(r#"{"name": "Far"}"#)).await;
    assert_eq!(put.status, 200, "{}", put.text);
    assert_eq!(put.json["id"], json!(9223372036854775808u64));
    assert_eq!(observe(&app, "GET", "/stars/9223372036854775808", None).await.json, put.json);
}

// See: issue 12 (ReadMe's `POST /branches`: "branche `stable` already exists", 409 undocumented).
#[tokio::test]
async fn a_duplicate_key_is_refused_with_a_documented_status_in_good_english() {
    let app = observatory();
    let first = observe(&app, "POST", "/branches", Some(r#"{"name": "main"}"#)).await;
    assert_eq!(first.status, 201, "{}", first.text);
    let again = observe(&app, "POST", "/branches", Some(r#"{"name": "main"}"#)).await;
    // The operation documents 400, not 409: its documented body, understudy's reason beside it.
    assert_eq!(again.status, 400, "{}", again.text);
    assert_eq!(again.json, json!({"message": "Refused"}));
    assert_eq!(again.headers["x-understudy-reason"], "branch `main` already exists");
    // `getBranch` documents no 404: understudy's envelope says it.
    let missing = observe(&app, "GET", "/branches/nope", None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.json["detail"], "Branch `nope` not found");
}

// See: issue 12 (ReadMe's `POST /owlbot/ask` takes `Accept: text/event-stream` by an `accept`
// header parameter, and documents only JSON answers).
#[tokio::test]
async fn an_accept_the_operation_lists_itself_is_answered_with_what_it_documents() {
    let app = observatory();
    let ask = |accept: &'static str| {
        let app = app.clone();
        async move {
            let headers = [AUTH, JSON, ("accept", accept)];
            call(&app, "POST", "/observatory/v1/ask", &headers, Some(r#"{"question": "?"}"#)).await
        }
    };
    let streamed = ask("text/event-stream").await;
    assert_eq!(
        (streamed.status.as_u16(), streamed.media(), streamed.json),
        (200, "application/json".to_owned(), json!({"answer": "42"}))
    );
    assert_eq!(ask("text/html").await.status, 406, "an Accept the operation does not list");
}

// See: issue 12 (ReadMe's legacy API documents its errors as a `oneOf` of alternatives that
// accept the same objects: no answer can match exactly one).
#[tokio::test]
async fn a_self_check_500_says_when_the_contract_is_at_fault() {
    let app = observatory();
    let answer = observe(&app, "POST", "/specification", Some(r#"{"url": 7}"#)).await;
    assert_eq!(answer.status, 500, "{}", answer.text);
    let detail = answer.json["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("the contract is at fault: its `oneOf` alternatives overlap")
            && !detail.contains("fix the scenario"),
        "{detail}"
    );
}
