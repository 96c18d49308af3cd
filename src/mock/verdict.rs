//! Why an answer is what it is, for the journal: the step of the pipeline that answered, and
//! for a refusal the message, the scenario rule and every violation with the place in the
//! contract that the value breaks.
//!
//! The service (`service.rs`) knows which step refused; this module turns a step and a
//! [`Failure`] into the journal's [`Why`], so that the dashboard can say "refused by the
//! validation step: body /enable is not a boolean (openapi.yaml#/components/schemas/X/...)"
//! without the service growing a formatter. Nothing here runs for an answer that is not a
//! refusal.

use crate::catalog::Version;
use crate::contract::Operation;
use crate::contract::validate::{Location, Violation};
use crate::mock::journal::{Problem, Why};
use crate::mock::respond::{self, Failure};
use crate::request::Request;
use crate::scenario::Limits;

/// A step of the pipeline, as the journal names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// The body could not be read in time or was too large; the head was malformed.
    Read,
    /// No operation has the path, or not with this method.
    Route,
    /// The scenario's rate limits.
    Limit,
    /// The operation's security requirements (credentials).
    Auth,
    /// The scenario's tokens (known, read-only, allowed values).
    Tokens,
    /// `Prefer` (a documented answer, or a bad `Prefer`).
    Prefer,
    /// The request against the contract.
    Validate,
    /// A read answered from the response cache.
    Cache,
    /// The scenario's behaviour (store action, rules, canned answer, example).
    Engine,
    /// The answer broke the contract and was replaced by a 500.
    SelfCheck,
}

impl Step {
    /// The name the journal shows.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Step::Read => "read",
            Step::Route => "route",
            Step::Limit => "limit",
            Step::Auth => "auth",
            Step::Tokens => "tokens",
            Step::Prefer => "prefer",
            Step::Validate => "validate",
            Step::Cache => "cache",
            Step::Engine => "engine",
            Step::SelfCheck => "self-check",
        }
    }
}

/// A refusal: the step that refused, the failure, and the scenario rule when one applies.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    /// Which step.
    pub step: Step,
    /// The failure it answered with.
    pub failure: Failure,
    /// The scenario rule (`tokens.readonly-token: read-only`).
    pub rule: Option<String>,
}

impl Refusal {
    /// A refusal naming no rule (or whose failure names its own).
    pub(crate) fn at(step: Step, failure: Failure) -> Refusal {
        Refusal { step, failure, rule: None }
    }
}

/// The journal's `why` for a refusal.
pub(crate) fn why(
    version: &Version,
    operation: Option<&Operation>,
    refusal: &Refusal,
    request: &Request,
) -> Why {
    let rule = match (&refusal.failure, operation) {
        (Failure::Scenario { rule, .. }, Some(operation)) => {
            Some(format!("operations.{}.{rule}", operation.id))
        }
        (Failure::Scenario { rule, .. }, None) => Some(rule.clone()),
        _ => refusal.rule.clone(),
    };
    let secrets = secret_values(request);
    let violations = refusal
        .failure
        .violations()
        .iter()
        .take(MAX_VIOLATIONS)
        .map(|violation| {
            let mut problem = problem(version, operation, violation);
            problem.message = shorten(scrub(problem.message, &secrets), MAX_MESSAGE);
            problem
        })
        .collect();
    let message =
        shorten(scrub(respond::message(&refusal.failure, request), &secrets), 4 * MAX_MESSAGE);
    Why { message, rule, violations }
}

/// Violations kept per entry: the journal is bounded, and a schema error quotes the value it
/// failed on (a large body's, whole).
const MAX_VIOLATIONS: usize = 100;

/// Characters kept of one violation's message (the response has it whole).
const MAX_MESSAGE: usize = 1000;

