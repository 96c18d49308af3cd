//! Loading a contract: text → document → checked references → rewritten schemas → compiled
//! operations.
//!
//! A document (3.0.x or 3.1.x, YAML or JSON) is parsed into a `serde_json::Value`, checked for
//! references that point nowhere (`document.rs`), rewritten into JSON Schema 2020-12 twice (once
//! for requests, once for responses: `schema.rs`), and turned into [`Operation`]s whose every
//! schema is a validator. Samples for responses without examples are generated from the
//! response document (`sample.rs`), and examples are checked against their schemas.
//!
//! When the validators are compiled, and the samples and example checks made, is the caller's
//! choice ([`Compilation`]). A document the user gives is compiled **eagerly**, at load, as a
//! whole: a schema that does not compile is a load error (exit 2) naming the file, operation
//! and pointer, before any request. The embedded contracts are compiled **lazily**: each part
//! on its first use, once, then kept; and their rewritten forms are made on first use too
//! (`forms.rs`). Compiled validators, samples and checked examples were 4.7 of the bundled
//! catalog's 11.3 MiB of heap and most of its load time (GitBook and Arize have three documents
//! each, every one compiled in both directions), while a client of one API uses a handful of
//! its operations. The embedded documents cannot change after the build, so compiling them at
//! each start-up only repeats what a test does once: `tests/it/embedded.rs` compiles every
//! schema position, sample and example of every version and dialect, and compares them with an
//! eager load of the same files, so a broken embedded contract still fails CI rather than a
//! request. A lazy part is made once, under a lock, by the first request that needs it; later
//! requests only read it.

use std::collections::BTreeMap;
use std::sync::Arc;

use http::Method;
use serde_json::Value;

use crate::contract::bodies::Bodies;
use crate::contract::document::{
    METHODS, base_path, check_references, operation_of, resolve_local,
};
use crate::contract::forms::{Forms, Schemas};
use crate::contract::model::{
    Contract, Document, Example, FORM, HeaderSpec, Lazy, MULTIPART, MediaType, Operation,
    ParameterLocation, RequestBody, ResponseSpec, SecurityScheme, StatusKey, ValueKind,
};
use crate::contract::route::Router;
use crate::contract::schema::{Dialect, Direction, Schema};
use crate::error::LoadError;
use crate::files::TextFile;
use crate::json::pointer::push_token;

mod parameters;

/// Parses a YAML or JSON text into a value (JSON for `.json` files, YAML otherwise).
pub fn parse_text(file: &TextFile) -> Result<Value, LoadError> {
    crate::contract::schema::count_parse();
    if file.file_name.ends_with(".json") {
        crate::json::parse::from_str(&file.text).map_err(|e| LoadError::Syntax {
            file: file.name.clone(),
            message: format!("invalid JSON at line {}, column {}: {e}", e.line(), e.column()),
        })
    } else {
        crate::files::parse_yaml(&file.text).map_err(|e| LoadError::Syntax {
            file: file.name.clone(),
            message: format!("invalid YAML: {e}"),
        })
    }
}

/// When a contract's validators are compiled, and its samples and example checks made (see the
/// module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compilation {
    /// At load: a schema that does not compile is a load error.
    Eager,
    /// Each on its first use; a schema that does not compile then fails every value checked
    /// against it, saying so. For documents a test has compiled in full: the embedded ones,
    /// whose text (the file's own, as the binary holds it) is read again when a rewritten form
    /// of it is first needed (`forms.rs`).
    Lazy(&'static str),
}

/// Loads a contract from a file, compiling it eagerly. A contract read from disk (its `name` is
/// its path) may refer to other files next to it (`bundle.rs`).
pub fn load(file: &TextFile) -> Result<Contract, LoadError> {
    load_with(file, Compilation::Eager)
}

/// [`load`], compiling when `compilation` says.
pub fn load_with(file: &TextFile, compilation: Compilation) -> Result<Contract, LoadError> {
    from_value_with(file, read(file)?, compilation)
}

