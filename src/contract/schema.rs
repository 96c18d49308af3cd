//! JSON Schema handling for OpenAPI documents: rewriting, references, compiling.
//!
//! OpenAPI 3.0 schemas are a dialect of JSON Schema draft 4 with extra keywords; 3.1 schemas are
//! JSON Schema 2020-12. Both are rewritten here into plain 2020-12 before compilation, once per
//! direction, because the same schema means two things:
//!
//! * in a **request**, `readOnly` properties are not required (the server fills them in);
//! * in a **response**, `writeOnly` properties are not required, and must not appear at all: a
//!   response that echoes a password or an API key is a bug the self-check should catch.
//!
//! The 3.0 rewrite turns `nullable: true` into a type union (or an `anyOf` with `null` around a
//! `$ref` or a composition), boolean `exclusiveMinimum`/`exclusiveMaximum` into the numeric form,
//! and drops the siblings of `$ref` that 3.0 says are ignored. `enum` gains `null` when the
//! schema is nullable (OAS 3.0.3 leaves this open; we take the lenient reading).
//!
//! Compiling is done with a `jsonschema` [`Registry`](jsonschema::Registry) holding the whole
//! rewritten document, and a `{"$ref": "<uri>#<pointer>"}` wrapper per schema position, so that
//! `#/components/...` references resolve exactly as they do in the document.

use std::borrow::Cow;
use std::sync::Arc;

use jsonschema::{Draft, Validator};
use serde_json::{Map, Value, json};

/// Which OpenAPI family a document belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dialect {
    /// OpenAPI 3.0.x: schemas are the 3.0 dialect of draft 4.
    V30,
    /// OpenAPI 3.1.x: schemas are JSON Schema 2020-12.
    V31,
}

/// Which way a message travels; decides how `readOnly` and `writeOnly` are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Client to server.
    Request,
    /// Server to client.
    Response,
}

/// Keywords whose value is a single subschema.
const SUBSCHEMA_KEYWORDS: &[&str] = &[
    "items",
    "additionalProperties",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "additionalItems",
    "contentSchema",
];
/// Keywords whose value is an array of subschemas.
const SUBSCHEMA_ARRAY_KEYWORDS: &[&str] = &["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value is a map of subschemas.
const SUBSCHEMA_MAP_KEYWORDS: &[&str] =
    &["properties", "patternProperties", "dependentSchemas", "$defs", "definitions"];

// === JSON pointers ===

/// Escapes one reference token of a JSON pointer (RFC 6901); borrowed when there is nothing
/// to escape.
pub fn escape_token(token: &str) -> Cow<'_, str> {
    if token.contains(['~', '/']) {
        Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(token)
    }
}

/// Unescapes one reference token of a JSON pointer (RFC 6901): `~1` is `/`, `~0` is `~`.
pub fn unescape_token(token: &str) -> Cow<'_, str> {
    if token.contains('~') {
        Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        Cow::Borrowed(token)
    }
}

/// Appends one token to a JSON pointer.
pub fn push_token(pointer: &str, token: &str) -> String {
    let token = escape_token(token);
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    out.push('/');
    out.push_str(&token);
    out
}

/// Resolves a local reference (`#/components/schemas/X`) in `doc`. `None` for a reference that
/// is not local or points at nothing.
pub fn resolve_local<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    let fragment = reference.strip_prefix('#')?;
    if fragment.contains('%') {
        let decoded = percent_encoding::percent_decode_str(fragment).decode_utf8().ok()?;
        return pointer(doc, &decoded);
    }
    pointer(doc, fragment)
}

