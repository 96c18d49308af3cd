//! OpenAPI contracts: loading a document into our own operation model.
//!
//! A document (3.0.x or 3.1.x, YAML or JSON) is parsed into a `serde_json::Value`, checked for
//! references that point nowhere, rewritten into JSON Schema 2020-12 twice (once for requests,
//! once for responses: see `schema.rs`), and turned into [`Operation`]s whose every schema is a
//! compiled validator. All of it happens once, at start-up; the request path only reads the
//! result. Samples for responses without examples are generated here too (`sample.rs`).
//!
//! The model keeps only what serving and checking need: operations with their parameters, body,
//! responses and security, the security schemes, and the server base path.

use std::collections::BTreeMap;
use std::sync::Arc;

use http::Method;
use serde_json::Value;

use crate::contract::schema::{self, Compiler, Dialect, Direction, Schema, push_token};
use crate::error::LoadError;
use crate::files::TextFile;

/// The HTTP methods an OpenAPI path item can hold, in document order.
pub const METHODS: &[&str] = &["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// One loaded OpenAPI document.
#[derive(Debug)]
pub struct Contract {
    /// Display name of the file it came from.
    pub file: String,
    /// File name without folder (`openapi-3.1.json`).
    pub file_name: String,
    /// 3.0 or 3.1.
    pub dialect: Dialect,
    /// The `openapi` field as written (`3.0.3`).
    pub version: String,
    /// `info.title`.
    pub title: String,
    /// Path part of the first server URL, without a trailing slash (`/v1`, or empty).
    pub base_path: String,
    /// The operations in document order.
    pub operations: Vec<Operation>,
    /// Security schemes by name.
    pub security_schemes: BTreeMap<String, SecurityScheme>,
    /// The document with request-direction schemas (as written, but for the rewrites of
    /// `schema.rs`: OpenAPI 3.0 keywords in JSON Schema 2020-12 form, `readOnly` properties not
    /// required). Every path, parameter, example and pointer of the file is in it.
    pub document: Arc<Value>,
    /// Where request body schemas of `document` lead to defaults.
    pub defaults: schema::DefaultsIndex,
    /// The document with response-direction schemas (used to generate samples).
    pub response_document: Arc<Value>,
    /// Compilers for more schemas of this document, in each direction (used by `lint`).
    compilers: Arc<(Compiler, Compiler)>,
}

/// One operation of a contract.
#[derive(Debug)]
pub struct Operation {
    /// `operationId`, or `METHOD /path` when the document gives none.
    pub id: String,
    /// The HTTP method.
    pub method: Method,
    /// The path template (`/spaces/{spaceId}/integrations`), without the server base path.
    pub path: String,
    /// JSON pointer of the operation object in the document.
    pub pointer: String,
    /// Path, query and header parameters (path-level ones merged in).
    pub parameters: Vec<Parameter>,
    /// The request body, if the operation declares one.
    pub body: Option<RequestBody>,
    /// Documented responses, in document order.
    pub responses: Vec<ResponseSpec>,
    /// Security requirements: the request must satisfy one of them. Each is a list of scheme
    /// names that must all be satisfied; an empty one means "no credentials needed". An empty
    /// list means the operation is open.
    pub security: Vec<Vec<String>>,
}

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParameterLocation {
    /// In the path template.
    Path,
    /// In the query string.
    Query,
    /// In a header.
    Header,
    /// In a cookie.
    Cookie,
}

impl ParameterLocation {
    /// The OpenAPI name (`path`, `query`...).
    pub fn as_str(self) -> &'static str {
        match self {
            ParameterLocation::Path => "path",
            ParameterLocation::Query => "query",
            ParameterLocation::Header => "header",
            ParameterLocation::Cookie => "cookie",
        }
    }
}

/// A declared parameter.
#[derive(Debug)]
pub struct Parameter {
    /// Its name.
    pub name: String,
    /// Where it travels.
    pub location: ParameterLocation,
    /// Whether it must be present.
    pub required: bool,
    /// For arrays: repeated keys (`explode`, the default for query) or comma-separated values.
    pub explode: bool,
    /// The JSON type the text is converted to before validation.
    pub kind: ValueKind,
    /// For arrays, the JSON type of the items.
    pub item_kind: ValueKind,
    /// The compiled schema, if the parameter has one.
    pub schema: Option<Schema>,
}

