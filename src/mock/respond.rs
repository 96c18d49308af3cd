//! Responses: the [`Reply`] every step produces, and the one mapping from a [`Failure`] to the
//! API's own error envelope.
//!
//! Everything understudy rejects (an unknown path, a missing token, a broken body, an unknown
//! record, a response that breaks the contract) is a `Failure`. [`failure`] renders it with the
//! scenario's `errors` templates, so that Teable's errors look like Teable's and Arize's are
//! RFC 9457 problem details. No other module builds an error body.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use http_body_util::Full;
use serde_json::{Value, json};

use crate::contract::validate::{Rejection, Violation};
use crate::request::Request;
use crate::scenario::{ErrorKind, Errors};
use crate::words::singular_capitalized;

/// A response before it is written: the body stays a JSON value so the self-check and the
/// journal can read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The headers (`Content-Type` included when there is a body).
    pub headers: HeaderMap,
    /// The body.
    pub body: Body,
    /// How long to wait before answering (slept after every lock is released).
    pub delay: Option<std::time::Duration>,
    /// Close the connection instead of answering (a fault a scenario asked for).
    pub drop: bool,
    /// Who made it: what the self-check blames when it breaks the contract.
    pub origin: Origin,
    /// The self-check has already been made (by a store action, under the session's lock).
    pub checked: bool,
}

/// Who made an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Origin {
    /// The scenario: a store action rendered by its templates, or a canned answer.
    #[default]
    Scenario,
    /// The contract itself: a documented example, or a sample of a documented schema.
    Contract,
    /// The error envelope a failure is rendered in.
    Envelope,
}

/// What a response that breaks the contract is blamed on, in the self-check's 500.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blame {
    /// A scenario file: its behaviour, templates or canned answers.
    Scenario,
    /// The scenario understudy inferred for a contract that has none.
    Inferred,
    /// The scenario's error envelope (understudy's own, inferred).
    Envelope {
        /// Whether the scenario is the inferred one.
        inferred: bool,
    },
    /// The contract: a documented answer breaks its own schema, or the schema's `oneOf`
    /// alternatives overlap so that no answer can match exactly one.
    Contract,
}

/// A message of the validator that says a `oneOf`'s alternatives overlap.
const OVERLAP: &str = "is valid under more than one of the schemas listed in the 'oneOf'";

impl Blame {
    /// The blame for an answer from `origin` with these violations, under a scenario that
    /// is the inferred one or not.
    pub fn of(origin: Origin, inferred: bool, violations: &[Violation]) -> Blame {
        if violations.iter().any(|v| v.message.contains(OVERLAP)) {
            return Blame::Contract;
        }
        match (origin, inferred) {
            (Origin::Contract, _) => Blame::Contract,
            (Origin::Envelope, inferred) => Blame::Envelope { inferred },
            (Origin::Scenario, true) => Blame::Inferred,
            (Origin::Scenario, false) => Blame::Scenario,
        }
    }

    /// The self-check's message: the violations, and what to fix.
    fn message(self, violations: &[Violation]) -> String {
        let found = one_line(violations);
        let overlap = violations.iter().any(|v| v.message.contains(OVERLAP));
        match self {
            Blame::Scenario => format!(
                "understudy self-check: the response the scenario built does not match the \
                 contract ({found}); fix the scenario"
            ),
            Blame::Inferred => format!(
                "understudy self-check: the answer understudy inferred from the contract does \
                 not match the contract ({found}); the contract may ask for an answer its own \
                 schemas refuse, or its records need a scenario (`understudy infer FILE` writes \
                 one to edit)"
            ),
            Blame::Envelope { inferred: false } => format!(
                "understudy self-check: the error envelope does not match the error the contract \
                 documents ({found}); fix the scenario's `errors`"
            ),
            Blame::Envelope { inferred: true } => format!(
                "understudy self-check: understudy's error envelope does not match the error the \
                 contract documents ({found}); a scenario can give the API's own `errors` \
                 (`understudy infer FILE` writes one to edit)"
            ),
            Blame::Contract if overlap => format!(
                "understudy self-check: the answer does not match the contract ({found}); the \
                 contract is at fault: its `oneOf` alternatives overlap, so no answer matches \
                 exactly one of them (`serve --lenient` sends such answers anyway)"
            ),
            Blame::Contract => format!(
                "understudy self-check: the answer the contract documents does not match the \
                 contract's own schema ({found}); the contract is at fault: fix its example or \
                 schema (`serve --lenient` sends such answers anyway)"
            ),
        }
    }
}

