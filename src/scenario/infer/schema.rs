//! Reading a contract's schemas for what inference needs: a schema's shape (through `$ref`s
//! and a leading `anyOf`/`oneOf`), its properties and required ones, the property wrapping a
//! record, and the array property of a list's wrapper.

use serde_json::{Value, json};

use crate::contract::document::deref;

/// A schema as its shape: referenced, and when it is only an `anyOf`/`oneOf` of alternatives,
/// its first alternative (what understudy answers with).
pub(super) fn shape<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    let schema = deref(document, schema);
    if schema.get("properties").is_some() || schema.get("allOf").is_some() {
        return schema;
    }
    match ["anyOf", "oneOf"].iter().find_map(|k| schema.get(*k)?.as_array()?.first()) {
        Some(first) => deref(document, first),
        None => schema,
    }
}

/// Names of the property holding the record in a single-record answer (`{"data": {...}}`).
pub(super) const WRAPPERS: [&str; 5] = ["data", "item", "result", "record", "resource"];

/// The property wrapping the record of a single-record answer (`{"data": {...}, "type": ...}`),
/// with the record's schema: an object answer without an `id` of its own, and exactly one
/// property named like a wrapper whose value is an object.
pub(super) fn record_wrapper<'a>(
    document: &'a Value,
    schema: &'a Value,
) -> Option<(&'a str, &'a Value)> {
    let all = properties(document, schema);
    if all.iter().any(|(name, _)| *name == "id") {
        return None;
    }
    let wrapped: Vec<(&str, &Value)> = all
        .into_iter()
        .filter(|(name, _)| WRAPPERS.contains(name))
        .map(|(name, property)| (name, shape(document, property)))
        .filter(|(_, property)| {
            property.get("type") == Some(&json!("object"))
                || property.get("type").is_none() && property.get("properties").is_some()
        })
        .collect();
    (wrapped.len() == 1).then(|| wrapped[0])
}

/// The properties of an object schema, `allOf` members included.
pub(super) fn properties<'a>(document: &'a Value, schema: &'a Value) -> Vec<(&'a str, &'a Value)> {
    let schema = shape(document, schema);
    let mut out: Vec<(&str, &Value)> = schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.iter().map(|(k, v)| (k.as_str(), v)).collect())
        .unwrap_or_default();
    for member in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        for (name, property) in properties(document, member) {
            if !out.iter().any(|(n, _)| *n == name) {
                out.push((name, property));
            }
        }
    }
    out
}

pub(super) fn required<'a>(document: &'a Value, schema: &'a Value) -> Vec<&'a str> {
    let schema = shape(document, schema);
    let mut out: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for member in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        out.extend(required(document, member));
    }
    out
}

/// The one array property of a wrapper object (`{"data": [...], "total": 3}`), with its items'
/// schema.
pub(super) fn array_property<'a>(
    document: &'a Value,
    schema: &'a Value,
) -> Option<(&'a str, &'a Value)> {
    let arrays: Vec<(&str, &Value)> = properties(document, schema)
        .into_iter()
        .filter_map(|(name, property)| {
            let property = deref(document, property);
            (property.get("type") == Some(&json!("array")))
                .then(|| property.get("items").map(|items| (name, deref(document, items))))
                .flatten()
        })
        .collect();
    (arrays.len() == 1).then(|| arrays[0])
}
