//! Request defaults: the `default` values a validating server fills in before it stores a body.
//!
//! Vendors built on zod or pydantic store `{"enable": true}` when a client sent `{}` and the
//! schema says `default: true`; a later read shows it. [`DefaultsIndex`] remembers, once per
//! contract, which schema nodes can lead to a default at all, so that the request path walks
//! only those.

use serde_json::Value;

use crate::contract::document::{branch_for, deref};

/// Fills in `default` values of `schema` missing from `value`, recursively through objects and
/// arrays, as a validating server (zod, pydantic) does before it stores a body. `oneOf` and
/// `anyOf` use the branch the `discriminator` names, else the first branch whose `const` and
/// single-value `enum` properties agree with the value. (The request path goes through a
/// [`DefaultsIndex`], which skips what leads to no default; the tests check both agree.)
#[cfg(test)]
fn apply_defaults(document: &Value, schema: &Value, value: &mut Value) {
    apply_defaults_at(document, schema, value, 0, None);
}

/// Where in a document's schemas filling in defaults has anything to do: the schema nodes (by
/// address in the document) from which [`apply_defaults`] can reach a `default`. Built once
/// for a contract's request bodies, it lets a request skip every part of a large schema that
/// holds none.
#[derive(Debug, Default)]
pub struct DefaultsIndex {
    relevant: std::collections::HashSet<usize, AddressHasher>,
}

/// Addresses are already well spread: a multiplication is hash enough (SipHash, the default,
/// costs more than the lookup it serves).
#[derive(Debug, Default, Clone, Copy)]
struct AddressHasher(u64);

impl std::hash::BuildHasher for AddressHasher {
    type Hasher = AddressHasher;
    fn build_hasher(&self) -> AddressHasher {
        AddressHasher(0)
    }
}

impl std::hash::Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_usize(&mut self, n: usize) {
        // Fibonacci hashing: the high bits of the product are well mixed.
        self.0 = (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(32);
    }
}

fn address(value: &Value) -> usize {
    std::ptr::from_ref(value) as usize
}

impl DefaultsIndex {
    /// The index of the schemas reachable from `roots` (nodes of `document`).
    pub fn new<'a>(document: &'a Value, roots: impl IntoIterator<Item = &'a Value>) -> Self {
        use std::collections::{HashMap, HashSet};
        // Nodes are the schemas the walk is handed (before following `$ref`); each points to
        // the schemas the walk goes on with. A node is relevant when one of its properties
        // has a default, or when a relevant node is reachable from it.
        let mut callers: HashMap<usize, Vec<usize>> = HashMap::new();
        let mut seeds = Vec::new();
        let mut seen = HashSet::new();
        let mut work: Vec<&'a Value> = roots.into_iter().collect();
        while let Some(node) = work.pop() {
            if !seen.insert(address(node)) {
                continue;
            }
            let Some(object) = deref(document, node).as_object() else { continue };
            let mut children: Vec<&'a Value> = Vec::new();
            for keyword in ["allOf", "oneOf", "anyOf"] {
                children
                    .extend(object.get(keyword).and_then(Value::as_array).into_iter().flatten());
            }
            if let Some(properties) = object.get("properties").and_then(Value::as_object) {
                if properties.values().any(|p| deref(document, p).get("default").is_some()) {
                    seeds.push(address(node));
                }
                children.extend(properties.values());
            }
            children.extend(object.get("items").filter(|i| i.is_object()));
            for child in children {
                callers.entry(address(child)).or_default().push(address(node));
                work.push(child);
            }
        }
        let mut relevant = std::collections::HashSet::with_hasher(AddressHasher::default());
        while let Some(node) = seeds.pop() {
            if relevant.insert(node) {
                seeds.extend(callers.get(&node).into_iter().flatten());
            }
        }
        DefaultsIndex { relevant }
    }

    /// [`apply_defaults`], skipping the schemas that lead to no default. `schema` must be one
    /// of the roots the index was built from, in the same `document`.
    pub fn apply(&self, document: &Value, schema: &Value, value: &mut Value) {
        apply_defaults_at(document, schema, value, 0, Some(self));
    }
}

