//! `understudy check`: replay a suite of exchanges against a target and judge each response
//! twice, separately:
//!
//! * the **contract** verdict: `S001` the operation exists and the path routes to it, `S002`
//!   the recorded request is valid (for cases expecting success), `C001`–`C005`, `C007` (see
//!   `contract/check.rs`) and `C002` (a 5xx the recording did not expect);
//! * the **expectation** verdict: `E001` status, `E002` the recorded headers, `E003` the body
//!   under the exchange's rules (see `diff.rs`).
//!
//! Cases run one at a time in the order `plan.rs` gives them (dependencies first), because
//! they change the target's state and later cases read it; captured values flow into later
//! cases. A case that cannot be sent (transport failure, a capture its failed dependency never
//! made) is an error outcome; the run goes on. What makes the whole run impossible (no case
//! selected, the target unreachable, a missing `${env.*}`) is a [`RunError`] and exit code 2.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use http::{HeaderMap, Method};
use serde_json::Value;

use crate::conformance::client::{Client, Received};
use crate::conformance::diff::{self, Difference, RuleError};
use crate::conformance::exchange::{
    self, Built, Capture, Case, Exchange, Undefined, Variables, build_request, curl,
    substitute_headers,
};
use crate::contract::check::{self, Check, RequestProblem, Severity};
use crate::contract::validate;
use crate::contract::{Contract, Operation};
use crate::json::text::body_value;
use crate::request::{Request, media_essence};

/// What to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The target's base URL, as a vendor client takes it (`https://api.gitbook.com`, or
    /// `http://localhost:4010/gitbook`); the contract's base path is added to it.
    pub target: String,
    /// Value of `${env.TOKEN}` (else the environment's `TOKEN`).
    pub token: Option<String>,
    /// Run only cases whose id matches one of these (`*` wildcards), and what they need.
    pub only: Vec<String>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Headers sent with every request on top of the case's own: understudy's
    /// `X-Understudy-Version` when a version is named (a real vendor ignores them).
    pub headers: Vec<(String, String)>,
}

/// Why a run could not happen at all (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// `--only` (or an empty suite) selected nothing.
    #[error("no case selected{0}")]
    NoCases(String),
    /// The target does not answer at all.
    #[error("cannot reach the target {target}")]
    Unreachable {
        /// The target.
        target: String,
        /// Why.
        #[source]
        reason: ConnectError,
    },
    /// The target is not a URL.
    #[error("the target `{0}` is not an http:// or https:// URL")]
    BadTarget(String),
    /// Placeholders with no value.
    #[error("the suite needs {}: set them in the environment (or pass --token for TOKEN)", .0.iter().map(|n| format!("${{env.{n}}}")).collect::<Vec<_>>().join(", "))]
    MissingEnv(Vec<String>),
    /// `needs` form a cycle.
    #[error("the cases' `needs` go round in a circle: {0}")]
    Cycle(String),
    /// A rule or expression of a case does not compile.
    #[error("{file}")]
    BadCase {
        /// The case file.
        file: String,
        /// What is wrong.
        #[source]
        error: RuleError,
    },
}

/// Why no connection to the target could be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The connection failed (refused, no route, unknown host).
    #[error("{host}:{port}")]
    Failed {
        /// The target's host.
        host: String,
        /// The target's port.
        port: u16,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// No connection was made within the time allowed.
    #[error("{host}:{port}: no connection within 5 s")]
    TimedOut {
        /// The target's host.
        host: String,
        /// The target's port.
        port: u16,
    },
}

/// How one case went.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Both verdicts passed.
    Passed,
    /// A check failed.
    Failed,
    /// The case could not be sent (transport failure, missing capture).
    Error,
}

