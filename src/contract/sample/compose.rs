//! `allOf` read as one schema: the branches' keywords merged into the node's own, so that a
//! value made from the result meets all of them at once (a `minLength` from one branch and a
//! `pattern` from another; the properties and `required` of every branch). The keywords beside
//! a `oneOf`/`anyOf` are merged with each branch the same way.
//!
//! Subschemas are merged by reference: a property declared at a known place becomes
//! `{"$ref": "#<pointer>"}`, so the generator still knows where each schema sits (it checks
//! `oneOf` choices against the compiled validator at that pointer). A property two branches
//! declare becomes the `allOf` of both, merged in turn when it is reached.

use serde_json::{Map, Value, json};

use crate::contract::document::resolve_local;
use crate::json::pointer::push_token;

/// Keywords that say nothing about which values are valid.
const ANNOTATIONS: &[&str] = &[
    "title",
    "description",
    "discriminator",
    "externalDocs",
    "deprecated",
    "readOnly",
    "writeOnly",
    "xml",
    "$comment",
    "$schema",
    "$id",
    "$anchor",
    "nullable",
];

/// Whether `node` holds nothing but annotations.
pub(super) fn is_annotation_only(node: &Map<String, Value>) -> bool {
    node.keys().all(|k| ANNOTATIONS.contains(&k.as_str()) || k.starts_with("x-"))
}

/// `node` (at `pointer`, when known) with its `allOf` branches merged in.
pub(super) fn flatten(
    document: &Value,
    node: &Map<String, Value>,
    pointer: Option<&str>,
    depth: usize,
) -> Map<String, Value> {
    let mut out = own(node, pointer);
    out.remove("allOf");
    let Some(branches) = node.get("allOf").and_then(Value::as_array) else { return out };
    // A lone branch (`allOf: [$ref]`, the 3.0 way to annotate a reference) keeps its example;
    // the example of one branch among several would miss the others' properties.
    let examples = branches.len() == 1 && !node.contains_key("properties");
    for (i, branch) in branches.iter().enumerate() {
        let at = pointer.map(|p| format!("{p}/allOf/{i}"));
        if let Some(branch) = branch_schema(document, branch, at, depth) {
            merge_into(&mut out, branch, examples);
        }
    }
    out
}

/// A branch of a composition, its references followed and its own `allOf` merged.
pub(super) fn branch_schema(
    document: &Value,
    branch: &Value,
    pointer: Option<String>,
    depth: usize,
) -> Option<Map<String, Value>> {
    let (branch, pointer) = follow(document, branch, pointer);
    let object = branch.as_object()?;
    if depth > 32 {
        return None;
    }
    Some(match object.contains_key("allOf") {
        true => flatten(document, object, pointer.as_deref(), depth + 1),
        false => own(object, pointer.as_deref()),
    })
}

/// Follows `$ref`s from `value`, keeping track of where the target sits.
pub(super) fn follow<'v>(
    document: &'v Value,
    mut value: &'v Value,
    mut pointer: Option<String>,
) -> (&'v Value, Option<String>) {
    for _ in 0..32 {
        let Some(reference) = value.get("$ref").and_then(Value::as_str) else { break };
        let Some(target) = resolve_local(document, reference) else { break };
        value = target;
        pointer = fragment(reference);
    }
    (value, pointer)
}

/// The JSON pointer a local reference names.
pub(super) fn fragment(reference: &str) -> Option<String> {
    let fragment = reference.strip_prefix('#')?;
    Some(percent_encoding::percent_decode_str(fragment).decode_utf8_lossy().into_owned())
}

/// A reference to the schema at `pointer`.
fn reference(pointer: &str) -> Value {
    json!({"$ref": format!("#{}", pointer.replace('%', "%25"))})
}

/// `node`'s keywords, its subschemas as references when `pointer` is known.
pub(super) fn own(node: &Map<String, Value>, pointer: Option<&str>) -> Map<String, Value> {
    let Some(pointer) = pointer else { return node.clone() };
    let mut out = node.clone();
    for keyword in ["properties", "patternProperties"] {
        if let Some(Value::Object(map)) = out.get_mut(keyword) {
            let at = format!("{pointer}/{keyword}");
            for (name, schema) in map.iter_mut() {
                if schema.is_object() {
                    *schema = reference(&push_token(&at, name));
                }
            }
        }
    }
    for keyword in ["items", "additionalProperties", "contains", "propertyNames"] {
        if let Some(schema) = out.get_mut(keyword).filter(|s| s.is_object()) {
            *schema = reference(&format!("{pointer}/{keyword}"));
        }
    }
    if let Some(Value::Array(items)) = out.get_mut("prefixItems") {
        for (i, schema) in items.iter_mut().enumerate() {
            if schema.is_object() {
                *schema = reference(&format!("{pointer}/prefixItems/{i}"));
            }
        }
    }
    out
}