/// The document a file holds, with the objects of the files it refers to brought in.
fn read(file: &TextFile) -> Result<Value, LoadError> {
    let mut document = parse_text(file)?;
    let path = std::path::Path::new(&file.name);
    crate::contract::bundle::bundle(&file.name, path.is_file().then_some(path), &mut document)?;
    Ok(document)
}

/// Builds a contract from an already parsed document, compiling it eagerly. `file` names it in
/// messages.
pub fn from_value(file: &TextFile, document: Value) -> Result<Contract, LoadError> {
    from_value_with(file, document, Compilation::Eager)
}

/// [`from_value`], compiling when `compilation` says.
pub fn from_value_with(
    file: &TextFile,
    document: Value,
    compilation: Compilation,
) -> Result<Contract, LoadError> {
    let name = file.name.as_str();
    let version = document.get("openapi").and_then(Value::as_str).unwrap_or_default().to_owned();
    let dialect = if version.starts_with("3.0.") || version == "3.0" {
        Dialect::V30
    } else if version.starts_with("3.1.") || version == "3.1" {
        Dialect::V31
    } else {
        let shown = match (document.get("openapi"), document.get("swagger")) {
            (Some(Value::String(v)), _) => v.clone(),
            (Some(other), _) => other.to_string(),
            // No well-kept Rust crate converts Swagger 2.0; the npm tool does.
            (None, Some(swagger)) => format!(
                "Swagger {}: convert it to OpenAPI 3 first, e.g. `npx swagger2openapi FILE -o openapi.yaml`",
                swagger.as_str().map_or_else(|| swagger.to_string(), str::to_owned)
            ),
            (None, None) => "(missing `openapi` field)".into(),
        };
        return Err(LoadError::Version { file: name.to_owned(), version: shown });
    };
    let mut document = document;
    let canonical = crate::contract::ids::canonicalize(name, &mut document)?;
    check_references(name, &document)?;
    let forms = match compilation {
        // Forms made from the text again when first needed hold nothing now (`forms.rs`).
        Compilation::Lazy(text) if !canonical.dynamic => {
            let read = Box::new(move |file: &TextFile| read_again(file, canonical.edited));
            Forms::on_first_use(file, &document, text, read, dialect)
        }
        _ => Forms::made(&document, dialect, canonical.dynamic).map_err(|message| {
            LoadError::invalid(name, operation_of(&document, ""), "", message.to_string())
        })?,
    };
    let forms = Arc::new(forms);

    let builder = Builder {
        file: name,
        document: &document,
        forms: forms.clone(),
        schemas: Arc::new(Schemas::new(forms.clone())),
        compilation,
        samples: Default::default(),
    };
    let operations = builder.operations()?;
    let security_schemes = builder.security_schemes()?;
    for op in &operations {
        for requirement in &op.security {
            for scheme in requirement {
                if !security_schemes.contains_key(scheme) {
                    return Err(LoadError::invalid(
                        name,
                        &op.id,
                        format!("{}/security", op.pointer),
                        format!("security scheme `{scheme}` is not defined in components"),
                    ));
                }
            }
        }
    }
    let title =
        document.pointer("/info/title").and_then(Value::as_str).unwrap_or_default().to_owned();
    let bodies: Vec<String> = operations
        .iter()
        .flat_map(|op| op.body.iter().flat_map(|b| &b.content))
        .filter_map(|media| media.schema.as_ref())
        .map(|schema| schema.pointer.clone())
        .collect();
    let bodies = {
        let forms = forms.clone();
        builder.made(Lazy::new(move || {
            let document = forms.document(Direction::Request);
            Bodies::new(document, bodies.iter().map(String::as_str))
        }))
    };
    let router = Router::new(operations.iter().map(|op| (&op.method, op.path.as_str())));
    Ok(Contract {
        router,
        file: name.to_owned(),
        file_name: file.file_name.clone(),
        dialect,
        version,
        title,
        base_path: base_path(&document),
        operations,
        security_schemes,
        // The document as written is dropped here: its forms have everything but the schema
        // rewrites (an embedded one's are made again when needed), and memory counts for a
        // sidecar.
        response_document: Document::new(forms.clone(), Direction::Response),
        document: Document::new(forms, Direction::Request),
        bodies,
        schemas: builder.schemas,
    })
}