/// The result of one case.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The case.
    pub id: String,
    /// Its file.
    pub file: String,
    /// Its operation.
    pub operation: String,
    /// Method sent.
    pub method: String,
    /// The operation's path template (for grouping in reports).
    pub path_template: String,
    /// The URL sent to.
    pub url: String,
    /// The overall verdict.
    pub verdict: Verdict,
    /// The status received.
    pub status: Option<u16>,
    /// The status expected.
    pub expected_status: u16,
    /// Time for the exchange.
    pub duration: Duration,
    /// Contract findings (S*, C*).
    pub contract: Vec<Difference>,
    /// Expectation findings (E*).
    pub expectation: Vec<Difference>,
    /// The unified diff of the bodies, when E003 found differences.
    pub diff: Option<String>,
    /// A curl line that sends the same request (secrets as `$NAME`).
    pub curl: String,
    /// Why the case could not be sent.
    pub error: Option<String>,
    /// The request as sent (body as JSON or text).
    pub request_body: Value,
    /// The response body received.
    pub response_body: Value,
}

impl Outcome {
    /// Whether any error-severity finding exists in a verdict.
    pub(crate) fn failed(findings: &[Difference]) -> bool {
        findings.iter().any(|d| d.severity == Severity::Error)
    }
}

/// The whole run.
#[derive(Debug, Clone)]
pub struct Run {
    /// The API.
    pub api: String,
    /// The contract file checked against.
    pub contract_file: String,
    /// Its OpenAPI version.
    pub contract_version: String,
    /// Its title.
    pub contract_title: String,
    /// The target.
    pub target: String,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// How long it took.
    pub duration: Duration,
    /// One outcome per case run, in run order.
    pub outcomes: Vec<Outcome>,
}

impl Run {
    /// Cases that passed.
    pub(crate) fn passed(&self) -> usize {
        self.outcomes.iter().filter(|o| o.verdict == Verdict::Passed).count()
    }

    /// Cases that failed or could not be sent.
    pub fn failed(&self) -> usize {
        self.outcomes.len() - self.passed()
    }
}

/// Runs the planned cases against the target. `progress` is told of each outcome as it comes.
pub async fn run(
    api: &str,
    contract: &Contract,
    cases: Vec<Case>,
    options: &RunOptions,
    mut progress: impl FnMut(&Outcome),
) -> Result<Run, RunError> {
    let target = options.target.trim_end_matches('/').to_owned();
    let uri: http::Uri = target.parse().map_err(|_| RunError::BadTarget(target.clone()))?;
    let scheme = uri.scheme_str().unwrap_or_default();
    if !matches!(scheme, "http" | "https") || uri.host().is_none() {
        return Err(RunError::BadTarget(target));
    }
    let mut variables = Variables::default();
    if let Some(token) = &options.token {
        variables.env.insert("TOKEN".into(), token.clone());
    }
    let missing: Vec<String> = cases
        .iter()
        .flat_map(|c| exchange::env_names(&c.exchange))
        .filter(|name| !variables.env.contains_key(name) && std::env::var(name).is_err())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !missing.is_empty() {
        return Err(RunError::MissingEnv(missing));
    }
    let mut compiled = Vec::new();
    for case in &cases {
        let rules = diff::compile_rules(&case.exchange.rules)
            .map_err(|error| RunError::BadCase { file: case.file.clone(), error })?;
        compiled.push(rules);
    }
    reachable(&uri)
        .await
        .map_err(|reason| RunError::Unreachable { target: target.clone(), reason })?;

    let client = Client::new(options.timeout).with_headers(&options.headers);
    let started = Instant::now();
    let started_at = jiff::Timestamp::now().to_string();
    let mut outcomes = Vec::new();
    for (case, rules) in cases.iter().zip(&compiled) {
        let outcome = run_case(contract, case, rules, &target, &client, &mut variables).await;
        progress(&outcome);
        outcomes.push(outcome);
    }
    Ok(Run {
        api: api.to_owned(),
        contract_file: contract.file.clone(),
        contract_version: contract.version.clone(),
        contract_title: contract.title.clone(),
        target,
        started_at,
        duration: started.elapsed(),
        outcomes,
    })
}