fn apply_defaults_at(
    document: &Value,
    schema: &Value,
    value: &mut Value,
    depth: usize,
    index: Option<&DefaultsIndex>,
) {
    if depth > 64 || index.is_some_and(|index| !index.relevant.contains(&address(schema))) {
        return;
    }
    let schema = deref(document, schema);
    let Some(object) = schema.as_object() else { return };
    if let Some(branches) = object.get("allOf").and_then(Value::as_array) {
        for branch in branches {
            apply_defaults_at(document, branch, value, depth + 1, index);
        }
    }
    for keyword in ["oneOf", "anyOf"] {
        if let Some(branches) = object.get(keyword).and_then(Value::as_array)
            && let Some(branch) = branch_for(document, object, branches, value)
        {
            apply_defaults_at(document, branch, value, depth + 1, index);
        }
    }
    match value {
        Value::Object(map) => {
            let Some(properties) = object.get("properties").and_then(Value::as_object) else {
                return;
            };
            for (name, property) in properties {
                match map.get_mut(name) {
                    Some(child) => apply_defaults_at(document, property, child, depth + 1, index),
                    None => {
                        if let Some(default) = deref(document, property).get("default") {
                            map.insert(name.clone(), default.clone());
                        }
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = object.get("items").filter(|i| i.is_object()) {
                for item in items {
                    apply_defaults_at(document, item_schema, item, depth + 1, index);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_defaults_index_follows_recursive_schemas() {
        // A tree whose nodes' `meta` has a default two references away, and a sibling
        // subtree without any.
        let doc = json!({"components": {"schemas": {
            "Node": {"type": "object", "properties": {
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                "meta": {"$ref": "#/components/schemas/Meta"},
                "plain": {"type": "object", "properties": {"x": {"type": "string"}}}
            }},
            "Meta": {"type": "object", "properties": {"color": {"default": "blue"}}}
        }}});
        let root = doc.pointer("/components/schemas/Node").unwrap();
        let index = DefaultsIndex::new(&doc, [root]);
        let mut value =
            json!({"children": [{"children": [{"meta": {}}], "plain": {}}], "meta": {}});
        let mut expected = value.clone();
        apply_defaults(&doc, root, &mut expected);
        index.apply(&doc, root, &mut value);
        assert_eq!(value, expected);
        assert_eq!(value["children"][0]["children"][0]["meta"]["color"], "blue");
        let plain = doc.pointer("/components/schemas/Node/properties/plain").unwrap();
        assert!(!index.relevant.contains(&address(plain)));
    }

    #[test]
    fn defaults_fill_objects_arrays_and_the_matching_branch() {
        let doc = json!({"components": {"schemas": {
            "A": {"type": "object", "properties": {"provider": {"enum": ["a"]}, "flag": {"type": "boolean", "default": true}}},
            "B": {"type": "object", "properties": {"provider": {"enum": ["b"]}, "other": {"default": 1}}}
        }}});
        let schema = json!({"type": "object", "properties": {
            "list": {"type": "array", "default": [], "items": {"type": "object", "properties": {"models": {"default": ""}}}},
            "items": {"type": "array", "items": {"type": "object", "properties": {"models": {"default": ""}}}},
            "config": {"oneOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}]}
        }});
        let mut value = json!({"items": [{"x": 1}], "config": {"provider": "b"}});
        let mut indexed = value.clone();
        apply_defaults(&doc, &schema, &mut value);
        assert_eq!(
            value,
            json!({"items": [{"x": 1, "models": ""}], "config": {"provider": "b", "other": 1}, "list": []})
        );
        // The index skips nothing that matters.
        DefaultsIndex::new(&doc, [&schema]).apply(&doc, &schema, &mut indexed);
        assert_eq!(indexed, value);
    }
}
