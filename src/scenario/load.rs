//! Reading scenario files: YAML to values, names from file names, `extends` chains merged,
//! then the builder.
//!
//! `extends` is resolved on the YAML values, before serde sees them, so that a child may say
//! only what differs (maps merge key by key, anything else is replaced) and still be checked
//! as a whole file. Each scenario is built in full, then keeps once what an earlier one of the
//! API has identically (seed records, operations: see `share`). An unreadable file, an unknown
//! or circular parent, and every problem the builder finds stop loading with a [`LoadError`]
//! naming the file.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::LoadError;
use crate::files::TextFile;
use crate::json::compact::identical;
use crate::scenario::build::Builder;
use crate::scenario::format::RawScenario;
use crate::scenario::model::Scenario;

/// Loads every scenario of one API (resolving `extends` among them), by name.
pub fn load_all(files: &[TextFile]) -> Result<BTreeMap<String, Scenario>, LoadError> {
    let mut values = BTreeMap::new();
    for file in files {
        let value: Value = crate::files::parse_yaml(&file.text)
            .map_err(|e| LoadError::Syntax { file: file.name.clone(), message: e.to_string() })?;
        let value = if value.is_null() { Value::Object(Default::default()) } else { value };
        values.insert(name_of(file), (file, value));
    }
    let mut scenarios: BTreeMap<String, Scenario> = BTreeMap::new();
    let mut sources: Vec<(Option<Value>, Option<Value>, String)> = Vec::new();
    for (name, (file, _)) in &values {
        let value = resolve_extends(&values, name, &mut Vec::new())?;
        let source = (value.get("resources").cloned(), value.get("operations").cloned());
        let mut scenario = from_value(file, name.clone(), value)?;
        share(&mut scenario, &source, &sources, &scenarios);
        sources.push((source.0, source.1, name.clone()));
        scenarios.insert(name.clone(), scenario);
    }
    Ok(scenarios)
}

/// Makes `scenario` keep what an earlier scenario of the same API (`built`, made from
/// `sources`) has already: the seed records of a resource when they are identical, and the
/// operations when both were made from identical `resources` and `operations` (`source`).
/// Scenarios that extend another repeat most of it (GitBook's `rate-limited` changes only its
/// limits, `empty` one resource's seed), and the model holds a few hundred bytes per record
/// and per operation: kept once, the bundled scenarios take 0.35 MiB less (1.0 MiB before).
fn share(
    scenario: &mut Scenario,
    source: &(Option<Value>, Option<Value>),
    sources: &[(Option<Value>, Option<Value>, String)],
    built: &BTreeMap<String, Scenario>,
) {
    let same = |a: &Option<Value>, b: &Option<Value>| match (a, b) {
        (Some(a), Some(b)) => identical(a, b),
        (a, b) => a.is_none() && b.is_none(),
    };
    let twin = sources.iter().find(|(resources, operations, _)| {
        same(resources, &source.0) && same(operations, &source.1)
    });
    if let Some(earlier) = twin.and_then(|(_, _, name)| built.get(name)) {
        scenario.operations = earlier.operations.clone();
    }
    for resource in &mut scenario.resources {
        let kept =
            built.values().filter_map(|earlier| earlier.resource(&resource.name)).find(|earlier| {
                earlier.seed.len() == resource.seed.len()
                    && earlier.seed.iter().zip(resource.seed.iter()).all(|(a, b)| identical(a, b))
            });
        if let Some(earlier) = kept {
            resource.seed = earlier.seed.clone();
        }
    }
}

/// Loads one scenario file that extends nothing.
pub fn load(file: &TextFile) -> Result<Scenario, LoadError> {
    let mut scenarios = load_all(std::slice::from_ref(file))?;
    Ok(scenarios.remove(&name_of(file)).expect("the file was loaded"))
}

fn name_of(file: &TextFile) -> String {
    file.file_name.trim_end_matches(".yaml").trim_end_matches(".yml").to_owned()
}

/// The scenario's value with its `extends` chain merged in (parents first).
fn resolve_extends(
    values: &BTreeMap<String, (&TextFile, Value)>,
    name: &str,
    chain: &mut Vec<String>,
) -> Result<Value, LoadError> {
    let (file, value) = &values[name];
    let Some(parent) = value.get("extends") else { return Ok(value.clone()) };
    let invalid = |message: String| LoadError::invalid(&file.name, "-", "/extends", message);
    let Some(parent) = parent.as_str() else {
        return Err(invalid("`extends` names another scenario of this API".into()));
    };
    if !values.contains_key(parent) {
        let names: Vec<&str> = values.keys().map(String::as_str).collect();
        return Err(invalid(format!(
            "no scenario `{parent}` to extend (available: {})",
            names.join(", ")
        )));
    }
    chain.push(name.to_owned());
    if chain.iter().any(|n| n == parent) {
        return Err(invalid(format!(
            "`extends` goes round in a circle: {} → {parent}",
            chain.join(" → ")
        )));
    }
    let mut merged = resolve_extends(values, parent, chain)?;
    let mut own = value.clone();
    if let Some(map) = own.as_object_mut() {
        map.remove("extends");
        // A child's description replaces the parent's; its absence must not inherit it.
        if let Some(parent_map) = merged.as_object_mut() {
            parent_map.remove("description");
        }
    }
    overlay(&mut merged, own);
    Ok(merged)
}

