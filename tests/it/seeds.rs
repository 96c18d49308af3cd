//! The served contracts contain the seed documents' operations with identical request and
//! response schemas (after inlining local `$ref`s on both sides). A served operation may
//! document more responses than its seed: GitBook's two lists add the errors the API answers
//! (their `x-understudy-note` says which are documented where); every seed response is there,
//! unchanged.
//!
//! The seeds are copied under `tests/data/seeds/`; when the originals in `../shared/seeds/` are
//! present, the copies must still be identical to them.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use understudy::contract::METHODS;
use understudy::files::Tree;

use crate::util::{Dialect, catalog, json_diff};

fn seeds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/seeds")
}

fn read(name: &str) -> String {
    std::fs::read_to_string(seeds_dir().join(name)).unwrap()
}

/// The text between an opening fence line starting with `opening` and the next closing fence.
fn fenced(text: &str, opening: &str, closing: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in text.lines() {
        match &mut current {
            None if line.starts_with(opening) => current = Some(Vec::new()),
            Some(lines) if line.trim_end() == closing => {
                blocks.push(lines.join("\n"));
                current = None;
            }
            Some(lines) => lines.push(line),
            None => {}
        }
    }
    blocks
}

/// Replaces every local `$ref` by its target (siblings kept), and drops `x-understudy-*` notes.
fn inline(document: &Value, value: &Value, depth: usize) -> Value {
    assert!(depth < 64, "reference cycle too deep to inline");
    match value {
        Value::Object(map) => {
            let mut out = Map::new();
            if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                let target = document
                    .pointer(&reference[1..])
                    .unwrap_or_else(|| panic!("{reference} resolves"));
                if let Value::Object(inlined) = inline(document, target, depth + 1) {
                    out = inlined;
                }
            }
            for (key, child) in map {
                if key == "$ref" || key.starts_with("x-understudy") {
                    continue;
                }
                out.insert(key.clone(), inline(document, child, depth + 1));
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            Value::Array(items.iter().map(|i| inline(document, i, depth + 1)).collect())
        }
        other => other.clone(),
    }
}

/// Parameters (path-level merged with operation-level), request body and responses of one
/// operation, all inlined.
fn operation_parts(
    document: &Value,
    path: &str,
    method: &str,
) -> (Vec<Value>, Value, Map<String, Value>) {
    let item = &document["paths"][path];
    let operation = &item[method];
    assert!(operation.is_object(), "{method} {path} is missing");
    let mut parameters: Vec<Value> = Vec::new();
    for list in [&item["parameters"], &operation["parameters"]] {
        for parameter in list.as_array().into_iter().flatten() {
            let parameter = inline(document, parameter, 0);
            parameters.retain(|p| !(p["name"] == parameter["name"] && p["in"] == parameter["in"]));
            parameters.push(parameter);
        }
    }
    parameters.sort_by_key(|p| format!("{}:{}", p["in"], p["name"]));
    let body = inline(document, &operation["requestBody"], 0);
    let responses = operation["responses"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), inline(document, v, 0)))
        .collect();
    (parameters, body, responses)
}

fn assert_served_contains(seed: &Value, served: &Value, name: &str) {
    let mut compared = 0;
    for (path, item) in seed["paths"].as_object().unwrap() {
        for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
            let (seed_parameters, seed_body, seed_responses) = operation_parts(seed, path, method);
            let (parameters, body, responses) = operation_parts(served, path, method);
            let label = format!("{name}: {method} {path}");
            assert!(
                seed_parameters == parameters,
                "{label}: parameters differ\n{}",
                json_diff(&Value::from(seed_parameters.clone()), &Value::from(parameters))
            );
            assert!(
                seed_body == body,
                "{label}: request body differs\n{}",
                json_diff(&seed_body, &body)
            );
            for (status, response) in &seed_responses {
                let ours = responses
                    .get(status)
                    .unwrap_or_else(|| panic!("{label}: response {status} is missing"));
                assert!(
                    response == ours,
                    "{label}: response {status} differs\n{}",
                    json_diff(response, ours)
                );
            }
            compared += 1;
        }
    }
    assert!(compared > 0, "{name}: the seed has no operations");
}

/// The contract file as the binary serves it: the embedded copy, read by the loader (the
/// catalog keeps only the rewritten forms of a document).
fn served(api: &str, file: &str) -> Value {
    let catalog = catalog(Dialect::V31);
    assert!(
        catalog
            .api(api)
            .unwrap()
            .versions
            .iter()
            .flat_map(|v| &v.contracts)
            .any(|c| c.file_name == file)
    );
    let files = Tree::embedded_contracts().files(api, &[file]).unwrap();
    let [embedded] = files.as_slice() else { panic!("one embedded {api}/{file}") };
    understudy::contract::parse_text(embedded).unwrap()
}

#[test]
fn teable_serves_the_seed_patch_operation_unchanged() {
    let blocks = fenced(&read("000_fb69e3ed5d2d45d5.txt"), "````yaml", "````");
    assert_eq!(blocks.len(), 1);
    let seed: Value = serde_saphyr::from_str(&blocks[0]).unwrap();
    assert_served_contains(&seed, &served("teable", "openapi.yaml"), "teable");
}

#[test]
fn gitbook_30_serves_both_seed_operations_with_their_seed_schemas_unchanged() {
    let blocks = fenced(&read("002_8a83f11c1dbda2ad.txt"), "```json", "```");
    assert_eq!(blocks.len(), 2);
    for block in blocks {
        let seed: Value = serde_json::from_str(&block).unwrap();
        assert_eq!(seed["openapi"], "3.0.3");
        assert_served_contains(&seed, &served("gitbook", "openapi-3.0.json"), "gitbook 3.0");
    }
}

#[test]
fn gitbook_31_serves_both_seed_operations_with_their_seed_schemas_unchanged() {
    let blocks = fenced(&read("003_9e1a4dca5821191a.txt"), "```json", "```");
    assert_eq!(blocks.len(), 2);
    for block in blocks {
        let seed: Value = serde_json::from_str(&block).unwrap();
        assert_eq!(seed["openapi"], "3.1.0");
        assert_served_contains(&seed, &served("gitbook", "openapi-3.1.json"), "gitbook 3.1");
    }
}

#[test]
fn the_seed_copies_match_the_shared_originals() {
    let originals = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
    if !originals.is_dir() {
        return; // a checkout without the shared folder (CI): the copies are all there is
    }
    for entry in std::fs::read_dir(seeds_dir()).unwrap() {
        let name = entry.unwrap().file_name();
        let copy = std::fs::read(seeds_dir().join(&name)).unwrap();
        let original = std::fs::read(originals.join(&name)).unwrap();
        assert!(
            copy == original,
            "tests/data/seeds/{} differs from ../shared/seeds",
            name.to_string_lossy()
        );
    }
}
