//! Comparing a response with its recording, under the exchange's rules.
//!
//! Both bodies are normalised together: where a rule matches, a value that passes it becomes a
//! token on both sides (`"‹type ✓›"`, `"‹format:date-time ✓›"`, `"‹ignored›"`), so passing
//! volatile values never show as changes; a value that fails keeps its raw form on both sides.
//! Keys the response has beyond the recording are allowed and left out. What remains is
//! compared exactly, every difference listed with its JSON pointer, and the two normalised
//! bodies are printed as canonical JSON (sorted keys, two-space indent) and diffed with
//! `similar` (`unified.rs`).

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use crate::conformance::exchange::{HeaderExpectation, Rule, RuleKeyword};
use crate::conformance::unified;
use crate::contract::check::Check;
use crate::json::pointer::escape_token;
use crate::json::text::as_text;
use crate::request::media_essence;

/// One difference from the recording or the contract.
#[derive(Debug, Clone, PartialEq, serde::Serialize, schemars::JsonSchema)]
pub struct Difference {
    /// Check id (`E003`).
    #[schemars(with = "String")]
    pub check: Check,
    /// `error` or `warning`.
    pub severity: crate::contract::check::Severity,
    /// JSON pointer into the body, or the header / parameter concerned.
    pub pointer: String,
    /// What was expected, when there is a value to show.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<Value>,
    /// What came, when there is a value to show.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual: Option<Value>,
    /// What is wrong.
    pub message: String,
}

/// A rule ready to match.
#[derive(Debug, Clone)]
pub(crate) struct CompiledRule {
    pattern: Vec<Option<String>>,
    matcher: Matcher,
}

#[derive(Debug, Clone)]
enum Matcher {
    Ignore,
    Type,
    Regex(regex::Regex, String),
    Format(std::sync::Arc<jsonschema::Validator>, String),
}

/// A rule of an exchange that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// Its regular expression does not compile.
    #[error("rule {pointer}")]
    Regex {
        /// The rule's pointer.
        pointer: String,
        /// What the regex library said.
        #[source]
        source: regex::Error,
    },
    /// Its format is not one the validator knows.
    #[error("rule {pointer}: format `{format}`")]
    Format {
        /// The rule's pointer.
        pointer: String,
        /// The format.
        format: String,
        /// What the validator library said.
        #[source]
        source: Box<jsonschema::ValidationError<'static>>,
    },
}

/// Compiles an exchange's rules. Unknown formats and bad expressions are errors.
pub(crate) fn compile_rules(
    rules: &BTreeMap<String, Rule>,
) -> Result<Vec<CompiledRule>, RuleError> {
    rules
        .iter()
        .map(|(pointer, rule)| {
            let pattern = pointer
                .split('/')
                .skip(1)
                .map(|t| {
                    if t == "*" {
                        None
                    } else {
                        Some(crate::json::pointer::unescape_token(t).into_owned())
                    }
                })
                .collect();
            let matcher = match rule {
                Rule::Keyword(RuleKeyword::Ignore) => Matcher::Ignore,
                Rule::Keyword(RuleKeyword::Type) => Matcher::Type,
                Rule::Regex { regex } => {
                    let compiled = regex::Regex::new(&format!("^(?:{regex})$"))
                        .map_err(|source| RuleError::Regex { pointer: pointer.clone(), source })?;
                    Matcher::Regex(compiled, regex.clone())
                }
                Rule::Format { format } => {
                    let validator =
                        format_validator(format).map_err(|source| RuleError::Format {
                            pointer: pointer.clone(),
                            format: format.clone(),
                            source: Box::new(source),
                        })?;
                    Matcher::Format(validator, format.clone())
                }
            };
            Ok(CompiledRule { pattern, matcher })
        })
        .collect()
}

/// A validator of strings in a JSON Schema format (unknown formats refused).
fn format_validator(
    format: &str,
) -> Result<std::sync::Arc<jsonschema::Validator>, jsonschema::ValidationError<'static>> {
    let options = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .should_ignore_unknown_formats(false)
        .with_format("url", crate::contract::schema::is_http_url);
    options.build(&json!({"type": "string", "format": format})).map(std::sync::Arc::new)
}

/// The most specific rule for a pointer (exact segments count double), if any.
fn rule_for<'a>(rules: &'a [CompiledRule], tokens: &[String]) -> Option<&'a CompiledRule> {
    rules
        .iter()
        .filter(|r| {
            r.pattern.len() == tokens.len()
                && r.pattern.iter().zip(tokens).all(|(p, t)| p.as_ref().is_none_or(|p| p == t))
        })
        .max_by_key(|r| r.pattern.iter().filter(|p| p.is_some()).count())
}

