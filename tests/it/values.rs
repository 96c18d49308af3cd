//! Generated values (issue 12): documented answers built from schemas fit their patterns,
//! ranges and formats (the self-check would answer 500 otherwise), `Prefer: dynamic=true` and
//! `serve --dynamic` vary them per request with realistic values, and `--seed` repeats them.
//!
//! The document is `tests/data/any-contract/gallery.yaml`: no examples anywhere, patterned ids
//! and headers, stepped and exclusive ranges, a tricky `oneOf`, an `allOf`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use understudy::catalog::{Catalog, CatalogOptions};
use understudy::files::Tree;
use understudy::{App, Settings, Store, StoreOptions};

use crate::util::{Answer, call, http, spawn_binary};

const BASE: &str = "/gallery/v2";
const ID: &str = "0123456789abcdefghijklmnop";

fn gallery() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/any-contract/gallery.yaml")
}

fn app(dynamic: bool) -> App {
    let options = CatalogOptions {
        contracts: Tree::documents(&[gallery()]).unwrap(),
        scenarios: Tree::embedded_scenarios(),
        only: Vec::new(),
        apis: Default::default(),
    };
    let catalog = Arc::new(Catalog::load(&options).expect("the document loads"));
    let settings = Settings { dynamic, ..Settings::default() };
    App::new(
        catalog,
        Store::new(StoreOptions { seed: Some(5), ..StoreOptions::default() }),
        settings,
    )
}

async fn get(app: &App, path: &str, prefer: Option<&str>) -> Answer {
    let headers: Vec<(&str, &str)> = prefer.map(|p| ("prefer", p)).into_iter().collect();
    let answer = call(app, "GET", &format!("{BASE}{path}"), &headers, None).await;
    assert_eq!(answer.status, 200, "{path} {prefer:?}: {}", answer.text);
    answer
}

fn matches(pattern: &str, value: &Value) -> bool {
    regex::Regex::new(pattern).unwrap().is_match(value.as_str().unwrap_or_default())
}

