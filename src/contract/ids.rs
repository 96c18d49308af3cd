//! Schema resources inside one document: `$id`, `$anchor`, `$dynamicAnchor` and the references
//! that use them, resolved as JSON Schema 2020-12 says.
//!
//! An OpenAPI 3.1 schema may declare its own base URI (`$id`), name itself (`$anchor`), and
//! leave a slot that the schema which refers to it fills (`$dynamicAnchor` / `$dynamicRef`:
//! `PaginatedResource<T>`). The document as a whole is one resource, each `$id` opens another
//! inside it, and a reference is resolved against the nearest `$id` above it.
//!
//! This file does two things with that:
//!
//! * [`canonicalize`] rewrites every static `$ref` of a document into a plain local pointer
//!   (`#/components/schemas/Pet`), so that everything else of understudy (following references
//!   for samples, defaults, pruning, lint, the scenario) needs to know nothing of `$id`s; a
//!   reference that resolves nowhere is a load error naming the operation and pointer.
//! * [`Resources::registry_form`] prepares the copy of a rewritten document the validator
//!   library is given. That library finds `$id`s and anchors only where JSON Schema keywords
//!   lead (`$defs`, `properties`...), never under `paths` or `components`: every outermost `$id`
//!   schema is therefore registered as a resource of its own, and every reference that enters or
//!   leaves one is written as an absolute URI, so that `$dynamicRef` sees the dynamic scope the
//!   document means (galaxy's `PaginatedPlanets` binding `itemType` to `Planet`).
//!
//! One leniency, the one every OpenAPI tool has: inside an `$id` resource, a `#/...` pointer
//! that does not exist in that resource but does in the document (`#/components/schemas/Planet`)
//! is read against the document, as its author meant.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use crate::contract::document::{
    SUBSCHEMA_ARRAY_KEYWORDS, SUBSCHEMA_KEYWORDS, SUBSCHEMA_MAP_KEYWORDS, for_each_schema_position,
    operation_of,
};
use crate::error::LoadError;
use crate::json::member;
use crate::json::pointer::{self, push_token};

/// The base URI of a document that says nothing of its own: hierarchical (so relative `$id`s
/// resolve against it) and obviously nowhere.
pub(crate) const DOCUMENT_BASE: &str = "https://contract.understudy.invalid/openapi";

/// Characters that must be percent-encoded in the fragment of a reference URI (RFC 3986 lets
/// `$`, `:`, `@` and the other sub-delimiters stand as they are).
pub(crate) const FRAGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'~')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'$')
    .remove(b':')
    .remove(b'@')
    .remove(b'!')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=');

/// `#` followed by a JSON pointer, percent-encoded as a URI fragment.
pub(crate) fn fragment_ref(base: &str, pointer: &str) -> String {
    format!("{base}#{}", percent_encoding::utf8_percent_encode(pointer, FRAGMENT))
}

/// The `$id` resources and anchors of a document.
#[derive(Debug, Default)]
pub(crate) struct Resources {
    /// Absolute `$id` → pointer of the schema that declares it.
    ids: HashMap<String, String>,
    /// Pointer of an `$id` schema → its absolute `$id`.
    by_pointer: BTreeMap<String, String>,
    /// `(resource URI, anchor name)` → (pointer, whether it is a `$dynamicAnchor`).
    anchors: HashMap<(String, String), (String, bool)>,
    /// Whether the document uses `$dynamicRef` anywhere.
    dynamic_refs: bool,
    /// Pointers of the schemas holding a `$dynamicRef`.
    dynamic_ref_at: Vec<String>,
    /// Local `$ref`s: (pointer of the holder, pointer of the target).
    local_refs: Vec<(String, String)>,
    /// `$id`s declared twice: (id, first pointer, second pointer).
    duplicates: Vec<(String, String, String)>,
    /// Whether some `$ref` is not a plain local pointer (`#`, `#/...`): [`canonicalize`] has
    /// something to resolve only then, or when the document declares `$id`s or anchors.
    unplain_refs: bool,
}