/// `Value::pointer` without an allocation per token (references are followed on the request
/// path, when defaults are filled in).
pub fn pointer<'a>(doc: &'a Value, pointer: &str) -> Option<&'a Value> {
    if pointer.is_empty() {
        return Some(doc);
    }
    let rest = pointer.strip_prefix('/')?;
    let mut current = doc;
    for token in rest.split('/') {
        let token = unescape_token(token);
        current = match current {
            Value::Object(map) => map.get(token.as_ref())?,
            Value::Array(items) => items.get(token.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(current)
}

/// Follows `$ref` chains from `value` until a non-reference object (at most 32 hops, which is
/// far more than any real document and stops cycles).
pub fn deref<'a>(doc: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..32 {
        match value.get("$ref").and_then(Value::as_str) {
            Some(reference) => match resolve_local(doc, reference) {
                Some(target) => value = target,
                None => return value,
            },
            None => return value,
        }
    }
    value
}

// === Finding schemas in an OpenAPI document ===

/// Calls `f` with the JSON pointer of every schema position of an OpenAPI document: component
/// schemas, and the `schema` of every parameter, header, request body and response media type,
/// whether inline in `paths` or under `components`.
pub fn for_each_schema_position(doc: &Value, f: &mut dyn FnMut(&str)) {
    if let Some(schemas) = doc.pointer("/components/schemas").and_then(Value::as_object) {
        for name in schemas.keys() {
            f(&push_token("/components/schemas", name));
        }
    }
    for (section, kind) in [
        ("parameters", Holder::Parameter),
        ("headers", Holder::Parameter),
        ("requestBodies", Holder::Content),
        ("responses", Holder::Response),
    ] {
        let base = format!("/components/{section}");
        if let Some(map) = doc.pointer(&base).and_then(Value::as_object) {
            for (name, item) in map {
                kind.visit(item, &push_token(&base, name), f);
            }
        }
    }
    let Some(paths) = doc.get("paths").and_then(Value::as_object) else { return };
    for (path, item) in paths {
        let item_pointer = push_token("/paths", path);
        visit_parameters(item, &item_pointer, f);
        let Some(item) = item.as_object() else { continue };
        for (method, operation) in item {
            if !crate::contract::METHODS.contains(&method.as_str()) {
                continue;
            }
            let op_pointer = push_token(&item_pointer, method);
            visit_parameters(operation, &op_pointer, f);
            if let Some(body) = operation.get("requestBody") {
                Holder::Content.visit(body, &format!("{op_pointer}/requestBody"), f);
            }
            if let Some(responses) = operation.get("responses").and_then(Value::as_object) {
                for (status, response) in responses.iter().filter(|(s, _)| !s.starts_with("x-")) {
                    let pointer = push_token(&format!("{op_pointer}/responses"), status);
                    Holder::Response.visit(response, &pointer, f);
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Holder {
    /// A parameter or header object: `schema`, or `content`.
    Parameter,
    /// A request body: `content`.
    Content,
    /// A response: `content` and `headers`.
    Response,
}

impl Holder {
    fn visit(self, item: &Value, pointer: &str, f: &mut dyn FnMut(&str)) {
        if item.get("$ref").is_some() {
            return; // the target is visited where it is defined
        }
        if matches!(self, Holder::Parameter) && item.get("schema").is_some() {
            f(&format!("{pointer}/schema"));
        }
        if let Some(content) = item.get("content").and_then(Value::as_object) {
            for (media, media_object) in content {
                if media_object.get("schema").is_some() {
                    f(&format!("{}/schema", push_token(&format!("{pointer}/content"), media)));
                }
            }
        }
        if matches!(self, Holder::Response)
            && let Some(headers) = item.get("headers").and_then(Value::as_object)
        {
            for (name, header) in headers {
                Holder::Parameter.visit(
                    header,
                    &push_token(&format!("{pointer}/headers"), name),
                    f,
                );
            }
        }
    }
}

fn visit_parameters(holder: &Value, pointer: &str, f: &mut dyn FnMut(&str)) {
    if let Some(parameters) = holder.get("parameters").and_then(Value::as_array) {
        for (i, parameter) in parameters.iter().enumerate() {
            Holder::Parameter.visit(parameter, &format!("{pointer}/parameters/{i}"), f);
        }
    }
}

/// Calls `f(pointer, subschema)` for `schema` and every subschema below it (not following
/// `$ref`s, not entering `example`, `default`, `enum` or `const` values).
pub fn walk_schema<'a>(schema: &'a Value, pointer: &str, f: &mut dyn FnMut(&str, &'a Value)) {
    f(pointer, schema);
    let Some(object) = schema.as_object() else { return };
    for (keyword, value) in object {
        let keyword = keyword.as_str();
        if SUBSCHEMA_KEYWORDS.contains(&keyword) {
            if value.is_array() && keyword == "items" {
                for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                    walk_schema(item, &format!("{pointer}/items/{i}"), f);
                }
            } else {
                walk_schema(value, &push_token(pointer, keyword), f);
            }
        } else if SUBSCHEMA_ARRAY_KEYWORDS.contains(&keyword) {
            for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                walk_schema(item, &format!("{}/{i}", push_token(pointer, keyword)), f);
            }
        } else if SUBSCHEMA_MAP_KEYWORDS.contains(&keyword) {
            for (name, item) in value.as_object().into_iter().flatten() {
                walk_schema(item, &push_token(&push_token(pointer, keyword), name), f);
            }
        }
    }
}

// === Rewriting to 2020-12 ===

/// Returns a copy of an OpenAPI document in which every schema is plain JSON Schema 2020-12,
/// adjusted for one direction (see the module docs).
pub fn normalize(doc: &Value, dialect: Dialect, direction: Direction) -> Value {
    let mut out = doc.clone();
    let mut positions = Vec::new();
    for_each_schema_position(doc, &mut |pointer| positions.push(pointer.to_owned()));
    let rewriter = Rewriter { original: doc, dialect, direction };
    for pointer in positions {
        if let Some(schema) = out.pointer_mut(&pointer) {
            rewriter.rewrite(schema, 0);
        }
    }
    out
}

struct Rewriter<'a> {
    original: &'a Value,
    dialect: Dialect,
    direction: Direction,
}

impl Rewriter<'_> {
    fn rewrite(&self, schema: &mut Value, depth: usize) {
        if depth > 256 {
            return;
        }
        let Some(object) = schema.as_object_mut() else { return };
        if self.dialect == Dialect::V30 {
            if object.contains_key("$ref") {
                let nullable = object.get("nullable") == Some(&Value::Bool(true));
                object.retain(|k, _| {
                    matches!(k.as_str(), "$ref" | "description" | "readOnly" | "writeOnly")
                });
                if nullable {
                    let inner = Value::Object(std::mem::take(object));
                    *schema = json!({"anyOf": [inner, {"type": "null"}]});
                }
                return;
            }
            rewrite_30_keywords(object);
            if object.remove("nullable") == Some(Value::Bool(true)) {
                make_nullable(schema);
            }
        }
        let Some(object) = schema.as_object_mut() else { return };
        self.adjust_for_direction(object);
        for (keyword, value) in object.iter_mut() {
            let keyword = keyword.as_str();
            if SUBSCHEMA_KEYWORDS.contains(&keyword) {
                if let Value::Array(items) = value {
                    items.iter_mut().for_each(|item| self.rewrite(item, depth + 1));
                } else {
                    self.rewrite(value, depth + 1);
                }
            } else if SUBSCHEMA_ARRAY_KEYWORDS.contains(&keyword) {
                if let Value::Array(items) = value {
                    items.iter_mut().for_each(|item| self.rewrite(item, depth + 1));
                }
            } else if SUBSCHEMA_MAP_KEYWORDS.contains(&keyword)
                && let Value::Object(map) = value
            {
                map.values_mut().for_each(|item| self.rewrite(item, depth + 1));
            }
        }
    }

    /// Drops `readOnly` properties from `required` in requests, and `writeOnly` ones in
    /// responses, where they also become `false` (never allowed).
    fn adjust_for_direction(&self, object: &mut Map<String, Value>) {
        let flag = match self.direction {
            Direction::Request => "readOnly",
            Direction::Response => "writeOnly",
        };
        let Some(Value::Object(properties)) = object.get_mut("properties") else { return };
        let mut flagged = Vec::new();
        for (name, property) in properties.iter_mut() {
            let target = deref(self.original, property);
            let marked = |v: &Value| v.get(flag) == Some(&Value::Bool(true));
            if marked(property) || marked(target) {
                flagged.push(name.clone());
                if self.direction == Direction::Response {
                    *property = Value::Bool(false);
                }
            }
        }
        if flagged.is_empty() {
            return;
        }
        if let Some(Value::Array(required)) = object.get_mut("required") {
            required.retain(|r| !r.as_str().is_some_and(|r| flagged.iter().any(|f| f == r)));
        }
    }
}

fn rewrite_30_keywords(object: &mut Map<String, Value>) {
    for (exclusive, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        match object.get(exclusive) {
            Some(Value::Bool(true)) => {
                if let Some(limit) = object.remove(bound) {
                    object.insert(exclusive.to_owned(), limit);
                } else {
                    object.remove(exclusive);
                }
            }
            Some(Value::Bool(false)) => {
                object.remove(exclusive);
            }
            _ => {}
        }
    }
}

fn make_nullable(schema: &mut Value) {
    let Some(object) = schema.as_object_mut() else { return };
    if let Some(Value::Array(values)) = object.get_mut("enum")
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    match object.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            object.insert("type".into(), json!([t, "null"]));
        }
        Some(Value::Array(types)) => {
            if !types.contains(&json!("null")) {
                types.push(json!("null"));
            }
        }
        _ => {
            if ["allOf", "anyOf", "oneOf"].iter().any(|k| object.contains_key(*k)) {
                let inner = Value::Object(std::mem::take(object));
                *schema = json!({"anyOf": [inner, {"type": "null"}]});
            }
        }
    }
}