fn header(answer: &Answer, name: &str) -> String {
    answer.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn static_documented_answers_fit_their_patterns_ranges_and_formats() {
    let app = app(false);
    let artist = get(&app, &format!("/artists/{ID}"), Some("code=200")).await;
    let body = &artist.json;
    assert!(matches(r"^[\da-z]{26}$", &body["id"]), "{}", artist.text);
    assert!(matches(r"^[A-Z]{3}-[0-9]{4}$", &body["code"]), "{}", artist.text);
    assert!(matches(r"^\+[1-9][0-9]{7,14}$", &body["phone"]), "{}", artist.text);
    assert_eq!(body["rating"], 0.5, "exclusive minimum 0, steps of 0.5: {}", artist.text);
    assert_eq!(body["tags"].as_array().unwrap().len(), 2, "{}", artist.text);
    assert_ne!(body["tags"][0], body["tags"][1], "unique items: {}", artist.text);
    assert!(matches(r"^req_[0-9a-f]{12}$", &header(&artist, "x-request-id").into()));

    // The same document gives the same sample, request after request.
    let again = get(&app, &format!("/artists/{ID}"), Some("code=200")).await;
    assert_eq!(again.json, artist.json);

    // An operation without a behaviour answers its sample: `allOf` merged, ranges met.
    let stats = get(&app, "/stats", None).await;
    assert_eq!(stats.json["artists"], 1, "{}", stats.text);
    assert_eq!(stats.json["share"], 0.01, "{}", stats.text);
    assert_eq!(stats.json["ratio"], -12, "{}", stats.text);
    assert!(header(&stats, "x-generated-at").parse::<jiff::Timestamp>().is_ok());

    // The documented 404's sample fits too.
    let missing =
        call(&app, "GET", &format!("{BASE}/artists/{ID}"), &[("prefer", "code=404")], None).await;
    assert_eq!(missing.status, 404, "{}", missing.text);
    assert_eq!(missing.json["code"], 400, "{}", missing.text);
}

#[tokio::test]
async fn prefer_dynamic_varies_documented_answers_and_keeps_them_valid() {
    let app = app(false);
    let path = format!("/artists/{ID}");
    let first = get(&app, &path, Some("code=200, dynamic=true")).await;
    let second = get(&app, &path, Some("code=200, dynamic=true")).await;
    assert_ne!(first.json, second.json, "two dynamic answers differ");
    for answer in [&first, &second] {
        let body = &answer.json;
        assert!(matches(r"^[\da-z]{26}$", &body["id"]), "{}", answer.text);
        assert!(body["email"].as_str().unwrap().contains('@'), "{}", answer.text);
        assert_ne!(body["name"], "string", "a realistic name: {}", answer.text);
        assert!(matches(r"^req_[0-9a-f]{12}$", &header(answer, "x-request-id").into()));
    }
    // The query form, for clients that cannot set headers; an operation without a behaviour.
    let stats = call(&app, "GET", &format!("{BASE}/stats?__dynamic=true"), &[], None).await;
    assert_eq!(stats.status, 200, "{}", stats.text);
    let again = call(&app, "GET", &format!("{BASE}/stats?__dynamic=true"), &[], None).await;
    assert_ne!(stats.json, again.json, "{} / {}", stats.text, again.text);
    // Without it, the static sample.
    assert_eq!(get(&app, "/stats", None).await.json, get(&app, "/stats", None).await.json);
    // Store answers are never varied.
    let listed = get(&app, "/artists", Some("dynamic=true")).await;
    assert_eq!(listed.json, serde_json::json!({"items": [], "total": 0}));
}

#[tokio::test]
async fn serve_dynamic_varies_every_documented_answer_unless_a_request_says_false() {
    let app = app(true);
    let first = get(&app, "/stats", None).await;
    let second = get(&app, "/stats", None).await;
    assert_ne!(first.json, second.json);
    let fixed = get(&app, "/stats", Some("dynamic=false")).await;
    assert_eq!(fixed.json, get(&app, "/stats", Some("dynamic=false")).await.json);
}

#[test]
fn serve_dynamic_with_a_seed_repeats_its_answers_from_run_to_run() {
    let file = gallery();
    let run = |seed: &str| {
        let args = ["serve", file.to_str().unwrap(), "--port", "0", "--dynamic", "--seed", seed];
        let (mut child, address) = spawn_binary(&args, &std::env::temp_dir(), &[]);
        let answers: Vec<String> = (0..3)
            .flat_map(|_| {
                let stats = http(address, "GET", &format!("{BASE}/stats"), &[], "");
                let artist = http(
                    address,
                    "GET",
                    &format!("{BASE}/artists/{ID}"),
                    &[("prefer", "code=200")],
                    "",
                );
                [stats, artist]
            })
            .map(|(status, body)| {
                assert_eq!(status, 200, "{body}");
                body
            })
            .collect();
        let _ = child.kill();
        let _ = child.wait();
        answers
    };
    let seven = run("7");
    assert_ne!(seven[0], seven[2], "answers vary within a run");
    assert_eq!(seven, run("7"), "the same seed and requests give the same answers");
    assert_ne!(seven, run("8"));
}

#[test]
fn every_bundled_sample_passes_its_schema() {
    let options = CatalogOptions::embedded();
    let catalog = Catalog::load(&options).expect("the embedded catalog loads");
    let mut checked = 0;
    for api in &catalog.apis {
        for version in &api.versions {
            for contract in &version.contracts {
                for operation in &contract.operations {
                    for response in &operation.responses {
                        for media in &response.content {
                            let (Some(schema), Some(sample)) = (&media.schema, &*media.sample)
                            else {
                                continue;
                            };
                            let errors = schema.errors(sample);
                            assert!(
                                errors.is_empty(),
                                "{} {} {} {}: {errors:?}\n{sample}",
                                contract.file,
                                operation.id,
                                response.status,
                                media.media
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 100, "{checked} samples checked");
}