/// Why a reference resolves nowhere.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unresolved {
    /// An absolute `http(s)` URI that no `$id` of the document declares.
    Remote,
    /// Not a URI reference at all.
    Malformed,
    /// A URI no `$id` declares, a pointer into nothing, or an anchor nobody declares.
    Nowhere,
}

impl Unresolved {
    fn problem(&self) -> &'static str {
        match self {
            Unresolved::Remote => {
                "is remote: understudy does not fetch over the network (no `$id` of the document \
                 declares it)"
            }
            Unresolved::Malformed => "is not a valid URI reference",
            Unresolved::Nowhere => "does not resolve",
        }
    }
}

/// Calls `f(pointer, schema, base)` for every schema and subschema of every schema position of
/// `doc`, with the base URI in force there (the innermost `$id`, after its own).
fn walk(doc: &Value, f: &mut dyn FnMut(&str, &Value, &str)) {
    let mut positions = Vec::new();
    for_each_schema_position(doc, &mut |p| positions.push(p.to_owned()));
    for position in positions {
        if let Some(schema) = pointer::pointer(doc, &position) {
            walk_schema(schema, &position, DOCUMENT_BASE, 0, f);
        }
    }
}

fn walk_schema(
    schema: &Value,
    at: &str,
    base: &str,
    depth: usize,
    f: &mut dyn FnMut(&str, &Value, &str),
) {
    let Some(object) = schema.as_object() else { return };
    if depth > 256 {
        return;
    }
    let own;
    let base = match member::member(object, "$id")
        .and_then(Value::as_str)
        .and_then(|id| resolve(id, base))
    {
        Some(id) => {
            own = id;
            own.as_str()
        }
        None => base,
    };
    f(at, schema, base);
    for (keyword, value) in object {
        let keyword = keyword.as_str();
        if SUBSCHEMA_KEYWORDS.contains(&keyword) {
            if let Value::Array(items) = value {
                for (i, item) in items.iter().enumerate() {
                    walk_schema(item, &format!("{at}/{keyword}/{i}"), base, depth + 1, f);
                }
            } else {
                walk_schema(value, &push_token(at, keyword), base, depth + 1, f);
            }
        } else if SUBSCHEMA_ARRAY_KEYWORDS.contains(&keyword) {
            for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                walk_schema(item, &format!("{at}/{keyword}/{i}"), base, depth + 1, f);
            }
        } else if SUBSCHEMA_MAP_KEYWORDS.contains(&keyword) {
            for (name, item) in value.as_object().into_iter().flatten() {
                walk_schema(item, &push_token(&push_token(at, keyword), name), base, depth + 1, f);
            }
        }
    }
}

/// `reference` resolved against `base`, normalized, without an empty fragment; `None` when it
/// is not a URI reference.
fn resolve(reference: &str, base: &str) -> Option<String> {
    let base = fluent_uri::Uri::parse(base).ok()?;
    let reference = fluent_uri::UriRef::parse(reference).ok()?;
    let resolved = reference.resolve_against(&base).ok()?.normalize();
    Some(resolved.as_str().trim_end_matches('#').to_owned())
}

impl Resources {
    /// Indexes the `$id`s and anchors of `doc`.
    pub(crate) fn index(doc: &Value) -> Resources {
        let mut resources = Resources::default();
        walk(doc, &mut |at, schema, base| {
            if member::get(schema, "$id").and_then(Value::as_str).is_some() {
                match resources.ids.get(base) {
                    Some(first) if first != at => {
                        resources.duplicates.push((base.to_owned(), first.clone(), at.to_owned()));
                    }
                    Some(_) => {}
                    None => {
                        resources.ids.insert(base.to_owned(), at.to_owned());
                        resources.by_pointer.insert(at.to_owned(), base.to_owned());
                    }
                }
            }
            for (keyword, dynamic) in [("$anchor", false), ("$dynamicAnchor", true)] {
                if let Some(name) = member::get(schema, keyword).and_then(Value::as_str) {
                    let key = (base.to_owned(), name.to_owned());
                    let entry = resources.anchors.entry(key).or_insert((at.to_owned(), dynamic));
                    entry.1 |= dynamic;
                }
            }
            if member::get(schema, "$dynamicRef").is_some() {
                resources.dynamic_refs = true;
                resources.dynamic_ref_at.push(at.to_owned());
            }
            if let Some(reference) = member::get(schema, "$ref").and_then(Value::as_str) {
                resources.unplain_refs |= !plain_pointer(reference);
                if let Some(target) = local_pointer(reference) {
                    resources.local_refs.push((at.to_owned(), target));
                }
            }
        });
        resources
    }

