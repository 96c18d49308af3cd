//! Rules for what will differ when a recorded response is replayed: ids, timestamps, links to
//! the recorded target, secrets a server makes.
//!
//! A response body is walked together with its schema. A value gets a rule from the contract
//! (`readOnly` → `type`, a `format` such as `date-time` or `uuid` → `format`), from its name
//! (`id`, `*_id`, `*Id`, `*_at`, `*Time`...) → `type`, or because it is a URL on the recorded
//! target (→ a `regex` for any host). A secret-named field is emptied and `ignore`d. Array items
//! are addressed with `*`, so one rule covers every item. The file lists every rule, so nothing
//! is silent.
//!
//! Of the headers, `Location` becomes a pattern with the body's volatile values as wildcards,
//! and a `Retry-After` in seconds any number.

use std::collections::BTreeMap;

use http::HeaderMap;
use serde_json::{Map, Value};

use crate::conformance::exchange::{HeaderExpectation, Rule, RuleKeyword};
use crate::conformance::record::redaction::is_secret_name;
use crate::contract::document::deref;
use crate::contract::{Contract, Operation};
use crate::json::pointer::escape_token;

/// Response headers worth checking on replay.
const KEPT_RESPONSE_HEADERS: &[&str] =
    &["content-type", "location", "www-authenticate", "allow", "x-ratelimit-limit", "retry-after"];

/// The rules for a recorded response body, inferred from the schema the contract documents
/// for it and from the names of its fields; secret fields are emptied on the way. `target` is
/// the recorded target, whose own URLs become patterns.
pub(crate) fn body_rules(
    contract: &Contract,
    operation: Option<&Operation>,
    status: u16,
    media: Option<&str>,
    target: &str,
    body: &mut Value,
) -> BTreeMap<String, Rule> {
    let mut rules = BTreeMap::new();
    let schema = response_schema(contract, operation, status, media);
    let origin = origin_of(target);
    infer_rules(&contract.response_document, schema, body, &mut Vec::new(), &mut rules, &origin);
    rules
}

/// The schema the contract documents for a response, if any.
fn response_schema<'a>(
    contract: &'a Contract,
    operation: Option<&Operation>,
    status: u16,
    media: Option<&str>,
) -> Option<&'a Value> {
    let spec = operation?.response(status)?;
    let declared = crate::contract::validate::find_media(&spec.content, media.unwrap_or_default())?;
    let pointer = &declared.schema.as_ref()?.pointer;
    contract.response_document.pointer(pointer)
}

/// The response headers a replay checks: the kept ones the response has, `Location` and a
/// `Retry-After` in seconds as patterns.
pub(crate) fn expected_headers(
    headers: &HeaderMap,
    body: Option<&Value>,
    rules: &BTreeMap<String, Rule>,
) -> BTreeMap<String, HeaderExpectation> {
    let mut expected = BTreeMap::new();
    for name in KEPT_RESPONSE_HEADERS {
        if let Some(value) = headers.get(*name).and_then(|v| v.to_str().ok()) {
            let expectation = if *name == "location" {
                HeaderExpectation::Regex { regex: location_pattern(value, body, rules) }
            } else if *name == "retry-after" && value.parse::<u64>().is_ok() {
                // Seconds left in a window: a number, whatever it is next time.
                HeaderExpectation::Regex { regex: "[0-9]+".into() }
            } else {
                HeaderExpectation::Exact(value.to_owned())
            };
            expected.insert((*name).to_owned(), expectation);
        }
    }
    expected
}

/// Names of fields whose values are volatile whatever the contract says: ids and timestamps.
fn volatile_name(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    lower == "id"
        || lower.ends_with("_id")
        || key.ends_with("Id")
        || lower.ends_with("_at")
        || key.ends_with("At")
        || key.ends_with("Time")
        || matches!(lower.as_str(), "created" | "updated" | "timestamp")
}

/// Walks a response body with its schema and adds rules for volatile values. Array items are
/// addressed with `*`, so one rule covers every item.
fn infer_rules(
    document: &Value,
    schema: Option<&Value>,
    value: &mut Value,
    tokens: &mut Vec<String>,
    rules: &mut BTreeMap<String, Rule>,
    origin: &str,
) {
    let schema = schema.map(|s| flatten(document, s, value));
    match value {
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                let child_schema = schema
                    .as_ref()
                    .and_then(|s| s.get("properties"))
                    .and_then(|p| p.get(&key))
                    .cloned();
                tokens.push(key.clone());
                let pointer: String =
                    tokens.iter().map(|t| format!("/{}", escape_token(t))).collect();
                let child = map.get_mut(&key).expect("the key exists");
                if is_secret_name(&key) && child.is_string() {
                    // A secret the server made (a client secret): never stored, never compared.
                    *child = Value::String(String::new());
                    rules.insert(pointer, Rule::Keyword(RuleKeyword::Ignore));
                } else if let Some(rule) =
                    rule_for_leaf(document, child_schema.as_ref(), &key, child, origin)
                {
                    rules.insert(pointer, rule);
                } else {
                    infer_rules(document, child_schema.as_ref(), child, tokens, rules, origin);
                }
                tokens.pop();
            }
        }
        Value::Array(items) => {
            let item_schema = schema.as_ref().and_then(|s| s.get("items")).cloned();
            tokens.push("*".into());
            for item in items.iter_mut() {
                infer_rules(document, item_schema.as_ref(), item, tokens, rules, origin);
            }
            tokens.pop();
        }
        _ => {}
    }
}

