//! Answers shaped to the schema they are checked against: completed with what it requires and
//! stripped of what it forbids.
//!
//! A record is stored as the client sent it, and the request's schema is not the answer's: a
//! planet created with a satellite whose `orbit.planet` has no `id` (read-only, so no request
//! carries it) is answered by a schema that requires one; an image uploaded as a form keeps its
//! `file` part, which the answer's closed object does not allow; a `writeOnly` password never
//! goes back. The real service fills in what it generates and leaves out what it does not
//! show. [`fit`] does the same to an answer: every object gets the properties its schema
//! requires and lacks (the property's `default`, else its static sample), and loses those the
//! schema forbids (a property whose schema is `false`, as `writeOnly` ones are in responses;
//! one a closed object, `additionalProperties: false` or `unevaluatedProperties: false`, does
//! not declare). [`forbidden`] only strips: documented examples are served without their
//! `writeOnly` properties.
//!
//! The walk follows the value: `$ref`s and `allOf` members apply together, and of a `oneOf` /
//! `anyOf` the branch the value takes (its discriminator's, else the one whose `const`s,
//! `enum`s and types its members meet and that it fits best). It never adds an optional property and never changes a value that
//! is there, so a valid answer is left as it is. The stored record is not touched: the engine
//! shapes the answer it renders (`mock/engine/render.rs`).

use serde_json::{Map, Value};

use crate::contract::document::resolve_local;
use crate::contract::sample::{has_type, matches_pattern, sample_of};

/// How deep schemas are followed without going deeper into the value (`$ref` chains, `allOf`
/// nests), and how deep into the value.
const MAX_DEPTH: usize = 64;

/// Fills into `value` what `schema` (a node of `document`) requires and it lacks, and drops
/// what the schema forbids, at every depth.
pub(crate) fn fit(document: &Value, schema: &Value, value: &mut Value) {
    Walk { document, complete: true }.value(schema, value, 0);
}

/// Drops from `value` what `schema` (a node of `document`) forbids, at every depth.
pub(crate) fn forbidden(document: &Value, schema: &Value, value: &mut Value) {
    Walk { document, complete: false }.value(schema, value, 0);
}

struct Walk<'a> {
    document: &'a Value,
    /// Whether missing required properties are filled in.
    complete: bool,
}