    /// Whether the validator library needs a prepared copy of the document (see the module
    /// docs): the document declares `$id`s or uses `$dynamicRef`.
    pub(crate) fn needs_registry_form(&self) -> bool {
        !self.ids.is_empty() || self.dynamic_refs
    }

    /// The pointer of the schema a reference written under `base` names.
    pub(crate) fn target(
        &self,
        doc: &Value,
        reference: &str,
        base: &str,
    ) -> Result<(String, bool), Unresolved> {
        let (uri, fragment) = match reference.split_once('#') {
            Some((uri, fragment)) => (uri, fragment),
            None => (reference, ""),
        };
        let fragment = percent_encoding::percent_decode_str(fragment)
            .decode_utf8()
            .map_err(|_| Unresolved::Malformed)?;
        let resource = if uri.is_empty() {
            base.to_owned()
        } else {
            resolve(uri, base).ok_or(Unresolved::Malformed)?
        };
        let root = if resource == DOCUMENT_BASE {
            ""
        } else {
            match self.ids.get(&resource) {
                Some(pointer) => pointer.as_str(),
                None if resource.starts_with("http://") || resource.starts_with("https://") => {
                    return Err(Unresolved::Remote);
                }
                None => return Err(Unresolved::Nowhere),
            }
        };
        if fragment.is_empty() {
            return Ok((root.to_owned(), false));
        }
        if fragment.starts_with('/') {
            let inside = format!("{root}{fragment}");
            if pointer::pointer(doc, &inside).is_some() {
                return Ok((inside, false));
            }
            // The leniency of the module docs: `#/components/...` inside an `$id` resource.
            if !root.is_empty() && pointer::pointer(doc, &fragment).is_some() {
                return Ok((fragment.into_owned(), false));
            }
            return Err(Unresolved::Nowhere);
        }
        match self.anchors.get(&(resource, fragment.into_owned())) {
            Some((pointer, dynamic)) => Ok((pointer.clone(), *dynamic)),
            None => Err(Unresolved::Nowhere),
        }
    }

    /// The innermost `$id` resource holding `at`: its id and pointer. An ancestor sorts before
    /// its descendants, but a sibling may sort between them, hence the scan backwards.
    fn resource_of(&self, at: &str) -> Option<(&str, &str)> {
        use std::ops::Bound;
        self.by_pointer
            .range::<str, _>((Bound::Unbounded, Bound::Included(at)))
            .rev()
            .find(|(pointer, _)| {
                at == pointer.as_str()
                    || (at.starts_with(pointer.as_str()) && at[pointer.len()..].starts_with('/'))
            })
            .map(|(pointer, id)| (id.as_str(), pointer.as_str()))
    }

    /// How the validator library must be told "the schema at `target`", from inside the
    /// document registered as `document_uri`: `<$id>#<pointer inside it>` when `target` lies in
    /// an `$id` resource, else `<document_uri>#<target>`.
    pub(crate) fn absolute(&self, document_uri: &str, target: &str) -> String {
        match self.resource_of(target) {
            Some((id, root)) if root == target => id.to_owned(),
            Some((id, root)) => fragment_ref(id, &target[root.len()..]),
            None => fragment_ref(document_uri, target),
        }
    }

