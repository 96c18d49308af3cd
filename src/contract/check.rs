//! Checking a response against its operation's documented responses, and the stable ids of
//! every check understudy reports.
//!
//! The mock runs this on every response it sends (the strict self-check of DESIGN §5 step 9),
//! against every contract version of the API; the conformance runner runs it on responses of
//! any target for its contract verdict. Each finding carries the stable check id of
//! `conformance.md` §6.2:
//!
//! * `C001` status documented: an undocumented 2xx is an error; an undocumented 4xx or 5xx a
//!   warning (vendors document their errors incompletely, and understudy's own rejections such
//!   as 401 or 405 apply to every operation);
//! * `C003` content type: a body must have a documented media type;
//! * `C004` headers: documented `required` headers present (but those that describe the body,
//!   `Content-Length` and the like, which the server sets as it sends), present ones valid;
//! * `C005` body: valid against the schema (`writeOnly` properties count as violations);
//! * `C007` no body for 204, 205, 304 and HEAD.
//!
//! The request of a recorded exchange is checked here too, for the conformance runner and for
//! `lint`: `S001` its method and path route to its operation, `S002` it is valid (`request`).
//! The ids of the checks the runner makes itself (`C002`, `E*`) are in [`Check`] with the
//! others, so that every report names checks from one list.

use http::HeaderMap;
use serde_json::Value;

use crate::contract::route::RouteMatch;
use crate::contract::validate::{self, Location, Violation};
use crate::contract::{Contract, Operation};
use crate::request::Request;

/// A check, by its stable id (`S001`, `C005`, `E003`...): what reports, JUnit and the JSON
/// report print, and what a user greps for. `Display` and serde give the id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Check {
    /// `S001`: the exchange's operation exists and its path routes to it.
    OperationExists,
    /// `S002`: the recorded request is valid against the operation.
    RequestConforms,
    /// `C001`: the status is documented.
    StatusDocumented,
    /// `C002`: no server error where the recording had none.
    ServerError,
    /// `C003`: the body's content type is documented.
    ContentTypeConforms,
    /// `C004`: the documented headers are present and valid.
    HeadersConform,
    /// `C005`: the body is valid against its schema.
    BodyConforms,
    /// `C007`: no body on 204, 205, 304 and HEAD.
    NoBodyAllowed,
    /// `E001`: the status is the recorded one.
    StatusMatches,
    /// `E002`: the recorded headers match.
    HeadersMatch,
    /// `E003`: the body matches the recording under its rules (and captures find a value).
    BodyMatches,
    /// `X001`: the exchange could not happen at all.
    Transport,
}

impl Check {
    /// The stable id (`C005`).
    pub fn id(self) -> &'static str {
        match self {
            Check::OperationExists => "S001",
            Check::RequestConforms => "S002",
            Check::StatusDocumented => "C001",
            Check::ServerError => "C002",
            Check::ContentTypeConforms => "C003",
            Check::HeadersConform => "C004",
            Check::BodyConforms => "C005",
            Check::NoBodyAllowed => "C007",
            Check::StatusMatches => "E001",
            Check::HeadersMatch => "E002",
            Check::BodyMatches => "E003",
            Check::Transport => "X001",
        }
    }

    /// The name reports print after the id (`body-conforms`).
    pub fn name(self) -> &'static str {
        match self {
            Check::OperationExists => "operation-exists",
            Check::RequestConforms => "request-conforms",
            Check::StatusDocumented => "status-documented",
            Check::ServerError => "server-error",
            Check::ContentTypeConforms => "content-type-conforms",
            Check::HeadersConform => "headers-conform",
            Check::BodyConforms => "body-conforms",
            Check::NoBodyAllowed => "no-body-allowed",
            Check::StatusMatches => "status-matches",
            Check::HeadersMatch => "headers-match",
            Check::BodyMatches => "body-matches",
            Check::Transport => "transport",
        }
    }
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl serde::Serialize for Check {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Fails the check.
    Error,
    /// Reported, never failing.
    Warning,
}

/// One way a response breaks its contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The check.
    pub check: Check,
    /// How much it matters.
    pub severity: Severity,
    /// What is wrong, where.
    pub violation: Violation,
}