/// A response body.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// No body.
    Empty,
    /// A JSON document (serialized when written).
    Json(Value),
    /// A JSON document already serialized (after the self-check; shared with the journal).
    Serialized(Bytes),
}

impl Reply {
    /// A JSON reply with the given content type.
    pub fn json(status: StatusCode, value: Value, content_type: &str) -> Reply {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(content_type) {
            headers.insert(http::header::CONTENT_TYPE, value);
        }
        Reply {
            status,
            headers,
            body: Body::Json(value),
            delay: None,
            drop: false,
            origin: Origin::Scenario,
            checked: false,
        }
    }

    /// A reply without a body.
    pub fn empty(status: StatusCode) -> Reply {
        Reply {
            status,
            headers: HeaderMap::new(),
            body: Body::Empty,
            delay: None,
            drop: false,
            origin: Origin::Scenario,
            checked: false,
        }
    }

    /// The reply, said to come from `origin`.
    pub fn from(mut self, origin: Origin) -> Reply {
        self.origin = origin;
        self
    }

    /// Sets a header whose name is already parsed (a value that is not a header value is
    /// left out).
    pub fn set_header(&mut self, name: &HeaderName, value: &str) {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.insert(name.clone(), value);
        }
    }

    /// Sets a header (a name or value that is not valid is left out).
    pub fn insert_header(&mut self, name: &str, value: &str) {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::from_str(value)) {
            self.headers.insert(name, value);
        }
    }

    /// The JSON body, if any.
    pub fn json_body(&self) -> Option<&Value> {
        match &self.body {
            Body::Json(value) => Some(value),
            Body::Empty | Body::Serialized(_) => None,
        }
    }

    /// Serializes a JSON body, once: the bytes (cheap to clone) are what is sent and what the
    /// journal keeps.
    pub fn freeze(&mut self) -> Bytes {
        let bytes = self.body_bytes();
        if let Body::Json(_) = self.body {
            self.body = Body::Serialized(bytes.clone());
        }
        bytes
    }

    /// The media type of the body, without parameters.
    pub fn media_type(&self) -> Option<String> {
        let value = self.headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
        crate::request::media_essence(value)
    }

    /// The body as bytes, as it goes on the wire.
    pub fn body_bytes(&self) -> Bytes {
        match &self.body {
            Body::Empty => Bytes::new(),
            Body::Json(value) => {
                // Sized for a typical answer up front, rather than grown from 128 bytes.
                let mut out = Vec::with_capacity(4096);
                match serde_json::to_writer(&mut out, value) {
                    Ok(()) => Bytes::from(out),
                    Err(_) => Bytes::new(),
                }
            }
            Body::Serialized(bytes) => bytes.clone(),
        }
    }

    /// Turns the reply into a hyper response. `HEAD` requests get the headers only.
    pub fn into_http(self, method: &Method) -> http::Response<Full<Bytes>> {
        let bytes = if *method == Method::HEAD { Bytes::new() } else { self.body_bytes() };
        let mut response = http::Response::new(Full::new(bytes));
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        response
    }
}

