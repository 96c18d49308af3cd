//! Checking a request against its operation: parameters, content type, JSON syntax, body.
//!
//! Every problem is returned as data: a [`Violation`] with where it is (location, parameter,
//! JSON pointer) and what is wrong, all of them at once, so that a client fixing its request
//! sees the whole list. Three problems stop the check early because nothing after them can be
//! checked: an unsupported content type (415), a body that is not JSON (400 with line and
//! column), and a missing required body. Turning these into the API's envelope is
//! `mock/respond.rs`'s job.
//!
//! Parameters arrive as text; they are converted to the JSON type their schema declares
//! (`limit=5` → `5`) before validation, and a value that does not convert is validated as text,
//! which gives the natural message (`"abc" is not of type "integer"`).

use serde_json::{Map, Value};

use crate::contract::{MediaType, Operation, Parameter, ParameterLocation, ValueKind};
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
}

/// What validation extracted from a valid request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Validated {
    /// The parsed JSON body, if one was sent with a JSON media type.
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
            if is_json(media.as_deref().unwrap_or_default()) {
                let value: Value =
                    serde_json::from_slice(&request.body).map_err(|e| Rejection::InvalidJson {
                        line: e.line(),
                        column: e.column(),
                        error: e.to_string(),
                    })?;
                if let Some(schema) = &declared.schema {
                    for error in schema.errors(&value) {
                        violations.push(Violation {
                            location: Location::Body,
                            parameter: None,
                            pointer: error.pointer,
                            message: error.message,
                        });
                    }
                }
                validated.body = Some(value);
            }
        }
    }

    if violations.is_empty() { Ok(validated) } else { Err(Rejection::Invalid(violations)) }
}

/// Converts parameter text to the JSON type of its schema.
fn convert(parameter: &Parameter, raw: &[String]) -> Value {
    match parameter.kind {
        ValueKind::Array => {
            let items: Vec<&str> = if parameter.explode && raw.len() > 1 {
                raw.iter().map(String::as_str).collect()
            } else if parameter.explode && parameter.location == ParameterLocation::Query {
                vec![raw[0].as_str()]
            } else {
                raw.iter().flat_map(|r| r.split(',')).collect()
            };
            Value::Array(items.into_iter().map(|i| scalar(i, parameter.item_kind)).collect())
        }
        kind => scalar(&raw[0], kind),
    }
}

/// Converts one textual value; text that does not convert stays text.
pub fn scalar(text: &str, kind: ValueKind) -> Value {
    let converted = match kind {
        ValueKind::Integer => text.parse::<i64>().ok().map(Value::from),
        ValueKind::Number => text.parse::<i64>().ok().map(Value::from).or_else(|| {
            text.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number)
        }),
        ValueKind::Boolean => match text {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        ValueKind::String | ValueKind::Array => None,
    };
    converted.unwrap_or_else(|| Value::String(text.to_owned()))
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
        };
        assert_eq!(
            query.to_string(),
            "query parameter `limit`: 500 is greater than the maximum of 100"
        );
    }

    #[test]
    fn scalars_convert_or_stay_text() {
        assert_eq!(scalar("5", ValueKind::Integer), Value::from(5));
        assert_eq!(scalar("5.5", ValueKind::Integer), Value::from("5.5"));
        assert_eq!(scalar("5.5", ValueKind::Number), Value::from(5.5));
        assert_eq!(scalar("true", ValueKind::Boolean), Value::Bool(true));
        assert_eq!(scalar("yes", ValueKind::Boolean), Value::from("yes"));
    }
}