/// `text` cut to `max` characters, marked `…` when cut.
fn shorten(mut text: String, max: usize) -> String {
    if let Some((cut, _)) = text.char_indices().nth(max) {
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// The values of the secret-looking fields of a JSON request body, as a message may quote
/// them (a schema error shows the instance it failed on, parents included).
fn secret_values(request: &Request) -> Vec<String> {
    fn walk(value: &serde_json::Value, out: &mut Vec<String>, depth: usize) {
        match value {
            serde_json::Value::Object(fields) if depth < 64 => {
                for (name, child) in fields {
                    let text = match child {
                        serde_json::Value::String(text) => Some(text.clone()),
                        serde_json::Value::Number(number) => Some(number.to_string()),
                        _ => None,
                    };
                    match text {
                        // Short values would hide unrelated text of the message.
                        Some(text) if crate::json::secret::is_secret_name(name) => {
                            if text.chars().count() >= 4 {
                                out.push(text);
                            }
                        }
                        _ => walk(child, out, depth + 1),
                    }
                }
            }
            serde_json::Value::Array(items) if depth < 64 => {
                items.iter().for_each(|item| walk(item, out, depth + 1));
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(body) = serde_json::from_slice::<serde_json::Value>(&request.body) {
        walk(&body, &mut out, 0);
    }
    out
}

/// `message` with every secret value replaced by `‹redacted›`.
fn scrub(mut message: String, secrets: &[String]) -> String {
    for secret in secrets {
        if message.contains(secret.as_str()) {
            message = message.replace(secret.as_str(), crate::json::secret::REDACTED);
        }
    }
    message
}

/// One violation for the journal, with its place in the contract; the message of a value
/// whose name looks secret does not repeat the value.
fn problem(version: &Version, operation: Option<&Operation>, violation: &Violation) -> Problem {
    let file = &version.contract.file_name;
    let contract = match (&violation.schema, operation) {
        // The self-check names the dialect's file itself.
        (Some(schema), _) if schema.contains('#') => Some(schema.clone()),
        (Some(schema), _) => Some(format!("{file}#{schema}")),
        (None, Some(operation)) => {
            let part = match violation.location {
                Location::Body => "/requestBody",
                Location::Response => "/responses",
                Location::Path | Location::Query | Location::Header | Location::Cookie => {
                    "/parameters"
                }
            };
            Some(format!("{file}#{}{part}", operation.pointer))
        }
        (None, None) => None,
    };
    let last = violation.pointer.rsplit('/').next().unwrap_or_default();
    let secret = crate::json::secret::is_secret_name(last)
        || violation.parameter.as_deref().is_some_and(crate::json::secret::is_secret_name);
    let message = if secret {
        let keyword = violation.schema.as_deref().and_then(|s| s.rsplit('/').next());
        match keyword {
            Some(keyword) => format!("the value (hidden) breaks `{keyword}`"),
            None => "the value (hidden) is not valid".to_owned(),
        }
    } else {
        violation.message.clone()
    };
    Problem {
        location: violation.location.as_str(),
        parameter: violation.parameter.clone(),
        pointer: violation.pointer.clone(),
        message,
        contract,
    }
}

/// The rule of the scenario's tokens that refused `request` (a read-only token writing, or a
/// value the token may not touch).
pub(crate) fn token_rule(version: &Version, request: &Request) -> Option<String> {
    let token = request.authorization().token()?;
    let rules = version.scenario.tokens.as_ref()?.get(token)?;
    let writes =
        !matches!(request.method, http::Method::GET | http::Method::HEAD | http::Method::OPTIONS);
    if rules.read_only && writes {
        return Some(format!("tokens.{token}: read-only"));
    }
    let allowed: Vec<String> = rules
        .allow
        .iter()
        .map(|(name, values)| format!("{name} in [{}]", values.join(", ")))
        .collect();
    Some(format!("tokens.{token}: allow {}", allowed.join(", ")))
}

/// The window of the scenario's limits that refused (the tightest, whose size the verdict
/// reports).
pub(crate) fn limit_rule(limits: &Limits, limit: u64) -> String {
    match limits.windows.iter().find(|w| w.requests == limit) {
        Some(window) => format!("limits: {} requests per {} s", window.requests, window.seconds),
        None => format!("limits: {limit} requests per window"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_messages_are_cut() {
        assert_eq!(shorten("abcdef".into(), 3), "abc…");
        assert_eq!(shorten("é€".into(), 3), "é€");
    }

    #[test]
    fn secret_values_of_the_body_are_scrubbed_from_messages() {
        let body = br#"{"name": "n", "config": {"api_key": "sk-live-123", "max_tokens": 12, "token": "abc"}, "list": [{"password": 987654}]}"#;
        let request = Request::new(http::Method::POST, "/x", http::HeaderMap::new(), &body[..]);
        let secrets = secret_values(&request);
        assert_eq!(
            secrets,
            ["sk-live-123", "987654"],
            "short values are left: they would hide other text"
        );
        let message = r#"/config: {"api_key":"sk-live-123"} is not valid; 987654 is not a string"#;
        assert_eq!(
            scrub(message.to_owned(), &secrets),
            r#"/config: {"api_key":"‹redacted›"} is not valid; ‹redacted› is not a string"#
        );
    }
}