impl<'a> Walk<'a> {
    fn value(&self, schema: &'a Value, value: &mut Value, depth: usize) {
        if depth > MAX_DEPTH {
            return;
        }
        let mut applied = Vec::new();
        self.collect(schema, value, &mut applied, depth);
        match value {
            Value::Object(map) => self.object(&applied, map, depth),
            Value::Array(items) => {
                for (i, item) in items.iter_mut().enumerate() {
                    for schema in item_schemas(&applied, i) {
                        self.value(schema, item, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }

    /// The schema objects that apply to `value`: `schema`, what its `$ref` points at, its
    /// `allOf` members, and the `oneOf` / `anyOf` branch the value takes.
    fn collect(
        &self,
        schema: &'a Value,
        value: &Value,
        applied: &mut Vec<&'a Map<String, Value>>,
        depth: usize,
    ) {
        let Some(object) = schema.as_object() else { return };
        if depth > MAX_DEPTH || applied.iter().any(|a| std::ptr::eq(*a, object)) {
            return;
        }
        applied.push(object);
        if let Some(target) =
            object.get("$ref").and_then(Value::as_str).and_then(|r| resolve_local(self.document, r))
        {
            self.collect(target, value, applied, depth + 1);
        }
        for member in object.get("allOf").and_then(Value::as_array).into_iter().flatten() {
            self.collect(member, value, applied, depth + 1);
        }
        for keyword in ["oneOf", "anyOf"] {
            if let Some(branches) = object.get(keyword).and_then(Value::as_array)
                && let Some(branch) = self.branch(object, branches, value, depth)
            {
                self.collect(branch, value, applied, depth + 1);
            }
        }
    }

    /// The branch of a `oneOf` / `anyOf` that `value` takes: the one its discriminator maps it
    /// to; else, of the branches whose type admits it, the one whose `const`s, `enum`s and
    /// types refuse fewest of its members, then the one it fits (nothing required missing,
    /// nothing forbidden), then the one declaring most of its properties, the first among
    /// equals.
    fn branch(
        &self,
        object: &'a Map<String, Value>,
        branches: &'a [Value],
        value: &Value,
        depth: usize,
    ) -> Option<&'a Value> {
        if value.is_null() {
            return None;
        }
        let discriminator = object.get("discriminator");
        if let Some(property) =
            discriminator.and_then(|d| d.get("propertyName")).and_then(Value::as_str)
            && let Some(tag) = value.get(property).and_then(Value::as_str)
        {
            let target = discriminator
                .and_then(|d| d.get("mapping"))
                .and_then(|m| m.get(tag))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("#/components/schemas/{tag}"));
            if let Some(branch) =
                branches.iter().find(|b| b.get("$ref").and_then(Value::as_str) == Some(&target))
            {
                return Some(branch);
            }
        }
        use std::cmp::Reverse;
        type Score = (Reverse<usize>, bool, usize, Reverse<usize>);
        let mut best: Option<(&'a Value, Score)> = None;
        for branch in branches {
            let mut applied = Vec::new();
            self.collect(branch, value, &mut applied, depth + 1);
            if !applied.iter().all(|a| has_type(a.get("type"), value)) {
                continue;
            }
            let clashes = applied.iter().map(|a| self.clashes(a, value)).sum();
            let score = match value.as_object() {
                Some(map) => {
                    let missing = required(&applied).filter(|n| !map.contains_key(*n)).count();
                    let refused = map.keys().filter(|k| refuses(&applied, k)).count();
                    let declared = map.keys().filter(|k| declares(&applied, k)).count();
                    let fits = missing == 0 && refused == 0;
                    (Reverse(clashes), fits, declared, Reverse(missing + refused))
                }
                None => (Reverse(clashes), true, 0, Reverse(0)),
            };
            if best.as_ref().is_none_or(|(_, kept)| score > *kept) {
                best = Some((branch, score));
            }
        }
        best.map(|(branch, _)| branch)
    }

    /// How many of the value's members the schema's `const`, `enum` and `type` refuse: the
    /// value itself, and its properties the schema declares (a `type: link` sent where a
    /// branch takes only `basic` or `endpoint`).
    fn clashes(&self, schema: &Map<String, Value>, value: &Value) -> usize {
        let own = usize::from(!scalar_fits(schema, value));
        let properties = schema.get("properties").and_then(Value::as_object).into_iter().flatten();
        own + properties
            .filter_map(|(name, property)| Some((value.get(name)?, self.follow(property)?)))
            .filter(|(member, property)| !scalar_fits(property, member))
            .count()
    }

    /// A schema with its `$ref`s followed, as an object (`None` for `true`/`false`).
    fn follow(&self, mut schema: &'a Value) -> Option<&'a Map<String, Value>> {
        for _ in 0..32 {
            match schema.get("$ref").and_then(Value::as_str) {
                Some(reference) => schema = resolve_local(self.document, reference)?,
                None => break,
            }
        }
        schema.as_object()
    }

    fn object(
        &self,
        applied: &[&'a Map<String, Value>],
        map: &mut Map<String, Value>,
        depth: usize,
    ) {
        if self.complete {
            let missing: Vec<&str> = required(applied).filter(|n| !map.contains_key(*n)).collect();
            for name in missing {
                if let Some(filled) = self.filling(applied, name) {
                    map.insert(name.to_owned(), filled);
                }
            }
        }
        map.retain(|key, _| !refuses(applied, key));
        for (key, child) in map.iter_mut() {
            for schema in property_schemas(applied, key) {
                self.value(schema, child, depth + 1);
            }
        }
    }

    /// The value for a required property `name` an object lacks: its schema's `default`, else
    /// its static sample; `None` when the schema forbids the property.
    fn filling(&self, applied: &[&'a Map<String, Value>], name: &str) -> Option<Value> {
        let schemas = property_schemas(applied, name);
        let schema = schemas.first()?;
        let mut target = *schema;
        for _ in 0..32 {
            match target.get("$ref").and_then(Value::as_str) {
                Some(reference) => match resolve_local(self.document, reference) {
                    Some(next) => target = next,
                    None => break,
                },
                None => break,
            }
        }
        if target == &Value::Bool(false) {
            return None;
        }
        if let Some(default) = target.get("default") {
            return Some(default.clone());
        }
        Some(sample_of(self.document, schema, Some(name)))
    }
}

/// The names the applied schemas require.
fn required<'a>(applied: &[&'a Map<String, Value>]) -> impl Iterator<Item = &'a str> {
    let mut seen = Vec::new();
    applied
        .iter()
        .flat_map(|a| a.get("required").and_then(Value::as_array).into_iter().flatten())
        .filter_map(Value::as_str)
        .filter(move |name| {
            let new = !seen.contains(name);
            seen.push(*name);
            new
        })
}

/// Whether some applied schema declares `key` in its `properties` (or its `patternProperties`).
fn declares(applied: &[&Map<String, Value>], key: &str) -> bool {
    applied.iter().any(|a| own_declares(a, key))
}

fn own_declares(schema: &Map<String, Value>, key: &str) -> bool {
    schema.get("properties").and_then(Value::as_object).is_some_and(|p| p.contains_key(key))
        || schema
            .get("patternProperties")
            .and_then(Value::as_object)
            .is_some_and(|p| p.keys().any(|pattern| matches_pattern(pattern, key)))
}

/// Whether the applied schemas forbid the property `key`: one gives it the schema `false`
/// (`writeOnly` in an answer), a closed one (`additionalProperties: false`) does not declare
/// it, or one says `unevaluatedProperties: false` and none declares it or leaves it open.
fn refuses(applied: &[&Map<String, Value>], key: &str) -> bool {
    let is_false = |schema: Option<&Value>| schema == Some(&Value::Bool(false));
    if applied.iter().any(|a| is_false(a.get("properties").and_then(|p| p.get(key)))) {
        return true;
    }
    if applied.iter().any(|a| is_false(a.get("additionalProperties")) && !own_declares(a, key)) {
        return true;
    }
    let open = applied.iter().any(|a| {
        a.get("additionalProperties").is_some_and(|extra| !is_false(Some(extra)))
            || a.get("unevaluatedProperties").is_some_and(|extra| !is_false(Some(extra)))
    });
    applied.iter().any(|a| is_false(a.get("unevaluatedProperties")))
        && !open
        && !declares(applied, key)
}

/// The schemas a property's value must meet: those the applied schemas declare for it, else
/// the `patternProperties` it matches and `additionalProperties`.
fn property_schemas<'a>(applied: &[&'a Map<String, Value>], key: &str) -> Vec<&'a Value> {
    let declared: Vec<&'a Value> = applied
        .iter()
        .filter_map(|a| a.get("properties").and_then(|p| p.get(key)))
        .filter(|s| s.is_object())
        .collect();
    if !declared.is_empty() {
        return declared;
    }
    let mut extra = Vec::new();
    for schema in applied {
        if let Some(patterns) = schema.get("patternProperties").and_then(Value::as_object) {
            extra.extend(
                patterns
                    .iter()
                    .filter(|(pattern, s)| s.is_object() && matches_pattern(pattern, key))
                    .map(|(_, s)| s),
            );
        }
        extra.extend(schema.get("additionalProperties").filter(|s| s.is_object()));
    }
    extra
}

/// The schemas the item at `index` of an array must meet.
fn item_schemas<'a>(applied: &[&'a Map<String, Value>], index: usize) -> Vec<&'a Value> {
    applied
        .iter()
        .filter_map(|a| {
            let prefix = a.get("prefixItems").and_then(Value::as_array);
            match prefix.and_then(|p| p.get(index)) {
                Some(schema) => Some(schema),
                None => a.get("items"),
            }
        })
        .filter(|s| s.is_object())
        .collect()
}

