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
//! schema is nullable (OAS 3.0.3 leaves this open; we take the lenient reading). A 3.1 schema
//! that still says `nullable: true` (a 3.0 keyword 3.1 dropped, common in documents moved from
//! 3.0) is read the same way, as Schemathesis and most tools read it. In both
//! dialects, `format: int32` and `format: int64` become the `minimum` and `maximum` they imply
//! (JSON Schema knows no such formats); with numbers kept as written (serde_json's
//! `arbitrary_precision`), an integer past int64 is refused exactly, not as a rounded `f64`.
//!
//! Compiling is done with a `jsonschema` [`Registry`](jsonschema::Registry) holding the whole
//! rewritten document, and a `{"$ref": "<uri>#<pointer>"}` wrapper per schema position, so that
//! `#/components/...` references resolve exactly as they do in the document. Schemas with an
//! `$id` of their own are registered beside it and named by that `$id` (`ids.rs` says why). A
//! [`Schema`] is compiled as it is made ([`Compiler::compile`]) or on its first use, once, with
//! the compiler a [`CompilerSource`] makes when first asked (`forms.rs`); a schema that does not
//! compile then fails every instance with the library's message, never a panic.

use std::sync::Arc;

use jsonschema::{Draft, Validator};

use crate::contract::document::{
    SUBSCHEMA_ARRAY_KEYWORDS, SUBSCHEMA_KEYWORDS, SUBSCHEMA_MAP_KEYWORDS, deref,
    for_each_schema_position,
};
use crate::contract::ids::Resources;
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Client to server.
    Request,
    /// Server to client.
    Response,
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

/// [`normalize`] in place, without the copy, for a document [`same_in_both_directions`]: then
/// no schema's rewrite looks at another one's `readOnly` or `writeOnly`, which is what the copy
/// keeps as written.
pub(crate) fn normalize_in_place(doc: &mut Value, dialect: Dialect, direction: Direction) {
    let mut positions = Vec::new();
    for_each_schema_position(doc, &mut |pointer| positions.push(pointer.to_owned()));
    let rewriter = Rewriter { original: &Value::Null, dialect, direction };
    for pointer in positions {
        if let Some(schema) = doc.pointer_mut(&pointer) {
            rewriter.rewrite(schema, 0);
        }
    }
}

/// Whether [`normalize`] gives the same document for both directions: no schema of `doc` marks
/// anything `readOnly` or `writeOnly` (GitBook's, Teable's and Ada's documents), so that one
/// rewritten form can serve both.
pub fn same_in_both_directions(doc: &Value) -> bool {
    // Past this depth the answer is "perhaps": the two forms are then kept apart.
    fn marks(value: &Value, depth: usize) -> bool {
        match value {
            _ if depth > 512 => true,
            Value::Object(object) => {
                let flagged =
                    |k| crate::json::member::member(object, k) == Some(&Value::Bool(true));
                flagged("readOnly")
                    || flagged("writeOnly")
                    || object.values().any(|v| marks(v, depth + 1))
            }
            Value::Array(items) => items.iter().any(|v| marks(v, depth + 1)),
            _ => false,
        }
    }
    !marks(doc, 0)
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
        } else if object.remove("nullable") == Some(Value::Bool(true)) {
            // 3.1 dropped `nullable`, but documents written for 3.0 and moved to 3.1 keep it,
            // and Schemathesis and most tools still honour it: so does understudy.
            if object.contains_key("$ref") {
                let inner = Value::Object(std::mem::take(object));
                *schema = json!({"anyOf": [inner, {"type": "null"}]});
            } else {
                make_nullable(schema);
            }
        }
        let Some(object) = schema.as_object_mut() else { return };
        bound_integer_format(object);
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