/// Why understudy refuses a request, or cannot answer it.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// No operation has this path (404).
    RouteNotFound,
    /// The path exists with other methods (405).
    MethodNotAllowed {
        /// The methods it accepts.
        allowed: Vec<Method>,
    },
    /// Missing or malformed credentials (401).
    Unauthorized {
        /// What is wrong with them.
        reason: String,
    },
    /// The request broke the contract (400 or 415).
    Rejected(Rejection),
    /// `Prefer` asked for something the contract does not document (400).
    BadPrefer {
        /// What is wrong.
        reason: String,
    },
    /// The record (or its parent) does not exist (404).
    NotFound {
        /// The resource.
        resource: String,
        /// The key that was asked for.
        id: String,
    },
    /// The body is larger than the limit (413).
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The response understudy built breaks the contract (500): what it breaks, and what is
    /// to blame.
    SelfCheck {
        /// What it breaks.
        violations: Vec<Violation>,
        /// Who made it.
        blame: Blame,
    },
    /// A documented error status the client asked for with `Prefer: code=`.
    Forced {
        /// The status.
        status: StatusCode,
    },
    /// A scenario rule refused the request (unique → 409, immutable → 422, precondition and
    /// token restrictions → 403, require-any → 400, rate limits → 429...).
    Rule {
        /// The status.
        status: StatusCode,
        /// The message; the envelope's default for the status when `None`.
        message: Option<String>,
    },
    /// A rule of the scenario's operation refused a write (unique → 409, immutable and
    /// only-with → 422, precondition → 403, require-any → 400); the journal names the rule.
    Scenario {
        /// The rule, as the scenario writes it (`immutable: /type`).
        rule: String,
        /// The status.
        status: StatusCode,
        /// The message.
        message: String,
    },
}

impl Failure {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            Failure::RouteNotFound | Failure::NotFound { .. } => StatusCode::NOT_FOUND,
            Failure::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Failure::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            Failure::Rejected(Rejection::UnsupportedMediaType { .. }) => {
                StatusCode::UNSUPPORTED_MEDIA_TYPE
            }
            Failure::Rejected(Rejection::NotAcceptable { .. }) => StatusCode::NOT_ACCEPTABLE,
            Failure::Rejected(_) | Failure::BadPrefer { .. } => StatusCode::BAD_REQUEST,
            Failure::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Failure::SelfCheck { .. } => StatusCode::INTERNAL_SERVER_ERROR,
            Failure::Forced { status }
            | Failure::Rule { status, .. }
            | Failure::Scenario { status, .. } => *status,
        }
    }

    /// The error kind, as scenario files name it (see `scenario/format.rs`).
    pub fn kind(&self) -> ErrorKind {
        match self {
            Failure::RouteNotFound => ErrorKind::RouteNotFound,
            Failure::MethodNotAllowed { .. } => ErrorKind::MethodNotAllowed,
            Failure::Unauthorized { .. } => ErrorKind::Unauthorized,
            Failure::Rejected(Rejection::UnsupportedMediaType { .. }) => {
                ErrorKind::UnsupportedMediaType
            }
            Failure::Rejected(Rejection::InvalidJson { .. }) => ErrorKind::InvalidJson,
            Failure::Rejected(Rejection::MissingBody) => ErrorKind::MissingBody,
            Failure::Rejected(Rejection::NotAcceptable { .. }) => ErrorKind::NotAcceptable,
            Failure::Rejected(Rejection::Invalid(_)) => ErrorKind::Validation,
            Failure::BadPrefer { .. } => ErrorKind::BadPrefer,
            Failure::NotFound { .. } => ErrorKind::NotFound,
            Failure::PayloadTooLarge { .. } => ErrorKind::PayloadTooLarge,
            Failure::SelfCheck { .. } => ErrorKind::SelfCheck,
            Failure::Forced { status }
            | Failure::Rule { status, .. }
            | Failure::Scenario { status, .. } => ErrorKind::of_status(status.as_u16()),
        }
    }

    /// The violations it lists (validation and self-check; none for the others).
    pub(crate) fn violations(&self) -> &[Violation] {
        match self {
            Failure::Rejected(Rejection::Invalid(violations))
            | Failure::SelfCheck { violations, .. } => violations,
            _ => &[],
        }
    }

    /// Variables specific to this failure, for message templates, and the default message.
    fn variables(&self, request: &Request) -> (Value, String) {
        let (method, path) = (request.method.as_str(), request.path.as_str());
        match self {
            Failure::RouteNotFound => (json!({}), format!("Cannot {method} {path}")),
            Failure::MethodNotAllowed { allowed } => {
                let allowed = join_methods(allowed);
                (json!({}), format!("Method {method} is not allowed on {path}; allowed: {allowed}"))
            }
            Failure::Unauthorized { reason } => (json!({"reason": reason}), reason.clone()),
            Failure::Rejected(Rejection::UnsupportedMediaType { got, accepted }) => {
                let got_text = got.clone().unwrap_or_else(|| "no Content-Type".into());
                let accepted = accepted.join(", ");
                (
                    json!({"got": got_text, "accepted": accepted}),
                    format!("Unsupported media type: {got_text}; send {accepted}"),
                )
            }
            Failure::Rejected(Rejection::InvalidJson { line, column, error }) => (
                json!({"line": line, "column": column, "error": error}),
                format!("The body is not valid JSON: {error}"),
            ),
            Failure::Rejected(Rejection::MissingBody) => {
                (json!({}), "A request body is required".into())
            }
            Failure::Rejected(Rejection::NotAcceptable { accept, available }) => {
                let available = available.join(", ");
                (
                    json!({"accept": accept, "available": available}),
                    format!(
                        "Not acceptable: `Accept: {accept}`; this operation answers with {available}"
                    ),
                )
            }
            Failure::Rejected(Rejection::Invalid(violations)) => {
                (json!({}), format!("Invalid request: {}", one_line(violations)))
            }
            Failure::BadPrefer { reason } => (json!({"reason": reason}), reason.clone()),
            Failure::NotFound { resource, id } => (
                json!({"resource": resource, "item": singular_capitalized(resource), "id": id}),
                format!("{} `{id}` not found", singular_capitalized(resource)),
            ),
            Failure::PayloadTooLarge { limit } => {
                (json!({"limit": limit}), format!("The request body is larger than {limit} bytes"))
            }
            Failure::Forced { status } | Failure::Rule { status, message: None } => {
                (json!({}), status.canonical_reason().unwrap_or("Error").to_owned())
            }
            Failure::Rule { message: Some(message), .. } | Failure::Scenario { message, .. } => {
                (json!({}), message.clone())
            }
            Failure::SelfCheck { violations, blame } => (json!({}), blame.message(violations)),
        }
    }
}