    /// The copy of `doc` the validator library registers as `document_uri`, and the outermost
    /// `$id` schemas to register beside it (see the module docs). `doc`'s static references
    /// are already local pointers ([`canonicalize`]).
    pub(crate) fn registry_form(
        &self,
        doc: &Value,
        document_uri: &str,
    ) -> (Value, Vec<(String, Value)>) {
        let mut edits: Vec<(String, &'static str, Option<Value>)> = Vec::new();
        walk(doc, &mut |at, schema, base| {
            if member::get(schema, "$id").is_some()
                && self.ids.get(base).map(String::as_str) == Some(at)
            {
                edits.push((at.to_owned(), "$id", Some(Value::String(base.to_owned()))));
            }
            if let Some(target) =
                member::get(schema, "$ref").and_then(Value::as_str).and_then(local_pointer)
                && (self.resource_of(at).is_some() || self.resource_of(&target).is_some())
            {
                let absolute = self.absolute(document_uri, &target);
                edits.push((at.to_owned(), "$ref", Some(Value::String(absolute))));
            }
            if let Some(reference) = member::get(schema, "$dynamicRef").and_then(Value::as_str) {
                match self.target(doc, reference, base) {
                    // A dynamic anchor inside an `$id` resource: the library resolves it,
                    // against the dynamic scope.
                    Ok((target, true)) if self.resource_of(&target).is_some() => {}
                    // Anything else has one resource in scope: a static reference.
                    Ok((target, _)) => {
                        edits.push((at.to_owned(), "$dynamicRef", None));
                        let absolute = self.absolute(document_uri, &target);
                        edits.push((at.to_owned(), "$ref", Some(Value::String(absolute))));
                    }
                    Err(_) => {}
                }
            }
        });
        let mut copy = doc.clone();
        for (at, keyword, value) in edits {
            if let Some(Value::Object(object)) = copy.pointer_mut(&at) {
                match value {
                    Some(value) => {
                        object.insert(keyword.to_owned(), value);
                    }
                    None => {
                        object.shift_remove(keyword);
                    }
                }
            }
        }
        let outermost = self
            .by_pointer
            .iter()
            .filter(|(at, _)| {
                !self.by_pointer.keys().any(|other| {
                    other != *at
                        && at.starts_with(other.as_str())
                        && at[other.len()..].starts_with('/')
                })
            })
            .filter_map(|(at, id)| Some((id.clone(), pointer::pointer(&copy, at)?.clone())))
            .collect();
        (copy, outermost)
    }
}

// === Binding `$dynamicRef`s for samples ===

impl Resources {
    /// The schema at `at` with every `$dynamicRef` it reaches bound to the schema its dynamic
    /// scope names, for generating samples (which follow only static references): the
    /// references that lead to a `$dynamicRef` are inlined (as `allOf` branches) and the
    /// `$dynamicRef` becomes a `$ref`. `None` when nothing needs binding.
    pub(crate) fn bind_dynamic(&self, doc: &Value, at: &str) -> Option<Value> {
        if !self.dynamic_refs {
            return None;
        }
        let mut memo = HashMap::new();
        if !self.reaches_dynamic(at, &mut memo, 0) {
            return None;
        }
        let schema = pointer::pointer(doc, at)?;
        Some(self.expand(doc, schema, at, DOCUMENT_BASE, &mut Vec::new(), &mut memo, 0))
    }

    /// Whether the schema at `at`, or one its references lead to, holds a `$dynamicRef`.
    fn reaches_dynamic(&self, at: &str, memo: &mut HashMap<String, bool>, depth: usize) -> bool {
        if let Some(known) = memo.get(at) {
            return *known;
        }
        memo.insert(at.to_owned(), false); // a cycle reaches nothing new
        let within = |p: &str| p == at || (p.starts_with(at) && p[at.len()..].starts_with('/'));
        let reaches = self.dynamic_ref_at.iter().any(|p| within(p))
            || (depth < 32
                && self.local_refs.iter().any(|(holder, target)| {
                    within(holder) && self.reaches_dynamic(target, memo, depth + 1)
                }));
        memo.insert(at.to_owned(), reaches);
        reaches
    }

