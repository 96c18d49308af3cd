//! Checking a response against its operation's documented responses.
//!
//! The mock runs this on every response it sends (the strict self-check of DESIGN §5 step 9),
//! against every contract version of the API; the conformance runner runs it on responses of
//! a real service. The rules:
//!
//! * a 2xx status the operation does not document is a violation; an undocumented 4xx or 5xx
//!   is not (vendors document their errors incompletely, and understudy's own rejections such
//!   as 401 or 405 apply to every operation);
//! * a documented response with a schema must have a body of a documented media type that
//!   validates (`writeOnly` properties count as violations: see `schema.rs`);
//! * 204, 205 and 304 never have a body;
//! * documented `required` headers must be present, and every documented header that is
//!   present must validate.

use http::HeaderMap;
use serde_json::Value;

use crate::contract::Operation;
use crate::validate::{self, Location, Violation};

/// Every way `status`, `headers` and `body` (with media type `media`) break `operation`'s
/// documentation.
pub fn response(
    operation: &Operation,
    status: u16,
    headers: &HeaderMap,
    media: Option<&str>,
    body: Option<&Value>,
) -> Vec<Violation> {
    let violation = |pointer: &str, message: String| Violation {
        location: Location::Response,
        parameter: None,
        pointer: pointer.to_owned(),
        message,
    };
    let mut violations = Vec::new();
    let Some(spec) = operation.response(status) else {
        if (200..300).contains(&status) {
            violations.push(violation(
                "",
                format!(
                    "status {status} is not documented for `{}` (documented: {})",
                    operation.id,
                    operation.documented_statuses().join(", ")
                ),
            ));
        }
        return violations;
    };
    if matches!(status, 204 | 205 | 304) {
        if body.is_some() {
            violations.push(violation("", format!("a {status} response must not have a body")));
        }
    } else if !spec.content.is_empty() {
        match (body, media) {
            (None, _) => {
                if spec.content.iter().any(|m| m.schema.is_some()) {
                    violations.push(violation(
                        "",
                        format!("the documented {status} response has a body; none was sent"),
                    ));
                }
            }
            (Some(body), media) => {
                let media = media.unwrap_or_default();
                match validate::find_media(&spec.content, media) {
                    None => {
                        let documented: Vec<&str> =
                            spec.content.iter().map(|m| m.media.as_str()).collect();
                        violations.push(violation(
                            "",
                            format!("content type `{media}` is not documented for {status} (documented: {})", documented.join(", ")),
                        ));
                    }
                    Some(declared) => {
                        if let Some(schema) = &declared.schema {
                            for error in schema.errors(body) {
                                violations.push(violation(&error.pointer, error.message));
                            }
                        }
                    }
                }
            }
        }
    }
    for header in &spec.headers {
        if header.name.eq_ignore_ascii_case("content-type") {
            continue;
        }
        match headers.get(header.name.as_str()).and_then(|v| v.to_str().ok()) {
            None if header.required => {
                violations.push(Violation {
                    location: Location::Header,
                    parameter: Some(header.name.clone()),
                    pointer: String::new(),
                    message: format!("the documented {status} response requires this header"),
                });
            }
            None => {}
            Some(text) => {
                if let Some(schema) = &header.schema {
                    let value = validate::scalar(text, header.kind);
                    for error in schema.errors(&value) {
                        violations.push(Violation {
                            location: Location::Header,
                            parameter: Some(header.name.clone()),
                            pointer: error.pointer,
                            message: error.message,
                        });
                    }
                }
            }
        }
    }
    violations
}