/// The JSON type a textual parameter is converted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Kept as text.
    String,
    /// Parsed as an integer.
    Integer,
    /// Parsed as a number.
    Number,
    /// `true` / `false`.
    Boolean,
    /// Split into items.
    Array,
}

/// A declared request body.
#[derive(Debug)]
pub struct RequestBody {
    /// Whether a body must be sent.
    pub required: bool,
    /// Accepted media types.
    pub content: Vec<MediaType>,
}

/// A media type of a body, with its schema and examples.
#[derive(Debug)]
pub struct MediaType {
    /// The media range as written (`application/json`, `application/*`).
    pub media: String,
    /// The compiled schema.
    pub schema: Option<Schema>,
    /// Named examples (an unnamed `example` is called `default`).
    pub examples: Vec<Example>,
    /// A body generated from the schema, for responses without examples.
    pub sample: Option<Value>,
}

/// A named example value.
#[derive(Debug, Clone)]
pub struct Example {
    /// The key under `examples`, or `default` for `example`.
    pub name: String,
    /// The value.
    pub value: Value,
}

/// Which statuses a documented response covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StatusKey {
    /// One status (`404`).
    Code(u16),
    /// A class (`4XX`): the first digit.
    Range(u16),
    /// `default`.
    Default,
}

impl StatusKey {
    fn parse(text: &str) -> Option<StatusKey> {
        if text == "default" {
            return Some(StatusKey::Default);
        }
        let upper = text.to_ascii_uppercase();
        if let Some(class) = upper.strip_suffix("XX") {
            return class.parse().ok().filter(|c| (1..=5).contains(c)).map(StatusKey::Range);
        }
        text.parse().ok().filter(|c| (100..=599).contains(c)).map(StatusKey::Code)
    }

    /// Whether this key covers `status`.
    pub fn covers(self, status: u16) -> bool {
        match self {
            StatusKey::Code(code) => code == status,
            StatusKey::Range(class) => status / 100 == class,
            StatusKey::Default => true,
        }
    }
}

impl std::fmt::Display for StatusKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StatusKey::Code(code) => write!(f, "{code}"),
            StatusKey::Range(class) => write!(f, "{class}XX"),
            StatusKey::Default => f.write_str("default"),
        }
    }
}

/// A documented response.
#[derive(Debug)]
pub struct ResponseSpec {
    /// The statuses it covers.
    pub status: StatusKey,
    /// Its headers.
    pub headers: Vec<HeaderSpec>,
    /// Its media types (empty: no body documented).
    pub content: Vec<MediaType>,
}

/// A documented response header.
#[derive(Debug)]
pub struct HeaderSpec {
    /// Header name as written.
    pub name: String,
    /// Whether it must be present.
    pub required: bool,
    /// The JSON type the value is converted to before validation.
    pub kind: ValueKind,
    /// The compiled schema.
    pub schema: Option<Schema>,
    /// A value to send when a response is built from the documentation: the header's example,
    /// or one generated from its schema.
    pub sample: Option<String>,
}

/// A security scheme, reduced to what a request must carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityScheme {
    /// `Authorization: Bearer <token>` (http bearer, oauth2, openIdConnect).
    Bearer,
    /// `Authorization: Basic <base64>`.
    Basic,
    /// An API key in a header, query parameter or cookie.
    ApiKey {
        /// Where it travels.
        location: ParameterLocation,
        /// Its name.
        name: String,
    },
}

impl Contract {
    /// Compiles the schema at `pointer` (`/components/schemas/X`) of this document, for
    /// requests or for responses.
    pub fn compile(&self, direction: Direction, pointer: &str) -> Result<Schema, String> {
        match direction {
            Direction::Request => self.compilers.0.compile(pointer),
            Direction::Response => self.compilers.1.compile(pointer),
        }
    }

    /// Finds an operation by id.
    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|op| op.id == id)
    }
}

impl Operation {
    /// The documented response for `status`: an exact code first, then its class, then
    /// `default`.
    pub fn response(&self, status: u16) -> Option<&ResponseSpec> {
        let find = |wanted: fn(StatusKey, u16) -> bool| {
            self.responses.iter().find(|r| wanted(r.status, status))
        };
        find(|k, s| k == StatusKey::Code(s))
            .or_else(|| find(|k, s| matches!(k, StatusKey::Range(_)) && k.covers(s)))
            .or_else(|| find(|k, _| k == StatusKey::Default))
    }

