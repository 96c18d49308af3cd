//! Exchange files: one recorded request and the response it should get, for the runner.
//!
//! A suite is a folder of these (`conformance/<api>/<case>.json`). `understudy check` replays
//! them against a target; `understudy record` writes them from live traffic;
//! `understudy schema exchange` prints the format's JSON Schema (generated from the types
//! below).
//!
//! Besides the format, this file knows an exchange's placeholders: `Variables` fills them in,
//! `build_request` gives the request as it is sent, and `curl` the same request as a shell line
//! that keeps secrets as shell variables.
//!
//! # Format
//!
//! ```json
//! {
//!   "id": "create-llm-201",
//!   "operation": "integrations_create",
//!   "description": "Creating an integration answers 201 with its id",
//!   "needs": ["list-200"],
//!   "request": {
//!     "method": "POST",
//!     "path": "/v2/integrations",
//!     "query": {"limit": "10", "tag": ["a", "b"]},
//!     "headers": {"authorization": "Bearer ${env.TOKEN}", "content-type": "application/json"},
//!     "body": {"type": "llm", "name": "Staging", "config": {"api_key": "${env.API_KEY}"}}
//!   },
//!   "expect": {
//!     "status": 201,
//!     "headers": {"content-type": "application/json", "location": {"regex": "^/v2/integrations/.+$"}},
//!     "body": {"id": "TGxtSW50ZWdyYXRpb246NA==", "name": "Staging", "created_at": "2026-07-01T00:00:00Z"}
//!   },
//!   "rules": {
//!     "/id": "type",
//!     "/created_at": {"format": "date-time"},
//!     "/scopings/*/space_id": {"regex": "^[A-Za-z0-9+/=]+$"},
//!     "/debug": "ignore"
//!   },
//!   "capture": {"integration": "/id", "where": {"header": "location"}}
//! }
//! ```
//!
//! * `request.path` is the operation's path without the server base path (`/v2/...`, not
//!   `/arize/v2/...`); the runner adds the target and the contract's base path.
//! * `request.body` is JSON; `request.body-text` sends raw text instead (for broken JSON).
//! * `expect.body` absent means "no body". `expect.headers` lists only the headers to check:
//!   a string is compared exactly (`content-type` by media type), `{"regex"}` must match.
//! * `rules`, keyed by JSON pointer into the response body with `*` for any one segment: the
//!   most specific pointer wins, and a rule covers what lies below it. `ignore`; `type` (same
//!   JSON type as recorded); `{"regex": "..."}` (anchored); `{"format": "date-time"}` (any
//!   JSON Schema format). Keys the response has beyond `expect.body` are allowed.
//! * `${env.NAME}` placeholders in request and expectation are read from the environment
//!   (`--token T` sets `${env.TOKEN}`): secrets are never stored. `${env.NAME:-value}` falls
//!   back to `value` when `NAME` is not set (the bundled suites use understudy's documented
//!   development tokens this way). `${capture.NAME}` is a value an earlier case captured;
//!   `needs` lists the cases that must run first.
//! * Cases run in the order of their file names (`010-list-200.json` before
//!   `020-create-201.json`), dependencies first.
//! * `capture`: name → JSON pointer into this case's response body, or `{"header": name}`.

use std::collections::BTreeMap;

use bytes::Bytes;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::LoadError;
use crate::files::TextFile;

/// One recorded exchange.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
#[schemars(title = "understudy exchange")]
pub struct Exchange {
    /// Unique within the suite: the JUnit test name and the `--only` handle.
    pub id: String,
    /// The contract operation (`operationId`).
    pub operation: String,
    /// What the case shows.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Cases that must run before this one (their captures are used here).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<String>,
    /// The request to send.
    pub request: RequestSpec,
    /// What the response should be.
    pub expect: Expectation,
    /// Matchers for volatile values, by JSON pointer into the response body (`*`: any segment).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub rules: BTreeMap<String, Rule>,
    /// Values of the response later cases use as `${capture.NAME}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub capture: BTreeMap<String, Capture>,
    /// Where and when it was recorded (provenance only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded: Option<Recorded>,
}

/// The request of an exchange.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RequestSpec {
    /// HTTP method.
    pub method: String,
    /// The operation path, without the server base path.
    pub path: String,
    /// Query parameters (a list for repeated ones).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, QueryValue>,
    /// Headers, lower-case names.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// A JSON body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// A raw text body instead (e.g. deliberately broken JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_text: Option<String>,
}

/// One query value, or several for a repeated parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum QueryValue {
    /// `?a=1`
    One(String),
    /// `?a=1&a=2`
    Many(Vec<String>),
}

