//! How an API's errors look: the kinds of failure understudy tells apart, and the scenario's
//! envelope for them (`errors:` in a scenario file).
//!
//! Every refusal the mock makes (a 404 route, a 401, a broken body, a rule's 409) is one
//! [`ErrorKind`]; the API's [`Errors`] say what body, `code` and `message` each kind gets, so
//! that Teable's errors look like Teable's and an API without a word about errors answers RFC
//! 9457 problem details. Rendering them is `mock/respond.rs`'s job.

use std::collections::BTreeMap;

use crate::scenario::template::Template;

/// The kinds of failure a scenario may give an error `code` and a `message` for (the keys of
/// `errors.codes` and `errors.messages`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorKind {
    /// The request breaks the schema (400).
    Validation,
    /// The body is not JSON (400).
    InvalidJson,
    /// A required body is missing (400).
    MissingBody,
    /// The content type is not one the operation takes (415).
    UnsupportedMediaType,
    /// The `Accept` header admits none of the operation's media types (406).
    NotAcceptable,
    /// No or a bad credential (401).
    Unauthorized,
    /// The credential may not do this (403).
    Forbidden,
    /// No operation has this path (404).
    RouteNotFound,
    /// The path has other methods (405).
    MethodNotAllowed,
    /// The record is not there (404).
    NotFound,
    /// `Prefer` asks for something undocumented (400).
    BadPrefer,
    /// The body is over the limit (413).
    PayloadTooLarge,
    /// The answer the scenario built breaks the contract (500).
    SelfCheck,
    /// A `unique` rule (409).
    Conflict,
    /// An `immutable` rule (422).
    Unprocessable,
    /// Over a rate limit (429).
    RateLimited,
    /// Any other status.
    Error,
}

impl ErrorKind {
    /// Every kind, in the order the documentation lists them.
    pub const ALL: [ErrorKind; 17] = [
        ErrorKind::Validation,
        ErrorKind::InvalidJson,
        ErrorKind::MissingBody,
        ErrorKind::UnsupportedMediaType,
        ErrorKind::NotAcceptable,
        ErrorKind::Unauthorized,
        ErrorKind::Forbidden,
        ErrorKind::RouteNotFound,
        ErrorKind::MethodNotAllowed,
        ErrorKind::NotFound,
        ErrorKind::BadPrefer,
        ErrorKind::PayloadTooLarge,
        ErrorKind::SelfCheck,
        ErrorKind::Conflict,
        ErrorKind::Unprocessable,
        ErrorKind::RateLimited,
        ErrorKind::Error,
    ];

    /// The name scenario files use (`invalid-json`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Validation => "validation",
            ErrorKind::InvalidJson => "invalid-json",
            ErrorKind::MissingBody => "missing-body",
            ErrorKind::UnsupportedMediaType => "unsupported-media-type",
            ErrorKind::NotAcceptable => "not-acceptable",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::RouteNotFound => "route-not-found",
            ErrorKind::MethodNotAllowed => "method-not-allowed",
            ErrorKind::NotFound => "not-found",
            ErrorKind::BadPrefer => "bad-prefer",
            ErrorKind::PayloadTooLarge => "payload-too-large",
            ErrorKind::SelfCheck => "self-check",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Unprocessable => "unprocessable",
            ErrorKind::RateLimited => "rate-limited",
            ErrorKind::Error => "error",
        }
    }

    /// The kind a scenario file names.
    pub fn parse(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }

    /// The kind of a refusal known only by its status (a rule's, or one `Prefer` forced).
    pub fn of_status(status: u16) -> ErrorKind {
        match status {
            400 => ErrorKind::Validation,
            401 => ErrorKind::Unauthorized,
            403 => ErrorKind::Forbidden,
            404 => ErrorKind::NotFound,
            405 => ErrorKind::MethodNotAllowed,
            406 => ErrorKind::NotAcceptable,
            409 => ErrorKind::Conflict,
            413 => ErrorKind::PayloadTooLarge,
            415 => ErrorKind::UnsupportedMediaType,
            422 => ErrorKind::Unprocessable,
            429 => ErrorKind::RateLimited,
            _ => ErrorKind::Error,
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the API's errors look.
#[derive(Debug, Clone)]
pub struct Errors {
    /// Content type of error responses.
    pub content_type: String,
    /// The envelope.
    pub body: Template,
    /// One violation inside `{{details}}`, if the envelope lists them.
    pub details: Option<Template>,
    /// `{{code}}` by error kind (`invalid-json`) or status (`"404"`), as written.
    pub codes: BTreeMap<String, String>,
    /// `{{message}}` templates by error kind.
    pub messages: BTreeMap<ErrorKind, Template>,
}

impl Default for Errors {
    /// RFC 9457 problem details, for APIs whose scenario says nothing about errors.
    fn default() -> Self {
        let body = serde_json::json!({
            "type": "about:blank",
            "title": "{{title}}",
            "status": "{{status}}",
            "detail": "{{message}}",
            "errors": "{{details}}"
        });
        let details = serde_json::json!({"pointer": "{{pointer}}", "location": "{{location}}", "detail": "{{message}}"});
        Errors {
            content_type: "application/problem+json".into(),
            body: Template::parse(&body).expect("the default envelope parses"),
            details: Some(Template::parse(&details).expect("the default details parse")),
            codes: BTreeMap::new(),
            messages: BTreeMap::new(),
        }
    }
}
