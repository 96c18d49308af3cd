//! Sample values generated from a schema, for documented responses that carry no example.
//!
//! The rule is Prism's "static" mode: the first usable of `const`, `examples`/`example`,
//! `default` and `enum`; otherwise a value built from `type` and `format` that meets the length
//! and range bounds, with every property of an object filled in (only the required ones past a
//! depth of six, so recursive schemas end). `oneOf`/`anyOf` take their first branch; `allOf`
//! merges its branches. Samples are made once, at start-up, and checked by the self-check like
//! any other response.

use serde_json::{Map, Value, json};

use crate::contract::document::resolve_local;

/// Depth below which optional properties are still filled in.
const OPTIONAL_DEPTH: usize = 6;
/// Depth at which generation gives up (a cyclic schema with required recursion).
const MAX_DEPTH: usize = 24;

/// Generates a value for `schema`; `$ref`s resolve against `document`.
pub(crate) fn generate(document: &Value, schema: &Value) -> Value {
    generate_at(document, schema, 0)
}

fn generate_at(document: &Value, schema: &Value, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    let Some(object) = schema.as_object() else {
        return Value::Null; // `true` accepts anything; `false` nothing: null either way
    };
    if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
        return match resolve_local(document, reference) {
            Some(target) => generate_at(document, target, depth + 1),
            None => Value::Null,
        };
    }
    if let Some(value) = object.get("const") {
        return value.clone();
    }
    if let Some(value) = object.get("examples").and_then(|e| e.get(0)) {
        return value.clone();
    }
    for keyword in ["example", "default"] {
        if let Some(value) = object.get(keyword) {
            return value.clone();
        }
    }
    if let Some(value) = object.get("enum").and_then(|e| e.as_array()).and_then(|e| e.first()) {
        return value.clone();
    }
    if let Some(branches) = object.get("allOf").and_then(Value::as_array) {
        let mut merged = Value::Null;
        for branch in branches {
            merge(&mut merged, generate_at(document, branch, depth + 1));
        }
        // Properties declared beside `allOf` belong to the same object.
        let mut rest = object.clone();
        rest.remove("allOf");
        if rest.contains_key("properties") || rest.contains_key("type") {
            merge(&mut merged, generate_at(document, &Value::Object(rest), depth));
        }
        return merged;
    }
    for keyword in ["oneOf", "anyOf"] {
        if let Some(branches) = object.get(keyword).and_then(Value::as_array) {
            let first = branches.iter().find(|b| b.get("type") != Some(&json!("null")));
            if let Some(branch) = first.or(branches.first()) {
                return generate_at(document, branch, depth + 1);
            }
        }
    }
    match type_of(object) {
        Some("object") => generate_object(document, object, depth),
        Some("array") => {
            let min = object.get("minItems").and_then(Value::as_u64).unwrap_or(1);
            let max = object.get("maxItems").and_then(Value::as_u64).unwrap_or(u64::MAX);
            let count = min.max(1).min(max);
            let item = object.get("items").cloned().unwrap_or(Value::Bool(true));
            Value::Array((0..count).map(|_| generate_at(document, &item, depth + 1)).collect())
        }
        Some("string") => Value::String(string_for(object)),
        Some("integer") => number_for(object, true),
        Some("number") => number_for(object, false),
        Some("boolean") => Value::Bool(true),
        Some("null") => Value::Null,
        _ if object.contains_key("properties") => generate_object(document, object, depth),
        _ => Value::String("string".into()),
    }
}

fn type_of(object: &Map<String, Value>) -> Option<&str> {
    match object.get("type")? {
        Value::String(t) => Some(t),
        Value::Array(types) => types.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ => None,
    }
}

fn generate_object(document: &Value, object: &Map<String, Value>, depth: usize) -> Value {
    let required: Vec<&str> = object
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = Map::new();
    if let Some(properties) = object.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            if property == &Value::Bool(false) {
                continue; // writeOnly in a response
            }
            if depth >= OPTIONAL_DEPTH && !required.contains(&name.as_str()) {
                continue;
            }
            out.insert(name.clone(), generate_at(document, property, depth + 1));
        }
    }
    Value::Object(out)
}

