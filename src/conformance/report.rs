//! Reports of a conformance run: for people (terminal), for programs (JSON, whose schema
//! `understudy schema report` prints), and for CI (JUnit XML: one test case per exchange, the
//! failed checks and the diff as the failure text, readable by Jenkins and GitLab).

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use crate::conformance::diff::Difference;
use crate::conformance::runner::{Outcome, Run, Verdict};
use crate::contract::check::Check;

const RED: Style = AnsiColor::Red.on_default().bold();
const GREEN: Style = AnsiColor::Green.on_default().bold();
const DIM: Style = Style::new().dimmed();
const BOLD: Style = Style::new().bold();

/// The text a person reads: each failure in full, then `N passed, N failed`. Colours are
/// stripped by the caller's stream when it is not a terminal.
pub fn human(run: &Run, rerun: &str) -> String {
    let mut out = String::new();
    for outcome in run.outcomes.iter().filter(|o| o.verdict != Verdict::Passed) {
        let status = match outcome.status {
            Some(status) if status != outcome.expected_status => {
                format!("{status} (expected {})", outcome.expected_status)
            }
            Some(status) => status.to_string(),
            None => "no answer".into(),
        };
        let checks: Vec<String> = outcome
            .contract
            .iter()
            .chain(&outcome.expectation)
            .filter(|d| d.severity == crate::contract::check::Severity::Error)
            .map(|d| format!("{} {}", d.check, d.check.name()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let _ = writeln!(
            out,
            "{RED}✗{RED:#} {BOLD}{}{BOLD:#}  {} {} → {status}  {DIM}[{}]{DIM:#}",
            outcome.id,
            outcome.method,
            outcome.path_template,
            checks.join(", ")
        );
        if let Some(error) = &outcome.error {
            let _ = writeln!(out, "  {RED}error{RED:#}        {error}");
        }
        for (side, findings) in
            [("contract", &outcome.contract), ("expectation", &outcome.expectation)]
        {
            for (i, d) in findings.iter().enumerate() {
                let label = if i == 0 { side } else { "" };
                let warning = if d.severity == crate::contract::check::Severity::Warning {
                    " (warning)"
                } else {
                    ""
                };
                let pointer =
                    if d.pointer.is_empty() { String::new() } else { format!("{} ", d.pointer) };
                let _ = writeln!(out, "  {label:<12} {} {pointer}{}{warning}", d.check, d.message);
            }
        }
        if let Some(diff) = &outcome.diff {
            for line in diff.lines() {
                let style = if line.starts_with('+') && !line.starts_with("+++") {
                    GREEN
                } else if line.starts_with('-') && !line.starts_with("---") {
                    RED
                } else {
                    Style::new()
                };
                let _ = writeln!(out, "  {style}{line}{style:#}");
            }
        }
        if !outcome.curl.is_empty() {
            let _ = writeln!(out, "  {DIM}reproduce:{DIM:#} {}", outcome.curl);
            let _ = writeln!(out, "  {DIM}           {rerun} --only {}{DIM:#}", outcome.id);
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{} passed, {} failed", run.passed(), run.failed());
    out
}

// === JSON ===

/// The JSON report.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
#[schemars(title = "understudy check report")]
pub struct JsonReport {
    /// Version of this format.
    pub report_version: u32,
    /// The tool that wrote it.
    pub tool: Tool,
    /// The API checked.
    pub api: String,
    /// The contract responses were checked against.
    pub contract: ContractInfo,
    /// The target's base URL.
    pub target: String,
    /// When the run started (RFC 3339).
    pub started_at: String,
    /// How long it took.
    pub duration_ms: f64,
    /// The counts.
    pub summary: Summary,
    /// One entry per case, in run order.
    pub cases: Vec<CaseReport>,
}

/// The tool.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Tool {
    /// `understudy`.
    pub name: String,
    /// Its version.
    pub version: String,
}

/// The contract.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ContractInfo {
    /// Its file.
    pub file: String,
    /// Its OpenAPI version.
    pub openapi: String,
    /// Its title.
    pub title: String,
}

/// The counts.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Cases run.
    pub total: usize,
    /// Cases whose both verdicts passed.
    pub passed: usize,
    /// Cases with a failed check.
    pub failed: usize,
    /// Cases that could not be sent.
    pub errors: usize,
    /// The exit code of the run (0 all conform, 1 differences).
    pub exit_code: u8,
}

/// One case.
#[derive(Debug, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CaseReport {
    /// Its id.
    pub id: String,
    /// Its file.
    pub file: String,
    /// Its operation.
    pub operation: String,
    /// The method.
    pub method: String,
    /// The operation's path template.
    pub path: String,
    /// The URL sent to.
    pub url: String,
    /// `passed`, `failed` or `error`.
    pub verdict: Verdict,
    /// The status received (absent when nothing came).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The status recorded.
    pub expected_status: u16,
    /// Time for the exchange.
    pub duration_ms: f64,
    /// The contract verdict: S* and C* checks.
    pub contract: VerdictReport,
    /// The expectation verdict: E* checks.
    pub expectation: VerdictReport,
    /// The unified diff of the bodies (E003).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// A curl line sending the same request.
    pub curl: String,
    /// Why the case could not be sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The request body sent (JSON, text, or null).
    pub request_body: Value,
    /// The response body received (JSON, text, or null).
    pub response_body: Value,
}

