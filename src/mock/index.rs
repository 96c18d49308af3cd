//! Indexes of a session's records by the field values its scenario's `unique` and `upsert`
//! rules look up, kept with the records so a write never scans the collection.
//!
//! Without them, a create under a `unique: [{fields: [/type, /name]}]` rule compared the new
//! record with every stored one while holding the store's lock: 51 ms a create at 100,000
//! Arize records, during which every other API waited (#13). An index maps the values of one
//! field combination (and, for an operation scoped by a parent, the parent's key) to the keys
//! of the records that hold them, so a lookup is one hash probe.
//!
//! Which combinations are indexed is read from the scenario when a session's data is made
//! (seeded, loaded); [`crate::mock::store::Tx`] keeps every index in step on each put, take,
//! restore and remove, so an index is never stale. A rule the session's data has no index for
//! (a scenario reloaded with a new rule while the session lives) gets one built on its first
//! lookup, once. Deciding what a clash means, and answering it, stays with the engine
//! (`engine/rules.rs`, `engine/action.rs`).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use indexmap::IndexMap;

use crate::json::text::key_text;
use crate::scenario::{Action, Scenario};

/// The indexes of one session's data, by resource.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Indexes {
    by_resource: HashMap<String, Vec<Index>>,
}

/// One field combination of one resource.
#[derive(Debug, Clone, PartialEq)]
struct Index {
    /// JSON pointers of the fields, in the rule's order.
    fields: Vec<String>,
    /// The record field naming its parent, when lookups are scoped by one.
    scope: Option<String>,
    /// Records' keys by the canonical text of their values (records lacking one of the fields
    /// are in no entry: they can clash with nothing).
    entries: HashMap<String, Keys>,
}

/// The keys of the records sharing one combination of values: one, unless the data already
/// broke the rule when it came (a seed, a loaded state, an operation without the rule).
#[derive(Debug, Clone, PartialEq)]
enum Keys {
    One(String),
    Many(HashSet<String>),
}

/// Which records a lookup is about: those of one resource, under one parent or all.
#[derive(Debug, Clone, Copy)]
pub struct Lookup<'a> {
    /// The resource.
    pub resource: &'a str,
    /// JSON pointers of the fields compared.
    pub fields: &'a [String],
    /// `(parent field, parent key)` when only one parent's records count.
    pub scope: Option<(&'a str, &'a str)>,
}

impl Indexes {
    /// Empty indexes for every field combination the scenario's `unique` rules and `upsert`s
    /// look up.
    pub fn for_scenario(scenario: &Scenario) -> Indexes {
        let mut indexes = Indexes::default();
        for behaviour in scenario.operations.values() {
            if !matches!(behaviour.action, Action::Create | Action::Update) {
                continue;
            }
            let Some(resource) = scenario.resource(&behaviour.resource) else { continue };
            // The same scope the engine's actions use (`Scope` in `engine/call.rs`).
            let scope = match (&behaviour.parent, &resource.parent) {
                (Some(_), Some(parent)) => Some(parent.field.as_str()),
                _ => None,
            };
            let rules = behaviour.unique.iter().map(|r| &r.fields);
            for fields in rules.chain(behaviour.upsert.iter().map(|u| &u.fields)) {
                indexes.declare(&resource.name, fields, scope);
            }
        }
        indexes
    }

    /// These indexes filled from a session's collections (the only step that reads every
    /// record: done when data is made or loaded, outside the store's lock where it can be).
    pub fn filled(mut self, collections: &IndexMap<String, IndexMap<String, Value>>) -> Indexes {
        for (resource, indexes) in &mut self.by_resource {
            let Some(records) = collections.get(resource) else { continue };
            for index in indexes {
                for (key, record) in records {
                    index.insert(key, record);
                }
            }
        }
        self
    }

    /// Whether `lookup` has an index.
    pub fn has(&self, lookup: &Lookup<'_>) -> bool {
        self.find(lookup).is_some()
    }

    /// Adds an (empty) index for `lookup`'s combination, if there is none.
    fn declare(&mut self, resource: &str, fields: &[String], scope: Option<&str>) {
        if fields.is_empty() {
            return;
        }
        let indexes = self.by_resource.entry(resource.to_owned()).or_default();
        if !indexes.iter().any(|i| i.fields == fields && i.scope.as_deref() == scope) {
            indexes.push(Index {
                fields: fields.to_vec(),
                scope: scope.map(str::to_owned),
                entries: HashMap::new(),
            });
        }
    }

