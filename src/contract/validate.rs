//! Checking a request against its operation: parameters, content type, JSON syntax, body,
//! and whether its `Accept` admits an answer.
//!
//! Every problem is returned as data: a [`Violation`] with where it is (location, parameter,
//! JSON pointer) and what is wrong, all of them at once, so that a client fixing its request
//! sees the whole list. Three problems stop the check early because nothing after them can be
//! checked: an unsupported content type (415), a body that is not JSON (400 with line and
//! column), and a missing required body. A request valid in every other way whose `Accept`
//! admits none of the media types the operation answers with is refused last (406). Turning
//! these into the API's envelope is `mock/respond.rs`'s job.
//!
//! Bodies are JSON, or forms (`application/x-www-form-urlencoded`, `multipart/form-data`) read
//! into the object of their fields (`form.rs`): either way the parsed value is validated and
//! handed on as [`Validated::body`], so the engine stores a form as it stores JSON.
//!
//! Parameters arrive as text; they are converted to the JSON type their schema declares
//! (`limit=5` → `5`) before validation, and a value that does not convert is validated as text,
//! which gives the natural message (`"abc" is not of type "integer"`).

use serde_json::{Map, Value};

use crate::contract::form;
use crate::contract::{
    FORM, MULTIPART, MediaType, Operation, Parameter, ParameterLocation, ValueKind,
};
use crate::request::Request;
use crate::request::media_essence;

/// Where a violation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A path parameter.
    Path,
    /// A query parameter.
    Query,
    /// A header.
    Header,
    /// A cookie.
    Cookie,
    /// The request body.
    Body,
    /// The response (the self-check).
    Response,
}

impl Location {
    /// `path`, `query`, `header`, `cookie`, `body`, `response`.
    pub fn as_str(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Header => "header",
            Location::Cookie => "cookie",
            Location::Body => "body",
            Location::Response => "response",
        }
    }
}

impl From<ParameterLocation> for Location {
    fn from(location: ParameterLocation) -> Self {
        match location {
            ParameterLocation::Path => Location::Path,
            ParameterLocation::Query => Location::Query,
            ParameterLocation::Header => Location::Header,
            ParameterLocation::Cookie => Location::Cookie,
        }
    }
}

/// One thing wrong with a request (or, for the self-check, a response).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// Where.
    pub location: Location,
    /// The parameter or header name (`None` for the body).
    pub parameter: Option<String>,
    /// JSON pointer inside the value (`/config/name`; empty for the whole value).
    pub pointer: String,
    /// What is wrong.
    pub message: String,
    /// Where the contract says so: the JSON pointer, in the contract document, of the schema
    /// keyword the value breaks (`None` when no schema keyword does: a missing parameter).
    pub schema: Option<String>,
}

impl Violation {
    /// The pointer as a JSON path (`$.config.llmProviders[0].type`), as some vendors report it.
    pub fn jsonpath(&self) -> String {
        let mut out = String::from("$");
        for token in self.pointer.split('/').skip(1) {
            let token = crate::json::pointer::unescape_token(token);
            if token.parse::<usize>().is_ok() {
                out.push_str(&format!("[{token}]"));
            } else if !token.is_empty()
                && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !token.starts_with(|c: char| c.is_ascii_digit())
            {
                out.push('.');
                out.push_str(&token);
            } else {
                out.push_str(&format!("['{}']", token.replace('\'', "\\'")));
            }
        }
        out
    }

