//! Contracts nobody here wrote: public documents and the shapes they take (external `$ref`s,
//! `$id` / `$dynamicRef`, repeated query parameters, form bodies, `Accept`, headers that
//! describe the body, examples that break their own schema), served with no scenario.
//!
//! The fixtures are under `tests/data/foreign/contracts/<api>/`; galaxy's says where it comes
//! from in its first lines. See: #12

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::json;
use understudy::catalog::{Catalog, CatalogOptions};
use understudy::files::Tree;
use understudy::{App, Settings, Store, StoreOptions};

use crate::util::{Answer, call};

fn contracts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/foreign/contracts")
}

/// A service over one API of the foreign fixtures (with no scenario of its own, but `forms`).
fn foreign(api: &str) -> App {
    foreign_with(api, true)
}

/// `foreign`, strict self-check on or off. Galaxy documents its 400s as `application/json`
/// while understudy's own refusals without a scenario are `application/problem+json` (the
/// inferred scenario's business, #12 item 2): its refusals are read with the check off.
fn foreign_with(api: &str, strict: bool) -> App {
    let options = CatalogOptions {
        contracts: Tree::disk(contracts()),
        scenarios: Tree::disk(contracts().with_file_name("scenarios")),
        only: vec![api.to_owned()],
        apis: BTreeMap::new(),
    };
    let catalog = Catalog::load(&options).unwrap_or_else(|e| panic!("{api} loads: {e}"));
    let settings = Settings { strict, ..Settings::default() };
    App::new(Arc::new(catalog), Store::new(StoreOptions::default()), settings)
}

async fn bearer(app: &App, method: &str, path: &str, media: &str, body: Option<&str>) -> Answer {
    let mut headers = vec![("authorization", "Bearer any-token")];
    if body.is_some() {
        headers.push(("content-type", media));
    }
    call(app, method, path, &headers, body).await
}

// === galaxy: $id, $dynamicAnchor, $dynamicRef ===

#[test]
fn galaxy_0_6_12_loads_and_binds_its_dynamic_item_type_to_planet() {
    // Arrange
    let file = understudy::files::read_file(&contracts().join("galaxy/openapi.yaml")).unwrap();

    // Act
    let contract = understudy::contract::load(&file).expect("galaxy loads");

    // Assert: `PaginatedPlanets` binds `PaginatedResource`'s `$dynamicRef: '#itemType'` to
    // `Planet`, whose `id` and `name` are required and which allows nothing else.
    let list = contract.operation("getAllData").unwrap();
    let schema = list.response(200).unwrap().content[0].schema.as_ref().unwrap();
    assert!(schema.is_valid(&json!({"data": [{"id": 1, "name": "Mars"}], "meta": {"limit": 1}})));
    let errors = schema.errors(&json!({"data": [{"id": 1, "colour": "red"}]}));
    let messages: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("\"name\" is a required property")), "{messages:?}");
    assert!(errors.iter().all(|e| e.pointer.starts_with("/data/0")), "{errors:?}");
}

#[tokio::test]
async fn galaxy_requests_are_validated_against_its_schemas() {
    let app = foreign_with("galaxy", false);

    // A valid read, and a query parameter of the wrong type.
    let ok = call(&app, "GET", "/galaxy/planets?limit=5&offset=0", &[], None).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    let bad = call(&app, "GET", "/galaxy/planets?limit=five", &[], None).await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    // Galaxy documents its own 400 body: it goes out, and understudy's reason in a header.
    let why = |a: &crate::util::Answer| {
        let header = a.headers.get("x-understudy-reason").and_then(|v| v.to_str().ok());
        format!("{} {}", a.text, header.unwrap_or_default())
    };
    assert!(why(&bad).contains("limit"), "{}", why(&bad));

    // A create: `id` is read-only (not required of a request), `name` must be text.
    let planet = r#"{"name": "Mars", "type": "terrestrial"}"#;
    let created = bearer(&app, "POST", "/galaxy/planets", "application/json", Some(planet)).await;
    assert!(created.status.is_success(), "{}: {}", created.status, created.text);
    let wrong = r#"{"name": 5, "type": "rocky"}"#;
    let refused = bearer(&app, "POST", "/galaxy/planets", "application/json", Some(wrong)).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(
        why(&refused).contains("/name") && why(&refused).contains("/type"),
        "{}",
        why(&refused)
    );

    // A path parameter of the wrong type.
    let path = bearer(&app, "GET", "/galaxy/planets/abc", "", None).await;
    assert_eq!(path.status, 400, "{}", path.text);
}