impl QueryValue {
    /// The values in order.
    pub(crate) fn values(&self) -> Vec<&str> {
        match self {
            QueryValue::One(v) => vec![v.as_str()],
            QueryValue::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// The expected response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Expectation {
    /// The status.
    pub status: u16,
    /// Headers to check (others are not compared).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, HeaderExpectation>,
    /// The JSON body (absent: no body).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

/// An expected header value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum HeaderExpectation {
    /// Exactly this (`content-type`: this media type).
    Exact(String),
    /// Matching an anchored regular expression.
    Regex {
        /// The expression.
        regex: String,
    },
}

/// A matcher for a volatile value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Rule {
    /// `ignore` (anything, or nothing) or `type` (the recorded value's JSON type).
    Keyword(RuleKeyword),
    /// A string matching an anchored regular expression.
    Regex {
        /// The expression.
        regex: String,
    },
    /// A string of a JSON Schema format (`date-time`, `uuid`, `email`, `uri`...).
    Format {
        /// The format.
        format: String,
    },
}

/// The keyword rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RuleKeyword {
    /// Not compared.
    Ignore,
    /// The same JSON type as recorded.
    Type,
}

/// Where a captured value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Capture {
    /// A JSON pointer into the response body.
    Body(String),
    /// A response header.
    Header {
        /// Its name.
        header: String,
    },
}

/// Provenance of a recorded exchange.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Recorded {
    /// When (RFC 3339).
    pub at: String,
    /// The target it was recorded against.
    pub target: String,
}

/// An exchange with the file it came from.
#[derive(Debug, Clone)]
pub struct Case {
    /// The exchange.
    pub exchange: Exchange,
    /// Display name of its file.
    pub file: String,
}

/// The JSON Schema of exchange files.
pub fn json_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(Exchange)).expect("a schema serializes")
}

/// Parses one exchange file.
fn load(file: &TextFile) -> Result<Case, LoadError> {
    let mut deserializer = serde_json::Deserializer::from_str(&file.text);
    let exchange: Exchange = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        let inner = e.inner();
        let (line, column) = (inner.line(), inner.column());
        let path = e.path().to_string();
        LoadError::Syntax {
            file: file.name.clone(),
            message: format!("line {line}, column {column}: at `{path}`: {}", e.into_inner()),
        }
    })?;
    if exchange.request.body.is_some() && exchange.request.body_text.is_some() {
        return Err(LoadError::invalid(
            &file.name,
            &exchange.operation,
            "/request",
            "give `body` or `body-text`, not both",
        ));
    }
    for (pointer, rule) in &exchange.rules {
        if !pointer.is_empty() && !pointer.starts_with('/') {
            let message = format!(
                "rule key `{pointer}` must be a JSON pointer (`/id`, `/items/*/id`, or `` for the whole body)"
            );
            return Err(LoadError::invalid(&file.name, &exchange.operation, "/rules", message));
        }
        if let Rule::Regex { regex } = rule
            && let Err(e) = regex::Regex::new(regex)
        {
            return Err(LoadError::invalid(
                &file.name,
                &exchange.operation,
                format!("/rules/{pointer}"),
                format!("not a regular expression: {e}"),
            ));
        }
    }
    Ok(Case { exchange, file: file.name.clone() })
}

/// Loads every `.json` file of a folder as one suite, checking ids are unique and `needs` name
/// cases of the suite.
pub fn load_suite(files: &[TextFile]) -> Result<Vec<Case>, LoadError> {
    let cases: Vec<Case> = files.iter().map(load).collect::<Result<_, _>>()?;
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    for case in &cases {
        if let Some(other) = seen.insert(&case.exchange.id, &case.file) {
            let message = format!("id `{}` is also used by {other}", case.exchange.id);
            return Err(LoadError::invalid(&case.file, &case.exchange.operation, "/id", message));
        }
    }
    for case in &cases {
        for need in &case.exchange.needs {
            if !seen.contains_key(need.as_str()) {
                let message = format!("needs `{need}`, which no case of the suite has as its id");
                return Err(LoadError::invalid(
                    &case.file,
                    &case.exchange.operation,
                    "/needs",
                    message,
                ));
            }
        }
    }
    Ok(cases)
}

/// Placeholders that are not defined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("undefined placeholder `${{{0}}}`")]
pub(crate) struct Undefined(pub(crate) String);

/// Values `${env.*}` and `${capture.*}` placeholders stand for.
#[derive(Debug, Clone, Default)]
pub(crate) struct Variables {
    /// `env.NAME` → value.
    pub(crate) env: BTreeMap<String, String>,
    /// `capture.NAME` → value.
    pub(crate) captures: BTreeMap<String, Value>,
}