// === Defaults ===

/// Fills in `default` values of `schema` missing from `value`, recursively through objects and
/// arrays, as a validating server (zod, pydantic) does before it stores a body. `oneOf` and
/// `anyOf` use the branch the `discriminator` names, else the first branch whose `const` and
/// single-value `enum` properties agree with the value.
pub fn apply_defaults(document: &Value, schema: &Value, value: &mut Value) {
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
            && let Some(branch) = choose_branch(document, object, branches, value)
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

fn choose_branch<'a>(
    document: &'a Value,
    object: &'a Map<String, Value>,
    branches: &'a [Value],
    value: &Value,
) -> Option<&'a Value> {
    let discriminator = object.get("discriminator");
    if let Some(property) =
        discriminator.and_then(|d| d.get("propertyName")).and_then(Value::as_str)
        && let Some(tag) = value.get(property).and_then(Value::as_str)
        && let Some(target) = discriminator
            .and_then(|d| d.get("mapping"))
            .and_then(|m| m.get(tag))
            .and_then(Value::as_str)
    {
        return branches.iter().find(|b| b.get("$ref").and_then(Value::as_str) == Some(target));
    }
    branches.iter().find(|branch| {
        let branch = deref(document, branch);
        let Some(properties) = branch.get("properties").and_then(Value::as_object) else {
            return false;
        };
        properties.iter().all(|(name, property)| {
            let property = deref(document, property);
            let fixed = property.get("const").or_else(|| {
                property
                    .get("enum")
                    .and_then(Value::as_array)
                    .filter(|e| e.len() == 1)
                    .and_then(|e| e.first())
            });
            match (fixed, value.get(name)) {
                (Some(fixed), Some(actual)) => fixed == actual,
                (Some(_), None) => false,
                (None, _) => true,
            }
        })
    })
}

