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

/// A service over one API of the foreign fixtures, with no scenario of its own.
fn foreign(api: &str) -> App {
    foreign_with(api, true)
}

/// `foreign`, strict self-check on or off. Galaxy documents its 400s as `application/json`
/// while understudy's own refusals without a scenario are `application/problem+json` (the
/// inferred scenario's business, #12 item 2): its refusals are read with the check off.
fn foreign_with(api: &str, strict: bool) -> App {
    let options = CatalogOptions {
        contracts: Tree::disk(contracts()),
        scenarios: Tree::embedded_scenarios(),
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
    assert!(bad.text.contains("limit"), "{}", bad.text);

    // A create: `id` is read-only (not required of a request), `name` must be text.
    let planet = r#"{"name": "Mars", "type": "terrestrial"}"#;
    let created = bearer(&app, "POST", "/galaxy/planets", "application/json", Some(planet)).await;
    assert!(created.status.is_success(), "{}: {}", created.status, created.text);
    let wrong = r#"{"name": 5, "type": "rocky"}"#;
    let refused = bearer(&app, "POST", "/galaxy/planets", "application/json", Some(wrong)).await;
    assert_eq!(refused.status, 400, "{}", refused.text);
    assert!(refused.text.contains("/name") && refused.text.contains("/type"), "{}", refused.text);

    // A path parameter of the wrong type.
    let path = bearer(&app, "GET", "/galaxy/planets/abc", "", None).await;
    assert_eq!(path.status, 400, "{}", path.text);
}

#[tokio::test]
async fn galaxy_list_answers_planets_that_pass_the_strict_self_check() {
    // The answer is generated from `PaginatedPlanets`: its `$dynamicRef` items are bound to
    // `Planet` before the sample is made, so the self-check finds nothing to refuse.
    let app = foreign("galaxy");
    let answer = call(&app, "GET", "/galaxy/planets", &[], None).await;
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