impl Variables {
    fn lookup(&self, name: &str) -> Option<Value> {
        // `${env.NAME:-fallback}`: the fallback when NAME is not set.
        if let Some((name, fallback)) = name.split_once(":-") {
            return self.lookup(name).or_else(|| Some(Value::String(fallback.to_owned())));
        }
        if let Some(key) = name.strip_prefix("env.") {
            return self
                .env
                .get(key)
                .cloned()
                .map(Value::String)
                .or_else(|| std::env::var(key).ok().map(Value::String));
        }
        name.strip_prefix("capture.").and_then(|key| self.captures.get(key).cloned())
    }

    /// Substitutes placeholders in a text.
    pub(crate) fn text(&self, text: &str) -> Result<String, Undefined> {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let Some(end) = rest[start..].find('}') else {
                out.push_str(&rest[start..]);
                return Ok(out);
            };
            let name = &rest[start + 2..start + end];
            let value = self.lookup(name).ok_or_else(|| Undefined(name.to_owned()))?;
            out.push_str(&crate::json::text::as_text(&value));
            rest = &rest[start + end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    /// Substitutes placeholders in a JSON value: a string that is one placeholder becomes the
    /// captured value itself (keeping a number a number).
    pub(crate) fn json(&self, value: &Value) -> Result<Value, Undefined> {
        Ok(match value {
            Value::String(text) => {
                let whole = text
                    .strip_prefix("${")
                    .and_then(|t| t.strip_suffix('}'))
                    .filter(|t| !t.contains('}'));
                match whole {
                    Some(name) => self.lookup(name).ok_or_else(|| Undefined(name.to_owned()))?,
                    None => Value::String(self.text(text)?),
                }
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|i| self.json(i)).collect::<Result<_, _>>()?)
            }
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| Ok((k.clone(), self.json(v)?)))
                    .collect::<Result<_, Undefined>>()?,
            ),
            other => other.clone(),
        })
    }
}

/// Every `${env.NAME}` an exchange uses without a fallback.
pub(crate) fn env_names(exchange: &Exchange) -> Vec<String> {
    let text = serde_json::to_string(&(&exchange.request, &exchange.expect)).unwrap_or_default();
    let mut names = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("${env.") {
        let tail = &rest[start + 6..];
        let Some(end) = tail.find('}') else { break };
        let name = tail[..end].to_owned();
        if !names.contains(&name) && !name.contains(":-") {
            names.push(name);
        }
        rest = &tail[end..];
    }
    names
}

// === The request of an exchange, filled in ===

/// The request of an exchange with its placeholders filled in.
#[derive(Debug)]
pub(crate) struct Built {
    /// The path, without the contract's base path.
    pub(crate) path: String,
    /// The query string, encoded, without `?`.
    pub(crate) query: Option<String>,
    /// The headers, by name.
    pub(crate) headers: Vec<(String, String)>,
    /// The body, JSON or text.
    pub(crate) body: Option<Bytes>,
}

impl Built {
    /// The path with its query, as sent.
    pub(crate) fn path_and_query(&self) -> String {
        match &self.query {
            Some(query) => format!("{}?{query}", self.path),
            None => self.path.clone(),
        }
    }
}

/// Fills in the placeholders of an exchange's request.
pub(crate) fn build_request(
    exchange: &Exchange,
    variables: &Variables,
) -> Result<Built, Undefined> {
    let request = &exchange.request;
    let path = variables.text(&request.path)?;
    let mut pairs = Vec::new();
    for (name, value) in &request.query {
        for value in value.values() {
            pairs.push((name.clone(), variables.text(value)?));
        }
    }
    let query = (!pairs.is_empty())
        .then(|| form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish());
    let mut headers = Vec::new();
    for (name, value) in &request.headers {
        headers.push((name.clone(), variables.text(value)?));
    }
    let body = match (&request.body, &request.body_text) {
        (Some(json), _) => {
            Some(Bytes::from(serde_json::to_vec(&variables.json(json)?).unwrap_or_default()))
        }
        (None, Some(text)) => Some(Bytes::from(variables.text(text)?)),
        (None, None) => None,
    };
    Ok(Built { path, query, headers, body })
}

/// Fills in the placeholders of the expected headers.
pub(crate) fn substitute_headers(
    headers: &BTreeMap<String, HeaderExpectation>,
    variables: &Variables,
) -> Result<BTreeMap<String, HeaderExpectation>, Undefined> {
    headers
        .iter()
        .map(|(name, expectation)| {
            let value = match expectation {
                HeaderExpectation::Exact(text) => HeaderExpectation::Exact(variables.text(text)?),
                HeaderExpectation::Regex { regex } => {
                    HeaderExpectation::Regex { regex: regex.clone() }
                }
            };
            Ok((name.clone(), value))
        })
        .collect()
}

