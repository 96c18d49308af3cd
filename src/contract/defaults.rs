//! Request defaults: the `default` values a validating server fills in before it stores a body.
//!
//! Vendors built on zod or pydantic store `{"enable": true}` when a client sent `{}` and the
//! schema says `default: true`; a later read shows it. The walk goes over the contract's
//! compiled body schemas ([`Bodies`]), which know which nodes can lead to a default at all, so
//! that the request path walks only those. The walk over the document as written is kept as
//! the tests' reference ([`apply_defaults`]).

use serde_json::Value;

use crate::contract::bodies::{Bodies, MAX_DEPTH, NodeId};

impl Bodies {
    /// Fills in `default` values of the body schema at `pointer` missing from `value`,
    /// recursively through objects and arrays, as a validating server (zod, pydantic) does
    /// before it stores a body. `oneOf` and `anyOf` use the branch the `discriminator` names,
    /// else the first branch whose `const` and single-value `enum` properties agree with the
    /// value.
    pub(crate) fn fill_defaults(&self, pointer: &str, value: &mut Value) {
        if let Some(root) = self.root(pointer) {
            self.fill_at(root, value, 0);
        }
    }

    fn fill_at(&self, id: NodeId, value: &mut Value, depth: usize) {
        let node = self.node(id);
        if depth > MAX_DEPTH || !node.defaults {
            return;
        }
        for member in &node.all_of {
            self.fill_at(*member, value, depth + 1);
        }
        for choice in &node.choices {
            if let Some(branch) = choice.pick(value) {
                self.fill_at(branch, value, depth + 1);
            }
        }
        match value {
            Value::Object(map) => {
                for property in &node.properties {
                    match crate::json::member::member_mut(map, &property.name) {
                        Some(child) => self.fill_at(property.node, child, depth + 1),
                        None => {
                            if let Some(default) = &property.default {
                                map.insert(property.name.to_string(), default.clone());
                            }
                        }
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item_schema) = node.items {
                    for item in items {
                        self.fill_at(item_schema, item, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The same walk over the document as written: what the compiled one must agree with.
#[cfg(test)]
pub(crate) fn apply_defaults(document: &Value, schema: &Value, value: &mut Value) {
    apply_defaults_at(document, schema, value, 0);
}

#[cfg(test)]
fn apply_defaults_at(document: &Value, schema: &Value, value: &mut Value, depth: usize) {
    use crate::contract::document::{branch_for, deref};
    if depth > MAX_DEPTH {
        return;
    }
    let schema = deref(document, schema);
    let Some(object) = schema.as_object() else { return };
    if let Some(branches) = object.get("allOf").and_then(Value::as_array) {
        for branch in branches {
            apply_defaults_at(document, branch, value, depth + 1);
        }
    }
    for keyword in ["oneOf", "anyOf"] {
        if let Some(branches) = object.get(keyword).and_then(Value::as_array)
            && let Some(branch) = branch_for(document, object, branches, value)
        {
            apply_defaults_at(document, branch, value, depth + 1);
        }
    }
    match value {
        Value::Object(map) => {
            let Some(properties) = object.get("properties").and_then(Value::as_object) else {
                return;
            };
            for (name, property) in properties {
                match map.get_mut(name) {
                    Some(child) => apply_defaults_at(document, property, child, depth + 1),
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
                    apply_defaults_at(document, item_schema, item, depth + 1);
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
    fn compiled_defaults_follow_recursive_schemas() {
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
        let bodies = Bodies::new(&doc, ["/components/schemas/Node"]);
        let mut value =
            json!({"children": [{"children": [{"meta": {}}], "plain": {}}], "meta": {}});
        let mut expected = value.clone();
        apply_defaults(&doc, root, &mut expected);
        bodies.fill_defaults("/components/schemas/Node", &mut value);
        assert_eq!(value, expected);
        assert_eq!(value["children"][0]["children"][0]["meta"]["color"], "blue");
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
        // The compiled walk skips nothing that matters.
        let mut doc = doc;
        doc["x-body"] = schema;
        Bodies::new(&doc, ["/x-body"]).fill_defaults("/x-body", &mut indexed);
        assert_eq!(indexed, value);
    }
}