/// Every way `status`, `headers` and `body` (with media type `media`) break `operation`'s
/// documentation. `head` says the request was HEAD (no body allowed).
pub fn findings(
    operation: &Operation,
    status: u16,
    headers: &HeaderMap,
    media: Option<&str>,
    body: Option<&Value>,
    head: bool,
) -> Vec<Finding> {
    let finding = |check, severity, pointer: &str, message: String| Finding {
        check,
        severity,
        violation: Violation {
            location: Location::Response,
            parameter: None,
            pointer: pointer.to_owned(),
            message,
            schema: None,
        },
    };
    let mut findings = Vec::new();
    if body.is_some() && (head || matches!(status, 204 | 205 | 304)) {
        let why =
            if head { "a response to HEAD".to_owned() } else { format!("a {status} response") };
        findings.push(finding(
            Check::NoBodyAllowed,
            Severity::Error,
            "",
            format!("{why} must not have a body"),
        ));
    }
    let Some(spec) = operation.response(status) else {
        let severity =
            if (200..300).contains(&status) { Severity::Error } else { Severity::Warning };
        findings.push(finding(
            Check::StatusDocumented,
            severity,
            "",
            format!(
                "status {status} is not documented for `{}` (documented: {})",
                operation.id,
                operation.documented_statuses().join(", ")
            ),
        ));
        return findings;
    };
    if !spec.content.is_empty() && !matches!(status, 204 | 205 | 304) && !head {
        match body {
            None => {
                if spec.content.iter().any(|m| m.schema.is_some()) {
                    let message =
                        format!("the documented {status} response has a body; none was sent");
                    findings.push(finding(Check::BodyConforms, Severity::Error, "", message));
                }
            }
            Some(body) => {
                let media = media.unwrap_or_default();
                match validate::find_media(&spec.content, media) {
                    None => {
                        let documented: Vec<&str> =
                            spec.content.iter().map(|m| m.media.as_str()).collect();
                        let shown = if media.is_empty() { "(none)" } else { media };
                        findings.push(finding(
                            Check::ContentTypeConforms,
                            Severity::Error,
                            "",
                            format!("content type `{shown}` is not documented for {status} (documented: {})", documented.join(", ")),
                        ));
                    }
                    Some(declared) => {
                        if let Some(schema) = &declared.schema {
                            for error in schema.errors(body) {
                                let mut found = finding(
                                    Check::BodyConforms,
                                    Severity::Error,
                                    &error.pointer,
                                    error.message,
                                );
                                found.violation.schema = Some(error.keyword);
                                findings.push(found);
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
        let header_finding = |pointer: String, message: String| Finding {
            check: Check::HeadersConform,
            severity: Severity::Error,
            violation: Violation {
                location: Location::Header,
                parameter: Some(header.name.clone()),
                pointer,
                message,
                schema: None,
            },
        };
        match headers.get(header.name.as_str()).and_then(|v| v.to_str().ok()) {
            // The server sets these for the body it sends (`Content-Length`...), after the
            // self-check: their absence here says nothing.
            None if header.required && !crate::contract::model::describes_body(&header.name) => {
                findings.push(header_finding(
                    String::new(),
                    format!("the documented {status} response requires this header"),
                ));
            }
            None => {}
            Some(text) => {
                if let Some(schema) = &header.schema {
                    let value = validate::scalar(text, header.kind);
                    for error in schema.errors(&value) {
                        findings.push(header_finding(error.pointer, error.message));
                    }
                }
            }
        }
    }
    findings
}

/// The errors among [`findings`] (warnings left out), as violations: what the self-check
/// refuses to send.
pub fn response(
    operation: &Operation,
    status: u16,
    headers: &HeaderMap,
    media: Option<&str>,
    body: Option<&Value>,
) -> Vec<Violation> {
    findings(operation, status, headers, media, body, false)
        .into_iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.violation)
        .collect()
}

// === The request of a recorded exchange ===

/// Why a recorded request does not fit the operation its exchange names. Data rather than
/// text: `check` and `lint` word it for their own readers.
#[derive(Debug)]
pub(crate) enum RequestProblem {
    /// `S001`: the method and path route to another operation.
    RoutesElsewhere {
        /// The operation they route to.
        routed: String,
    },
    /// `S001`: the method and path route to no operation.
    NoRoute,
    /// `S002`: the request breaks the operation's contract.
    Invalid(validate::Rejection),
}

impl RequestProblem {
    /// The check it fails.
    pub(crate) fn check(&self) -> Check {
        match self {
            RequestProblem::RoutesElsewhere { .. } | RequestProblem::NoRoute => {
                Check::OperationExists
            }
            RequestProblem::Invalid(_) => Check::RequestConforms,
        }
    }
}

/// Checks a recorded request against `operation`, the one its exchange names: the request's
/// method and path must route to it (`S001`), and a request recorded for a status below 400
/// must be valid (`S002`; one recorded for an error may well be invalid on purpose).
/// `ignored_query` lists query parameters validation leaves alone.
pub(crate) fn request(
    contract: &Contract,
    operation: &Operation,
    request: &Request,
    expected_status: u16,
    ignored_query: &[&str],
) -> Option<RequestProblem> {
    let RouteMatch::Found { operation: index, params } =
        contract.router.route(&request.method, &request.path)
    else {
        return Some(RequestProblem::NoRoute);
    };
    let routed = &contract.operations[index];
    if routed.id != operation.id {
        return Some(RequestProblem::RoutesElsewhere { routed: routed.id.clone() });
    }
    if expected_status >= 400 {
        return None;
    }
    validate::request(operation, request, &params, ignored_query).err().map(RequestProblem::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_required_header_that_describes_the_body_is_not_demanded_but_still_checked() {
        let text = r#"{"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {"/items": {"get": {
            "operationId": "listItems", "responses": {"200": {"description": "ok",
            "headers": {"Content-Length": {"required": true, "schema": {"type": "integer"}},
                        "X-Total": {"required": true, "schema": {"type": "integer"}}}}}}}}}"#;
        let file = crate::files::TextFile {
            name: "c.json".into(),
            file_name: "c.json".into(),
            text: text.into(),
        };
        let contract = crate::contract::load(&file).unwrap();
        let op = contract.operation("listItems").unwrap();
        let missing = response(op, 200, &HeaderMap::new(), None, None);
        let names: Vec<_> = missing.iter().filter_map(|v| v.parameter.as_deref()).collect();
        assert_eq!(names, ["X-Total"]);
        let mut headers = HeaderMap::new();
        headers.insert("content-length", "many".parse().unwrap());
        headers.insert("x-total", "3".parse().unwrap());
        let wrong = response(op, 200, &headers, None, None);
        assert_eq!(wrong.len(), 1, "{wrong:?}");
        assert_eq!(wrong[0].parameter.as_deref(), Some("Content-Length"));
    }
}