struct Builder<'a> {
    file: &'a str,
    /// The document as written (with its references made local).
    document: &'a Value,
    /// Its rewritten forms, made now or on first use.
    forms: Arc<Forms>,
    /// The validators, shared by pointer (a shared component is compiled once).
    schemas: Arc<Schemas>,
    compilation: Compilation,
    /// The samples made so far, by pointer (shared components again).
    samples: Arc<Samples>,
}

/// Samples by the pointer of their schema, each made once.
type Samples = std::sync::Mutex<std::collections::HashMap<String, Option<Value>>>;

impl Builder<'_> {
    fn error(&self, operation: &str, pointer: &str, message: impl Into<String>) -> LoadError {
        LoadError::invalid(self.file, operation, pointer, message)
    }

    /// Follows a `$ref` (already checked to resolve) and returns the target with its pointer.
    fn follow<'v>(&'v self, value: &'v Value, pointer: &str) -> (&'v Value, String) {
        let mut value = value;
        let mut pointer = pointer.to_owned();
        for _ in 0..32 {
            let Some(reference) = value.get("$ref").and_then(Value::as_str) else { break };
            let Some(target) = resolve_local(self.document, reference) else { break };
            let fragment = &reference[1..];
            pointer = percent_encoding::percent_decode_str(fragment).decode_utf8_lossy().into();
            value = target;
        }
        (value, pointer)
    }

    fn operations(&self) -> Result<Vec<Operation>, LoadError> {
        let mut operations = Vec::new();
        let Some(paths) = self.document.get("paths") else { return Ok(operations) };
        let Some(paths) = paths.as_object() else {
            return Err(self.error("-", "/paths", "`paths` must be an object"));
        };
        let global_security = self.document.get("security");
        for (path, item) in paths.iter().filter(|(path, _)| !path.starts_with("x-")) {
            let item_pointer = push_token("/paths", path);
            if !path.starts_with('/') {
                return Err(self.error("-", &item_pointer, "a path must start with `/`"));
            }
            let (item, item_pointer) = self.follow(item, &item_pointer);
            let Some(item_map) = item.as_object() else {
                return Err(self.error("-", &item_pointer, "a path item must be an object"));
            };
            for method in METHODS {
                let Some(op) = item_map.get(*method) else { continue };
                let pointer = push_token(&item_pointer, method);
                let id = match op.get("operationId") {
                    Some(Value::String(id)) if !id.is_empty() => id.clone(),
                    Some(_) => {
                        let message = "`operationId` must be a non-empty string";
                        return Err(self.error("-", &pointer, message));
                    }
                    None => format!("{} {path}", method.to_uppercase()),
                };
                if operations.iter().any(|o: &Operation| o.id == id) {
                    let message = format!("operationId `{id}` is used twice");
                    return Err(self.error(&id, &pointer, message));
                }
                let method = Method::from_bytes(method.to_uppercase().as_bytes())
                    .expect("METHODS are valid HTTP methods");
                let parameters = self.parameters(&id, item, &item_pointer, op, &pointer)?;
                self.check_path_parameters(&id, path, &parameters, &pointer)?;
                let body = match op.get("requestBody") {
                    Some(body) => {
                        Some(self.request_body(&id, body, &format!("{pointer}/requestBody"))?)
                    }
                    None => None,
                };
                let responses = self.responses(&id, op, &pointer)?;
                let security =
                    self.security(&id, op.get("security").or(global_security), &pointer)?;
                operations.push(Operation {
                    id,
                    method,
                    path: path.clone(),
                    pointer,
                    parameters,
                    body,
                    responses,
                    security,
                });
            }
        }
        operations.shrink_to_fit();
        Ok(operations)
    }

    fn request_body(&self, id: &str, raw: &Value, pointer: &str) -> Result<RequestBody, LoadError> {
        let (raw, pointer) = self.follow(raw, pointer);
        let required = raw.get("required").and_then(Value::as_bool).unwrap_or(false);
        let content = self.content(id, raw, &pointer, Direction::Request)?;
        Ok(RequestBody { required, content })
    }

    fn responses(
        &self,
        id: &str,
        op: &Value,
        pointer: &str,
    ) -> Result<Vec<ResponseSpec>, LoadError> {
        let Some(responses) = op.get("responses").and_then(Value::as_object) else {
            return Err(self.error(id, pointer, "an operation needs `responses`"));
        };
        let mut specs = Vec::with_capacity(responses.len());
        for (status, raw) in responses {
            if status.starts_with("x-") {
                continue; // a specification extension, not a response
            }
            let pointer = push_token(&format!("{pointer}/responses"), status);
            let key = StatusKey::parse(status).ok_or_else(|| {
                self.error(
                    id,
                    &pointer,
                    format!("`{status}` is not a status code, a range like 4XX, or default"),
                )
            })?;
            let (raw, pointer) = self.follow(raw, &pointer);
            let content = self.content(id, raw, &pointer, Direction::Response)?;
            let mut headers = Vec::new();
            if let Some(map) = raw.get("headers").and_then(Value::as_object) {
                headers.reserve_exact(map.len());
                for (name, header) in map {
                    let header_pointer = push_token(&format!("{pointer}/headers"), name);
                    let (header, header_pointer) = self.follow(header, &header_pointer);
                    let schema_pointer = format!("{header_pointer}/schema");
                    let schema = match header.get("schema") {
                        Some(_) => Some(self.compile(Direction::Response, id, &schema_pointer)?),
                        None => None,
                    };
                    let example = header.get("example").or_else(|| {
                        header.get("examples")?.as_object()?.values().next()?.get("value")
                    });
                    // Headers that describe the body are the server's to set, for the body
                    // it sends (an example's `Content-Length: 6432` on an 8-byte body breaks
                    // the client).
                    let sample = match crate::contract::model::describes_body(name) {
                        true => Lazy::ready(None),
                        false => {
                            let example = example.cloned();
                            let sample = self.sampler(schema_pointer);
                            self.made(Lazy::new(move || {
                                example
                                    .or_else(sample)
                                    .map(|value| crate::json::text::as_text(&value))
                            }))
                        }
                    };
                    headers.push(HeaderSpec {
                        name: name.clone(),
                        required: header.get("required").and_then(Value::as_bool).unwrap_or(false),
                        kind: header.get("schema").map_or(ValueKind::String, |s| self.kind_of(s)),
                        schema,
                        sample,
                    });
                }
            }
            specs.push(ResponseSpec { status: key, headers, content });
        }
        specs.shrink_to_fit();
        Ok(specs)
    }

    fn content(
        &self,
        id: &str,
        holder: &Value,
        pointer: &str,
        direction: Direction,
    ) -> Result<Vec<MediaType>, LoadError> {
        let Some(map) = holder.get("content").and_then(Value::as_object) else {
            return Ok(Vec::new());
        };
        // Sized to the document's list, as every list of the model is: a contract's model is
        // kept for the life of the process, and a vector grown one push at a time holds room
        // for four media types (about 200 bytes each) where most responses have one.
        let mut content = Vec::with_capacity(map.len());
        for (media, object) in map {
            let media_pointer = push_token(&format!("{pointer}/content"), media);
            let schema_pointer = format!("{media_pointer}/schema");
            let schema = match object.get("schema") {
                Some(_) => Some(self.compile(direction, id, &schema_pointer)?),
                None => None,
            };
            // Where the examples' values are: read, checked (and an answer's stripped) on
            // first use, from the form of the direction they travel in.
            let mut written = Vec::new();
            if object.get("example").is_some() {
                written.push(("default".to_owned(), format!("{media_pointer}/example")));
            }
            if let Some(map) = object.get("examples").and_then(Value::as_object) {
                for (name, example) in map {
                    let example_pointer = push_token(&format!("{media_pointer}/examples"), name);
                    let (example, example_pointer) = self.follow(example, &example_pointer);
                    if example.get("value").is_some() {
                        written.push((name.clone(), format!("{example_pointer}/value")));
                    }
                }
            }
            let examples = {
                let schema = schema.clone();
                let forms = self.forms.clone();
                self.made(Lazy::new(move || {
                    let document = forms.document(direction);
                    let strip = match direction {
                        Direction::Response => Some(forms.document(Direction::Response).as_ref()),
                        Direction::Request => None,
                    };
                    let examples = written.into_iter().filter_map(|(name, pointer)| {
                        let value = document.pointer(&pointer)?.clone();
                        let (value, valid) = served(schema.as_ref(), strip, value);
                        Some(Example { name, value, valid })
                    });
                    examples.collect()
                }))
            };
            let sample = match (direction, object.get("schema")) {
                (Direction::Response, Some(_)) => {
                    let sample = self.sampler(schema_pointer);
                    self.made(Lazy::new(sample))
                }
                _ => Lazy::ready(None),
            };
            let mut fields = BTreeMap::new();
            let essence = crate::request::media_essence(media).unwrap_or_default();
            if let Some(raw) = object.get("schema")
                && matches!(essence.as_str(), FORM | MULTIPART)
            {
                self.form_fields(raw, &mut fields, 0);
            }
            content.push(MediaType { media: media.clone(), schema, examples, sample, fields });
        }
        Ok(content)
    }

    /// What makes the sample of the response schema at `pointer`, once per pointer.
    fn sampler(&self, pointer: String) -> impl FnOnce() -> Option<Value> + Send + 'static {
        let schemas = self.schemas.clone();
        let samples = self.samples.clone();
        move || sample(&schemas, &samples, &pointer)
    }

    /// A lazy part, made now when the contract is compiled eagerly.
    fn made<T>(&self, lazy: Lazy<T>) -> Lazy<T> {
        if self.compilation == Compilation::Eager {
            let _ = &*lazy;
        }
        lazy
    }

    /// The schema at `pointer` for one direction; compiled now when the contract is compiled
    /// eagerly, when a schema that does not compile is a load error.
    fn compile(&self, direction: Direction, id: &str, pointer: &str) -> Result<Schema, LoadError> {
        let schema = self.schemas.get(direction, pointer);
        if self.compilation == Compilation::Eager {
            schema.check().map_err(|message| {
                self.error(id, pointer, format!("the schema does not compile: {message}"))
            })?;
        }
        Ok(schema)
    }

    fn security(
        &self,
        id: &str,
        raw: Option<&Value>,
        pointer: &str,
    ) -> Result<Vec<Vec<String>>, LoadError> {
        let Some(raw) = raw else { return Ok(Vec::new()) };
        let Some(list) = raw.as_array() else {
            return Err(self.error(id, pointer, "`security` must be an array"));
        };
        list.iter()
            .map(|requirement| {
                requirement.as_object().map(|map| map.keys().cloned().collect()).ok_or_else(|| {
                    self.error(id, pointer, "a security requirement must be an object")
                })
            })
            .collect()
    }

    fn security_schemes(&self) -> Result<BTreeMap<String, SecurityScheme>, LoadError> {
        let mut schemes = BTreeMap::new();
        let Some(map) =
            self.document.pointer("/components/securitySchemes").and_then(Value::as_object)
        else {
            return Ok(schemes);
        };
        for (name, raw) in map {
            let pointer = push_token("/components/securitySchemes", name);
            let (raw, pointer) = self.follow(raw, &pointer);
            let kind = raw.get("type").and_then(Value::as_str).unwrap_or_default();
            let scheme = match kind {
                "http" => {
                    let scheme = raw.get("scheme").and_then(Value::as_str).unwrap_or_default();
                    match scheme.to_ascii_lowercase().as_str() {
                        "bearer" => SecurityScheme::Bearer,
                        "basic" => SecurityScheme::Basic,
                        other => {
                            let message =
                                format!("http scheme `{other}` is not supported (bearer, basic)");
                            return Err(self.error("-", &pointer, message));
                        }
                    }
                }
                "oauth2" | "openIdConnect" => SecurityScheme::Bearer,
                "apiKey" => {
                    let location = match raw.get("in").and_then(Value::as_str) {
                        Some("header") => ParameterLocation::Header,
                        Some("query") => ParameterLocation::Query,
                        Some("cookie") => ParameterLocation::Cookie,
                        _ => {
                            return Err(self.error(
                                "-",
                                &pointer,
                                "an apiKey scheme needs `in`: header, query or cookie",
                            ));
                        }
                    };
                    let name = raw.get("name").and_then(Value::as_str).unwrap_or_default();
                    SecurityScheme::ApiKey { location, name: name.to_owned() }
                }
                other => {
                    let message = format!("security scheme type `{other}` is not supported");
                    return Err(self.error("-", &pointer, message));
                }
            };
            schemes.insert(name.clone(), scheme);
        }
        Ok(schemes)
    }
}
/// Reads a document that loaded once again, as far as the load read it before rewriting it:
/// parsed, other files brought in, its references made local; the last two only where they
/// changed it the first time (a text not on disk refers to no other file: it would not have
/// loaded).
fn read_again(file: &TextFile, edited: bool) -> Result<Value, LoadError> {
    let mut document = match std::path::Path::new(&file.name).is_file() {
        true => read(file)?,
        false => parse_text(file)?,
    };
    if edited {
        crate::contract::ids::canonicalize(&file.name, &mut document)?;
    }
    Ok(document)
}