// === Compiling ===

/// How many documents have been registered and schemas compiled by this process. Everything is
/// compiled at start-up; a test checks that serving requests never moves this number.
static COMPILATIONS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// The number of registry preparations and schema compilations so far in this process.
pub fn compilations() -> usize {
    COMPILATIONS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Counts a parse of a contract document (as a compilation: both are start-up work).
pub(crate) fn count_parse() {
    count_compilation();
}

fn count_compilation() {
    COMPILATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// A compiled schema, with where it came from for messages.
#[derive(Debug, Clone)]
pub struct Schema {
    /// JSON pointer of the schema in its document.
    pub pointer: String,
    /// The compiled validator.
    pub validator: Arc<Validator>,
}

/// A document registered for compiling validators against it.
pub struct Compiler {
    registry: jsonschema::Registry<'static>,
    uri: String,
}

impl std::fmt::Debug for Compiler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiler").field("uri", &self.uri).finish_non_exhaustive()
    }
}

/// Characters that must be percent-encoded in the fragment of a reference URI.
const FRAGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'/')
    .remove(b'~')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

impl Compiler {
    /// Registers a rewritten document under a unique URI.
    pub fn new(uri: &str, document: Arc<Value>) -> Result<Self, String> {
        count_compilation();
        let registry = jsonschema::Registry::new()
            .draft(Draft::Draft202012)
            .add(uri, document)
            .and_then(|builder| builder.prepare())
            .map_err(|e| e.to_string())?;
        Ok(Compiler { registry, uri: uri.to_owned() })
    }