/// Can a TCP connection be opened to the target's host and port?
async fn reachable(uri: &http::Uri) -> Result<(), ConnectError> {
    let host =
        uri.host().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_owned();
    let port = uri.port_u16().unwrap_or(if uri.scheme_str() == Some("https") { 443 } else { 80 });
    match tokio::time::timeout(
        Duration::from_secs(5),
        tokio::net::TcpStream::connect((host.as_str(), port)),
    )
    .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(source)) => Err(ConnectError::Failed { host, port, source }),
        Err(_) => Err(ConnectError::TimedOut { host, port }),
    }
}

fn finding(check: Check, severity: Severity, pointer: &str, message: String) -> Difference {
    Difference {
        check,
        severity,
        pointer: pointer.to_owned(),
        expected: None,
        actual: None,
        message,
    }
}

/// Runs one case: builds its request, checks it against the contract (S001, S002), sends it,
/// checks the response against the contract (C*) and against the recording (E*), and keeps its
/// captures for later cases. A case that cannot be sent or judged ends as an error outcome.
async fn run_case(
    contract: &Contract,
    case: &Case,
    rules: &[diff::CompiledRule],
    target: &str,
    client: &Client,
    variables: &mut Variables,
) -> Outcome {
    let exchange = &case.exchange;
    let mut outcome = Outcome::start(contract, case);
    let built = match build_request(exchange, variables) {
        Ok(built) => built,
        Err(error) => {
            let needs = if exchange.needs.is_empty() {
                String::new()
            } else {
                format!(" (did {} fail?)", exchange.needs.join(", "))
            };
            outcome.error = Some(format!("could not build the request: {error}{needs}"));
            return outcome;
        }
    };
    let method = Method::from_bytes(outcome.method.as_bytes()).unwrap_or(Method::GET);
    outcome.url = format!("{target}{}{}", contract.base_path, built.path_and_query());
    outcome.curl = curl(&method, &outcome.url, exchange, &built);
    outcome.request_body = match &built.body {
        Some(bytes) => body_value(bytes),
        None => Value::Null,
    };
    let operation = contract.operation(&exchange.operation);
    outcome.contract.extend(request_findings(contract, operation, exchange, &method, &built));

    let received = match client
        .send(&method, &outcome.url, &built.headers, built.body.clone().unwrap_or_default())
        .await
    {
        Ok(received) => received,
        Err(error) => {
            outcome.error = Some(format!("the request failed: {error}"));
            return outcome;
        }
    };
    outcome.duration = received.elapsed;
    outcome.status = Some(received.status);
    let media = received
        .headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(media_essence);
    let (body, body_problem) = parse_body(&received, media.as_deref());
    outcome.response_body = match &body {
        Some(json) => json.clone(),
        None if received.body.is_empty() => Value::Null,
        None => Value::String(String::from_utf8_lossy(&received.body).into_owned()),
    };
    let response = Response { received: &received, media: media.as_deref(), body: body.as_ref() };
    outcome.contract.extend(response_findings(
        operation,
        exchange,
        &method,
        &response,
        body_problem,
    ));
    if let Err(error) = judge_expectation(&mut outcome, case, rules, variables, &method, &response)
    {
        outcome.error = Some(format!("could not build the expectation: {error}"));
        return outcome;
    }
    outcome.expectation.extend(keep_captures(exchange, &response, variables));
    outcome.verdict = if Outcome::failed(&outcome.contract) || Outcome::failed(&outcome.expectation)
    {
        Verdict::Failed
    } else {
        Verdict::Passed
    };
    outcome
}