/// Merges the keywords of `other` into `out`: both must hold. `examples`: whether `other`'s
/// `example`/`examples`/`default` may stand for the whole.
pub(super) fn merge_into(out: &mut Map<String, Value>, other: Map<String, Value>, examples: bool) {
    for (keyword, value) in other {
        match keyword.as_str() {
            "properties" | "patternProperties" | "dependentSchemas" => {
                let Value::Object(map) = value else { continue };
                let target = out.entry(keyword).or_insert_with(|| json!({}));
                let Some(target) = target.as_object_mut() else { continue };
                for (name, schema) in map {
                    match target.remove(&name) {
                        Some(mine) => target.insert(name, both(mine, schema)),
                        None => target.insert(name, schema),
                    };
                }
            }
            "required" => {
                let Value::Array(names) = value else { continue };
                let target = out.entry(keyword).or_insert_with(|| json!([]));
                if let Value::Array(target) = target {
                    for name in names {
                        if !target.contains(&name) {
                            target.push(name);
                        }
                    }
                }
            }
            "type" => match out.get("type").cloned() {
                Some(mine) => {
                    let common = common_types(&mine, &value);
                    if !common.is_empty() {
                        out.insert(keyword, json!(common));
                    }
                }
                None => {
                    out.insert(keyword, value);
                }
            },
            "enum" => match out.get("enum").and_then(Value::as_array) {
                Some(mine) => {
                    let theirs = value.as_array().cloned().unwrap_or_default();
                    let common: Vec<Value> =
                        mine.iter().filter(|v| theirs.contains(v)).cloned().collect();
                    if !common.is_empty() {
                        out.insert(keyword, Value::Array(common));
                    }
                }
                None => {
                    out.insert(keyword, value);
                }
            },
            "minimum" | "exclusiveMinimum" | "minLength" | "minItems" | "minProperties"
            | "minContains" => tighten(out, keyword, value, f64::max),
            "maximum" | "exclusiveMaximum" | "maxLength" | "maxItems" | "maxProperties"
            | "maxContains" => tighten(out, keyword, value, f64::min),
            "uniqueItems" => {
                if value == Value::Bool(true) {
                    out.insert(keyword, value);
                }
            }
            "items"
            | "additionalProperties"
            | "unevaluatedProperties"
            | "unevaluatedItems"
            | "propertyNames"
            | "contains" => match out.remove(&keyword) {
                Some(mine) => {
                    out.insert(keyword, both(mine, value));
                }
                None => {
                    out.insert(keyword, value);
                }
            },
            "example" | "examples" | "default" => {
                if examples && !out.contains_key(&keyword) {
                    out.insert(keyword, value);
                }
            }
            _ => {
                out.entry(keyword).or_insert(value);
            }
        }
    }
}

/// Two schemas that must both hold.
fn both(mine: Value, theirs: Value) -> Value {
    let trivial =
        |s: &Value| s == &Value::Bool(true) || s.as_object().is_some_and(|o| o.is_empty());
    if mine == Value::Bool(false) || theirs == Value::Bool(false) {
        Value::Bool(false)
    } else if trivial(&mine) {
        theirs
    } else if trivial(&theirs) || mine == theirs {
        mine
    } else {
        json!({"allOf": [mine, theirs]})
    }
}

fn common_types(mine: &Value, theirs: &Value) -> Vec<String> {
    let list = |v: &Value| -> Vec<String> {
        match v {
            Value::String(t) => vec![t.clone()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            _ => Vec::new(),
        }
    };
    let theirs = list(theirs);
    // `integer` is a `number`: their meeting is `integer`.
    list(mine)
        .into_iter()
        .filter_map(|t| {
            if theirs.contains(&t) {
                Some(t)
            } else if (t == "number" && theirs.iter().any(|o| o == "integer"))
                || (t == "integer" && theirs.iter().any(|o| o == "number"))
            {
                Some("integer".to_owned())
            } else {
                None
            }
        })
        .collect()
}

fn tighten(out: &mut Map<String, Value>, keyword: String, value: Value, pick: fn(f64, f64) -> f64) {
    match (out.get(&keyword).and_then(Value::as_f64), value.as_f64()) {
        (Some(mine), Some(theirs)) => {
            let chosen = pick(mine, theirs);
            out.insert(keyword, if chosen == theirs { value } else { json!(chosen) });
        }
        (None, _) => {
            out.insert(keyword, value);
        }
        (Some(_), None) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branches_merge_their_constraints_and_properties() {
        let document = json!({"components": {"schemas": {
            "Base": {"type": "object", "required": ["id"], "example": {"id": "x"},
                "properties": {"id": {"type": "string"}}},
        }}});
        let node = json!({"allOf": [
            {"$ref": "#/components/schemas/Base"},
            {"type": "object", "required": ["name"], "properties": {
                "id": {"minLength": 3}, "name": {"type": "string"}}},
        ]});
        let flat = flatten(&document, node.as_object().unwrap(), Some("/node"), 0);
        assert_eq!(flat["required"], json!(["id", "name"]));
        assert_eq!(
            flat["properties"]["id"],
            json!({"allOf": [{"$ref": "#/components/schemas/Base/properties/id"},
                {"$ref": "#/node/allOf/1/properties/id"}]})
        );
        assert!(!flat.contains_key("example"), "one branch's example is not the whole");
        let scalar = json!({"allOf": [{"type": "string", "minLength": 2, "maxLength": 9},
            {"type": ["string", "null"], "minLength": 4, "pattern": "^a"}]});
        let flat = flatten(&document, scalar.as_object().unwrap(), None, 0);
        assert_eq!(flat["type"], json!(["string"]));
        assert_eq!((&flat["minLength"], &flat["maxLength"]), (&json!(4), &json!(9)));
        assert_eq!(flat["pattern"], "^a");
    }
}