/// A schema with `$ref`s followed and `allOf` branches merged; of `oneOf`/`anyOf`, the first
/// branch whose properties the value has.
fn flatten(document: &Value, schema: &Value, value: &Value) -> Value {
    let schema = deref(document, schema);
    let mut merged = schema.clone();
    let Some(object) = merged.as_object_mut() else { return merged };
    let mut properties =
        object.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut extra = Map::new();
    let mut branches: Vec<Value> =
        object.get("allOf").and_then(Value::as_array).cloned().unwrap_or_default();
    for keyword in ["oneOf", "anyOf"] {
        if let Some(options) = object.get(keyword).and_then(Value::as_array) {
            let fits = options.iter().find(|o| {
                let o = deref(document, o);
                o.get("properties").and_then(Value::as_object).is_some_and(|p| {
                    p.keys().all(|k| {
                        value.get(k).is_some()
                            || !o
                                .get("required")
                                .and_then(Value::as_array)
                                .is_some_and(|r| r.contains(&Value::String(k.clone())))
                    })
                })
            });
            if let Some(branch) = fits.or(options.first()) {
                branches.push(branch.clone());
            }
        }
    }
    for branch in branches {
        let branch = flatten(document, &branch, value);
        if let Some(p) = branch.get("properties").and_then(Value::as_object) {
            properties.extend(p.clone());
        }
        if let Some(items) = branch.get("items") {
            extra.insert("items".into(), items.clone());
        }
        if let Some(read_only) = branch.get("readOnly") {
            extra.insert("readOnly".into(), read_only.clone());
        }
        if let Some(format) = branch.get("format") {
            extra.insert("format".into(), format.clone());
        }
    }
    object.insert("properties".into(), Value::Object(properties));
    for (k, v) in extra {
        object.entry(k).or_insert(v);
    }
    merged
}

fn rule_for_leaf(
    document: &Value,
    schema: Option<&Value>,
    key: &str,
    value: &Value,
    origin: &str,
) -> Option<Rule> {
    if !matches!(value, Value::String(_) | Value::Number(_)) {
        return None;
    }
    // A URL on the recorded target itself (a next-page link) changes with the target's address.
    if let Value::String(text) = value
        && !origin.is_empty()
        && let Some(rest) = text.strip_prefix(origin)
    {
        return Some(Rule::Regex { regex: format!("https?://[^/]+{}", regex::escape(rest)) });
    }
    let schema = schema.map(|s| flatten(document, s, value));
    let format = schema.as_ref().and_then(|s| s.get("format")).and_then(Value::as_str);
    let read_only = schema.as_ref().and_then(|s| s.get("readOnly")) == Some(&Value::Bool(true));
    match format {
        Some(format @ ("date-time" | "date" | "time" | "uuid")) => {
            Some(Rule::Format { format: format.to_owned() })
        }
        _ if read_only || volatile_name(key) => Some(Rule::Keyword(RuleKeyword::Type)),
        _ => None,
    }
}

/// `http://127.0.0.1:4010/ada` → `http://127.0.0.1:4010`.
fn origin_of(target: &str) -> String {
    let Some((scheme, rest)) = target.split_once("://") else { return String::new() };
    let host = rest.split('/').next().unwrap_or_default();
    format!("{scheme}://{host}")
}

/// The recorded `Location` as a pattern: literal, with the body's volatile values (ids) made
/// wildcards.
fn location_pattern(
    location: &str,
    body: Option<&Value>,
    rules: &BTreeMap<String, Rule>,
) -> String {
    let mut pattern = regex::escape(location);
    if let Some(body) = body {
        for pointer in rules.keys().filter(|p| !p.contains('*')) {
            if let Some(Value::String(text)) = body.pointer(pointer)
                && text.len() >= 3
            {
                pattern = pattern.replace(&regex::escape(text), "[^/?#]+");
            }
        }
    }
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn volatile_values_get_rules_from_the_schema_and_their_names() {
        let document = json!({});
        let schema = json!({"type": "object", "properties": {
            "created": {"type": "string", "format": "date-time"},
            "serial": {"type": "string", "readOnly": true},
            "items": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}}}}
        }});
        let mut body = json!({"created": "2026-01-01T00:00:00Z", "serial": "a1", "name": "x", "items": [{"id": "i1"}, {"id": "i2"}], "client_secret": "abc",
            "next": "http://127.0.0.1:4010/ada/x?cursor=a.b"});
        let mut rules = BTreeMap::new();
        infer_rules(
            &document,
            Some(&schema),
            &mut body,
            &mut Vec::new(),
            &mut rules,
            "http://127.0.0.1:4010",
        );
        assert_eq!(rules["/created"], Rule::Format { format: "date-time".into() });
        assert_eq!(rules["/serial"], Rule::Keyword(RuleKeyword::Type));
        assert_eq!(rules["/items/*/id"], Rule::Keyword(RuleKeyword::Type));
        assert_eq!(rules["/client_secret"], Rule::Keyword(RuleKeyword::Ignore));
        assert_eq!(body["client_secret"], "");
        assert!(!rules.contains_key("/name"));
        assert_eq!(
            rules["/next"],
            Rule::Regex { regex: r"https?://[^/]+/ada/x\?cursor=a\.b".into() }
        );
    }

    #[test]
    fn locations_turn_ids_into_wildcards() {
        let rules: BTreeMap<String, Rule> =
            [("/id".to_owned(), Rule::Keyword(RuleKeyword::Type))].into();
        let pattern = location_pattern(
            "https://api.example/v1/things/abc123",
            Some(&json!({"id": "abc123"})),
            &rules,
        );
        assert_eq!(pattern, r"https://api\.example/v1/things/[^/?#]+");
    }
}