impl Outcome {
    /// The outcome of a case not run yet: an error until a verdict is reached.
    fn start(contract: &Contract, case: &Case) -> Outcome {
        let exchange = &case.exchange;
        Outcome {
            id: exchange.id.clone(),
            file: case.file.clone(),
            operation: exchange.operation.clone(),
            method: exchange.request.method.to_ascii_uppercase(),
            path_template: contract
                .operation(&exchange.operation)
                .map_or_else(|| exchange.request.path.clone(), |o| o.path.clone()),
            url: String::new(),
            verdict: Verdict::Error,
            status: None,
            expected_status: exchange.expect.status,
            duration: Duration::ZERO,
            contract: Vec::new(),
            expectation: Vec::new(),
            diff: None,
            curl: String::new(),
            error: None,
            request_body: Value::Null,
            response_body: Value::Null,
        }
    }
}

/// A response as the checks read it.
struct Response<'a> {
    /// What came.
    received: &'a Received,
    /// Its media type, without parameters.
    media: Option<&'a str>,
    /// Its body, when the media type says JSON and the body parses.
    body: Option<&'a Value>,
}

/// The contract side of the request (S001, S002): the operation exists, the request routes to
/// it, and, for a case expecting success, the request is valid.
fn request_findings(
    contract: &Contract,
    operation: Option<&Operation>,
    exchange: &Exchange,
    method: &Method,
    built: &Built,
) -> Vec<Difference> {
    let Some(operation) = operation else {
        let message = format!("the contract has no operation `{}`", exchange.operation);
        return vec![finding(Check::OperationExists, Severity::Error, "", message)];
    };
    let request = sent_request(method, &built.path_and_query(), built);
    let problem = check::request(contract, operation, &request, exchange.expect.status, &[]);
    let Some(problem) = problem else { return Vec::new() };
    let path = &built.path;
    let messages = match &problem {
        RequestProblem::RoutesElsewhere { routed } => {
            vec![format!("{method} {path} routes to `{routed}`, not `{}`", operation.id)]
        }
        RequestProblem::NoRoute => {
            vec![format!("{method} {path} matches no operation of the contract")]
        }
        RequestProblem::Invalid(rejection) => describe_rejection(rejection),
    };
    messages.into_iter().map(|m| finding(problem.check(), Severity::Error, "", m)).collect()
}

/// The contract side of the response: C003 a body that is not what its media type says, the
/// contract's checks of status, headers and body (C001, C003, C004, C005, C007), and C002 a
/// server error the recording did not have.
fn response_findings(
    operation: Option<&Operation>,
    exchange: &Exchange,
    method: &Method,
    response: &Response<'_>,
    body_problem: Option<String>,
) -> Vec<Difference> {
    let mut findings = Vec::new();
    let status = response.received.status;
    if let Some(problem) = body_problem {
        findings.push(finding(Check::ContentTypeConforms, Severity::Error, "", problem));
    }
    if let Some(operation) = operation {
        let head = method == Method::HEAD;
        let headers = &response.received.headers;
        for found in
            check::findings(operation, status, headers, response.media, response.body, head)
        {
            let violation = &found.violation;
            let pointer = match &violation.parameter {
                Some(header) => header.clone(),
                None => violation.pointer.clone(),
            };
            findings.push(finding(
                found.check,
                found.severity,
                &pointer,
                violation.message.clone(),
            ));
        }
    }
    if status >= 500 && exchange.expect.status < 500 {
        let recorded = exchange.expect.status;
        let message = format!("a server error ({status}) where {recorded} was recorded");
        findings.push(finding(Check::ServerError, Severity::Error, "", message));
    }
    findings
}