    /// The URI the document is registered under.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// Compiles the schema at `pointer` of the registered document.
    pub fn compile(&self, pointer: &str) -> Result<Schema, String> {
        count_compilation();
        let fragment = percent_encoding::utf8_percent_encode(pointer, FRAGMENT);
        let wrapper = json!({"$ref": format!("{}#{fragment}", self.uri)});
        let validator = jsonschema::options()
            .with_draft(Draft::Draft202012)
            .with_registry(&self.registry)
            .should_validate_formats(true)
            .with_format("url", is_http_url)
            .build(&wrapper)
            .map_err(|e| e.to_string())?;
        Ok(Schema { pointer: pointer.to_owned(), validator: Arc::new(validator) })
    }
}

/// The `url` format some vendors use (Ada): an absolute `http` or `https` URL with a host.
pub fn is_http_url(text: &str) -> bool {
    match fluent_uri::Uri::parse(text) {
        Ok(uri) => {
            let scheme = uri.scheme().as_str().to_ascii_lowercase();
            (scheme == "http" || scheme == "https")
                && uri.authority().is_some_and(|a| !a.host().is_empty())
        }
        Err(_) => false,
    }
}

/// One problem found in an instance: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError {
    /// JSON pointer into the instance (`""` for the whole value).
    pub pointer: String,
    /// A readable message.
    pub message: String,
}

impl Schema {
    /// Every problem of `instance` against this schema, in the validator's order.
    pub fn errors(&self, instance: &Value) -> Vec<SchemaError> {
        // Most instances are valid: `is_valid` stops at nothing and builds no error, so it
        // costs a fraction of collecting errors, which is only done for invalid ones.
        if self.validator.is_valid(instance) {
            return Vec::new();
        }
        self.validator
            .iter_errors(instance)
            .map(|error| {
                let pointer = error.instance_path().to_string();
                let message = match error.kind() {
                    jsonschema::error::ValidationErrorKind::FalseSchema => {
                        "this property must not be sent in this direction (readOnly/writeOnly)"
                            .to_owned()
                    }
                    _ => error.to_string(),
                };
                SchemaError { pointer, message }
            })
            .collect()
    }