/// One verdict.
#[derive(Debug, Serialize, JsonSchema)]
pub struct VerdictReport {
    /// No error-severity difference.
    pub passed: bool,
    /// Every difference, warnings included.
    pub differences: Vec<Difference>,
}

/// The JSON report of a run.
pub fn json(run: &Run) -> JsonReport {
    let errors = run.outcomes.iter().filter(|o| o.verdict == Verdict::Error).count();
    JsonReport {
        report_version: 1,
        tool: Tool { name: "understudy".into(), version: env!("CARGO_PKG_VERSION").into() },
        api: run.api.clone(),
        contract: ContractInfo {
            file: run.contract_file.clone(),
            openapi: run.contract_version.clone(),
            title: run.contract_title.clone(),
        },
        target: run.target.clone(),
        started_at: run.started_at.clone(),
        duration_ms: run.duration.as_secs_f64() * 1000.0,
        summary: Summary {
            total: run.outcomes.len(),
            passed: run.passed(),
            failed: run.failed() - errors,
            errors,
            exit_code: u8::from(run.failed() > 0),
        },
        cases: run.outcomes.iter().map(case_report).collect(),
    }
}

fn case_report(outcome: &Outcome) -> CaseReport {
    CaseReport {
        id: outcome.id.clone(),
        file: outcome.file.clone(),
        operation: outcome.operation.clone(),
        method: outcome.method.clone(),
        path: outcome.path_template.clone(),
        url: outcome.url.clone(),
        verdict: outcome.verdict.clone(),
        status: outcome.status,
        expected_status: outcome.expected_status,
        duration_ms: outcome.duration.as_secs_f64() * 1000.0,
        contract: VerdictReport {
            passed: !Outcome::failed(&outcome.contract),
            differences: outcome.contract.clone(),
        },
        expectation: VerdictReport {
            passed: !Outcome::failed(&outcome.expectation),
            differences: outcome.expectation.clone(),
        },
        diff: outcome.diff.clone(),
        curl: outcome.curl.clone(),
        error: outcome.error.clone(),
        request_body: outcome.request_body.clone(),
        response_body: outcome.response_body.clone(),
    }
}

/// The JSON Schema of the JSON report.
pub fn json_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(JsonReport)).expect("a schema serializes")
}

// === JUnit ===

/// The JUnit XML of a run: one test suite for the API and its contract, one test case per
/// exchange (`classname` = method and path, `name` = the case id).
pub fn junit(run: &Run) -> Result<String, quick_junit::SerializeError> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new(format!("understudy check {}", run.api));
    let mut suite =
        TestSuite::new(format!("{}: {} {}", run.api, run.contract_title, run.contract_version));
    suite.set_time(run.duration);
    for outcome in &run.outcomes {
        let status = match outcome.verdict {
            Verdict::Passed => TestCaseStatus::success(),
            Verdict::Failed | Verdict::Error => {
                let kind = if outcome.verdict == Verdict::Error {
                    NonSuccessKind::Error
                } else {
                    NonSuccessKind::Failure
                };
                let mut status = TestCaseStatus::non_success(kind);
                let first = outcome
                    .contract
                    .iter()
                    .chain(&outcome.expectation)
                    .find(|d| d.severity == crate::contract::check::Severity::Error);
                let (kind_text, message) = match (first, &outcome.error) {
                    (_, Some(error)) => (Check::Transport.to_string(), error.clone()),
                    (Some(d), None) => {
                        let pointer = if d.pointer.is_empty() {
                            String::new()
                        } else {
                            format!(" {}", d.pointer)
                        };
                        (
                            d.check.to_string(),
                            format!("[{} {}]{pointer} {}", d.check, d.check.name(), d.message),
                        )
                    }
                    (None, None) => ("E000".into(), "failed".into()),
                };
                status.set_type(kind_text);
                status.set_message(message);
                status.set_description(failure_text(outcome));
                status
            }
        };
        let mut case = TestCase::new(outcome.id.clone(), status);
        case.set_classname(format!("{} {}", outcome.method, outcome.path_template));
        case.set_time(outcome.duration);
        suite.add_test_case(case);
    }
    report.add_test_suite(suite);
    report.to_string()
}

/// The failure text: every finding, the diff, and the curl line (no colour).
fn failure_text(outcome: &Outcome) -> String {
    let mut text = String::new();
    if let Some(error) = &outcome.error {
        let _ = writeln!(text, "error: {error}");
    }
    for d in outcome.contract.iter().chain(&outcome.expectation) {
        let pointer = if d.pointer.is_empty() { String::new() } else { format!(" {}", d.pointer) };
        let _ = writeln!(text, "{} {}{pointer}: {}", d.check, d.check.name(), d.message);
    }
    if let Some(diff) = &outcome.diff {
        text.push('\n');
        text.push_str(diff);
    }
    if !outcome.curl.is_empty() {
        let _ = writeln!(text, "\nreproduce: {}", outcome.curl);
    }
    text
}