/// Whether `value` meets the `const`, `enum` and `type` of a schema.
fn scalar_fits(schema: &Map<String, Value>, value: &Value) -> bool {
    schema.get("const").is_none_or(|constant| constant == value)
        && schema.get("enum").and_then(Value::as_array).is_none_or(|e| e.contains(value))
        && has_type(schema.get("type"), value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fitted(document: &Value, schema: &Value, mut value: Value) -> Value {
        fit(document, schema, &mut value);
        value
    }

    #[test]
    fn nested_required_properties_are_filled_with_defaults_then_samples() {
        let document = json!({"components": {"schemas": {
            "Planet": {"type": "object", "required": ["id", "name"], "properties": {
                "id": {"type": "integer", "examples": [1]},
                "name": {"type": "string"},
                "kind": {"type": "string", "default": "rocky"},
                "satellites": {"type": "array", "items": {"type": "object", "properties": {
                    "orbit": {"type": "object", "properties": {
                        "planet": {"$ref": "#/components/schemas/Planet"}
                    }}
                }}}
            }}
        }}});
        let schema = json!({"$ref": "#/components/schemas/Planet"});
        let value =
            json!({"name": "Mars", "satellites": [{"orbit": {"planet": {"name": "Mars"}}}]});
        assert_eq!(
            fitted(&document, &schema, value),
            json!({"name": "Mars", "satellites": [{"orbit": {"planet": {"name": "Mars", "id": 1}}}], "id": 1})
        );
        // A required property with a default gets the default.
        let with_default = json!({"type": "object", "required": ["kind"], "properties": {
            "kind": {"type": "string", "default": "rocky", "examples": ["gas"]}
        }});
        assert_eq!(fitted(&document, &with_default, json!({})), json!({"kind": "rocky"}));
    }

    #[test]
    fn what_the_answer_forbids_goes_and_open_objects_keep_everything() {
        let schema = json!({"type": "object", "additionalProperties": false, "properties": {
            "id": {"type": "string"},
            "secret": false,
            "meta": {"type": "object", "properties": {"a": {}}},
            "tags": {"type": "object", "additionalProperties": {"type": "string"}}
        }});
        let value = json!({"id": "1", "secret": "s", "file": "x.png", "meta": {"a": 1, "b": 2},
                           "tags": {"k": "v"}});
        let mut stripped = value.clone();
        forbidden(&Value::Null, &schema, &mut stripped);
        assert_eq!(stripped, json!({"id": "1", "meta": {"a": 1, "b": 2}, "tags": {"k": "v"}}));
    }

    #[test]
    fn unevaluated_properties_false_keeps_what_any_applied_schema_declares() {
        let schema = json!({"allOf": [
            {"properties": {"a": {}}},
            {"properties": {"b": {}}}
        ], "unevaluatedProperties": false});
        let mut value = json!({"a": 1, "b": 2, "c": 3});
        forbidden(&Value::Null, &schema, &mut value);
        assert_eq!(value, json!({"a": 1, "b": 2}));
        // `additionalProperties: false` in one member closes the object to the others' names.
        let closed = json!({"allOf": [
            {"properties": {"a": {}}, "additionalProperties": false},
            {"properties": {"b": {}}}
        ]});
        let mut value = json!({"a": 1, "b": 2});
        forbidden(&Value::Null, &closed, &mut value);
        assert_eq!(value, json!({"a": 1}));
    }

    #[test]
    fn a_branch_is_taken_by_its_consts_and_write_only_fields_of_it_go() {
        // Train Travel's payment source: a card (with a write-only `cvc`) or a bank account.
        let schema = json!({"type": "object", "properties": {"source": {
            "unevaluatedProperties": false,
            "anyOf": [
                {"properties": {"object": {"const": "card"}, "number": {}, "cvc": false},
                 "required": ["number"]},
                {"properties": {"object": {"const": "bank_account"}, "number": {}, "bank": {}},
                 "required": ["number", "bank"]}
            ]
        }}});
        let mut card = json!({"source": {"object": "card", "number": "4242", "cvc": 123}});
        forbidden(&Value::Null, &schema, &mut card);
        assert_eq!(card, json!({"source": {"object": "card", "number": "4242"}}));
        let mut bank = json!({"source": {"object": "bank_account", "number": "1"}});
        fit(&Value::Null, &schema, &mut bank);
        assert!(bank["source"]["bank"].is_string(), "{bank}");
    }

    #[test]
    fn a_branch_is_taken_by_its_enums_too() {
        // ReadMe's `next.pages` items: a page (`basic`/`endpoint`, with a slug) or a link.
        let schema = json!({"type": "array", "items": {"anyOf": [
            {"type": "object", "required": ["slug", "title", "type"], "additionalProperties": false,
             "properties": {"slug": {"type": "string"}, "title": {"type": "string"},
                            "type": {"type": "string", "enum": ["basic", "endpoint"]}}},
            {"type": "object", "required": ["title", "type", "url"], "additionalProperties": false,
             "properties": {"title": {"type": "string"}, "url": {"type": "string"},
                            "type": {"type": "string", "enum": ["link"]}}}
        ]}});
        let value = fitted(&Value::Null, &schema, json!([{"title": "", "type": "link"}]));
        assert!(value[0]["url"].is_string() && value[0].get("slug").is_none(), "{value}");
    }

    #[test]
    fn a_valid_value_is_left_as_it_is() {
        let schema = json!({"anyOf": [
            {"type": "object", "required": ["a"], "properties": {"a": {}}},
            {"type": "object", "required": ["b"], "properties": {"b": {}}, "additionalProperties": false}
        ]});
        let value = json!({"b": 1});
        assert_eq!(fitted(&Value::Null, &schema, value.clone()), value);
        assert_eq!(fitted(&Value::Null, &schema, json!(null)), json!(null));
        assert_eq!(fitted(&Value::Null, &json!({"type": "string"}), json!("x")), json!("x"));
    }
}