    #[allow(clippy::too_many_arguments)]
    fn expand(
        &self,
        doc: &Value,
        node: &Value,
        at: &str,
        base: &str,
        scope: &mut Vec<String>,
        memo: &mut HashMap<String, bool>,
        depth: usize,
    ) -> Value {
        let Some(object) = node.as_object() else { return node.clone() };
        if depth > 16 {
            return node.clone();
        }
        let mut base = base.to_owned();
        let entered = match (object.contains_key("$id"), self.by_pointer.get(at)) {
            (true, Some(id)) => {
                base = id.clone();
                scope.push(id.clone());
                true
            }
            _ => false,
        };
        let mut out = serde_json::Map::new();
        let mut inlined = Vec::new();
        for (keyword, value) in object {
            let key = keyword.as_str();
            if key == "$dynamicRef"
                && let Some(reference) = value.as_str()
                && let Ok((target, dynamic)) = self.target(doc, reference, &base)
            {
                let name = reference.rsplit_once('#').map_or("", |(_, name)| name);
                // The outermost resource of the dynamic scope that declares the anchor.
                let bound = scope
                    .iter()
                    .filter(|_| dynamic)
                    .find_map(|uri| match self.anchors.get(&(uri.clone(), name.to_owned())) {
                        Some((pointer, true)) => Some(pointer.clone()),
                        _ => None,
                    })
                    .unwrap_or(target);
                out.insert("$ref".into(), Value::String(fragment_ref("", &bound)));
                continue;
            }
            if key == "$ref"
                && let Some(target) = value.as_str().and_then(local_pointer)
                && self.reaches_dynamic(&target, memo, 0)
                && let Some(schema) = pointer::pointer(doc, &target)
            {
                let target_base = self.resource_of(&target).map_or(DOCUMENT_BASE, |(id, _)| id);
                inlined.push(self.expand(
                    doc,
                    schema,
                    &target,
                    target_base,
                    scope,
                    memo,
                    depth + 1,
                ));
                continue;
            }
            let child = |this: &Self, scope: &mut Vec<String>, memo: &mut _, v: &Value, p: &str| {
                this.expand(doc, v, p, &base, scope, memo, depth + 1)
            };
            let expanded = if SUBSCHEMA_KEYWORDS.contains(&key) {
                match value {
                    Value::Array(items) => Value::Array(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, v)| child(self, scope, memo, v, &format!("{at}/{key}/{i}")))
                            .collect(),
                    ),
                    v => child(self, scope, memo, v, &push_token(at, key)),
                }
            } else if SUBSCHEMA_ARRAY_KEYWORDS.contains(&key) && value.is_array() {
                Value::Array(
                    value
                        .as_array()
                        .into_iter()
                        .flatten()
                        .enumerate()
                        .map(|(i, v)| child(self, scope, memo, v, &format!("{at}/{key}/{i}")))
                        .collect(),
                )
            } else if SUBSCHEMA_MAP_KEYWORDS.contains(&key) && value.is_object() {
                Value::Object(
                    value
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(name, v)| {
                            let p = push_token(&push_token(at, key), name);
                            (name.clone(), child(self, scope, memo, v, &p))
                        })
                        .collect(),
                )
            } else {
                value.clone()
            };
            out.insert(keyword.clone(), expanded);
        }
        if !inlined.is_empty() {
            match out.get_mut("allOf") {
                Some(Value::Array(branches)) => branches.extend(inlined),
                _ => {
                    out.insert("allOf".into(), Value::Array(inlined));
                }
            }
        }
        if entered {
            scope.pop();
        }
        Value::Object(out)
    }
}

/// Whether a reference is a plain pointer into its own resource (`#`, `#/...`), which
/// [`canonicalize`] leaves as written.
fn plain_pointer(reference: &str) -> bool {
    reference == "#" || reference.starts_with("#/")
}

/// The decoded pointer of a local reference (`#/components/schemas/A%20B` →
/// `/components/schemas/A B`); `None` for any other reference.
fn local_pointer(reference: &str) -> Option<String> {
    let fragment = reference.strip_prefix('#')?;
    let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8().ok()?;
    (decoded.is_empty() || decoded.starts_with('/')).then(|| decoded.into_owned())
}

