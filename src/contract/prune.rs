//! Undeclared request fields: accepted, then dropped before a body is stored.
//!
//! The vendors ignore request fields their schemas do not name (zod, pydantic and most
//! servers strip them), so a mock that stored and echoed them would teach a client a field
//! the real API never returns, and break every strict client on the next read. A body is
//! therefore cut down to what its request schema declares before the engine keeps it:
//! objects lose the keys no `properties` of theirs (nor of their `allOf` members, nor of the
//! `oneOf` / `anyOf` branch they take) names, unless the schema leaves them open
//! (`additionalProperties` or `patternProperties`); an object schema that names no properties
//! at all is a free-form map and keeps everything. Validation has already accepted the body,
//! so nothing required is ever dropped.
//!
//! The request path walks the contract's compiled body schemas ([`Bodies`]); the walk over
//! the document as written is kept as the tests' reference (`reference::undeclared`).

use serde_json::Value;

use crate::contract::bodies::{Bodies, MAX_DEPTH, NodeId};

impl Bodies {
    /// Drops from `value` the object keys the body schema at `pointer` does not declare, at
    /// every depth (nothing when `pointer` is not a compiled body schema).
    pub(crate) fn prune(&self, pointer: &str, value: &mut Value) {
        if let Some(root) = self.root(pointer) {
            self.prune_at(root, value, 0);
        }
    }