#[tokio::test]
async fn galaxy_list_answers_planets_that_pass_the_strict_self_check() {
    // The documented answer is generated from `PaginatedPlanets`: its `$dynamicRef` items are
    // bound to `Planet` before the sample is made, so the self-check finds nothing to refuse.
    // (Without `Prefer`, the inferred scenario answers from its store: see `any_contract.rs`.)
    let app = foreign("galaxy");
    let answer = call(&app, "GET", "/galaxy/planets", &[("prefer", "code=200")], None).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let first = &answer.json["data"][0];
    assert!(first["id"].is_i64() && first["name"].is_string(), "{}", answer.text);
    // Varied answers are bound the same way: planets, not empty pages.
    let varied = [("prefer", "code=200, dynamic=true")];
    let answer = call(&app, "GET", "/galaxy/planets", &varied, None).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    let first = &answer.json["data"][0];
    assert!(first["id"].is_i64() && first["name"].is_string(), "{}", answer.text);
}

// === External `$ref`s to local files ===

#[tokio::test]
async fn a_contract_split_over_files_is_served_as_one() {
    let app = foreign("refs");
    let json = "application/json";

    // Schemas, parameters and responses from parts/, the 3.0 rewrite applied to them too
    // (`nullable`, `readOnly`).
    let created =
        bearer(&app, "POST", "/refs/v1/pets", json, Some(r#"{"name": "Rex", "tag": null}"#)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let empty = bearer(&app, "POST", "/refs/v1/pets", json, Some(r#"{"name": ""}"#)).await;
    assert_eq!(empty.status, 400, "{}", empty.text);
    assert!(empty.text.contains("/name"), "{}", empty.text);
    let owner = r#"{"name": "Rex", "owner": {"pets": [{"name": 7}]}}"#;
    let cyclic = bearer(&app, "POST", "/refs/v1/pets", json, Some(owner)).await;
    assert_eq!(cyclic.status, 400, "{}", cyclic.text);
    assert!(cyclic.text.contains("/owner/pets/0/name"), "{}", cyclic.text);

    let listed = call(&app, "GET", "/refs/v1/pets?limit=5", &[], None).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let over = call(&app, "GET", "/refs/v1/pets?limit=500", &[], None).await;
    assert_eq!(over.status, 400, "{}", over.text);

    // A whole path item from another file, with its path parameter.
    let one = call(&app, "GET", "/refs/v1/pets/1", &[], None).await;
    assert_eq!(one.status, 200, "{}", one.text);
    let wrong = call(&app, "GET", "/refs/v1/pets/abc", &[], None).await;
    assert_eq!(wrong.status, 400, "{}", wrong.text);
}

#[test]
fn a_reference_to_a_missing_file_names_the_file_operation_and_pointer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/broken/missing-file");
    let options = CatalogOptions {
        contracts: Tree::disk(root),
        scenarios: Tree::embedded_scenarios(),
        only: vec!["shop".into()],
        apis: BTreeMap::new(),
    };
    let error = Catalog::load(&options).unwrap_err().to_string();
    for fragment in [
        "missing-file/shop/openapi.yaml: operation `listItems`: ",
        "/paths/~1items/get/responses/200/content/application~1json/schema/$ref: ",
        "$ref `schemas/item.yaml` names `",
        "which cannot be read",
    ] {
        assert!(error.contains(fragment), "`{fragment}` missing from: {error}");
    }
}

// === Repeated query parameters ===

#[tokio::test]
async fn array_query_parameters_read_repeated_names_and_delimited_values() {
    let app = foreign("shapes");
    let get = |query: &'static str| {
        let app = app.clone();
        async move { call(&app, "GET", &format!("/shapes/pets?{query}"), &[], None).await }
    };

    // `explode` (the default for query): every value of the repeated name, each checked.
    assert_eq!(get("tag=cat&tag=dog").await.status, 200);
    let bad = get("tag=cat&tag=cow").await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert!(bad.text.contains("`tag` at /1"), "{}", bad.text);
    // One value with a comma is one item when exploded.
    assert_eq!(get("tag=cat,dog").await.status, 400);

    // `explode: false`: comma-separated, items typed through a `$ref` to the array schema.
    assert_eq!(get("id=1,2,3").await.status, 200);
    let bad = get("id=1,two").await;
    assert_eq!(bad.status, 400, "{}", bad.text);
    assert!(bad.text.contains("`id` at /1"), "{}", bad.text);
    // `pipeDelimited`.
    assert_eq!(get("size=1|2").await.status, 200);
    assert_eq!(get("size=1|big").await.status, 400);

    // A scalar sent twice: its first value counts (as before).
    assert_eq!(get("limit=5&limit=50").await.status, 200);
    assert_eq!(get("limit=50&limit=5").await.status, 400);
}