/// Rewrites every static `$ref` of a schema in `doc` that is not a plain local pointer (one
/// relative to an `$id`, or naming an `$anchor`) into the local pointer of its target. A
/// reference that resolves nowhere, a `$dynamicRef` that names nothing, and an `$id` declared
/// twice are load errors.
pub(crate) fn canonicalize(file: &str, doc: &mut Value) -> Result<Canonical, LoadError> {
    let resources = Resources::index(doc);
    if let Some((id, first, second)) = resources.duplicates.first() {
        return Err(LoadError::invalid(
            file,
            operation_of(doc, second),
            second.clone(),
            format!("`$id` `{id}` is declared twice (first at {first})"),
        ));
    }
    if resources.ids.is_empty()
        && resources.anchors.is_empty()
        && !resources.dynamic_refs
        && !resources.unplain_refs
    {
        // Every reference is a plain local pointer under the document's own base (most
        // documents): nothing to resolve or rewrite, and no second walk.
        return Ok(Canonical { dynamic: false, edited: false });
    }
    let mut edits = Vec::new();
    let mut error = None;
    walk(doc, &mut |at, schema, base| {
        if error.is_some() {
            return;
        }
        for keyword in ["$ref", "$dynamicRef"] {
            let Some(reference) = member::get(schema, keyword).and_then(Value::as_str) else {
                continue;
            };
            let plain = base == DOCUMENT_BASE && plain_pointer(reference);
            if keyword == "$ref" && plain {
                continue; // checked with every other local reference (`check_references`)
            }
            match resources.target(doc, reference, base) {
                Ok((target, _)) if keyword == "$ref" => {
                    edits.push((at.to_owned(), fragment_ref("", &target)));
                }
                Ok(_) => {}
                Err(unresolved) => {
                    error = Some(LoadError::Reference {
                        file: file.to_owned(),
                        operation: operation_of(doc, at),
                        pointer: format!("{at}/{keyword}"),
                        reference: reference.to_owned(),
                        problem: unresolved.problem().to_owned(),
                    });
                }
            }
        }
    });
    if let Some(error) = error {
        return Err(error);
    }
    let edited = !edits.is_empty();
    for (at, reference) in edits {
        if let Some(Value::Object(object)) = doc.pointer_mut(&at) {
            object.insert("$ref".into(), Value::String(reference));
        }
    }
    Ok(Canonical { dynamic: resources.dynamic_refs, edited })
}