    /// The success status used when nothing else decides: the lowest documented 2xx, else 200.
    pub fn success_status(&self) -> u16 {
        self.responses
            .iter()
            .filter_map(|r| match r.status {
                StatusKey::Code(code) if (200..300).contains(&code) => Some(code),
                _ => None,
            })
            .min()
            .unwrap_or(200)
    }

    /// The documented status keys, in document order, for messages.
    pub fn documented_statuses(&self) -> Vec<String> {
        self.responses.iter().map(|r| r.status.to_string()).collect()
    }
}

/// Parses a YAML or JSON text into a value (JSON for `.json` files, YAML otherwise).
pub fn parse_text(file: &TextFile) -> Result<Value, LoadError> {
    crate::contract::schema::count_parse();
    if file.file_name.ends_with(".json") {
        serde_json::from_str(&file.text).map_err(|e| LoadError::Syntax {
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

/// Loads a contract from a file.
pub fn load(file: &TextFile) -> Result<Contract, LoadError> {
    let document = parse_text(file)?;
    from_value(file, document)
}

/// Builds a contract from an already parsed document. `file` names it in messages.
pub fn from_value(file: &TextFile, document: Value) -> Result<Contract, LoadError> {
    let name = file.name.as_str();
    let version = document.get("openapi").and_then(Value::as_str).unwrap_or_default().to_owned();
    let dialect = if version.starts_with("3.0.") || version == "3.0" {
        Dialect::V30
    } else if version.starts_with("3.1.") || version == "3.1" {
        Dialect::V31
    } else {
        let shown = match document.get("openapi") {
            Some(Value::String(v)) => v.clone(),
            Some(other) => other.to_string(),
            None => "(missing `openapi` field)".into(),
        };
        return Err(LoadError::Version { file: name.to_owned(), version: shown });
    };
    check_references(name, &document)?;
    let request_doc = Arc::new(schema::normalize(&document, dialect, Direction::Request));
    let response_doc = Arc::new(schema::normalize(&document, dialect, Direction::Response));
    let compile_error = |pointer: &str, message: String| {
        LoadError::invalid(name, operation_of(&document, pointer), pointer, message)
    };
    let requests = Compiler::new("urn:understudy:request", request_doc.clone())
        .map_err(|e| compile_error("", e))?;
    let responses = Compiler::new("urn:understudy:response", response_doc.clone())
        .map_err(|e| compile_error("", e))?;

    let builder = Builder {
        file: name,
        document: &document,
        response_document: &response_doc,
        requests,
        responses,
        compiled: Default::default(),
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
    let bodies = operations
        .iter()
        .flat_map(|op| op.body.iter().flat_map(|b| &b.content))
        .filter_map(|media| media.schema.as_ref())
        .filter_map(|schema| request_doc.pointer(&schema.pointer));
    let defaults = schema::DefaultsIndex::new(&request_doc, bodies);
    let compilers = Arc::new((builder.requests, builder.responses));
    Ok(Contract {
        file: name.to_owned(),
        file_name: file.file_name.clone(),
        dialect,
        version,
        title,
        base_path: base_path(&document),
        operations,
        security_schemes,
        response_document: response_doc.clone(),
        // The document as written is dropped here: the request-direction one has everything
        // but the schema rewrites, and memory counts for a sidecar.
        defaults,
        document: request_doc,
        compilers,
    })
}

/// The path of the first server URL: `https://api.gitbook.com/v1` → `/v1`, `{host}/v1` → `/v1`.
fn base_path(document: &Value) -> String {
    let Some(url) = document.pointer("/servers/0/url").and_then(Value::as_str) else {
        return String::new();
    };
    let without_scheme = match url.find("://") {
        Some(i) => &url[i + 3..],
        None => url,
    };
    // Everything from the first `/` that is not inside a `{variable}` is the path.
    let mut depth = 0usize;
    let mut start = None;
    for (i, c) in without_scheme.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '/' if depth == 0 => {
                start = Some(i);
                break;
            }
            _ => {}
        }
    }
    // A relative server URL (`/api`) is all path.
    let path = if url.starts_with('/') { url } else { start.map_or("", |i| &without_scheme[i..]) };
    path.trim_end_matches('/').to_owned()
}

/// Names the operation a pointer lies in (`-` when it is outside `paths`).
fn operation_of(document: &Value, pointer: &str) -> String {
    let tokens: Vec<&str> = pointer.split('/').collect();
    if tokens.len() >= 4 && tokens[1] == "paths" && METHODS.contains(&tokens[3]) {
        let op = document.pointer(&tokens[..4].join("/"));
        if let Some(id) = op.and_then(|o| o.get("operationId")).and_then(Value::as_str) {
            return id.to_owned();
        }
        let path = schema::unescape_token(tokens[2]);
        return format!("{} {path}", tokens[3].to_uppercase());
    }
    "-".into()
}

/// Every `$ref` in the document must be local and resolve.
fn check_references(file: &str, document: &Value) -> Result<(), LoadError> {
    /// The path walked so far, as tokens: the pointer is only written out for an error.
    enum Token<'a> {
        Key(&'a str),
        Index(usize),
    }
    fn visit<'a>(
        file: &str,
        document: &Value,
        value: &'a Value,
        path: &mut Vec<Token<'a>>,
    ) -> Result<(), LoadError> {
        match value {
            Value::Object(map) => {
                if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                    let problem = if !reference.starts_with('#') {
                        Some("is not local (understudy resolves only `#/...` references)")
                    } else if schema::resolve_local(document, reference).is_none() {
                        Some("does not resolve")
                    } else {
                        None
                    };
                    if let Some(problem) = problem {
                        let pointer: String = path
                            .iter()
                            .map(|token| match token {
                                Token::Key(key) => format!("/{}", schema::escape_token(key)),
                                Token::Index(i) => format!("/{i}"),
                            })
                            .collect();
                        return Err(LoadError::Reference {
                            file: file.to_owned(),
                            operation: operation_of(document, &pointer),
                            pointer: format!("{pointer}/$ref"),
                            reference: reference.to_owned(),
                            problem,
                        });
                    }
                }
                for (key, child) in map {
                    // Examples are data, not structure: a `$ref` key inside one is just a key.
                    if matches!(key.as_str(), "example" | "default" | "enum" | "const") {
                        continue;
                    }
                    path.push(Token::Key(key));
                    visit(file, document, child, path)?;
                    path.pop();
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    path.push(Token::Index(i));
                    visit(file, document, child, path)?;
                    path.pop();
                }
            }
            _ => {}
        }
        Ok(())
    }
    visit(file, document, document, &mut Vec::new())
}

struct Builder<'a> {
    file: &'a str,
    document: &'a Value,
    response_document: &'a Value,
    requests: Compiler,
    responses: Compiler,
    /// Validators compiled so far, by compiler and pointer.
    compiled: std::cell::RefCell<std::collections::HashMap<(String, String), Schema>>,
    /// Samples generated so far, by pointer.
    samples: std::cell::RefCell<std::collections::HashMap<String, Value>>,
}

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
            let Some(target) = schema::resolve_local(self.document, reference) else { break };
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
        Ok(operations)
    }

    fn parameters(
        &self,
        id: &str,
        item: &Value,
        item_pointer: &str,
        op: &Value,
        op_pointer: &str,
    ) -> Result<Vec<Parameter>, LoadError> {
        let mut parameters: Vec<Parameter> = Vec::new();
        for (holder, holder_pointer) in [(item, item_pointer), (op, op_pointer)] {
            let Some(list) = holder.get("parameters") else { continue };
            let Some(list) = list.as_array() else {
                let pointer = format!("{holder_pointer}/parameters");
                return Err(self.error(id, &pointer, "`parameters` must be an array"));
            };
            for (i, raw) in list.iter().enumerate() {
                let pointer = format!("{holder_pointer}/parameters/{i}");
                let (raw, pointer) = self.follow(raw, &pointer);
                let parameter = self.parameter(id, raw, &pointer)?;
                // Operation-level parameters override path-level ones with the same name and place.
                parameters
                    .retain(|p| !(p.name == parameter.name && p.location == parameter.location));
                parameters.push(parameter);
            }
        }
        Ok(parameters)
    }

    fn parameter(&self, id: &str, raw: &Value, pointer: &str) -> Result<Parameter, LoadError> {
        let name = raw
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| self.error(id, pointer, "a parameter needs a `name`"))?;
        let location = match raw.get("in").and_then(Value::as_str) {
            Some("path") => ParameterLocation::Path,
            Some("query") => ParameterLocation::Query,
            Some("header") => ParameterLocation::Header,
            Some("cookie") => ParameterLocation::Cookie,
            other => {
                let message = format!(
                    "parameter `{name}`: `in` must be path, query, header or cookie, not {}",
                    other.map_or("nothing".to_owned(), |o| format!("`{o}`"))
                );
                return Err(self.error(id, pointer, message));
            }
        };
        let required = raw.get("required").and_then(Value::as_bool).unwrap_or(false);
        if location == ParameterLocation::Path && !required {
            let message = format!("path parameter `{name}` must be `required: true`");
            return Err(self.error(id, pointer, message));
        }
        let style = raw.get("style").and_then(Value::as_str);
        let default_explode =
            matches!(location, ParameterLocation::Query | ParameterLocation::Cookie)
                && style.is_none_or(|s| s == "form");
        let explode = raw.get("explode").and_then(Value::as_bool).unwrap_or(default_explode);
        let (schema, schema_pointer) = match raw.get("schema") {
            Some(schema) => (Some(schema), format!("{pointer}/schema")),
            None => {
                // `content` with a single media type may replace `schema`.
                let media =
                    raw.get("content").and_then(Value::as_object).and_then(|c| c.iter().next());
                match media {
                    Some((media, object)) if object.get("schema").is_some() => (
                        object.get("schema"),
                        format!("{}/schema", push_token(&format!("{pointer}/content"), media)),
                    ),
                    _ => (None, String::new()),
                }
            }
        };
        let (kind, item_kind) = match schema {
            Some(schema) => {
                (self.kind_of(schema), self.kind_of(schema.get("items").unwrap_or(&Value::Null)))
            }
            None => (ValueKind::String, ValueKind::String),
        };
        let schema = match schema {
            Some(_) => Some(self.compile(&self.requests, id, &schema_pointer)?),
            None => None,
        };
        Ok(Parameter {
            name: name.to_owned(),
            location,
            required,
            explode,
            kind,
            item_kind,
            schema,
        })
    }

    /// The JSON type of a schema, for turning parameter text into a value.
    fn kind_of(&self, schema: &Value) -> ValueKind {
        let schema = schema::deref(self.document, schema);
        let type_name = match schema.get("type") {
            Some(Value::String(t)) => Some(t.as_str()),
            Some(Value::Array(types)) => {
                types.iter().filter_map(Value::as_str).find(|t| *t != "null")
            }
            _ => None,
        };
        match type_name {
            Some("integer") => ValueKind::Integer,
            Some("number") => ValueKind::Number,
            Some("boolean") => ValueKind::Boolean,
            Some("array") => ValueKind::Array,
            Some(_) => ValueKind::String,
            None => {
                // A composition (`allOf: [{$ref}]`) takes the type of its first branch.
                for keyword in ["allOf", "anyOf", "oneOf"] {
                    if let Some(first) = schema.get(keyword).and_then(|b| b.get(0)) {
                        return self.kind_of(first);
                    }
                }
                ValueKind::String
            }
        }
    }

    fn check_path_parameters(
        &self,
        id: &str,
        path: &str,
        parameters: &[Parameter],
        pointer: &str,
    ) -> Result<(), LoadError> {
        let names = crate::contract::route::template_names(path);
        for name in &names {
            if !parameters.iter().any(|p| p.location == ParameterLocation::Path && &p.name == name)
            {
                let message = format!(
                    "path template names `{{{name}}}` but no path parameter `{name}` is declared"
                );
                return Err(self.error(id, pointer, message));
            }
        }
        for p in parameters.iter().filter(|p| p.location == ParameterLocation::Path) {
            if !names.contains(&p.name) {
                let message =
                    format!("path parameter `{}` does not appear in the path `{path}`", p.name);
                return Err(self.error(id, pointer, message));
            }
        }
        Ok(())
    }

    fn request_body(&self, id: &str, raw: &Value, pointer: &str) -> Result<RequestBody, LoadError> {
        let (raw, pointer) = self.follow(raw, pointer);
        let required = raw.get("required").and_then(Value::as_bool).unwrap_or(false);
        let content = self.content(id, raw, &pointer, &self.requests, false)?;
        Ok(RequestBody { required, content })
    }

    fn responses(
        &self,
        id: &str,
        op: &Value,
        pointer: &str,
    ) -> Result<Vec<ResponseSpec>, LoadError> {
        let mut specs = Vec::new();
        let Some(responses) = op.get("responses").and_then(Value::as_object) else {
            return Err(self.error(id, pointer, "an operation needs `responses`"));
        };
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
            let content = self.content(id, raw, &pointer, &self.responses, true)?;
            let mut headers = Vec::new();
            if let Some(map) = raw.get("headers").and_then(Value::as_object) {
                for (name, header) in map {
                    let header_pointer = push_token(&format!("{pointer}/headers"), name);
                    let (header, header_pointer) = self.follow(header, &header_pointer);
                    let schema = match header.get("schema") {
                        Some(_) => Some(self.compile(
                            &self.responses,
                            id,
                            &format!("{header_pointer}/schema"),
                        )?),
                        None => None,
                    };
                    let example = header.get("example").or_else(|| {
                        header.get("examples")?.as_object()?.values().next()?.get("value")
                    });
                    let sample = example
                        .cloned()
                        .or_else(|| self.sample(&format!("{header_pointer}/schema")));
                    headers.push(HeaderSpec {
                        name: name.clone(),
                        required: header.get("required").and_then(Value::as_bool).unwrap_or(false),
                        kind: header.get("schema").map_or(ValueKind::String, |s| self.kind_of(s)),
                        schema,
                        sample: sample.map(|v| crate::scenario::template::as_text(&v)),
                    });
                }
            }
            specs.push(ResponseSpec { status: key, headers, content });
        }
        Ok(specs)
    }

    fn content(
        &self,
        id: &str,
        holder: &Value,
        pointer: &str,
        compiler: &Compiler,
        make_sample: bool,
    ) -> Result<Vec<MediaType>, LoadError> {
        let mut content = Vec::new();
        let Some(map) = holder.get("content").and_then(Value::as_object) else {
            return Ok(content);
        };
        for (media, object) in map {
            let media_pointer = push_token(&format!("{pointer}/content"), media);
            let schema_pointer = format!("{media_pointer}/schema");
            let schema = match object.get("schema") {
                Some(_) => Some(self.compile(compiler, id, &schema_pointer)?),
                None => None,
            };
            let mut examples = Vec::new();
            if let Some(value) = object.get("example") {
                examples.push(Example { name: "default".into(), value: value.clone() });
            }
            if let Some(map) = object.get("examples").and_then(Value::as_object) {
                for (name, example) in map {
                    let example_pointer = push_token(&format!("{media_pointer}/examples"), name);
                    let (example, _) = self.follow(example, &example_pointer);
                    if let Some(value) = example.get("value") {
                        examples.push(Example { name: name.clone(), value: value.clone() });
                    }
                }
            }
            let sample = match (make_sample, object.get("schema")) {
                (true, Some(_)) => self.sample(&schema_pointer),
                _ => None,
            };
            content.push(MediaType { media: media.clone(), schema, examples, sample });
        }
        Ok(content)
    }

    /// A value generated from the response schema at `pointer` (once per pointer).
    fn sample(&self, pointer: &str) -> Option<Value> {
        if let Some(sample) = self.samples.borrow().get(pointer) {
            return Some(sample.clone());
        }
        let schema = self.response_document.pointer(pointer)?;
        let sample = crate::contract::sample::generate(self.response_document, schema);
        self.samples.borrow_mut().insert(pointer.to_owned(), sample.clone());
        Some(sample)
    }

    fn compile(&self, compiler: &Compiler, id: &str, pointer: &str) -> Result<Schema, LoadError> {
        // Shared components (error responses, common parameters) are compiled once.
        let key = (compiler.uri().to_owned(), pointer.to_owned());
        if let Some(schema) = self.compiled.borrow().get(&key) {
            return Ok(schema.clone());
        }
        let schema = compiler.compile(pointer).map_err(|message| {
            self.error(id, pointer, format!("the schema does not compile: {message}"))
        })?;
        self.compiled.borrow_mut().insert(key, schema.clone());
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

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> TextFile {
        TextFile { name: name.into(), file_name: name.into(), text: text.into() }
    }

    #[test]
    fn base_path_is_the_path_of_the_first_server() {
        let doc = |url: &str| serde_json::json!({"servers": [{"url": url}]});
        assert_eq!(base_path(&doc("https://app.teable.ai/api")), "/api");
        assert_eq!(base_path(&doc("{host}/v1")), "/v1");
        assert_eq!(base_path(&doc("https://{handle}.ada.support")), "");
        assert_eq!(base_path(&doc("https://api.arize.com/")), "");
        assert_eq!(base_path(&doc("/relative/")), "/relative");
        assert_eq!(base_path(&serde_json::json!({})), "");
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
            error.to_string().contains("unsupported OpenAPI version `(missing `openapi` field)`"),
            "{error}"
        );
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
}