/// The result of comparing bodies.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BodyComparison {
    /// Every difference.
    pub(crate) differences: Vec<Difference>,
    /// The unified diff of the normalised bodies, when they differ.
    pub(crate) diff: Option<String>,
}

/// Compares a response body with the recording. `None` is "no body".
pub(crate) fn compare_body(
    expected: Option<&Value>,
    actual: Option<&Value>,
    rules: &[CompiledRule],
    expected_label: &str,
    actual_label: &str,
) -> BodyComparison {
    let mut differences = Vec::new();
    let (left, right) = match (expected, actual) {
        (None, None) => return BodyComparison { differences, diff: None },
        (Some(expected), Some(actual)) => {
            normalize(expected, Some(actual), rules, &mut Vec::new(), &mut differences)
        }
        (Some(expected), None) => {
            if rules.iter().any(|r| r.pattern.is_empty() && matches!(r.matcher, Matcher::Ignore)) {
                return BodyComparison { differences, diff: None };
            }
            differences.push(difference(
                "",
                Some(expected.clone()),
                None,
                "expected a body; none came".into(),
            ));
            (canonical(expected), Value::Null)
        }
        (None, Some(actual)) => {
            if rules.iter().any(|r| r.pattern.is_empty() && matches!(r.matcher, Matcher::Ignore)) {
                return BodyComparison { differences, diff: None };
            }
            differences.push(difference("", None, Some(actual.clone()), "expected no body".into()));
            (Value::Null, canonical(actual))
        }
    };
    let diff =
        (!differences.is_empty()).then(|| unified(&left, &right, expected_label, actual_label));
    BodyComparison { differences, diff }
}

fn difference(
    pointer: &str,
    expected: Option<Value>,
    actual: Option<Value>,
    message: String,
) -> Difference {
    Difference {
        check: Check::BodyMatches,
        severity: crate::contract::check::Severity::Error,
        pointer: pointer.to_owned(),
        expected,
        actual,
        message,
    }
}

fn pointer_of(tokens: &[String]) -> String {
    tokens.iter().map(|t| format!("/{}", escape_token(t))).collect()
}

/// Normalises `expected` and `actual` at `tokens`, recording differences. Returns the two
/// normalised values (the actual one `Null` when it is missing).
fn normalize(
    expected: &Value,
    actual: Option<&Value>,
    rules: &[CompiledRule],
    tokens: &mut Vec<String>,
    differences: &mut Vec<Difference>,
) -> (Value, Value) {
    let pointer = pointer_of(tokens);
    let rule = rule_for(rules, tokens).map(|r| &r.matcher);
    // A passing value shows as the same token on both sides, a failing one as itself; a
    // missing value fails every rule but `ignore`.
    let verdict = match (rule, actual) {
        (Some(Matcher::Ignore), _) => Some(Ok("‹ignored›".to_owned())),
        (None, _) | (Some(_), None) => None,
        (Some(Matcher::Type), Some(actual)) => Some(if type_of(actual) == type_of(expected) {
            Ok("‹type ✓›".to_owned())
        } else {
            Err(format!("expected a {}, got a {}", type_of(expected), type_of(actual)))
        }),
        (Some(Matcher::Regex(regex, source)), Some(actual)) => Some(match actual {
            Value::String(text) if regex.is_match(text) => Ok("‹regex ✓›".to_owned()),
            _ => Err(format!("`{}` does not match /{source}/", as_text(actual))),
        }),
        (Some(Matcher::Format(validator, format)), Some(actual)) => {
            Some(if validator.is_valid(actual) {
                Ok(format!("‹format:{format} ✓›"))
            } else {
                Err(format!("`{}` is not a {format}", as_text(actual)))
            })
        }
    };
    if let Some(verdict) = verdict {
        let actual = actual.cloned().unwrap_or(Value::Null);
        return match verdict {
            Ok(token) => (Value::String(token.clone()), Value::String(token)),
            Err(message) => {
                differences.push(difference(
                    &pointer,
                    Some(expected.clone()),
                    Some(actual.clone()),
                    message,
                ));
                (expected.clone(), actual)
            }
        };
    }
    let Some(actual) = actual else {
        differences.push(difference(&pointer, Some(expected.clone()), None, "missing".into()));
        return (canonical(expected), Value::Null);
    };
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            let mut left = Map::new();
            let mut right = Map::new();
            for (key, expected_child) in e {
                tokens.push(key.clone());
                let (l, r) = normalize(expected_child, a.get(key), rules, tokens, differences);
                tokens.pop();
                left.insert(key.clone(), l);
                if a.contains_key(key) {
                    right.insert(key.clone(), r);
                }
            }
            (sorted(left), sorted(right))
        }
        (Value::Array(e), Value::Array(a)) => {
            let mut left = Vec::new();
            let mut right = Vec::new();
            for (i, expected_item) in e.iter().enumerate() {
                tokens.push(i.to_string());
                let (l, r) = normalize(expected_item, a.get(i), rules, tokens, differences);
                tokens.pop();
                left.push(l);
                if i < a.len() {
                    right.push(r);
                }
            }
            for (i, extra) in a.iter().enumerate().skip(e.len()) {
                tokens.push(i.to_string());
                differences.push(difference(
                    &pointer_of(tokens),
                    None,
                    Some(extra.clone()),
                    "unexpected item".into(),
                ));
                tokens.pop();
                right.push(canonical(extra));
            }
            (Value::Array(left), Value::Array(right))
        }
        (expected, actual) => {
            if !same(expected, actual) {
                let message = format!("expected {}, got {}", compact(expected), compact(actual));
                differences.push(difference(
                    &pointer,
                    Some(expected.clone()),
                    Some(actual.clone()),
                    message,
                ));
            }
            (canonical(expected), canonical(actual))
        }
    }
}