    fn prune_at(&self, id: NodeId, value: &mut Value, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let node = self.node(id);
        if node.all_of.is_empty() && node.choices.is_empty() {
            // One schema says it all (the common case): read it as it is.
            match value {
                Value::Object(map) => {
                    if node.named && !node.open {
                        map.retain(|key, _| node.properties.iter().any(|p| *p.name == **key));
                    }
                    for (key, child) in map.iter_mut() {
                        if let Some(property) = node.properties.iter().find(|p| *p.name == **key) {
                            self.prune_at(property.node, child, depth + 1);
                        }
                    }
                }
                Value::Array(items) => {
                    if let Some(schema) = node.items {
                        for item in items {
                            self.prune_at(schema, item, depth + 1);
                        }
                    }
                }
                _ => {}
            }
            return;
        }
        let mut declared = Declared::default();
        self.collect(id, value, &mut declared, depth);
        match value {
            Value::Object(map) => {
                if declared.named && !declared.open {
                    map.retain(|key, _| declared.properties.iter().any(|(name, _)| *name == key));
                }
                for (key, child) in map.iter_mut() {
                    let Some((_, nodes)) = declared.properties.iter().find(|(n, _)| *n == key)
                    else {
                        continue;
                    };
                    for node in nodes {
                        self.prune_at(*node, child, depth + 1);
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    for node in &declared.items {
                        self.prune_at(*node, item, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }

    /// Gathers what a node, its `allOf` members and the `oneOf` / `anyOf` branch `value`
    /// takes declare.
    fn collect<'a>(&'a self, id: NodeId, value: &Value, declared: &mut Declared<'a>, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let node = self.node(id);
        declared.named |= node.named;
        for property in &node.properties {
            match declared.properties.iter_mut().find(|(n, _)| *n == &*property.name) {
                Some((_, nodes)) => nodes.push(property.node),
                None => declared.properties.push((&property.name, vec![property.node])),
            }
        }
        declared.open |= node.open;
        declared.items.extend(node.items);
        for member in &node.all_of {
            self.collect(*member, value, declared, depth + 1);
        }
        for choice in &node.choices {
            match choice.pick(value) {
                Some(branch) => self.collect(branch, value, declared, depth + 1),
                // No branch can be told: keep what any of them declares.
                None => {
                    for branch in &choice.branches {
                        self.collect(branch.node, value, declared, depth + 1);
                    }
                }
            }
        }
    }
}

/// What the schemas a value meets say about its keys.
#[derive(Default)]
struct Declared<'a> {
    /// Declared keys, each with every schema that speaks of it.
    properties: Vec<(&'a str, Vec<NodeId>)>,
    /// Whether some schema names properties (else it is a free-form map).
    named: bool,
    /// Whether some schema leaves other keys open.
    open: bool,
    /// Schemas of the items, for an array.
    items: Vec<NodeId>,
}

/// The same walk over the document as written: what the compiled one must agree with.
#[cfg(test)]
pub(crate) mod reference {
    use serde_json::Value;

    use crate::contract::bodies::MAX_DEPTH;
    use crate::contract::document::{branch_for, deref};

    /// Drops from `value` the object keys `schema` (in `document`) does not declare, at every
    /// depth.
    pub(crate) fn undeclared(document: &Value, schema: &Value, value: &mut Value) {
        prune(document, schema, value, 0);
    }

    #[derive(Default)]
    struct Declared<'a> {
        properties: Vec<(&'a str, Vec<&'a Value>)>,
        named: bool,
        open: bool,
        items: Vec<&'a Value>,
    }
    fn prune(document: &Value, schema: &Value, value: &mut Value, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let mut declared = Declared::default();
        collect(document, schema, value, &mut declared, depth);
        match value {
            Value::Object(map) => {
                if declared.named && !declared.open {
                    map.retain(|key, _| declared.properties.iter().any(|(name, _)| name == key));
                }
                for (name, schemas) in &declared.properties {
                    if let Some(child) = map.get_mut(*name) {
                        for schema in schemas {
                            prune(document, schema, child, depth + 1);
                        }
                    }
                }
            }
            Value::Array(items) => {
                for item in items {
                    for schema in &declared.items {
                        prune(document, schema, item, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }

    /// Gathers what `schema`, its `allOf` members and the `oneOf` / `anyOf` branch `value` takes
    /// declare.
    fn collect<'a>(
        document: &'a Value,
        schema: &'a Value,
        value: &Value,
        declared: &mut Declared<'a>,
        depth: usize,
    ) {
        if depth > MAX_DEPTH {
            return;
        }
        let schema = deref(document, schema);
        let Some(object) = schema.as_object() else {
            // `true` (anything) leaves every key open.
            declared.open |= schema == &Value::Bool(true);
            return;
        };
        if let Some(properties) = object.get("properties").and_then(Value::as_object) {
            declared.named = true;
            for (name, property) in properties {
                match declared.properties.iter_mut().find(|(n, _)| n == name) {
                    Some((_, schemas)) => schemas.push(property),
                    None => declared.properties.push((name, vec![property])),
                }
            }
        }
        declared.open |= object.contains_key("patternProperties")
            || object.get("additionalProperties").is_some_and(|a| a != &Value::Bool(false));
        if let Some(items) = object.get("items").filter(|i| i.is_object()) {
            declared.items.push(items);
        }
        for member in object.get("allOf").and_then(Value::as_array).into_iter().flatten() {
            collect(document, member, value, declared, depth + 1);
        }
        for keyword in ["oneOf", "anyOf"] {
            let Some(branches) = object.get(keyword).and_then(Value::as_array) else { continue };
            match branch_for(document, object, branches, value) {
                Some(branch) => collect(document, branch, value, declared, depth + 1),
                // No branch can be told: keep what any of them declares.
                None => {
                    for branch in branches {
                        collect(document, branch, value, declared, depth + 1);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The compiled walk over `schema`, checked against the reference walk.
    fn pruned(document: &Value, schema: &Value, mut value: Value) -> Value {
        let mut document = document.clone();
        if document.is_null() {
            document = json!({});
        }
        document["x-body"] = schema.clone();
        let bodies = Bodies::new(&document, ["/x-body"]);
        let mut expected = value.clone();
        reference::undeclared(&document, schema, &mut expected);
        bodies.prune("/x-body", &mut value);
        assert_eq!(value, expected);
        value
    }

    #[test]
    fn unknown_keys_go_at_every_depth_and_declared_ones_stay() {
        let schema = json!({"type": "object", "properties": {
            "name": {"type": "string"},
            "config": {"type": "object", "properties": {"provider": {"type": "string"}}},
            "tags": {"type": "array", "items": {"type": "object", "properties": {"k": {}}}}
        }});
        let value = json!({"name": "n", "bar": 1, "config": {"provider": "p", "foo": 1},
                           "tags": [{"k": 1, "x": 2}]});
        assert_eq!(
            pruned(&Value::Null, &schema, value),
            json!({"name": "n", "config": {"provider": "p"}, "tags": [{"k": 1}]})
        );
    }

    #[test]
    fn open_and_free_form_objects_keep_everything() {
        let open = json!({"type": "object", "properties": {"a": {}}, "additionalProperties": {"type": "string"}});
        assert_eq!(
            pruned(&Value::Null, &open, json!({"a": 1, "b": "x"})),
            json!({"a": 1, "b": "x"})
        );
        let map = json!({"type": "object"});
        assert_eq!(pruned(&Value::Null, &map, json!({"any": 1})), json!({"any": 1}));
        let closed =
            json!({"type": "object", "properties": {"a": {}}, "additionalProperties": false});
        assert_eq!(pruned(&Value::Null, &closed, json!({"a": 1, "b": 2})), json!({"a": 1}));
    }

    #[test]
    fn compositions_declare_what_their_members_and_the_branch_taken_declare() {
        let document = json!({"components": {"schemas": {
            "Base": {"type": "object", "properties": {"type": {}}},
            "OpenAi": {"type": "object", "properties": {"provider": {"const": "openAI"}, "api_key": {}}},
            "Anthropic": {"type": "object", "properties": {"provider": {"const": "anthropic"}, "base_url": {}}}
        }}});
        let schema = json!({"allOf": [{"$ref": "#/components/schemas/Base"}, {"properties": {
            "config": {"oneOf": [{"$ref": "#/components/schemas/OpenAi"}, {"$ref": "#/components/schemas/Anthropic"}]}
        }}]});
        let value = json!({"type": "llm", "x": 1,
                           "config": {"provider": "openAI", "api_key": "k", "base_url": "u"}});
        assert_eq!(
            pruned(&document, &schema, value),
            json!({"type": "llm", "config": {"provider": "openAI", "api_key": "k"}})
        );
    }
}