/// `format: int32` and `format: int64` as the bounds they imply (OpenAPI: signed 32 and 64
/// bits), so that a value out of range is refused like one past `maximum`. A bound the schema
/// sets already is kept when it is at least as tight.
fn bound_integer_format(object: &mut Map<String, Value>) {
    let (low, high) = match object.get("format").and_then(Value::as_str) {
        Some("int32") => (i64::from(i32::MIN), i64::from(i32::MAX)),
        Some("int64") => (i64::MIN, i64::MAX),
        _ => return,
    };
    // A bound inside the range is at least as tight as the range's own.
    let inside = |bound: Option<&Value>| match bound {
        Some(Value::Number(n)) => {
            n.as_i64().is_some_and(|n| (low..=high).contains(&n))
                || n.as_f64().is_some_and(|n| n > low as f64 && n < high as f64)
        }
        _ => false,
    };
    if !inside(object.get("minimum")) {
        object.insert("minimum".into(), Value::from(low));
    }
    if !inside(object.get("maximum")) {
        object.insert("maximum".into(), Value::from(high));
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

// === Compiling ===

/// How many documents have been registered and schemas compiled by this process. A schema
/// position is compiled once, at start-up or on its first use; a test checks that serving the
/// same requests again never moves this number.
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

/// A schema of a contract, with where it came from for messages. Its validator is compiled
/// when the schema is made ([`Compiler::compile`]) or on its first use ([`Compiler::schema`]),
/// once: clones share it.
#[derive(Debug, Clone)]
pub struct Schema {
    /// JSON pointer of the schema in its document.
    pub pointer: String,
    /// The schema with its `$dynamicRef`s bound (`Resources::bind_dynamic`), for generating
    /// values; `None` when it reaches none and the schema at `pointer` is used as it is.
    pub bound: Option<Arc<Value>>,
    /// The validator, compiled or to be compiled.
    validator: Arc<Slot>,
}

/// A validator compiled once, on first use, with the compiler of one direction of a document.
struct Slot {
    /// Where that compiler is; `None` when it was compiled as the schema was made.
    source: Option<(Arc<dyn CompilerSource>, Direction)>,
    compiled: std::sync::OnceLock<Result<Validator, CompileError>>,
}

/// What holds the compilers of a document's two forms, made when first asked for
/// (`forms.rs`).
pub(crate) trait CompilerSource: Send + Sync {
    /// The compiler of the form for `direction`; the library's message when it refuses the
    /// document.
    fn compiler(&self, direction: Direction) -> Result<&Arc<Compiler>, CompileError>;
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.compiled.get() {
            None => "not compiled yet",
            Some(Ok(_)) => "compiled",
            Some(Err(_)) => "does not compile",
        };
        f.write_str(state)
    }
}

/// A document or a schema the validator library cannot use; the text is the library's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    /// The rewritten document could not be registered (a broken `$id` or reference).
    #[error("{0}")]
    Register(String),
    /// The schema at a pointer does not compile.
    #[error("{0}")]
    Schema(String),
}

/// A document registered for compiling validators against it.
pub struct Compiler {
    registry: jsonschema::Registry<'static>,
    uri: String,
    /// The document's `$id` resources: where a pointer lies decides how it is named.
    resources: Resources,
    /// The document itself, for binding dynamic references.
    document: Arc<Value>,
}

impl std::fmt::Debug for Compiler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiler").field("uri", &self.uri).finish_non_exhaustive()
    }
}

impl Compiler {
    /// Registers a rewritten document under a unique URI, with its `$id` schemas beside it
    /// (see `ids.rs`: the library finds them only where JSON Schema keywords lead).
    pub fn new(uri: &str, document: Arc<Value>) -> Result<Self, CompileError> {
        count_compilation();
        let resources = Resources::index(&document);
        let builder = jsonschema::Registry::new().draft(Draft::Draft202012);
        let registered = if resources.needs_registry_form() {
            let (copy, schemas) = resources.registry_form(&document, uri);
            builder.add(uri, copy).and_then(|builder| builder.extend(schemas))
        } else {
            builder.add(uri, document.clone())
        };
        let registry = registered
            .and_then(|builder| builder.prepare())
            .map_err(|e| CompileError::Register(e.to_string()))?;
        Ok(Compiler { registry, uri: uri.to_owned(), resources, document })
    }

    /// The document's `$id` resources and anchors.
    pub(crate) fn resources(&self) -> &Resources {
        &self.resources
    }

    /// The URI the document is registered under.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// Compiles the schema at `pointer` of the registered document, now.
    pub fn compile(&self, pointer: &str) -> Result<Schema, CompileError> {
        let validator = self.validator(pointer)?;
        let compiled = std::sync::OnceLock::from(Ok(validator));
        let bound = self.resources.bind_dynamic(&self.document, pointer).map(Arc::new);
        let slot = Slot { source: None, compiled };
        Ok(Schema { pointer: pointer.to_owned(), bound, validator: Arc::new(slot) })
    }

    /// Compiles the schema at `pointer` into a validator.
    pub(crate) fn validator(&self, pointer: &str) -> Result<Validator, CompileError> {
        count_compilation();
        let wrapper = json!({"$ref": self.resources.absolute(&self.uri, pointer)});
        jsonschema::options()
            .with_draft(Draft::Draft202012)
            .with_registry(&self.registry)
            .should_validate_formats(true)
            .with_format("url", is_http_url)
            .build(&wrapper)
            .map_err(|e| CompileError::Schema(e.to_string()))
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
    /// JSON pointer, in the contract document, of the schema keyword the value breaks
    /// (`/components/schemas/Integration/properties/name/type`).
    pub keyword: String,
}

impl Schema {
    /// The schema at `pointer` of a document, compiled on its first use with the compiler
    /// `source` has for `direction`; `bound` as [`Schema::bound`] says. A schema that does not
    /// compile then fails every instance, naming why ([`Schema::errors`]).
    pub(crate) fn on_first_use(
        source: Arc<dyn CompilerSource>,
        direction: Direction,
        pointer: &str,
        bound: Option<Arc<Value>>,
    ) -> Schema {
        let slot = Slot { source: Some((source, direction)), compiled: Default::default() };
        Schema { pointer: pointer.to_owned(), bound, validator: Arc::new(slot) }
    }