// === Accept ===

#[tokio::test]
async fn an_accept_the_operation_cannot_satisfy_is_406_in_the_apis_envelope() {
    let app = foreign("shapes");
    let photo = "/shapes/pets/1/photo";
    let with = |accept: &'static str| {
        let app = app.clone();
        async move { call(&app, "GET", photo, &[("accept", accept)], None).await }
    };

    for accept in
        ["image/png", "image/*", "*/*", "text/html, image/png;q=0.5", "IMAGE/PNG; charset=x"]
    {
        assert_eq!(with(accept).await.status, 200, "Accept: {accept}");
    }
    for accept in
        ["application/json", "text/*", "image/png;q=0, application/json", "image/png;q=0, */*"]
    {
        let refused = with(accept).await;
        assert_eq!(refused.status, 406, "Accept: {accept}: {}", refused.text);
        assert_eq!(refused.media(), "application/problem+json");
        assert_eq!(refused.json["status"], 406, "{}", refused.text);
        assert!(refused.json["detail"].as_str().unwrap().contains("image/png"), "{}", refused.text);
    }
    // No Accept at all, and an operation that documents no content, never refuse.
    assert_eq!(call(&app, "GET", photo, &[], None).await.status, 200);
    let ping = call(&app, "GET", "/shapes/ping", &[("accept", "application/json")], None).await;
    assert_eq!(ping.status, 204, "{}", ping.text);
}

// === Documented headers that describe the body ===

#[tokio::test]
async fn a_documented_content_length_example_is_never_sent() {
    // See: #12 (a public document's `Content-Length: 6432` went out with an 8-byte body)
    let app = foreign("shapes");
    let answer = call(&app, "GET", "/shapes/pets", &[("prefer", "code=200")], None).await;
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.headers["x-total"], "3", "other documented headers still go out");
    match answer.headers.get("content-length") {
        None => {}
        Some(length) => assert_eq!(length.to_str().unwrap(), answer.text.len().to_string()),
    }
}

#[tokio::test]
async fn a_documented_content_length_example_is_not_sent_over_the_wire_either() {
    let server = crate::util::TestServer::start(foreign("shapes")).await;
    let address = server.address;
    let (status, body) = tokio::task::spawn_blocking(move || {
        crate::util::http(address, "GET", "/shapes/pets", &[("Prefer", "code=200")], "")
    })
    .await
    .unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        json!([{"name": "Rex", "age": 3}])
    );
    server.stop().await;
}

// === Examples that break their own schema ===