/// Equal JSON, with numbers compared by value (`1` and `1.0` are the same number).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn compact(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}

fn sorted(map: Map<String, Value>) -> Value {
    let ordered: BTreeMap<String, Value> = map.into_iter().collect();
    Value::Object(ordered.into_iter().collect())
}

/// The value with every object's keys sorted (RFC 8785 order for ASCII keys).
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => sorted(map.iter().map(|(k, v)| (k.clone(), canonical(v))).collect()),
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// A unified diff (3 lines of context) of two values printed as canonical JSON.
fn unified(expected: &Value, actual: &Value, expected_label: &str, actual_label: &str) -> String {
    let left = serde_json::to_string_pretty(&canonical(expected)).unwrap_or_default() + "\n";
    let right = serde_json::to_string_pretty(&canonical(actual)).unwrap_or_default() + "\n";
    unified::lines(&left, &right, expected_label, actual_label)
}

/// Compares the expected headers (E002). `content-type` compares media types.
pub(crate) fn compare_headers(
    expected: &BTreeMap<String, HeaderExpectation>,
    actual: &http::HeaderMap,
) -> Vec<Difference> {
    let mut differences = Vec::new();
    for (name, expectation) in expected {
        let got = actual.get(name.as_str()).and_then(|v| v.to_str().ok());
        let problem = match (expectation, got) {
            (_, None) => Some("missing".to_owned()),
            (HeaderExpectation::Exact(want), Some(got))
                if name.eq_ignore_ascii_case("content-type") =>
            {
                let media = |v: &str| media_essence(v).unwrap_or_default();
                (media(want) != media(got))
                    .then(|| format!("expected media type `{}`, got `{got}`", media(want)))
            }
            (HeaderExpectation::Exact(want), Some(got)) => {
                (want != got).then(|| format!("expected `{want}`, got `{got}`"))
            }
            (HeaderExpectation::Regex { regex }, Some(got)) => {
                match regex::Regex::new(&format!("^(?:{regex})$")) {
                    Ok(compiled) if compiled.is_match(got) => None,
                    Ok(_) => Some(format!("`{got}` does not match /{regex}/")),
                    Err(e) => Some(format!("bad expression /{regex}/: {e}")),
                }
            }
        };
        if let Some(message) = problem {
            let expected_value = match expectation {
                HeaderExpectation::Exact(v) => json!(v),
                HeaderExpectation::Regex { regex } => json!({"regex": regex}),
            };
            differences.push(Difference {
                check: Check::HeadersMatch,
                severity: crate::contract::check::Severity::Error,
                pointer: name.clone(),
                expected: Some(expected_value),
                actual: got.map(|g| json!(g)),
                message,
            });
        }
    }
    differences
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(pairs: &[(&str, Rule)]) -> Vec<CompiledRule> {
        compile_rules(&pairs.iter().map(|(p, r)| (p.to_string(), r.clone())).collect()).unwrap()
    }

    #[test]
    fn passing_rules_become_tokens_and_hide_from_the_diff() {
        let expected = json!({"id": "int1", "at": "2026-01-01T00:00:00Z", "items": [{"id": "a", "n": 1}], "name": "x"});
        let actual = json!({"id": "int2", "at": "2026-11-22T15:00:00.123Z", "items": [{"id": "b", "n": 1}], "name": "x", "extra": true});
        let rules = rules(&[
            ("/id", Rule::Keyword(RuleKeyword::Type)),
            ("/at", Rule::Format { format: "date-time".into() }),
            ("/items/*/id", Rule::Regex { regex: "[a-z]".into() }),
        ]);
        let result = compare_body(Some(&expected), Some(&actual), &rules, "e", "a");
        assert_eq!(result.differences, vec![]);
        assert_eq!(result.diff, None);
    }

    #[test]
    fn failures_list_pointers_and_show_in_a_unified_diff() {
        let expected = json!({"id": 1, "name": "alice", "roles": [], "at": "2026-01-01T00:00:00Z"});
        let actual = json!({"id": "1", "name": "Alice", "roles": ["admin"], "at": "yesterday"});
        let rules = rules(&[
            ("/id", Rule::Keyword(RuleKeyword::Type)),
            ("/at", Rule::Format { format: "date-time".into() }),
        ]);
        let result = compare_body(Some(&expected), Some(&actual), &rules, "expected", "actual");
        let pointers: Vec<&str> = result.differences.iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(pointers, ["/id", "/name", "/roles/0", "/at"]);
        let diff = result.diff.unwrap();
        assert!(diff.starts_with("--- expected\n+++ actual\n"), "{diff}");
        assert!(
            diff.contains("\n-  \"name\": \"alice\",\n")
                && diff.contains("\n+  \"name\": \"Alice\",\n"),
            "{diff}"
        );
    }

    #[test]
    fn the_most_specific_rule_wins_and_ignore_covers_the_subtree() {
        let expected = json!({"a": {"b": "x", "c": {"deep": 1}}});
        let actual = json!({"a": {"b": "y", "c": {"deep": 2}}});
        let rules = rules(&[
            ("/a/*", Rule::Keyword(RuleKeyword::Ignore)),
            ("/a/b", Rule::Regex { regex: "z".into() }),
        ]);
        let result = compare_body(Some(&expected), Some(&actual), &rules, "e", "a");
        assert_eq!(result.differences.len(), 1);
        assert_eq!(result.differences[0].pointer, "/a/b");
    }

    #[test]
    fn missing_bodies_and_keys_are_differences() {
        let none = compare_body(Some(&json!({"a": 1})), None, &[], "e", "a");
        assert_eq!(none.differences[0].message, "expected a body; none came");
        let missing =
            compare_body(Some(&json!({"a": 1, "b": 2})), Some(&json!({"a": 1})), &[], "e", "a");
        assert_eq!(
            (missing.differences[0].pointer.as_str(), missing.differences[0].message.as_str()),
            ("/b", "missing")
        );
        let ignored = compare_body(
            Some(&json!({"a": 1})),
            None,
            &rules(&[("", Rule::Keyword(RuleKeyword::Ignore))]),
            "e",
            "a",
        );
        assert!(ignored.differences.is_empty());
    }

    #[test]
    fn unknown_formats_are_refused() {
        let error =
            compile_rules(&[("/a".to_owned(), Rule::Format { format: "colour".into() })].into())
                .unwrap_err()
                .to_string();
        assert!(error.contains("colour"), "{error}");
    }

    #[test]
    fn headers_compare_media_types_exactly_and_by_regex() {
        let mut actual = http::HeaderMap::new();
        actual.insert("content-type", "application/json; charset=utf-8".parse().unwrap());
        actual.insert("location", "/v1/x/42".parse().unwrap());
        let expected: BTreeMap<String, HeaderExpectation> = [
            ("content-type".to_owned(), HeaderExpectation::Exact("application/json".into())),
            ("location".to_owned(), HeaderExpectation::Regex { regex: "/v1/x/[0-9]+".into() }),
            ("retry-after".to_owned(), HeaderExpectation::Exact("5".into())),
        ]
        .into();
        let differences = compare_headers(&expected, &actual);
        assert_eq!(differences.len(), 1);
        assert_eq!(
            (differences[0].pointer.as_str(), differences[0].message.as_str()),
            ("retry-after", "missing")
        );
    }
}