    /// Compiles the validator now, if it is not compiled yet; the library's message when the
    /// schema does not compile.
    pub fn check(&self) -> Result<(), CompileError> {
        self.validator().map(|_| ())
    }

    fn validator(&self) -> Result<&Validator, CompileError> {
        let slot = &*self.validator;
        let compiled = slot.compiled.get_or_init(|| {
            let Some((source, direction)) = &slot.source else {
                // Made by `Compiler::compile`, which sets the validator before anyone sees it.
                return Err(CompileError::Schema("the validator was never compiled".into()));
            };
            source.compiler(*direction)?.validator(&self.pointer)
        });
        compiled.as_ref().map_err(Clone::clone)
    }

    /// Every problem of `instance` against this schema, in the validator's order. A schema that
    /// does not compile reports that, as the one problem of every instance.
    pub fn errors(&self, instance: &Value) -> Vec<SchemaError> {
        let validator = match self.validator() {
            Ok(validator) => validator,
            Err(error) => {
                return vec![SchemaError {
                    pointer: String::new(),
                    message: format!("the schema at {} does not compile: {error}", self.pointer),
                    keyword: self.pointer.clone(),
                }];
            }
        };
        // Most instances are valid: `is_valid` stops at nothing and builds no error, so it
        // costs a fraction of collecting errors, which is only done for invalid ones.
        if validator.is_valid(instance) {
            return Vec::new();
        }
        validator
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
                SchemaError { pointer, message, keyword: error.schema_path().to_string() }
            })
            .collect()
    }

    /// Whether `instance` is valid (never, against a schema that does not compile).
    pub fn is_valid(&self, instance: &Value) -> bool {
        self.validator().is_ok_and(|validator| validator.is_valid(instance))
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
    fn nullable_in_a_31_document_is_honoured_too() {
        // See: issue 12 (ReadMe's API v2 is OpenAPI 3.1 and marks optional fields nullable).
        let doc = json!({"components": {"schemas": {
            "A": {"type": "object", "properties": {
                "s": {"type": "string", "nullable": true},
                "e": {"enum": ["x"], "nullable": true},
                "r": {"$ref": "#/components/schemas/B", "nullable": true},
                "plain": {"type": "string"}
            }},
            "B": {"type": "integer"}
        }}});
        for direction in [Direction::Request, Direction::Response] {
            let schema = compile(doc.clone(), Dialect::V31, direction, "/components/schemas/A");
            assert!(schema.is_valid(&json!({"s": null, "e": null, "r": null})));
            assert!(schema.is_valid(&json!({"s": "x", "e": "x", "r": 1})));
            assert!(!schema.is_valid(&json!({"s": 1})));
            assert!(!schema.is_valid(&json!({"r": "x"})));
            assert!(!schema.is_valid(&json!({"plain": null})));
        }
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
    fn int32_and_int64_formats_are_ranges_checked_exactly_in_both_dialects() {
        for dialect in [Dialect::V30, Dialect::V31] {
            let doc = json!({"components": {"schemas": {
                "A": {"type": "integer", "format": "int64"},
                "B": {"type": "integer", "format": "int32", "minimum": 1},
                "C": {"type": "integer"}
            }}});
            let int64 = compile(doc.clone(), dialect, Direction::Request, "/components/schemas/A");
            let number = |text: &str| serde_json::from_str::<Value>(text).unwrap();
            for valid in ["-9223372036854775808", "9223372036854775807", "0"] {
                assert!(int64.is_valid(&number(valid)), "{valid}");
            }
            for invalid in [
                "-9223372036854775809",
                "9223372036854775808",
                "123456789012345678901234567890",
                "1.5",
            ] {
                assert!(!int64.is_valid(&number(invalid)), "{invalid}");
            }
            let int32 = compile(doc.clone(), dialect, Direction::Response, "/components/schemas/B");
            assert!(int32.is_valid(&json!(2147483647)));
            assert!(!int32.is_valid(&json!(2147483648_i64)));
            assert!(!int32.is_valid(&json!(0)), "the schema's own tighter minimum is kept");
            let plain = compile(doc, dialect, Direction::Request, "/components/schemas/C");
            assert!(plain.is_valid(&number("123456789012345678901234567890")));
        }
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
}