    /// Whether `instance` is valid.
    pub fn is_valid(&self, instance: &Value) -> bool {
        self.validator.is_valid(instance)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(doc: Value, dialect: Dialect, direction: Direction, pointer: &str) -> Schema {
        let normalized = normalize(&doc, dialect, direction);
        Compiler::new("urn:test", Arc::new(normalized)).unwrap().compile(pointer).unwrap()
    }

    #[test]
    fn nullable_30_accepts_null_and_still_checks_type() {
        let doc = json!({"components": {"schemas": {"A": {"type": "string", "nullable": true}}}});
        let schema = compile(doc, Dialect::V30, Direction::Request, "/components/schemas/A");
        assert!(schema.is_valid(&Value::Null));
        assert!(schema.is_valid(&json!("x")));
        assert!(!schema.is_valid(&json!(42)));
    }

    #[test]
    fn nullable_ref_30_becomes_any_of_with_null() {
        let doc = json!({"components": {"schemas": {
            "A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B", "nullable": true}}},
            "B": {"type": "integer"}
        }}});
        let schema = compile(doc, Dialect::V30, Direction::Request, "/components/schemas/A");
        assert!(schema.is_valid(&json!({"b": null})));
        assert!(!schema.is_valid(&json!({"b": "x"})));
    }

    #[test]
    fn boolean_exclusive_bounds_30_become_numeric() {
        let doc = json!({"components": {"schemas": {
            "A": {"type": "number", "minimum": 0, "exclusiveMinimum": true, "maximum": 10, "exclusiveMaximum": false}
        }}});
        let schema = compile(doc, Dialect::V30, Direction::Request, "/components/schemas/A");
        assert!(!schema.is_valid(&json!(0)));
        assert!(schema.is_valid(&json!(10)));
        assert!(!schema.is_valid(&json!(10.5)));
    }

    #[test]
    fn read_only_is_not_required_in_requests_and_write_only_is_forbidden_in_responses() {
        let doc = json!({"components": {"schemas": {"A": {
            "type": "object", "required": ["id", "secret"],
            "properties": {"id": {"type": "string", "readOnly": true}, "secret": {"type": "string", "writeOnly": true}}
        }}}});
        let request =
            compile(doc.clone(), Dialect::V31, Direction::Request, "/components/schemas/A");
        assert!(request.is_valid(&json!({"secret": "s"})));
        assert!(!request.is_valid(&json!({"id": "1"})));
        let response = compile(doc, Dialect::V31, Direction::Response, "/components/schemas/A");
        assert!(response.is_valid(&json!({"id": "1"})));
        let errors = response.errors(&json!({"id": "1", "secret": "s"}));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].pointer, "/secret");
    }

    #[test]
    fn formats_are_checked_including_url() {
        let doc = json!({"components": {"schemas": {"A": {"type": "object", "properties": {
            "when": {"type": "string", "format": "date-time"},
            "site": {"type": "string", "format": "url"}
        }}}}});
        let schema = compile(doc, Dialect::V31, Direction::Request, "/components/schemas/A");
        assert!(
            schema
                .is_valid(&json!({"when": "2026-01-01T00:00:00Z", "site": "https://a.example/x"}))
        );
        assert_eq!(schema.errors(&json!({"when": "yesterday", "site": "not a url"})).len(), 2);
    }

    #[test]
    fn pointers_with_braces_and_slashes_compile() {
        let doc = json!({"paths": {"/a/{id}": {"get": {"responses": {"200": {"content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/B"}}
        }}}}}}, "components": {"schemas": {"B": {"type": "integer"}}}});
        let pointer = "/paths/~1a~1{id}/get/responses/200/content/application~1json/schema";
        let schema = compile(doc, Dialect::V31, Direction::Response, pointer);
        assert!(schema.is_valid(&json!(3)));
        assert!(!schema.is_valid(&json!("3")));
    }

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

    #[test]
    fn walk_schema_skips_values_that_are_not_schemas() {
        let schema = json!({"properties": {"a": {"enum": [{"properties": {}}]}}, "items": {"type": "string"}});
        let mut seen = Vec::new();
        walk_schema(&schema, "", &mut |p, _| seen.push(p.to_owned()));
        seen.sort();
        assert_eq!(seen, ["", "/items", "/properties/a"]);
    }
}