/// The sample of the response schema at `pointer`, checked with the validators of `schemas`;
/// made once per pointer (`samples`).
fn sample(schemas: &Schemas, samples: &Samples, pointer: &str) -> Option<Value> {
    let lock = || samples.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(sample) = lock().get(pointer) {
        return sample.clone();
    }
    // Generation follows static references only: `$dynamicRef`s are bound first. The result
    // is checked against the validators of the schema and of its `oneOf`s.
    let document = schemas.forms().document(Direction::Response);
    let bound = schemas.forms().bound(Direction::Response, pointer);
    let compile = |at: &str| {
        let schema = schemas.get(Direction::Response, at);
        schema.check().ok().map(|()| schema)
    };
    let sample = crate::contract::sample::generate(document, pointer, bound.as_deref(), &compile);
    lock().insert(pointer.to_owned(), sample.clone());
    sample
}

/// An example as it is served, and whether it is valid against its media type's schema. An
/// answer's example (`strip`: its response form) that shows what answers never hold (a
/// `writeOnly` card number, a field its closed object does not declare) is served without it.
fn served(schema: Option<&Schema>, strip: Option<&Value>, value: Value) -> (Value, bool) {
    let valid = |value: &Value| schema.is_none_or(|s| s.is_valid(value));
    if valid(&value) {
        return (value, true);
    }
    let (Some(schema), Some(document)) = (schema, strip) else { return (value, false) };
    let node = match &schema.bound {
        Some(bound) => Some(bound.as_ref()),
        None => document.pointer(&schema.pointer),
    };
    if let Some(node) = node {
        let mut stripped = value.clone();
        crate::contract::shape::forbidden(document, node, &mut stripped);
        if valid(&stripped) {
            return (stripped, true);
        }
    }
    (value, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> TextFile {
        TextFile { name: name.into(), file_name: name.into(), text: text.into() }
    }

    #[test]
    fn dangling_reference_names_file_operation_and_pointer() {
        let text = r##"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {
            "operationId": "getA", "responses": {"200": {"description": "ok", "content": {"application/json":
            {"schema": {"$ref": "#/components/schemas/Missing"}}}}}}}}}"##;
        let error = load(&file("broken.json", text)).unwrap_err().to_string();
        assert_eq!(
            error,
            "broken.json: operation `getA`: /paths/~1a/get/responses/200/content/application~1json/schema/$ref: \
             $ref `#/components/schemas/Missing` does not resolve"
        );
    }

    #[test]
    fn unsupported_version_is_rejected() {
        let error = load(&file("old.yaml", "swagger: '2.0'\ninfo: {title: t, version: '1'}\n"))
            .unwrap_err();
        assert!(
            error.to_string().contains("`Swagger 2.0: convert it to OpenAPI 3 first"),
            "{error}"
        );
        let error = load(&file("none.yaml", "info: {title: t, version: '1'}\n")).unwrap_err();
        assert!(error.to_string().contains("`(missing `openapi` field)`"), "{error}");
        let error = load(&file("new.yaml", "openapi: 4.0.0\n")).unwrap_err();
        assert!(error.to_string().contains("`4.0.0`"), "{error}");
    }

    #[test]
    fn invalid_yaml_names_the_line() {
        let error =
            load(&file("bad.yaml", "openapi: 3.1.0\ninfo: [unclosed\n")).unwrap_err().to_string();
        assert!(error.starts_with("bad.yaml: invalid YAML"), "{error}");
        assert!(error.contains("line"), "{error}");
    }

    #[test]
    fn operation_level_parameters_override_path_level_ones() {
        let text = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /items/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
      - {name: q, in: query, schema: {type: string}}
    get:
      operationId: getItem
      parameters:
        - {name: q, in: query, required: true, schema: {type: integer}}
      responses:
        '200': {description: ok}
"#;
        let contract = load(&file("c.yaml", text)).unwrap();
        let op = contract.operation("getItem").unwrap();
        assert_eq!(op.parameters.len(), 2);
        let q = op.parameters.iter().find(|p| p.name == "q").unwrap();
        assert!(q.required);
        assert_eq!(q.kind, ValueKind::Integer);
    }

    #[test]
    fn headers_that_describe_the_body_get_no_sample_and_broken_examples_are_marked() {
        let text = r#"
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /items:
    get:
      operationId: listItems
      responses:
        '200':
          description: ok
          headers:
            Content-Length: {required: true, schema: {type: integer}, example: 6432}
            X-Total: {schema: {type: integer}, example: 3}
          content:
            application/json:
              schema: {type: object, properties: {n: {type: integer}}}
              examples:
                good: {value: {n: 1}}
                broken: {value: {n: one}}
"#;
        let contract = load(&file("c.yaml", text)).unwrap();
        let response = contract.operation("listItems").unwrap().response(200).unwrap();
        let sample = |name: &str| {
            response.headers.iter().find(|h| h.name == name).and_then(|h| h.sample.clone())
        };
        assert_eq!(sample("Content-Length"), None);
        assert_eq!(sample("X-Total").as_deref(), Some("3"));
        let valid: Vec<(&str, bool)> =
            response.content[0].examples.iter().map(|e| (e.name.as_str(), e.valid)).collect();
        assert_eq!(valid, [("good", true), ("broken", false)]);
    }

    #[test]
    fn undeclared_path_parameter_is_a_load_error() {
        let text = r#"
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /items/{id}:
    get:
      operationId: getItem
      responses: {'200': {description: ok}}
"#;
        let error = load(&file("c.yaml", text)).unwrap_err().to_string();
        assert!(error.contains("operation `getItem`") && error.contains("`{id}`"), "{error}");
    }

    #[test]
    fn a_schema_that_does_not_compile_stops_an_eager_load_and_fails_every_value_when_lazy() {
        let text = r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/a": {"get": {
            "operationId": "getA", "responses": {"200": {"description": "ok", "content": {"application/json":
            {"schema": {"type": "string", "pattern": "(unclosed"}}}}}}}}}"#;
        let error = load(&file("broken.json", text)).unwrap_err().to_string();
        assert_eq!(
            error,
            "broken.json: operation `getA`: /paths/~1a/get/responses/200/content/application~1json/schema: \
             the schema does not compile: \"(unclosed\" is not a \"regex\""
        );
        let contract = load_with(&file("broken.json", text), Compilation::Lazy(text)).unwrap();
        let schema = contract.operations[0].responses[0].content[0].schema.clone().unwrap();
        assert!(schema.check().is_err());
        assert!(!schema.is_valid(&serde_json::json!("x")));
        let errors = schema.errors(&serde_json::json!("x"));
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("does not compile"), "{}", errors[0].message);
    }
}