/// What [`canonicalize`] found of a document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Canonical {
    /// It uses `$dynamicRef`.
    pub(crate) dynamic: bool,
    /// A reference was rewritten (else the document is as it was written).
    pub(crate) edited: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn document(schemas: Value) -> Value {
        json!({"openapi": "3.1.0", "components": {"schemas": schemas}})
    }

    #[test]
    fn anchors_and_id_relative_references_become_local_pointers() {
        let mut doc = document(json!({
            "Pet": {"$anchor": "pet", "type": "object"},
            "Owner": {"$id": "https://example.com/owner", "properties": {
                "pet": {"$ref": "https://example.com/owner#/$defs/animal"},
                "named": {"$ref": "#/components/schemas/Pet"}
            }, "$defs": {"animal": {"type": "string"}}},
            "Uses": {"properties": {"a": {"$ref": "#pet"}, "b": {"$ref": "https://example.com/owner"}}}
        }));
        canonicalize("c.yaml", &mut doc).unwrap();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["Uses"]["properties"]["a"]["$ref"], "#/components/schemas/Pet");
        assert_eq!(schemas["Uses"]["properties"]["b"]["$ref"], "#/components/schemas/Owner");
        assert_eq!(
            schemas["Owner"]["properties"]["pet"]["$ref"],
            "#/components/schemas/Owner/$defs/animal"
        );
        // The leniency: a document pointer inside an `$id` resource.
        assert_eq!(schemas["Owner"]["properties"]["named"]["$ref"], "#/components/schemas/Pet");
    }

    #[test]
    fn dynamic_references_are_bound_by_the_outermost_anchor_in_scope() {
        let doc = document(json!({
            "Planet": {"type": "object", "properties": {"name": {"type": "string"}}},
            "Page": {"$id": "https://example.com/page", "$defs": {"item": {"$dynamicAnchor": "item", "not": {}}},
                     "properties": {"data": {"type": "array", "items": {"$dynamicRef": "#item"}}}},
            "Planets": {"$id": "https://example.com/planets", "$defs": {"item": {"$dynamicAnchor": "item", "$ref": "#/components/schemas/Planet"}},
                        "$ref": "#/components/schemas/Page"}
        }));
        let resources = Resources::index(&doc);
        assert_eq!(resources.bind_dynamic(&doc, "/components/schemas/Planet"), None);
        let bound = resources.bind_dynamic(&doc, "/components/schemas/Planets").unwrap();
        let items = &bound["allOf"][0]["properties"]["data"]["items"];
        assert_eq!(items, &json!({"$ref": "#/components/schemas/Planets/$defs/item"}));
    }

    #[test]
    fn a_remote_reference_is_a_load_error_naming_the_pointer() {
        let mut doc =
            document(json!({"A": {"properties": {"b": {"$ref": "https://example.com/b.json"}}}}));
        let error = canonicalize("c.yaml", &mut doc).unwrap_err().to_string();
        assert!(
            error.starts_with("c.yaml: operation `-`: /components/schemas/A/properties/b/$ref"),
            "{error}"
        );
        assert!(error.contains("is remote"), "{error}");
        let mut doc = document(json!({"A": {"$ref": "#nowhere"}}));
        let error = canonicalize("c.yaml", &mut doc).unwrap_err().to_string();
        assert!(error.contains("`#nowhere` does not resolve"), "{error}");
    }

    #[test]
    fn plain_local_references_leave_the_document_as_written() {
        let written = document(json!({
            "A": {"properties": {"b": {"$ref": "#/components/schemas/B"}, "c": {"$ref": "#"}}},
            "B": {"type": "string"}
        }));
        let mut doc = written.clone();
        let canonical = canonicalize("c.yaml", &mut doc).unwrap();
        assert!(!canonical.edited && !canonical.dynamic);
        assert_eq!(doc, written);
    }

    #[test]
    fn registry_form_registers_id_resources_and_writes_absolute_references() {
        let doc = document(json!({
            "Planet": {"type": "object"},
            "Page": {"$id": "https://example.com/page", "$defs": {"item": {"$dynamicAnchor": "item", "not": {}}},
                     "properties": {"data": {"items": {"$dynamicRef": "#item"}}}},
            "Planets": {"$id": "planets", "$defs": {"item": {"$dynamicAnchor": "item", "$ref": "#/components/schemas/Planet"}},
                        "$ref": "#/components/schemas/Page"}
        }));
        let resources = Resources::index(&doc);
        assert!(resources.needs_registry_form());
        let (copy, registered) = resources.registry_form(&doc, "urn:doc");
        let schemas = &copy["components"]["schemas"];
        assert_eq!(schemas["Planets"]["$id"], "https://contract.understudy.invalid/planets");
        assert_eq!(schemas["Planets"]["$ref"], "https://example.com/page");
        assert_eq!(
            schemas["Planets"]["$defs"]["item"]["$ref"],
            "urn:doc#/components/schemas/Planet"
        );
        assert_eq!(schemas["Page"]["properties"]["data"]["items"]["$dynamicRef"], "#item");
        let ids: Vec<&str> = registered.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids.len(), 2, "{ids:?}");
        assert_eq!(
            resources.absolute("urn:doc", "/components/schemas/Page/properties/data"),
            "https://example.com/page#/properties/data"
        );
        assert_eq!(
            resources.absolute("urn:doc", "/components/schemas/Planet"),
            "urn:doc#/components/schemas/Planet"
        );
    }
}