/// A curl command that sends the same request; `${env.NAME}` stays a shell variable `$NAME`.
pub(crate) fn curl(method: &http::Method, url: &str, exchange: &Exchange, built: &Built) -> String {
    let quote = |text: &str| format!("'{}'", text.replace('\'', r"'\''"));
    let shell = |text: &str| {
        // `${env.TOKEN}` → `"$TOKEN"`-style text inside double quotes.
        let replaced = text.replace("${env.", "${");
        format!("\"{}\"", replaced.replace('"', "\\\""))
    };
    let mut parts = vec!["curl".to_owned(), "-X".into(), method.to_string(), quote(url)];
    for (name, value) in &built.headers {
        let template = exchange.request.headers.get(name).map(String::as_str).unwrap_or(value);
        let rendered = if template.contains("${env.") {
            // Keep the secret out of the line: the substituted captures, the env placeholders as variables.
            shell(&format!("{name}: {template}"))
        } else {
            quote(&format!("{name}: {value}"))
        };
        parts.push("-H".into());
        parts.push(rendered);
    }
    if let Some(body) = &built.body {
        let template = match (&exchange.request.body, &exchange.request.body_text) {
            (Some(json), _)
                if serde_json::to_string(json).unwrap_or_default().contains("${env.") =>
            {
                Some(shell(&json.to_string()))
            }
            (None, Some(text)) if text.contains("${env.") => Some(shell(text)),
            _ => None,
        };
        parts.push("--data-raw".into());
        parts.push(template.unwrap_or_else(|| quote(&String::from_utf8_lossy(body))));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn file(text: &str) -> TextFile {
        TextFile { name: "c.json".into(), file_name: "c.json".into(), text: text.into() }
    }

    #[test]
    fn an_exchange_parses_with_every_kind_of_rule() {
        let case = load(&file(r#"{"id": "a", "operation": "op", "request": {"method": "GET", "path": "/x", "query": {"q": ["1", "2"]}},
            "expect": {"status": 200, "headers": {"location": {"regex": "^/x$"}}, "body": {"id": 1}},
            "rules": {"/id": "type", "/t": {"format": "date-time"}, "/s": {"regex": "^a"}, "/n": "ignore"},
            "capture": {"id": "/id", "where": {"header": "location"}}}"#))
        .unwrap();
        assert_eq!(case.exchange.rules["/id"], Rule::Keyword(RuleKeyword::Type));
        assert_eq!(case.exchange.capture["where"], Capture::Header { header: "location".into() });
        assert_eq!(case.exchange.request.query["q"].values(), ["1", "2"]);
    }

    #[test]
    fn bad_files_name_the_line_and_the_key() {
        let error = load(&file("{\"id\": \"a\", \"operation\": \"op\",\n \"request\": {\"method\": \"GET\", \"path\": \"/\", \"colour\": 1},\n \"expect\": {\"status\": 200}}")).unwrap_err().to_string();
        assert!(
            error.contains("line 2") && error.contains("request") && error.contains("colour"),
            "{error}"
        );
        let error = load(&file(r#"{"id": "a", "operation": "op", "request": {"method": "GET", "path": "/"}, "expect": {"status": 200}, "rules": {"id": "type"}}"#)).unwrap_err().to_string();
        assert!(error.contains("JSON pointer"), "{error}");
    }

    #[test]
    fn placeholders_substitute_text_and_whole_values() {
        let mut variables = Variables::default();
        variables.env.insert("TOKEN".into(), "t0k".into());
        variables.captures.insert("id".into(), json!(42));
        assert_eq!(variables.text("Bearer ${env.TOKEN}").unwrap(), "Bearer t0k");
        assert_eq!(variables.text("/items/${capture.id}/x").unwrap(), "/items/42/x");
        assert_eq!(
            variables.json(&json!({"id": "${capture.id}", "s": "n-${capture.id}"})).unwrap(),
            json!({"id": 42, "s": "n-42"})
        );
        assert_eq!(
            variables.text("${capture.nope}").unwrap_err(),
            Undefined("capture.nope".into())
        );
        assert_eq!(
            variables.text("Bearer ${env.UNDERSTUDY_UNSET_VARIABLE:-dev-token}").unwrap(),
            "Bearer dev-token"
        );
        assert_eq!(variables.text("${env.TOKEN:-other}").unwrap(), "t0k");
    }
}