fn string_for(object: &Map<String, Value>) -> String {
    let base = match object.get("format").and_then(Value::as_str) {
        Some("date-time") => "2026-01-01T00:00:00Z",
        Some("date") => "2026-01-01",
        Some("time") => "00:00:00Z",
        Some("uri" | "url" | "uri-reference" | "iri") => "https://example.com",
        Some("email" | "idn-email") => "user@example.com",
        Some("uuid") => "00000000-0000-4000-8000-000000000000",
        Some("hostname" | "idn-hostname") => "example.com",
        Some("ipv4") => "192.0.2.1",
        Some("ipv6") => "2001:db8::1",
        _ => "string",
    };
    let mut text = base.to_owned();
    let min = object.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    while text.chars().count() < min {
        text.push('x');
    }
    if let Some(max) = object.get("maxLength").and_then(Value::as_u64) {
        text = text.chars().take(max as usize).collect();
    }
    text
}

fn number_for(object: &Map<String, Value>, integer: bool) -> Value {
    let lower = object
        .get("minimum")
        .and_then(Value::as_f64)
        .or_else(|| object.get("exclusiveMinimum").and_then(Value::as_f64).map(|m| m + 1.0));
    let upper = object
        .get("maximum")
        .and_then(Value::as_f64)
        .or_else(|| object.get("exclusiveMaximum").and_then(Value::as_f64).map(|m| m - 1.0));
    let mut value = lower.unwrap_or(0.0).max(upper.map_or(f64::MIN, |u| u.min(0.0)));
    if let Some(step) = object.get("multipleOf").and_then(Value::as_f64).filter(|s| *s > 0.0) {
        value = (value / step).ceil() * step;
    }
    if integer { json!(value.ceil() as i64) } else { json!(value) }
}

/// Merges generated values: objects key by key, anything else replaced.
fn merge(target: &mut Value, value: Value) {
    match (target, value) {
        (Value::Object(target), Value::Object(value)) => {
            for (key, v) in value {
                merge(target.entry(key).or_insert(Value::Null), v);
            }
        }
        (target, value) => {
            if !value.is_null() || target.is_null() {
                *target = value;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_and_enums_win_over_types() {
        let doc = json!({});
        assert_eq!(generate(&doc, &json!({"type": "string", "enum": ["b", "a"]})), json!("b"));
        assert_eq!(generate(&doc, &json!({"type": "integer", "example": 7})), json!(7));
        assert_eq!(generate(&doc, &json!({"type": "string", "examples": ["x"]})), json!("x"));
    }

    #[test]
    fn objects_follow_refs_and_meet_bounds() {
        let doc = json!({"components": {"schemas": {"Name": {"type": "string", "minLength": 10, "maxLength": 12}}}});
        let schema = json!({"type": "object", "required": ["name"], "properties": {
            "name": {"$ref": "#/components/schemas/Name"},
            "count": {"type": "integer", "minimum": 3},
            "when": {"type": "string", "format": "date-time"},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 0},
            "secret": false
        }});
        assert_eq!(
            generate(&doc, &schema),
            json!({"name": "stringxxxx", "count": 3, "when": "2026-01-01T00:00:00Z", "tags": []})
        );
    }

    #[test]
    fn all_of_merges_and_recursion_ends() {
        let doc = json!({"components": {"schemas": {"Node": {"type": "object", "required": ["child"],
            "properties": {"child": {"$ref": "#/components/schemas/Node"}}}}}});
        let schema = json!({"allOf": [{"type": "object", "properties": {"a": {"type": "boolean"}}},
            {"type": "object", "properties": {"b": {"type": "null"}}}]});
        assert_eq!(generate(&doc, &schema), json!({"a": true, "b": null}));
        // Terminates on required self-recursion.
        let _ = generate(&doc, &json!({"$ref": "#/components/schemas/Node"}));
    }
}