/// Merges `child` over `parent`: maps merge key by key, anything else is replaced.
fn overlay(parent: &mut Value, child: Value) {
    match (parent, child) {
        (Value::Object(parent), Value::Object(child)) => {
            for (key, value) in child {
                match parent.get_mut(&key) {
                    Some(existing) => overlay(existing, value),
                    None => {
                        parent.insert(key, value);
                    }
                }
            }
        }
        (parent, child) => *parent = child,
    }
}

/// The scenario in `value` (its `extends` already merged), checked and built.
/// The name of the scenario understudy infers for a contract that has none.
pub const INFERRED: &str = "inferred";

/// The scenario inferred for `contract` (see `infer/`), named [`INFERRED`].
pub fn inferred(contract: &crate::contract::Contract) -> Result<Scenario, LoadError> {
    let file = TextFile {
        name: format!("{} (inferred scenario)", contract.file),
        file_name: "inferred.yaml".into(),
        text: String::new(),
    };
    from_value(&file, INFERRED.into(), crate::scenario::infer::infer(contract))
}

pub(crate) fn from_value(
    file: &TextFile,
    name: String,
    value: Value,
) -> Result<Scenario, LoadError> {
    let raw: RawScenario = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let pointer =
            if path == "." { String::new() } else { format!("/{}", path.replace('.', "/")) };
        LoadError::invalid(&file.name, "-", pointer, e.into_inner().to_string())
    })?;
    Builder::new(&file.name).build(name, raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::model::{Alphabet, IdGenerator, Merge, Order};

    fn file(name: &str, text: &str) -> TextFile {
        TextFile {
            name: format!("s/{name}.yaml"),
            file_name: format!("{name}.yaml"),
            text: text.into(),
        }
    }

    #[test]
    fn a_full_scenario_loads() {
        let scenario = load(&file(
            "default",
            r#"
description: test
errors:
  content-type: application/json
  body: {message: "{{message}}", status: "{{status}}", code: "{{code}}"}
  codes: {"400": validation_error, invalid-json: bad_json}
tokens:
  dev: {}
  ro: {read-only: true}
limits:
  windows: [{requests: 2, seconds: 60}]
  headers: {X-RateLimit-Limit: "{{limit}}"}
resources:
  spaces:
    auto-create: {pattern: "spc[0-9]+"}
    on-create: {integrations: [{type: AI}]}
    seed: [{id: spc1}]
  integrations:
    id: {prefix: int, length: 4}
    parent: {resource: spaces, field: spaceId}
    timestamps: {created: createdTime, format: rfc3339-millis}
    seed: [{id: int1, spaceId: spc1}]
operations:
  list:
    list: integrations
    parent: spaceId
    filters: [{query: q, fields: [/name], match: contains-ci}]
    order: newest-first
    pagination: {style: cursor, limit: {default: 10, max: 20}}
  update: {update: integrations, key: integrationId, merge: merge, paths: {/enable: ignore-null}, immutable: [{field: /type}]}
"#,
        ))
        .unwrap();
        assert_eq!(scenario.name, "default");
        let names: Vec<_> = scenario.resources.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(scenario.resources[0].key_of(&serde_json::json!({"id": "int1"})), "int1");
        assert_eq!(names, ["integrations", "spaces"]);
        assert_eq!(
            scenario.resources[0].id,
            IdGenerator::Random {
                prefix: "int".into(),
                alphabet: Alphabet::Alphanumeric,
                length: 4
            }
        );
        assert!(scenario.resources[1].auto_create.as_ref().unwrap().is_match("spc12"));
        assert!(!scenario.resources[1].auto_create.as_ref().unwrap().is_match("xspc12"));
        let update = &scenario.operations["update"];
        assert_eq!(update.paths["/enable"], Merge::IgnoreNull);
        assert_eq!(update.immutable[0].status, None, "the engine's: 422 where documented");
        let list = &scenario.operations["list"];
        assert_eq!(list.order, Order::NewestFirst);
        assert_eq!(list.pagination.as_ref().unwrap().max_limit, 20);
        assert!(scenario.tokens.as_ref().unwrap()["ro"].read_only);
        assert_eq!(scenario.errors.codes["invalid-json"], "bad_json");
    }

    #[test]
    fn unknown_keys_and_names_are_load_errors() {
        let error = |text: &str| load(&file("default", text)).unwrap_err().to_string();
        let e = error("resources: {a: {colour: red}}\n");
        assert!(e.contains("/resources/a") && e.contains("colour"), "{e}");
        let e = error("operations: {op: {list: nothing}}\n");
        assert!(e.contains("resource `nothing` is not defined"), "{e}");
        let e = error("resources: {a: {}}\noperations: {op: {get: a}}\n");
        assert!(e.contains("needs `key`"), "{e}");
        let e = error("errors: {body: {}, messages: {nope: x}}\n");
        assert!(e.contains("unknown error kind `nope`"), "{e}");
        let e = error("resources: {a: {seed: [{name: x}]}}\n");
        assert!(e.contains("/resources/a/seed/0") && e.contains("needs its key `id`"), "{e}");
        let e = error(
            "resources: {a: {}}\noperations: {op: {get: a, key: k, upsert: {match: [/x]}}}\n",
        );
        assert!(e.contains("`upsert` does not apply to `get`"), "{e}");
        let e = error(
            "resources: {a: {}}\noperations: {op: {list: a, filters: [{field: name, query: q}]}}\n",
        );
        assert!(e.contains("JSON pointer"), "{e}");
        let e = error("limits: {windows: []}\n");
        assert!(e.contains("/limits/windows"), "{e}");
    }

    #[test]
    fn extends_merges_maps_and_replaces_the_rest() {
        let default = file(
            "default",
            "description: base\ntokens: {dev: {}}\nresources:\n  a: {seed: [{id: '1'}, {id: '2'}]}\n  b: {seed: [{id: x}]}\noperations: {op: {list: a}}\n",
        );
        let empty = file("empty", "extends: default\nresources:\n  a: {seed: []}\n");
        let scenarios = load_all(&[default, empty]).unwrap();
        let empty = &scenarios["empty"];
        assert_eq!(empty.description, "");
        assert!(empty.resource("a").unwrap().seed.is_empty());
        assert_eq!(empty.resource("b").unwrap().seed.len(), 1);
        assert!(empty.tokens.as_ref().unwrap().contains_key("dev"));
        assert!(empty.operations.contains_key("op"));
    }

    #[test]
    fn scenarios_keep_once_what_they_have_identically() {
        let default = file(
            "default",
            "resources:\n  a: {seed: [{id: '1', name: x}]}\n  b: {seed: [{id: x}]}\noperations: {op: {list: a}}\n",
        );
        let limited =
            file("limited", "extends: default\nlimits: {windows: [{requests: 1, seconds: 1}]}\n");
        let empty = file("empty", "extends: default\nresources:\n  a: {seed: []}\n");
        let listed = file("listed", "extends: default\noperations: {op: {list: b}}\n");
        let reordered =
            file("reordered", "extends: default\nresources:\n  a: {seed: [{name: x, id: '1'}]}\n");
        let scenarios = load_all(&[default, limited, empty, listed, reordered]).unwrap();
        let [default, limited, empty, listed, reordered] =
            ["default", "limited", "empty", "listed", "reordered"].map(|name| &scenarios[name]);
        let seed = |s: &Scenario, r: &str| s.resource(r).unwrap().seed.clone();
        assert!(std::sync::Arc::ptr_eq(&default.operations, &limited.operations));
        assert!(std::sync::Arc::ptr_eq(&seed(default, "a"), &seed(limited, "a")));
        assert!(limited.limits.is_some() && default.limits.is_none());
        // A resource's seed changed: the other seeds are kept once, the operations twice (they
        // are made from the resources).
        assert!(seed(empty, "a").is_empty());
        assert!(std::sync::Arc::ptr_eq(&seed(default, "b"), &seed(empty, "b")));
        assert!(!std::sync::Arc::ptr_eq(&default.operations, &empty.operations));
        // Other operations: their own.
        assert!(!std::sync::Arc::ptr_eq(&default.operations, &listed.operations));
        assert_eq!(listed.operations["op"].resource, "b");
        assert_eq!(default.operations["op"].resource, "a");
        // The same record with its keys in another order is another record.
        assert!(!std::sync::Arc::ptr_eq(&seed(default, "a"), &seed(reordered, "a")));
        let records = seed(reordered, "a");
        let keys: Vec<&str> = records[0].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["name", "id"]);
    }

    #[test]
    fn extends_rejects_missing_and_circular_parents() {
        let a = file("a", "extends: b\n");
        let b = file("b", "extends: a\n");
        let error = load_all(&[a, b]).unwrap_err().to_string();
        assert!(error.contains("circle"), "{error}");
        let error = load_all(&[file("a", "extends: nope\n")]).unwrap_err().to_string();
        assert!(error.contains("no scenario `nope`"), "{error}");
    }

    #[test]
    fn bad_yaml_names_the_file() {
        let error = load(&file("default", "resources: [\n")).unwrap_err().to_string();
        assert!(error.starts_with("s/default.yaml: ") && error.contains("line"), "{error}");
    }
}