#[tokio::test]
async fn an_example_that_breaks_its_schema_is_replaced_by_the_generated_sample() {
    let app = foreign("shapes");
    let json = "application/json";
    let body = Some(r#"{"name": "Rex"}"#);

    // The only documented example has `age: "three"`: the sample goes out instead.
    let headers = [("content-type", json), ("prefer", "code=201")];
    let created = call(&app, "POST", "/shapes/pets", &headers, body).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert!(created.json["age"].is_i64(), "{}", created.text);

    // Asked for by name, it is not sent either.
    let headers = [("content-type", json), ("prefer", "example=broken")];
    let named = call(&app, "POST", "/shapes/pets", &headers, body).await;
    assert_eq!(named.status, 201, "{}", named.text);
    assert!(named.json["age"].is_i64(), "{}", named.text);
}

#[test]
fn lint_names_the_example_that_breaks_its_schema_and_the_violation() {
    let report = understudy::cli::lint::run(
        &Tree::disk(contracts()),
        &Tree::disk(contracts().with_file_name("scenarios")),
        &Tree::disk(contracts().with_file_name("conformance")),
    )
    .unwrap();
    let line = report
        .problems
        .iter()
        .find(|p| p.contains("shapes/openapi.yaml"))
        .unwrap_or_else(|| panic!("no problem reported for shapes: {:?}", report.problems));
    assert!(line.contains("example `broken`"), "{line}");
    // A contract split over files lints as `serve` reads it: its parts are not contracts.
    assert!(!report.problems.iter().any(|p| p.contains("refs/")), "{:?}", report.problems);
    assert!(
        line.contains("/age") && line.contains("\"three\" is not of type \"integer\""),
        "{line}"
    );
}

// === Form bodies ===

#[tokio::test]
async fn an_urlencoded_form_is_validated_and_stored_as_fields() {
    let app = foreign("forms");
    let form = "application/x-www-form-urlencoded";

    let body = "name=Rex&age=3&tags=good&tags=old&vaccinated=true";
    let created = bearer(&app, "POST", "/forms/pets", form, Some(body)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["age"], 3, "{}", created.text);
    assert_eq!(created.json["tags"], json!(["good", "old"]), "{}", created.text);
    assert_eq!(created.json["vaccinated"], true, "{}", created.text);

    let refused =
        bearer(&app, "POST", "/forms/pets", form, Some("name=&age=-1&vaccinated=maybe")).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    for field in ["/name", "/age", "/vaccinated"] {
        assert!(refused.text.contains(field), "{field}: {}", refused.text);
    }

    let listed = call(&app, "GET", "/forms/pets", &[], None).await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    let pets = listed.json.as_array().unwrap();
    assert_eq!(pets.len(), 1, "{}", listed.text);
    assert_eq!(pets[0]["name"], "Rex");
}

#[tokio::test]
async fn a_multipart_upload_is_validated_and_stored_with_its_file_as_a_placeholder() {
    let app = foreign("forms");
    let multipart = "multipart/form-data; boundary=b0undary";
    let body = "--b0undary\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nRex\r\n\
        --b0undary\r\nContent-Disposition: form-data; name=\"age\"\r\n\r\n3\r\n\
        --b0undary\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"rex.png\"\r\n\
        Content-Type: image/png\r\n\r\n\u{89}PNG\r\n\
        --b0undary--\r\n";
    let created = bearer(&app, "POST", "/forms/pets", multipart, Some(body)).await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json["age"], 3, "{}", created.text);
    assert_eq!(created.json["photo"], "rex.png (image/png, 5 bytes)", "{}", created.text);

    let bad =
        "--b0undary\r\nContent-Disposition: form-data; name=\"age\"\r\n\r\nold\r\n--b0undary--\r\n";
    let refused = bearer(&app, "POST", "/forms/pets", multipart, Some(bad)).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(refused.text.contains("/age") && refused.text.contains("name"), "{}", refused.text);

    let broken = bearer(&app, "POST", "/forms/pets", multipart, Some("not multipart at all")).await;
    assert_eq!(broken.status, 400, "{}", broken.text);
    assert!(broken.text.contains("multipart body cannot be read"), "{}", broken.text);
}

#[tokio::test]
async fn galaxy_takes_an_image_upload() {
    let app = foreign_with("galaxy", false);
    let multipart = "multipart/form-data; boundary=XyZ";
    let body = "--XyZ\r\nContent-Disposition: form-data; name=\"image\"; filename=\"mars.jpg\"\r\n\
        Content-Type: image/jpeg\r\n\r\n\u{ff}\u{d8}\r\n--XyZ--\r\n";
    let answer = bearer(&app, "POST", "/galaxy/planets/1/image", multipart, Some(body)).await;
    assert!(answer.status.is_success(), "{}: {}", answer.status, answer.text);
}