/// Why understudy refused, in its own words (the envelope's default message).
pub(crate) fn message(failure: &Failure, request: &Request) -> String {
    failure.variables(request).1
}

/// Renders a failure in the API's envelope.
pub(crate) fn failure(errors: &Errors, failure: &Failure, request: &Request) -> Reply {
    let status = failure.status();
    let kind = failure.kind();
    let violations = failure.violations();
    let (extra, default_message) = failure.variables(request);
    let allowed = match failure {
        Failure::MethodNotAllowed { allowed } => join_methods(allowed),
        _ => String::new(),
    };
    let mut context = json!({
        "status": status.as_u16(),
        "title": status.canonical_reason().unwrap_or("Error"),
        "kind": kind.as_str(),
        "method": request.method.as_str(),
        "path": request.path,
        "allowed": allowed,
        "violations": one_line(violations),
    });
    merge_into(&mut context, extra);
    // A rule's own message wins; otherwise the scenario's message for the kind, else ours.
    let message = match (failure, errors.messages.get(&kind)) {
        (Failure::Rule { message: Some(_), .. } | Failure::Scenario { .. }, _) | (_, None) => {
            default_message
        }
        (_, Some(template)) => template.render_text(&context),
    };
    let code = errors
        .codes
        .get(kind.as_str())
        .or_else(|| errors.codes.get(&status.as_u16().to_string()))
        .cloned()
        .unwrap_or_else(|| snake_reason(status));
    let details = match (&errors.details, violations.is_empty()) {
        (Some(template), false) => Value::Array(
            violations
                .iter()
                .map(|v| {
                    template.render(&json!({
                        "message": v.message,
                        "pointer": v.pointer,
                        "jsonpath": v.jsonpath(),
                        "location": v.location.as_str(),
                        "parameter": v.field(),
                        "text": v.to_string(),
                    }))
                })
                .collect(),
        ),
        _ => Value::Null,
    };
    context["message"] = Value::String(message);
    context["code"] = Value::String(code);
    context["details"] = details;
    let mut reply = Reply::json(status, errors.body.render_owned(context), &errors.content_type)
        .from(Origin::Envelope);
    match failure {
        Failure::Unauthorized { .. } => reply.insert_header("www-authenticate", "Bearer"),
        Failure::MethodNotAllowed { .. } => reply.insert_header("allow", &allowed),
        _ => {}
    }
    reply
}