    /// Adds an index for `lookup`'s combination filled from `records` (a rule met after the
    /// data was made).
    pub fn build<'r>(
        &mut self,
        lookup: &Lookup<'_>,
        records: impl Iterator<Item = (&'r String, &'r Value)>,
    ) {
        self.declare(lookup.resource, lookup.fields, lookup.scope.map(|(field, _)| field));
        let Some(index) = self.find_mut(lookup) else { return };
        for (key, record) in records {
            index.insert(key, record);
        }
    }

    /// Records `record`, stored under `key` in `resource`, in each index of the resource.
    pub fn insert(&mut self, resource: &str, key: &str, record: &Value) {
        for index in self.by_resource.get_mut(resource).into_iter().flatten() {
            index.insert(key, record);
        }
    }

    /// Forgets `record`, stored under `key` in `resource`, in each index of the resource.
    pub fn remove(&mut self, resource: &str, key: &str, record: &Value) {
        for index in self.by_resource.get_mut(resource).into_iter().flatten() {
            index.remove(key, record);
        }
    }

    /// The keys of the records whose fields hold `values` (`None`: no index for `lookup`).
    /// The answer may include records that only share the values' canonical text: callers
    /// compare the records themselves.
    pub fn candidates<'s>(
        &'s self,
        lookup: &Lookup<'_>,
        values: &[&Value],
    ) -> Option<Box<dyn Iterator<Item = &'s str> + 's>> {
        let index = self.find(lookup)?;
        let text = canonical_key(values, lookup.scope.map(|(_, id)| id));
        Some(match index.entries.get(&text) {
            None => Box::new(std::iter::empty()),
            Some(Keys::One(key)) => Box::new(std::iter::once(key.as_str())),
            Some(Keys::Many(keys)) => Box::new(keys.iter().map(String::as_str)),
        })
    }

    fn find(&self, lookup: &Lookup<'_>) -> Option<&Index> {
        let scope = lookup.scope.map(|(field, _)| field);
        self.by_resource
            .get(lookup.resource)?
            .iter()
            .find(|i| i.fields == lookup.fields && i.scope.as_deref() == scope)
    }

    fn find_mut(&mut self, lookup: &Lookup<'_>) -> Option<&mut Index> {
        let scope = lookup.scope.map(|(field, _)| field);
        self.by_resource
            .get_mut(lookup.resource)?
            .iter_mut()
            .find(|i| i.fields == lookup.fields && i.scope.as_deref() == scope)
    }
}

impl Index {
    /// The entry text of a record: `None` when it lacks one of the fields.
    fn text_of(&self, record: &Value) -> Option<String> {
        let values: Option<Vec<&Value>> =
            self.fields.iter().map(|f| crate::json::pointer::pointer(record, f)).collect();
        let scope =
            self.scope.as_ref().map(|field| key_text(crate::json::member::get(record, field)));
        Some(canonical_key(&values?, scope.as_deref()))
    }

    fn insert(&mut self, key: &str, record: &Value) {
        let Some(text) = self.text_of(record) else { return };
        match self.entries.get_mut(&text) {
            None => {
                self.entries.insert(text, Keys::One(key.to_owned()));
            }
            Some(Keys::One(one)) if one == key => {}
            Some(keys @ Keys::One(_)) => {
                let Keys::One(one) = std::mem::replace(keys, Keys::Many(HashSet::new())) else {
                    return;
                };
                if let Keys::Many(many) = keys {
                    many.insert(one);
                    many.insert(key.to_owned());
                }
            }
            Some(Keys::Many(many)) => {
                many.insert(key.to_owned());
            }
        }
    }

    fn remove(&mut self, key: &str, record: &Value) {
        let Some(text) = self.text_of(record) else { return };
        let now_empty = match self.entries.get_mut(&text) {
            Some(Keys::One(one)) => one == key,
            Some(Keys::Many(many)) => {
                many.remove(key);
                many.is_empty()
            }
            None => false,
        };
        if now_empty {
            self.entries.remove(&text);
        }
    }
}

/// The text two combinations of values share exactly when they are equal as JSON
/// (`serde_json`'s equality: object members in any order, numbers as written: with
/// `arbitrary_precision`, `-0.0` is not `0.0` nor `1.0` `1`), preceded
/// by the parent's key when the lookup is scoped.
fn canonical_key(values: &[&Value], scope: Option<&str>) -> String {
    let mut text = String::new();
    if let Some(scope) = scope {
        quoted(scope, &mut text);
    }
    for value in values {
        // NUL never appears outside a string: a safe separator.
        text.push('\0');
        canonical(value, &mut text);
    }
    text
}

/// A string in quotes, its `"` and `\` escaped: enough to tell any two strings apart, and
/// cheaper than JSON's escapes written through a formatter (index upkeep was 5 % of a PATCH).
fn quoted(text: &str, out: &mut String) {
    out.push('"');
    if text.contains(['"', '\\']) {
        for c in text.chars() {
            if matches!(c, '"' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
    } else {
        out.push_str(text);
    }
    out.push('"');
}

fn canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (name, member)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                quoted(name, out);
                out.push(':');
                canonical(member, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                canonical(item, out);
            }
            out.push(']');
        }
        Value::String(text) => quoted(text, out),
        Value::Number(number) => out.push_str(number.as_str()),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Null => out.push_str("null"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn equal_values_share_a_text_and_different_ones_do_not() {
        let text = |v: Value| canonical_key(&[&v], None);
        assert_eq!(
            text(json!({"a": 1, "b": [true, null]})),
            text(json!({"b": [true, null], "a": 1}))
        );
        // Numbers are kept as written (serde_json's `arbitrary_precision`), and so compared.
        assert_ne!(text(json!(-0.0)), text(json!(0.0)));
        assert_ne!(text(json!(1)), text(json!(1.0)));
        assert_ne!(text(json!("1")), text(json!(1)));
        assert_ne!(
            canonical_key(&[&json!("a\0"), &json!("b")], None),
            canonical_key(&[&json!("a"), &json!("\0b")], None)
        );
        assert_ne!(
            canonical_key(&[&json!("x")], Some("p1")),
            canonical_key(&[&json!("x")], Some("p2"))
        );
        // Quotes and backslashes inside strings cannot pass for the structure around them.
        let tricky = [
            json!("a\"b"),
            json!("a\\\"b"),
            json!("a\\"),
            json!("a\\\\"),
            json!({"a\"": "b"}),
            json!({"a": "\"b"}),
            json!({"a\":\"b": 1}),
            json!({"a": {"b": 1}}),
            json!(["a\",\"b"]),
            json!(["a", "b"]),
        ];
        for (i, a) in tricky.iter().enumerate() {
            for b in &tricky[i + 1..] {
                assert_ne!(text(a.clone()), text(b.clone()), "{a} and {b}");
            }
        }
    }
}