    /// What a client calls the offending field: the parameter name, or the body's JSON path.
    pub fn field(&self) -> String {
        match &self.parameter {
            Some(name) if self.pointer.is_empty() => name.clone(),
            Some(name) => format!("{name}{}", self.pointer),
            None => self.jsonpath(),
        }
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.parameter, self.location) {
            (Some(name), location) => {
                write!(f, "{} parameter `{name}`", location.as_str())?;
                if !self.pointer.is_empty() {
                    write!(f, " at {}", self.pointer)?;
                }
            }
            (None, Location::Body) => {
                let pointer = if self.pointer.is_empty() { "/" } else { &self.pointer };
                write!(f, "body {pointer}")?;
            }
            (None, location) => {
                write!(f, "{} {}", location.as_str(), self.pointer)?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

/// A request the operation cannot accept.
#[derive(Debug, Clone, PartialEq)]
pub enum Rejection {
    /// The content type is not one the operation accepts (415).
    UnsupportedMediaType {
        /// What was sent (`None`: no `Content-Type`).
        got: Option<String>,
        /// What the operation accepts.
        accepted: Vec<String>,
    },
    /// The body is not JSON (400).
    InvalidJson {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's message.
        error: String,
    },
    /// A required body is missing (400).
    MissingBody,
    /// Parameters or body break the contract (400).
    Invalid(Vec<Violation>),
    /// The `Accept` header admits none of the media types the operation answers with (406).
    NotAcceptable {
        /// The `Accept` header as sent.
        accept: String,
        /// The media types the operation documents for its responses.
        available: Vec<String>,
    },
}

/// What validation extracted from a valid request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Validated {
    /// The parsed body, if one was sent with a JSON media type, or a form's fields as an
    /// object.
    pub body: Option<Value>,
    /// Declared query parameters present in the request, converted to their JSON types.
    pub query: Map<String, Value>,
    /// Path parameters, converted to their JSON types.
    pub params: Map<String, Value>,
}

/// Checks `request` against `operation`. `params` are the decoded path parameters from the
/// router; `ignored_query` lists query keys understudy consumes itself (`__code`).
pub fn request(
    operation: &Operation,
    request: &Request,
    params: &[(String, String)],
    ignored_query: &[&str],
) -> Result<Validated, Rejection> {
    let mut violations = Vec::new();
    let mut validated = Validated::default();
    let query: Vec<&(String, String)> = request
        .query_pairs()
        .iter()
        .filter(|(k, _)| !ignored_query.contains(&k.as_str()))
        .collect();
    let cookies = request.cookies();

    for parameter in &operation.parameters {
        let raw: Vec<String> = match parameter.location {
            ParameterLocation::Path => params
                .iter()
                .filter(|(n, _)| *n == parameter.name)
                .map(|(_, v)| v.clone())
                .collect(),
            ParameterLocation::Query => {
                query.iter().filter(|(n, _)| *n == parameter.name).map(|(_, v)| v.clone()).collect()
            }
            ParameterLocation::Header => {
                if matches!(
                    parameter.name.to_ascii_lowercase().as_str(),
                    "accept" | "content-type" | "authorization"
                ) {
                    continue; // OpenAPI: these header parameters are ignored
                }
                request
                    .headers
                    .get_all(parameter.name.as_str())
                    .iter()
                    .filter_map(|v| v.to_str().ok().map(str::to_owned))
                    .collect()
            }
            ParameterLocation::Cookie => cookies
                .iter()
                .filter(|(n, _)| *n == parameter.name)
                .map(|(_, v)| v.clone())
                .collect(),
        };
        if raw.is_empty() {
            if parameter.required {
                violations.push(Violation {
                    location: parameter.location.into(),
                    parameter: Some(parameter.name.clone()),
                    pointer: String::new(),
                    message: "is required".into(),
                    schema: None,
                });
            }
            continue;
        }
        let value = convert(parameter, &raw);
        if let Some(schema) = &parameter.schema {
            for error in schema.errors(&value) {
                violations.push(Violation {
                    location: parameter.location.into(),
                    parameter: Some(parameter.name.clone()),
                    pointer: error.pointer,
                    message: error.message,
                    schema: Some(error.keyword),
                });
            }
        }
        match parameter.location {
            ParameterLocation::Path => validated.params.insert(parameter.name.clone(), value),
            ParameterLocation::Query => validated.query.insert(parameter.name.clone(), value),
            _ => None,
        };
    }

    if let Some(body) = &operation.body {
        if request.body.is_empty() {
            if body.required {
                return Err(Rejection::MissingBody);
            }
        } else {
            let media = request.media_type();
            let accepted = || body.content.iter().map(|m| m.media.clone()).collect();
            let Some(declared) = media.as_deref().and_then(|m| find_media(&body.content, m)) else {
                return Err(Rejection::UnsupportedMediaType { got: media, accepted: accepted() });
            };
            let essence = media.as_deref().unwrap_or_default();
            let value = if is_json(essence) {
                let value = crate::json::parse::from_slice(&request.body).map_err(|e| {
                    Rejection::InvalidJson {
                        line: e.line(),
                        column: e.column(),
                        error: e.to_string(),
                    }
                })?;
                Some(value)
            } else if essence == FORM {
                Some(form::urlencoded(&request.body, &declared.fields, scalar))
            } else if essence == MULTIPART {
                let content_type = request.header("content-type").unwrap_or_default();
                match form::multipart(request.body.clone(), content_type, &declared.fields, scalar)
                {
                    Ok(value) => Some(value),
                    Err(error) => {
                        return Err(Rejection::Invalid(vec![Violation {
                            location: Location::Body,
                            parameter: None,
                            pointer: String::new(),
                            message: format!("the multipart body cannot be read: {error}"),
                            schema: None,
                        }]));
                    }
                }
            } else {
                None
            };
            if let Some(value) = value {
                if let Some(schema) = &declared.schema {
                    for error in schema.errors(&value) {
                        violations.push(Violation {
                            location: Location::Body,
                            parameter: None,
                            pointer: error.pointer,
                            message: error.message,
                            schema: Some(error.keyword),
                        });
                    }
                }
                validated.body = Some(value);
            }
        }
    }

    if !violations.is_empty() {
        return Err(Rejection::Invalid(violations));
    }
    // Only a request understudy could otherwise answer is refused for its `Accept`, and never
    // for an `Accept` the operation lists itself (an `accept` header parameter whose schema
    // takes it: ReadMe's `text/event-stream`), which gets the media type it documents.
    let accept = request.header_list("accept");
    if !acceptable(&accept, operation.response_media()) && !lists_accept(operation, &accept) {
        let available = operation.response_media().map(str::to_owned).collect();
        return Err(Rejection::NotAcceptable { accept, available });
    }
    Ok(validated)
}

/// Whether the operation declares an `accept` header parameter that takes `accept` as it is.
/// (OpenAPI says such a parameter is ignored: it still says what the API accepts.)
fn lists_accept(operation: &Operation, accept: &str) -> bool {
    operation.parameters.iter().any(|p| {
        p.location == ParameterLocation::Header
            && p.name.eq_ignore_ascii_case("accept")
            && p.schema.as_ref().is_some_and(|s| s.is_valid(&Value::String(accept.to_owned())))
    })
}

/// Whether an `Accept` header admits one of the `offered` media types (RFC 9110 §12.5.1): each
/// offered type takes the quality of the most specific range that matches it (`text/html`
/// before `text/*` before `*/*`), and is acceptable when that is above 0. No `Accept` (or one
/// with no range that parses), and an operation that documents no content, accept anything;
/// an offered wildcard (`application/*`) is acceptable to any range that overlaps it.
pub fn acceptable<'a>(accept: &str, offered: impl Iterator<Item = &'a str>) -> bool {
    let ranges: Vec<(String, String, f32)> = accept
        .split(',')
        .filter_map(|range| {
            let mut pieces = range.split(';');
            let essence = pieces.next()?.trim().to_ascii_lowercase();
            let (kind, subtype) = essence.split_once('/')?;
            let quality = pieces
                .filter_map(|p| p.split_once('='))
                .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
                .and_then(|(_, q)| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            Some((kind.trim().to_owned(), subtype.trim().to_owned(), quality))
        })
        .collect();
    if ranges.is_empty() {
        return true;
    }
    let mut offered = offered.filter_map(media_essence).peekable();
    if offered.peek().is_none() {
        return true;
    }
    offered.any(|media| {
        let (kind, subtype) = media.split_once('/').unwrap_or((media.as_str(), ""));
        if kind == "*" || subtype == "*" {
            let overlaps = |a: &str, b: &str| a == b || a == "*" || b == "*";
            return ranges
                .iter()
                .any(|(k, s, q)| *q > 0.0 && overlaps(k, kind) && overlaps(s, subtype));
        }
        let specificity = |(k, s, _): &&(String, String, f32)| match (k.as_str(), s.as_str()) {
            ("*", _) => 0,
            (_, "*") => 1,
            _ => 2,
        };
        ranges
            .iter()
            .filter(|(k, s, _)| (k == "*" || k == kind) && (s == "*" || s == subtype))
            .max_by_key(specificity)
            .is_some_and(|(_, _, q)| *q > 0.0)
    })
}

/// Converts parameter text to the JSON type of its schema.
///
/// An array is every value of a repeated name when `explode` (the default for query
/// parameters: `?tag=a&tag=b`), else the values split on the style's delimiter (`?tag=a,b`,
/// `a|b`, `a b`; a header is always comma-separated). A scalar sent several times takes its
/// first value.
fn convert(parameter: &Parameter, raw: &[String]) -> Value {
    match parameter.kind {
        ValueKind::Array => {
            let exploded = parameter.explode
                && matches!(
                    parameter.location,
                    ParameterLocation::Query | ParameterLocation::Cookie
                );
            let items: Vec<&str> = if exploded || (parameter.explode && raw.len() > 1) {
                raw.iter().map(String::as_str).collect()
            } else {
                raw.iter().flat_map(|r| r.split(parameter.delimiter)).collect()
            };
            Value::Array(items.into_iter().map(|i| scalar(i, parameter.item_kind)).collect())
        }
        kind => scalar(&raw[0], kind),
    }
}

/// Converts one textual value; text that does not convert stays text. Numbers are kept as
/// written when they are JSON numbers (an integer past 64 bits stays exact, and is then refused
/// by `format: int64`, not rounded into range).
pub fn scalar(text: &str, kind: ValueKind) -> Value {
    let exact = || serde_json::from_str::<serde_json::Number>(text).ok().map(Value::Number);
    let converted = match kind {
        ValueKind::Integer => integer(text),
        ValueKind::Number => integer(text).or_else(exact).or_else(|| {
            text.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number)
        }),
        ValueKind::Boolean => match text {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        ValueKind::Object => serde_json::from_str::<Value>(text).ok().filter(Value::is_object),
        ValueKind::String | ValueKind::Array => None,
    };
    converted.unwrap_or_else(|| Value::String(text.to_owned()))
}

/// An integer written in decimal digits (with an optional sign), of any size: beyond 64 bits
/// (`?page=58664490171080374222848`) it is still an integer, kept exactly as JSON keeps it
/// (then refused by `format: int64`, not rounded into range).
fn integer(text: &str) -> Option<Value> {
    if let Ok(small) = text.parse::<i64>() {
        return Some(Value::from(small));
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // JSON has no `+` and no leading zeros.
    let significant = digits.trim_start_matches('0');
    let sign = if text.starts_with('-') { "-" } else { "" };
    let json = format!("{sign}{}", if significant.is_empty() { "0" } else { significant });
    serde_json::from_str::<serde_json::Number>(&json).ok().map(Value::Number)
}

/// Whether a media type is JSON (`application/json`, `application/problem+json`...).
pub fn is_json(media: &str) -> bool {
    media == "application/json" || media.ends_with("+json")
}

/// The declared media type matching `media`: exact first, then `type/*`, then `*/*`.
pub fn find_media<'a>(content: &'a [MediaType], media: &str) -> Option<&'a MediaType> {
    let media = media.to_ascii_lowercase();
    let main = media.split('/').next().unwrap_or_default();
    let declared = |m: &MediaType| media_essence(&m.media).unwrap_or_default();
    content
        .iter()
        .find(|m| declared(m) == media)
        .or_else(|| content.iter().find(|m| declared(m) == format!("{main}/*")))
        .or_else(|| content.iter().find(|m| declared(m) == "*/*"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn violation(pointer: &str) -> Violation {
        Violation {
            location: Location::Body,
            parameter: None,
            pointer: pointer.into(),
            message: "m".into(),
            schema: None,
        }
    }

    #[test]
    fn json_paths_follow_the_pointer() {
        assert_eq!(violation("").jsonpath(), "$");
        assert_eq!(
            violation("/config/llmProviders/0/type").jsonpath(),
            "$.config.llmProviders[0].type"
        );
        assert_eq!(violation("/a~1b/x y").jsonpath(), "$['a/b']['x y']");
    }

    #[test]
    fn display_names_the_place() {
        assert_eq!(violation("/name").to_string(), "body /name: m");
        assert_eq!(violation("").to_string(), "body /: m");
        let query = Violation {
            location: Location::Query,
            parameter: Some("limit".into()),
            pointer: String::new(),
            message: "500 is greater than the maximum of 100".into(),
            schema: None,
        };
        assert_eq!(
            query.to_string(),
            "query parameter `limit`: 500 is greater than the maximum of 100"
        );
    }

    #[test]
    fn accept_takes_the_quality_of_the_most_specific_matching_range() {
        let json = || ["application/json", "application/problem+json"].into_iter();
        assert!(acceptable("", json()));
        assert!(acceptable("*/*", json()));
        assert!(acceptable("application/*", json()));
        assert!(acceptable("Application/JSON; charset=utf-8", json()));
        assert!(acceptable("text/html, application/json;q=0.1", json()));
        assert!(!acceptable("text/html", json()));
        assert!(!acceptable("application/json;q=0", ["application/json"].into_iter()));
        assert!(!acceptable("application/json;q=0, */*", ["application/json"].into_iter()));
        assert!(acceptable("application/json;q=0, */*", json()));
        // Nothing documented, or a documented wildcard.
        assert!(acceptable("text/html", std::iter::empty()));
        assert!(acceptable("text/html", ["*/*"].into_iter()));
        assert!(acceptable("text/plain", ["text/*"].into_iter()));
        assert!(!acceptable("image/png", ["text/*"].into_iter()));
        // A header with no range that parses says nothing.
        assert!(acceptable("nonsense", json()));
    }

    fn parameter(
        kind: ValueKind,
        item_kind: ValueKind,
        explode: bool,
        delimiter: char,
    ) -> Parameter {
        Parameter {
            name: "p".into(),
            location: ParameterLocation::Query,
            required: false,
            explode,
            delimiter,
            kind,
            item_kind,
            schema: None,
        }
    }

    #[test]
    fn array_parameters_read_repeated_names_or_delimited_values() {
        let raw = |values: &[&str]| values.iter().map(|v| v.to_string()).collect::<Vec<_>>();
        let exploded = parameter(ValueKind::Array, ValueKind::Integer, true, ',');
        assert_eq!(convert(&exploded, &raw(&["1", "2"])), serde_json::json!([1, 2]));
        assert_eq!(convert(&exploded, &raw(&["1,2"])), serde_json::json!(["1,2"]));
        let commas = parameter(ValueKind::Array, ValueKind::Integer, false, ',');
        assert_eq!(convert(&commas, &raw(&["1,2", "3"])), serde_json::json!([1, 2, 3]));
        let pipes = parameter(ValueKind::Array, ValueKind::String, false, '|');
        assert_eq!(convert(&pipes, &raw(&["a|b"])), serde_json::json!(["a", "b"]));
        let scalar = parameter(ValueKind::Integer, ValueKind::String, true, ',');
        assert_eq!(convert(&scalar, &raw(&["5", "50"])), serde_json::json!(5));
    }

    #[test]
    fn an_integer_beyond_64_bits_is_still_an_integer() {
        // See: issue 12 (Schemathesis sends `?page=58664490171080374222848` to ReadMe's API).
        let big = scalar("58664490171080374222848", ValueKind::Integer);
        assert!(big.is_number(), "{big}");
        assert_eq!(big.as_f64(), Some(58664490171080374222848.0));
        let negative = scalar("-0058664490171080374222848", ValueKind::Number);
        assert_eq!(negative.as_f64(), Some(-58664490171080374222848.0));
        let schema = serde_json::json!({"type": "integer", "minimum": 1});
        let validator = jsonschema::validator_for(&schema).unwrap();
        assert!(validator.is_valid(&big), "a JSON Schema validator reads it as an integer");
    }

    #[test]
    fn scalars_convert_or_stay_text() {
        assert_eq!(scalar("5", ValueKind::Integer), Value::from(5));
        assert_eq!(scalar("5.5", ValueKind::Integer), Value::from("5.5"));
        assert_eq!(scalar("5.5", ValueKind::Number), Value::from(5.5));
        assert_eq!(scalar("true", ValueKind::Boolean), Value::Bool(true));
        assert_eq!(scalar("1e3", ValueKind::Integer), Value::from("1e3"));
        assert_eq!(scalar("-", ValueKind::Integer), Value::from("-"));
        assert_eq!(scalar("yes", ValueKind::Boolean), Value::from("yes"));
        assert_eq!(scalar(r#"{"a": 1}"#, ValueKind::Object), serde_json::json!({"a": 1}));
        assert_eq!(scalar("[1]", ValueKind::Object), Value::from("[1]"));
        // Past 64 bits, kept exactly (a `format: int64` then refuses it).
        let big = "123456789012345678901234567890";
        assert_eq!(scalar(big, ValueKind::Integer).to_string(), big);
        assert_eq!(
            scalar("-9223372036854775809", ValueKind::Number).to_string(),
            "-9223372036854775809"
        );
        assert_eq!(scalar("0.10", ValueKind::Number).to_string(), "0.10");
        assert_eq!(scalar("1e400", ValueKind::Integer), Value::from("1e400"));
        assert_eq!(scalar("007", ValueKind::Integer), Value::from(7));
    }

    /// Properties of parameter conversion and of body validation. Each test's doc says the
    /// rule it holds the code to, that is, what would make it fail.
    mod properties {
        use std::sync::OnceLock;

        use http::{HeaderMap, HeaderValue, Method};
        use proptest::prelude::*;
        use proptest::sample::Index;

        use super::*;
        use crate::contract::{Contract, load};
        use crate::json::arbitrary;

        /// `^[+-]?[0-9]+$`: what `integer` converts.
        fn is_decimal(text: &str) -> bool {
            let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        }

        /// The decimal JSON writes for an integer given as sign and digits.
        fn canonical(text: &str) -> String {
            let negative = text.starts_with('-');
            let digits = text.trim_start_matches(['+', '-']).trim_start_matches('0');
            match (negative, digits.is_empty()) {
                (_, true) => "0".to_owned(),
                (true, false) => format!("-{digits}"),
                (false, false) => digits.to_owned(),
            }
        }

        fn kind() -> impl Strategy<Value = ValueKind> {
            prop::sample::select(vec![
                ValueKind::String,
                ValueKind::Integer,
                ValueKind::Number,
                ValueKind::Boolean,
                ValueKind::Object,
            ])
        }

        fn array_parameter(
            location: ParameterLocation,
            explode: bool,
            delimiter: char,
        ) -> Parameter {
            Parameter {
                location,
                ..parameter(ValueKind::Array, ValueKind::String, explode, delimiter)
            }
        }

        proptest! {
            /// Breaks if an integer of any size, sign or leading zeros is not converted to the
            /// JSON number of the same value (rounded to 64 bits, say, or left as text).
            #[test]
            fn an_integer_parameter_of_any_size_converts_to_the_same_number(
                text in "[+-]?[0-9]{1,60}",
            ) {
                let value = scalar(&text, ValueKind::Integer);
                prop_assert!(value.is_number(), "{} gave {}", text, value);
                prop_assert_eq!(value.to_string(), canonical(&text));
                prop_assert_eq!(scalar(&text, ValueKind::Number).to_string(), canonical(&text));
            }

            /// Breaks if a 64-bit integer does not come back as itself.
            #[test]
            fn every_64_bit_integer_converts_to_itself(n in any::<i64>()) {
                prop_assert_eq!(scalar(&n.to_string(), ValueKind::Integer), Value::from(n));
            }

            /// Breaks if a finite float written as Rust prints it does not convert back to the
            /// same float (the shortest text that round-trips).
            #[test]
            fn a_finite_number_parameter_converts_to_the_same_float(
                f in any::<f64>().prop_filter("finite", |f| f.is_finite()),
            ) {
                let value = scalar(&f.to_string(), ValueKind::Number);
                prop_assert_eq!(value.as_f64(), Some(f), "{}", value);
            }

            /// Breaks if text that is not what its kind reads is changed (trimmed, truncated,
            /// rounded) instead of kept as it was sent, or if any text panics.
            #[test]
            fn text_that_does_not_convert_is_kept_exactly_as_sent(text in arbitrary::text(), kind in kind()) {
                let value = scalar(&text, kind);
                let converts = match kind {
                    ValueKind::String | ValueKind::Array => false,
                    ValueKind::Integer => is_decimal(&text),
                    ValueKind::Number => serde_json::from_str::<serde_json::Number>(&text).is_ok()
                        || is_decimal(&text)
                        || text.parse::<f64>().is_ok_and(f64::is_finite),
                    ValueKind::Boolean => text == "true" || text == "false",
                    ValueKind::Object => serde_json::from_str::<Value>(&text).is_ok_and(|v| v.is_object()),
                };
                if converts {
                    prop_assert_ne!(value, Value::String(text));
                } else {
                    prop_assert_eq!(value, Value::String(text));
                }
            }

            /// Breaks if a JSON object sent as text (a form field, a `content: application/json`
            /// parameter) is not read as that object.
            #[test]
            fn an_object_parameter_reads_the_json_object_it_is_sent_as(object in arbitrary::object()) {
                prop_assert_eq!(scalar(&object.to_string(), ValueKind::Object), object);
            }

            /// Breaks if a non-exploded array (`?id=1,2`, `a|b`, `a b`, a header) does not split
            /// on its style's delimiter into exactly the items that were joined, each converted.
            #[test]
            fn a_delimited_array_splits_into_the_items_that_were_joined(
                delimiter in prop::sample::select(vec![',', '|', ' ']),
                location in prop::sample::select(vec![ParameterLocation::Query, ParameterLocation::Header]),
                items in prop::collection::vec("[a-z0-9é.\\-]{0,6}|[+-]?[0-9]{1,25}", 1..6),
                item_kind in kind(),
            ) {
                let parameter = Parameter {
                    item_kind,
                    ..array_parameter(location, location == ParameterLocation::Header, delimiter)
                };
                let joined = items.join(&delimiter.to_string());
                let expected: Vec<Value> = items.iter().map(|i| scalar(i, item_kind)).collect();
                prop_assert_eq!(convert(&parameter, &[joined]), Value::Array(expected));
            }

            /// Breaks if a repeated query name (`explode`, the default) is not read as one item
            /// per value, delimiters and all, in the order sent.
            #[test]
            fn an_exploded_array_takes_one_item_per_repeated_name(
                values in prop::collection::vec(arbitrary::text(), 1..6),
            ) {
                let parameter = array_parameter(ParameterLocation::Query, true, ',');
                let expected: Vec<Value> = values.iter().cloned().map(Value::String).collect();
                prop_assert_eq!(convert(&parameter, &values), Value::Array(expected));
            }

            /// Breaks if a scalar sent several times is read from any value but the first.
            #[test]
            fn a_repeated_scalar_takes_its_first_value(
                values in prop::collection::vec(arbitrary::text(), 1..4),
                kind in kind(),
            ) {
                let parameter = parameter(kind, ValueKind::String, true, ',');
                prop_assert_eq!(convert(&parameter, &values), scalar(&values[0], kind));
            }
        }

        /// Every contract the properties below draw operations from: the bundled ones, the
        /// corpus and the foreign fixtures (3.0 and 3.1, `oneOf`, `$dynamicRef`, forms).
        fn contracts() -> &'static [Contract] {
            static CONTRACTS: OnceLock<Vec<Contract>> = OnceLock::new();
            CONTRACTS.get_or_init(|| {
                let mut files = Vec::new();
                let embedded = crate::files::Tree::embedded_contracts();
                for api in embedded.apis().unwrap() {
                    let mut folders = vec![api.clone()];
                    folders.extend(
                        embedded
                            .subfolders(&api)
                            .unwrap()
                            .into_iter()
                            .map(|v| format!("{api}/{v}")),
                    );
                    for folder in folders {
                        files.extend(
                            embedded
                                .files(&folder, &[".yaml", ".json"])
                                .unwrap()
                                .into_iter()
                                .filter(|f| f.file_name.starts_with("openapi")),
                        );
                    }
                }
                let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
                for path in [
                    "corpus/petstore.json",
                    "corpus/petstore-expanded.json",
                    "corpus/readme-legacy.json",
                    "corpus/readme.json",
                    "corpus/galaxy.yaml",
                    "data/foreign/contracts/forms/openapi.yaml",
                    "data/foreign/contracts/refs/openapi.yaml",
                    "data/foreign/contracts/shapes/openapi.yaml",
                ] {
                    files.push(crate::files::read_file(&root.join(path)).unwrap());
                }
                assert!(files.len() > 15, "{} contract files", files.len());
                files
                    .iter()
                    .map(|f| load(f).unwrap_or_else(|e| panic!("{}: {e}", f.name)))
                    .collect()
            })
        }

        /// Every declared request body with a schema: contract, operation, media type.
        fn bodies(form: bool) -> &'static [(usize, usize, usize)] {
            static JSON: OnceLock<Vec<(usize, usize, usize)>> = OnceLock::new();
            static FORMS: OnceLock<Vec<(usize, usize, usize)>> = OnceLock::new();
            (if form { &FORMS } else { &JSON }).get_or_init(|| {
                let mut out = Vec::new();
                for (c, contract) in contracts().iter().enumerate() {
                    for (o, operation) in contract.operations.iter().enumerate() {
                        let Some(body) = &operation.body else { continue };
                        for (m, media) in body.content.iter().enumerate() {
                            let essence = media_essence(&media.media).unwrap_or_default();
                            let is_form = essence == FORM;
                            let takes = if form { is_form } else { is_json(&essence) };
                            if takes && media.schema.is_some() {
                                out.push((c, o, m));
                            }
                        }
                    }
                }
                assert!(out.len() > if form { 1 } else { 40 }, "{} bodies", out.len());
                out
            })
        }

        /// A change made somewhere in a body.
        #[derive(Debug, Clone)]
        enum Mutation {
            Replace(Value),
            Remove,
            Insert(String, Value),
        }

        fn mutation() -> impl Strategy<Value = (Index, Mutation)> {
            let change = prop_oneof![
                arbitrary::value().prop_map(Mutation::Replace),
                Just(Mutation::Remove),
                (arbitrary::text(), arbitrary::value()).prop_map(|(k, v)| Mutation::Insert(k, v)),
            ];
            (any::<Index>(), change)
        }

        /// Every pointer into `value`, the value itself first.
        fn places(value: &Value, at: String, out: &mut Vec<String>) {
            out.push(at.clone());
            match value {
                Value::Object(map) => {
                    for (key, child) in map {
                        places(child, crate::json::pointer::push_token(&at, key), out);
                    }
                }
                Value::Array(items) => {
                    for (i, child) in items.iter().enumerate() {
                        places(child, format!("{at}/{i}"), out);
                    }
                }
                _ => {}
            }
        }

        fn mutate(body: &mut Value, (index, change): &(Index, Mutation)) {
            let mut all = Vec::new();
            places(body, String::new(), &mut all);
            let at = index.get(&all).clone();
            match change {
                Mutation::Replace(value) => {
                    if let Some(slot) = body.pointer_mut(&at) {
                        *slot = value.clone();
                    }
                }
                Mutation::Remove => {
                    let Some((parent, last)) = at.rsplit_once('/') else { return };
                    let last = crate::json::pointer::unescape_token(last).into_owned();
                    match body.pointer_mut(parent) {
                        Some(Value::Object(map)) => {
                            map.shift_remove(&last);
                        }
                        Some(Value::Array(items)) => {
                            if let Ok(i) = last.parse::<usize>() {
                                items.remove(i);
                            }
                        }
                        _ => {}
                    }
                }
                Mutation::Insert(key, value) => match body.pointer_mut(&at) {
                    Some(Value::Object(map)) => {
                        map.insert(key.clone(), value.clone());
                    }
                    Some(Value::Array(items)) => items.push(value.clone()),
                    _ => {}
                },
            }
        }

        fn json_request(media: &str, body: Vec<u8>) -> Request {
            let media = if media.contains('*') { "application/json" } else { media };
            let mut headers = HeaderMap::new();
            headers.insert("content-type", HeaderValue::from_str(media).unwrap());
            Request::new(Method::POST, "/", headers, body)
        }

        proptest! {
            /// Breaks if validating a body panics, if a body violation's pointer does not lead
            /// to a value of the body that was sent (a client could not find what to fix) or
            /// names no schema keyword, or if the body violations are not empty exactly when the
            /// schema accepts the body. Bodies are valid draws from each operation's own schema
            /// (`vary`), changed at up to three random places, or any JSON at all.
            #[test]
            fn a_body_violation_points_at_a_value_of_the_body_and_none_means_valid(
                which in any::<Index>(),
                seed in any::<u64>(),
                mutations in prop::collection::vec(mutation(), 0..4),
                anything in prop::option::weighted(0.2, arbitrary::value()),
            ) {
                let (c, o, m) = *which.get(bodies(false));
                let contract = &contracts()[c];
                let operation = &contract.operations[o];
                let media = &operation.body.as_ref().unwrap().content[m];
                let schema = media.schema.as_ref().unwrap();
                let mut rng = fastrand::Rng::with_seed(seed);
                let mut body = match anything {
                    Some(value) => value,
                    None => crate::contract::sample::vary(&contract.document, schema, None, &mut rng)
                        .unwrap_or(Value::Null),
                };
                for mutation in &mutations {
                    mutate(&mut body, mutation);
                }
                let sent = json_request(&media.media, serde_json::to_vec(&body).unwrap());
                let label = format!("{} {} ({})", contract.file_name, operation.id, media.media);
                let body_violations: Vec<Violation> = match request(operation, &sent, &[], &[]) {
                    Ok(validated) => {
                        prop_assert_eq!(validated.body.as_ref(), Some(&body), "{}", label);
                        Vec::new()
                    }
                    Err(Rejection::Invalid(violations)) => {
                        violations.into_iter().filter(|v| v.location == Location::Body).collect()
                    }
                    Err(other) => {
                        prop_assert!(false, "{}: {:?}", label, other);
                        unreachable!()
                    }
                };
                for violation in &body_violations {
                    prop_assert!(
                        body.pointer(&violation.pointer).is_some(),
                        "{}: `{}` is not in the body: {}\n{}", label, violation.pointer, violation, body
                    );
                    prop_assert!(violation.schema.is_some(), "{}: {}", label, violation);
                }
                prop_assert_eq!(
                    body_violations.is_empty(),
                    schema.is_valid(&body),
                    "{}: {:?}\n{}", label, body_violations, body
                );
            }

            /// Breaks if the compiled body schemas (`bodies.rs`) drop other fields, or fill in
            /// other defaults, than the walks over the document as written: on every body of
            /// every contract, drawn from its schema and changed at random places.
            #[test]
            fn compiled_body_walks_agree_with_the_document_walks(
                which in any::<Index>(),
                seed in any::<u64>(),
                mutations in prop::collection::vec(mutation(), 0..4),
            ) {
                let (c, o, m) = *which.get(bodies(false));
                let contract = &contracts()[c];
                let operation = &contract.operations[o];
                let schema = operation.body.as_ref().unwrap().content[m].schema.as_ref().unwrap();
                let mut rng = fastrand::Rng::with_seed(seed);
                let mut body = crate::contract::sample::vary(&contract.document, schema, None, &mut rng)
                    .unwrap_or(Value::Null);
                for mutation in &mutations {
                    mutate(&mut body, mutation);
                }
                let document = contract.document.as_ref();
                let raw = crate::json::pointer::pointer(document, &schema.pointer).unwrap();
                let label = format!("{} {}", contract.file_name, operation.id);
                let (mut compiled, mut walked) = (body.clone(), body.clone());
                contract.bodies.prune(&schema.pointer, &mut compiled);
                crate::contract::prune::reference::undeclared(document, raw, &mut walked);
                prop_assert_eq!(&compiled, &walked, "pruned, {}: {}", label, body);
                contract.bodies.fill_defaults(&schema.pointer, &mut compiled);
                crate::contract::defaults::apply_defaults(document, raw, &mut walked);
                prop_assert_eq!(&compiled, &walked, "defaults, {}: {}", label, body);
            }

            /// Breaks if any bytes sent as JSON panic, or if bytes that are not JSON are not
            /// refused as such (400 with a 1-based line), or JSON is.
            #[test]
            fn any_bytes_sent_as_json_are_parsed_or_refused_with_their_line(
                which in any::<Index>(),
                bytes in prop_oneof![
                    prop::collection::vec(any::<u8>(), 0..64),
                    arbitrary::value().prop_map(|v| v.to_string().into_bytes()),
                    "[\\[\\]{}\",:0-9a-z \\n]{0,24}".prop_map(String::into_bytes),
                ],
            ) {
                let (c, o, m) = *which.get(bodies(false));
                let operation = &contracts()[c].operations[o];
                let media = &operation.body.as_ref().unwrap().content[m];
                let parses = serde_json::from_slice::<Value>(&bytes).is_ok();
                let empty = bytes.is_empty();
                match request(operation, &json_request(&media.media, bytes), &[], &[]) {
                    Err(Rejection::InvalidJson { line, .. }) => {
                        prop_assert!(!parses && !empty);
                        prop_assert!(line >= 1);
                    }
                    Err(Rejection::MissingBody) => prop_assert!(empty),
                    Err(Rejection::Invalid(_)) | Ok(_) => prop_assert!(parses || empty),
                    Err(other) => prop_assert!(false, "{:?}", other),
                }
            }

            /// Breaks if an urlencoded form panics, or if a violation of its fields points at
            /// nothing in the object the form is read into.
            #[test]
            fn a_form_violation_points_at_a_field_the_form_sent(
                which in any::<Index>(),
                pairs in prop::collection::vec((arbitrary::text(), arbitrary::text()), 0..6),
                names in prop::collection::vec(any::<Index>(), 0..4),
            ) {
                let (c, o, m) = *which.get(bodies(true));
                let operation = &contracts()[c].operations[o];
                let media = &operation.body.as_ref().unwrap().content[m];
                // Some fields under the names the form declares, so that they are converted.
                let declared: Vec<&String> = media.fields.keys().collect();
                let mut pairs = pairs;
                for (i, name) in names.iter().enumerate() {
                    if !declared.is_empty() && i < pairs.len() {
                        pairs[i].0 = name.get(&declared).to_string();
                    }
                }
                let mut encoder = form_urlencoded::Serializer::new(String::new());
                for (k, v) in &pairs {
                    encoder.append_pair(k, v);
                }
                let text = encoder.finish();
                let read = form::urlencoded(text.as_bytes(), &media.fields, scalar);
                let mut headers = HeaderMap::new();
                headers.insert("content-type", HeaderValue::from_static(FORM));
                let sent = Request::new(Method::POST, "/", headers, text);
                match request(operation, &sent, &[], &[]) {
                    Ok(validated) => prop_assert_eq!(validated.body, Some(read)),
                    Err(Rejection::Invalid(violations)) => {
                        for violation in violations.iter().filter(|v| v.location == Location::Body) {
                            prop_assert!(
                                read.pointer(&violation.pointer).is_some(),
                                "`{}` is not in {}", violation.pointer, read
                            );
                        }
                    }
                    Err(Rejection::MissingBody) => prop_assert!(pairs.is_empty()),
                    Err(other) => prop_assert!(false, "{:?}", other),
                }
            }
        }
    }
}