fn join_methods(methods: &[Method]) -> String {
    methods.iter().map(Method::as_str).collect::<Vec<_>>().join(", ")
}

fn one_line(violations: &[Violation]) -> String {
    violations.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

/// `Not Found` → `not_found`.
fn snake_reason(status: StatusCode) -> String {
    status.canonical_reason().unwrap_or("error").to_ascii_lowercase().replace([' ', '-'], "_")
}

fn merge_into(target: &mut Value, extra: Value) {
    if let (Value::Object(target), Value::Object(extra)) = (target, extra) {
        target.extend(extra);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::validate::Location;
    use crate::scenario::template::Template;

    fn request() -> Request {
        Request::new(Method::PATCH, "/teable/api/space/x", HeaderMap::new(), Bytes::new())
    }

    fn teable() -> Errors {
        Errors {
            content_type: "application/json".into(),
            body: Template::parse(
                &json!({"message": "{{message}}", "status": "{{status}}", "code": "{{code}}"}),
            )
            .unwrap(),
            details: None,
            codes: [("400".to_owned(), "validation_error".to_owned())].into(),
            messages: [(
                ErrorKind::Validation,
                Template::parse(&json!("Validation error: {{violations}}")).unwrap(),
            )]
            .into(),
        }
    }

    #[test]
    fn violations_are_listed_in_the_envelope() {
        let violations = vec![
            Violation {
                location: Location::Body,
                parameter: None,
                pointer: "/enable".into(),
                message: "\"yes\" is not of type \"boolean\"".into(),
                schema: None,
            },
            Violation {
                location: Location::Query,
                parameter: Some("limit".into()),
                pointer: String::new(),
                message: "is required".into(),
                schema: None,
            },
        ];
        let reply =
            failure(&teable(), &Failure::Rejected(Rejection::Invalid(violations)), &request());
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            reply.json_body().unwrap(),
            &json!({
                "message": "Validation error: body /enable: \"yes\" is not of type \"boolean\"; query parameter `limit`: is required",
                "status": 400,
                "code": "validation_error"
            })
        );
    }

    #[test]
    fn default_envelope_is_problem_json_with_details() {
        let violations = vec![Violation {
            location: Location::Body,
            parameter: None,
            pointer: "/name".into(),
            message: "bad".into(),
            schema: None,
        }];
        let reply = failure(
            &Errors::default(),
            &Failure::Rejected(Rejection::Invalid(violations)),
            &request(),
        );
        assert_eq!(reply.media_type().as_deref(), Some("application/problem+json"));
        assert_eq!(
            reply.json_body().unwrap(),
            &json!({"type": "about:blank", "title": "Bad Request", "status": 400, "detail": "Invalid request: body /name: bad",
                    "errors": [{"pointer": "/name", "location": "body", "detail": "bad"}]})
        );
    }

    #[test]
    fn method_not_allowed_and_unauthorized_carry_their_headers() {
        let reply = failure(
            &teable(),
            &Failure::MethodNotAllowed { allowed: vec![Method::GET, Method::POST] },
            &request(),
        );
        assert_eq!(reply.headers["allow"], "GET, POST");
        assert_eq!(reply.json_body().unwrap()["code"], "method_not_allowed");
        let reply = failure(
            &teable(),
            &Failure::Unauthorized { reason: "Missing token".into() },
            &request(),
        );
        assert_eq!(reply.headers["www-authenticate"], "Bearer");
        assert_eq!(reply.json_body().unwrap()["message"], "Missing token");
    }
}
