//! The contract model: what serving and checking need of an OpenAPI document.
//!
//! Operations with their parameters, body, responses and security; the security schemes; the
//! server base path; and the rewritten documents the compiled validators point into. Every
//! schema is already a compiled validator ([`Schema`]): the request path only reads this.
//! Building it is `load/`'s job.

use std::collections::BTreeMap;
use std::sync::Arc;

use http::Method;
use serde_json::Value;

use crate::contract::bodies::Bodies;
use crate::contract::route::Router;
use crate::contract::schema::{CompileError, Compiler, Dialect, Direction, Schema};

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
    /// The routes of the operations: `(method, path)` → operation index and path parameters.
    pub router: Router,
    /// Security schemes by name.
    pub security_schemes: BTreeMap<String, SecurityScheme>,
    /// The document with request-direction schemas (as written, but for the rewrites of
    /// `schema.rs`: OpenAPI 3.0 keywords in JSON Schema 2020-12 form, `readOnly` properties not
    /// required). Every path, parameter, example and pointer of the file is in it.
    pub document: Arc<Value>,
    /// The request body schemas of `document`, compiled for dropping undeclared fields and
    /// filling in defaults.
    pub bodies: Bodies,
    /// The document with response-direction schemas (used to generate samples).
    pub response_document: Arc<Value>,
    /// Compilers for more schemas of this document, in each direction (used by `lint`).
    pub(crate) compilers: Arc<(Compiler, Compiler)>,
    /// The schemas [`Contract::compiled`] has compiled so far (the admin API checks records
    /// against the same few schemas again and again; requests never need them).
    pub(crate) compiled: std::sync::Mutex<std::collections::HashMap<(Direction, String), Schema>>,
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
    /// For arrays: repeated keys (`explode`, the default for query) or delimited values.
    pub explode: bool,
    /// For arrays not exploded: what separates the items (`,` for `form` and `simple`, ` ` for
    /// `spaceDelimited`, `|` for `pipeDelimited`).
    pub delimiter: char,
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
    /// Read as JSON text (an object field of a form); text that is not JSON stays text.
    Object,
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
    /// For form bodies (`application/x-www-form-urlencoded`, `multipart/form-data`): the JSON
    /// type each declared field's text is converted to, by field name.
    pub fields: BTreeMap<String, FormField>,
}

/// The media type of an HTML form's body.
pub const FORM: &str = "application/x-www-form-urlencoded";
/// The media type of a body of named parts (files among them).
pub const MULTIPART: &str = "multipart/form-data";

/// A field of a form body, as its schema declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FormField {
    /// The JSON type the text is converted to.
    pub kind: ValueKind,
    /// For arrays, the JSON type of the items.
    pub item_kind: ValueKind,
}

/// A named example value.
#[derive(Debug, Clone)]
pub struct Example {
    /// The key under `examples`, or `default` for `example`.
    pub name: String,
    /// The value; a response's example that breaks its schema only by what answers never
    /// hold (`writeOnly` properties, properties its closed objects do not declare) is kept
    /// without them.
    pub value: Value,
    /// Whether the value is valid against its media type's schema (in the direction it
    /// travels). An example that breaks its own schema is never served: a generated sample is.
    pub valid: bool,
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
    pub(crate) fn parse(text: &str) -> Option<StatusKey> {
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

/// Response headers that describe the body as it travels (its length, framing, coding, range,
/// media type) or the connection. The server sets them for the body it sends: a documented
/// value (an example, a sample) is never copied into an answer, and the self-check does not
/// demand them.
pub const BODY_HEADERS: &[&str] = &[
    "content-length",
    "transfer-encoding",
    "content-encoding",
    "content-range",
    "content-type",
    "connection",
    "keep-alive",
    "upgrade",
    "trailer",
    "te",
];

/// Whether a header is one of [`BODY_HEADERS`] (any case).
pub fn describes_body(name: &str) -> bool {
    BODY_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name))
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
    /// or one generated from its schema (never for [`BODY_HEADERS`]).
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
    pub fn compile(&self, direction: Direction, pointer: &str) -> Result<Schema, CompileError> {
        match direction {
            Direction::Request => self.compilers.0.compile(pointer),
            Direction::Response => self.compilers.1.compile(pointer),
        }
    }

    /// [`Contract::compile`], once: the validator is kept and shared by later calls for the same
    /// direction and pointer.
    pub fn compiled(&self, direction: Direction, pointer: &str) -> Result<Schema, CompileError> {
        let key = (direction, pointer.to_owned());
        let lock = || self.compiled.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(schema) = lock().get(&key) {
            return Ok(schema.clone());
        }
        // Compiled without the lock held: another caller may compile the same one meanwhile,
        // and either copy does.
        let schema = self.compile(direction, pointer)?;
        lock().insert(key, schema.clone());
        Ok(schema)
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

    /// The status a documented answer has when nothing asks for one: the lowest documented
    /// 2xx; for an operation that documents no success (`405 Invalid input` alone, as old
    /// documents do), the lowest status it documents; else 200 (`default` covers it).
    pub fn documented_status(&self) -> u16 {
        let codes = || {
            self.responses.iter().filter_map(|r| match r.status {
                StatusKey::Code(code) => Some(code),
                StatusKey::Range(class) => Some(class * 100),
                StatusKey::Default => None,
            })
        };
        codes().filter(|c| (200..300).contains(c)).min().or_else(|| codes().min()).unwrap_or(200)
    }

    /// Every media type the operation documents for its responses (empty: it documents no
    /// content at all), for content negotiation.
    pub fn response_media(&self) -> impl Iterator<Item = &str> {
        self.responses.iter().flat_map(|r| r.content.iter().map(|m| m.media.as_str()))
    }

    /// The documented status keys, in document order, for messages.
    pub fn documented_statuses(&self) -> Vec<String> {
        self.responses.iter().map(|r| r.status.to_string()).collect()
    }
}