/// The expectation side: E001 the recorded status, E002 the recorded headers, E003 the
/// recorded body under the case's rules (with its diff). Fails when the expectation names a
/// capture that was never made.
fn judge_expectation(
    outcome: &mut Outcome,
    case: &Case,
    rules: &[diff::CompiledRule],
    variables: &Variables,
    method: &Method,
    response: &Response<'_>,
) -> Result<(), Undefined> {
    let (expect, received) = (&case.exchange.expect, response.received);
    if received.status != expect.status {
        let mut difference = finding(
            Check::StatusMatches,
            Severity::Error,
            "",
            format!("expected status {}, got {}", expect.status, received.status),
        );
        difference.expected = Some(Value::from(expect.status));
        difference.actual = Some(Value::from(received.status));
        outcome.expectation.push(difference);
    }
    let expected_headers = substitute_headers(&expect.headers, variables)?;
    outcome.expectation.extend(diff::compare_headers(&expected_headers, &received.headers));
    let expected_body = expect.body.as_ref().map(|b| variables.json(b)).transpose()?;
    let actual_body = response
        .body
        .cloned()
        .or_else(|| (!received.body.is_empty()).then(|| outcome.response_body.clone()));
    let compared = diff::compare_body(
        expected_body.as_ref(),
        actual_body.as_ref(),
        rules,
        &format!("expected  {}", case.file),
        &format!("actual    {} {}  {}", method, outcome.url, received.status),
    );
    outcome.expectation.extend(compared.differences);
    outcome.diff = compared.diff;
    Ok(())
}

/// Keeps the values the case captures for later cases; a capture that finds nothing is an
/// E003 difference.
fn keep_captures(
    exchange: &Exchange,
    response: &Response<'_>,
    variables: &mut Variables,
) -> Vec<Difference> {
    let mut missing = Vec::new();
    for (name, capture) in &exchange.capture {
        let value = match capture {
            Capture::Body(pointer) => response.body.and_then(|b| b.pointer(pointer)).cloned(),
            Capture::Header { header } => response
                .received
                .headers
                .get(header.as_str())
                .and_then(|v| v.to_str().ok())
                .map(|v| Value::String(v.to_owned())),
        };
        match value {
            Some(value) => {
                variables.captures.insert(name.clone(), value);
            }
            None => missing.push(finding(
                Check::BodyMatches,
                Severity::Error,
                "",
                format!("capture `{name}` found nothing in the response"),
            )),
        }
    }
    missing
}

/// The body as JSON when its media type says JSON, with a problem when it does not parse.
fn parse_body(received: &Received, media: Option<&str>) -> (Option<Value>, Option<String>) {
    if received.body.is_empty() {
        return (None, None);
    }
    match media {
        Some(media) if validate::is_json(media) => match serde_json::from_slice(&received.body) {
            Ok(json) => (Some(json), None),
            Err(e) => (None, Some(format!("the body is declared `{media}` but is not JSON: {e}"))),
        },
        _ => (None, None),
    }
}

fn describe_rejection(rejection: &validate::Rejection) -> Vec<String> {
    use validate::Rejection;
    match rejection {
        Rejection::UnsupportedMediaType { got, accepted } => {
            vec![format!(
                "the request's content type {} is not one the contract accepts ({})",
                got.as_deref().unwrap_or("(none)"),
                accepted.join(", ")
            )]
        }
        Rejection::InvalidJson { error, .. } => {
            vec![format!("the request body is not JSON: {error}")]
        }
        Rejection::MissingBody => vec!["the contract requires a request body".into()],
        Rejection::NotAcceptable { accept, available } => vec![format!(
            "the request's Accept `{accept}` admits none of the operation's media types ({})",
            available.join(", ")
        )],
        Rejection::Invalid(violations) => {
            violations.iter().map(|v| format!("the request breaks the contract: {v}")).collect()
        }
    }
}

/// The request as the target receives it, for validating it against the contract.
fn sent_request(method: &Method, path_and_query: &str, built: &Built) -> Request {
    let mut headers = HeaderMap::new();
    for (name, value) in &built.headers {
        if let (Ok(n), Ok(v)) =
            (http::HeaderName::try_from(name.as_str()), http::HeaderValue::from_str(value))
        {
            headers.append(n, v);
        }
    }
    Request::new(method.clone(), path_and_query, headers, built.body.clone().unwrap_or_default())
}
