//! Schemathesis against understudy, shared by the corpus (`tests/corpus.rs`: documents nobody
//! here wrote) and the bundled APIs (`tests/bundled.rs`): installing it, starting `understudy
//! serve` on a free port, running Schemathesis in one mode, and reading its failures back from
//! the ndjson report.
//!
//! Schemathesis 4.32.5 is pinned by `tests/corpus/requirements.txt` and installed into
//! `target/client-tests/schemathesis` by `scripts/client-deps.sh`. Each run writes its reports
//! (`<mode>.json`, `<mode>.ndjson`, `<mode>.txt`) into the work folder the caller gives, so a
//! failure can be read and replayed (`st replay ID`) from there.

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use base64::Engine;
use serde::Deserialize;
use serde_json::Value;

/// Schemathesis's seed and understudy's, so a run repeats.
pub const SEED: u32 = 1;

/// The repository.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A test's TOML manifest (`tests/corpus/corpus.toml`, `tests/bundled/bundled.toml`), read.
pub fn manifest<T: serde::de::DeserializeOwned>(relative: &str) -> T {
    let text = std::fs::read_to_string(root().join(relative)).unwrap();
    toml::from_str(&text).unwrap_or_else(|e| panic!("{relative} is not a valid manifest: {e}"))
}

/// Installs the clients and Schemathesis (once; quick afterwards) and returns their folder.
pub fn client_deps() -> PathBuf {
    let output = Command::new("bash")
        .arg(root().join("scripts/client-deps.sh"))
        .output()
        .expect("bash runs scripts/client-deps.sh");
    assert!(
        output.status.success(),
        "installing Schemathesis and the corpus failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}

/// How many operations an OpenAPI document (JSON or YAML) has.
pub fn count_operations(file: &Path) -> usize {
    let text = std::fs::read_to_string(file).unwrap();
    let document: Value = if file.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).unwrap()
    } else {
        serde_saphyr::from_str(&text).unwrap()
    };
    const METHODS: [&str; 8] =
        ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    document["paths"]
        .as_object()
        .map(|paths| {
            paths
                .values()
                .filter_map(Value::as_object)
                .map(|item| item.keys().filter(|k| METHODS.contains(&k.as_str())).count())
                .sum()
        })
        .unwrap_or_default()
}

/// `understudy serve ARGS --port 0 --seed SEED`, run in `dir`, stopped when dropped.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub address: SocketAddr,
}

impl Server {
    pub fn start(args: &[&str], dir: &Path) -> Server {
        let seed = SEED.to_string();
        let mut all = vec!["serve", "--port", "0", "--seed", &seed];
        all.extend_from_slice(args);
        let (child, address) = crate::util::spawn_binary(&all, dir, &[("RUST_LOG", "warn")]);
        Server { child, address }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Which data Schemathesis generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Positive,
    Negative,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Positive => "positive",
            Mode::Negative => "negative",
        }
    }

    /// The checks of this mode. Negative data skips `status_code_conformance`: an invalid
    /// request gets 400 (or the failure the operation documents) whether or not the operation
    /// documents a 400, as the real API does, and Schemathesis cannot know which status fits
    /// the part it broke. The body and media type of whatever is answered are still checked.
    pub fn checks(self) -> &'static str {
        match self {
            Mode::Positive => {
                "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"
            }
            Mode::Negative => {
                "not_a_server_error,response_schema_conformance,content_type_conformance"
            }
        }
    }
}

/// A failure not fixed yet (or a defect of Schemathesis's), as a manifest records it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// `schemathesis` (the default), or a stage of the corpus test (`load`, `crud`).
    #[serde(default = "schemathesis_stage")]
    pub stage: String,
    /// Schemathesis failure codes (`st explain ST103`).
    #[serde(default)]
    pub codes: Vec<String>,
    /// `positive` or `negative`; both when absent.
    pub mode: Option<String>,
    /// `METHOD /path` as Schemathesis labels operations; all when empty.
    #[serde(default)]
    pub operations: Vec<String>,
    /// A text the failure's message or raw response body contains.
    pub contains: String,
    /// Why it is expected.
    pub reason: String,
}

fn schemathesis_stage() -> String {
    "schemathesis".to_owned()
}

/// The end of a run: says which of `expected` (the failures a stage could meet) did not occur,
/// and fails with every unexpected failure, naming where the reports are.
pub fn conclude<'e>(
    name: &str,
    expected: impl IntoIterator<Item = &'e Expected>,
    seen: &[&Expected],
    unexpected: &[String],
    work: &Path,
) {
    for expected in expected {
        if !seen.iter().any(|e| std::ptr::eq(*e, expected)) {
            eprintln!(
                "{name}: the expected failure `{}` ({:?}) did not occur: remove it if it is fixed",
                expected.contains, expected.codes
            );
        }
    }
    assert!(
        unexpected.is_empty(),
        "{name}: {} unexpected failures (reports in {}):\n\n{}",
        unexpected.len(),
        work.display(),
        unexpected.join("\n\n")
    );
}

/// What to run Schemathesis against.
pub struct Target<'a> {
    /// The document Schemathesis generates requests from.
    pub spec: &'a Path,
    /// The base URL: understudy's address, the mount and the document's server path.
    pub url: String,
    /// Headers sent with every request (`Name: value`).
    pub headers: &'a [String],
    /// A Schemathesis configuration file (`schemathesis.toml`), if any.
    pub config: Option<&'a Path>,
    /// Test cases per operation and phase.
    pub max_examples: u32,
    /// Keep testing an operation after its first failure, so one run lists them all.
    pub continue_on_failure: bool,
}

/// What one Schemathesis run found.
pub struct Run {
    /// Operations tested.
    pub tested: u64,
    /// Test cases generated.
    pub cases: u64,
    /// Failed checks, one per operation, code, status and message.
    pub failures: Vec<Failure>,
    /// Errors Schemathesis reported (operations it could not test).
    pub errors: Vec<String>,
}

/// One failed check of one test case.
#[derive(Debug, PartialEq)]
pub struct Failure {
    pub mode: Mode,
    pub operation: String,
    pub code: String,
    pub title: String,
    pub message: String,
    pub status: Option<u64>,
    pub request: String,
    pub response: String,
}

impl Failure {
    /// An undocumented 404 that is understudy saying a record does not exist.
    pub fn is_unknown_record(&self) -> bool {
        self.code == "ST103" && self.status == Some(404) && self.response.contains("not found")
    }

    /// The expected failure (of stage `schemathesis`) this failure is, if any.
    pub fn expected_by<'e>(&self, expected: &'e [Expected]) -> Option<&'e Expected> {
        expected.iter().find(|e| {
            e.stage == "schemathesis"
                && e.codes.contains(&self.code)
                && e.mode.as_deref().is_none_or(|m| m == self.mode.name())
                && (e.operations.is_empty() || e.operations.contains(&self.operation))
                && (self.message.contains(&e.contains) || self.response.contains(&e.contains))
        })
    }

    /// The failure, its request and the start of its response, for an assertion message.
    pub fn describe(&self) -> String {
        let mut response = self.response.clone();
        if response.len() > 1200 {
            let cut = (0..=1200).rev().find(|i| response.is_char_boundary(*i)).unwrap_or(0);
            response.truncate(cut);
            response.push_str("...");
        }
        format!(
            "{} ({} data): {} {}{}\n  request: {}\n  response: {} {}",
            self.operation,
            self.mode.name(),
            self.code,
            self.title,
            if self.message.is_empty() { String::new() } else { format!(": {}", self.message) },
            self.request,
            self.status.map_or("-".to_owned(), |s| s.to_string()),
            response
        )
    }
}

/// Runs Schemathesis once against `target` in `mode`; its reports land in `work`.
pub fn run(deps: &Path, target: &Target, mode: Mode, work: &Path) -> Run {
    let json = work.join(format!("{}.json", mode.name()));
    let ndjson = work.join(format!("{}.ndjson", mode.name()));
    let mut command = Command::new(deps.join("schemathesis/bin/st"));
    command.current_dir(work);
    if let Some(config) = target.config {
        command.arg("--config-file").arg(config);
    }
    command
        .arg("run")
        .arg(target.spec)
        .arg("--url")
        .arg(&target.url)
        .args(["--checks", mode.checks(), "--mode", mode.name()])
        .args(["--max-examples", &target.max_examples.to_string(), "--seed", &SEED.to_string()])
        .args(["--workers", "1", "--no-color", "--generation-database", "none"])
        // Negative path parameters are hard to come by for Hypothesis; without this it gives
        // up on such operations instead of testing them with the few it finds.
        .args(["--suppress-health-check", "filter_too_much"])
        .args(["--request-timeout", "10", "--report", "json,ndjson"])
        .arg("--report-json-path")
        .arg(&json)
        .arg("--report-ndjson-path")
        .arg(&ndjson);
    if target.continue_on_failure {
        command.arg("--continue-on-failure");
    }
    for header in target.headers {
        command.args(["--header", header]);
    }
    let output = command.output().expect("Schemathesis runs");
    std::fs::write(work.join(format!("{}.txt", mode.name())), &output.stdout).unwrap();
    let report: Value = std::fs::read_to_string(&json)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_else(|| {
            panic!(
                "{}: Schemathesis wrote no report (exit {:?}):\n{}\n{}",
                target.spec.display(),
                output.status.code(),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
        });
    let errors = report["errors"].as_array().into_iter().flatten().map(|e| e.to_string()).collect();
    Run {
        tested: report["operations"]["tested"].as_u64().unwrap_or_default(),
        cases: report["test_cases"]["generated"].as_u64().unwrap_or_default(),
        failures: failures(&std::fs::read_to_string(&ndjson).unwrap(), mode),
        errors,
    }
}

/// The failed checks of an ndjson report, one per operation, code, status and message.
fn failures(ndjson: &str, mode: Mode) -> Vec<Failure> {
    let decode = |content: &Value| -> String {
        content["$base64"]
            .as_str()
            .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    };
    let mut out: Vec<Failure> = Vec::new();
    for line in ndjson.lines() {
        let event: Value = serde_json::from_str(line).unwrap();
        let Some(recorder) = event.get("ScenarioFinished").map(|s| &s["recorder"]) else {
            continue;
        };
        let Some(checks) = recorder["checks"].as_object() else { continue };
        for (case, results) in checks {
            let interaction = &recorder["interactions"][case];
            for failure in results.as_array().into_iter().flatten() {
                let Some(found) = failure.get("failure_info").map(|f| &f["failure"]) else {
                    continue;
                };
                let request = &interaction["request"];
                let body = decode(&request["body"]);
                let failure = Failure {
                    mode,
                    operation: found["operation"].as_str().unwrap_or_default().to_owned(),
                    code: found["code"].as_str().unwrap_or_default().to_owned(),
                    title: found["title"].as_str().unwrap_or_default().to_owned(),
                    message: found["message"].as_str().unwrap_or_default().to_owned(),
                    status: interaction["response"]["status_code"].as_u64(),
                    request: format!(
                        "{} {}{}",
                        request["method"].as_str().unwrap_or_default(),
                        request["uri"].as_str().unwrap_or_default(),
                        if body.is_empty() { String::new() } else { format!(" {body}") }
                    ),
                    response: decode(&interaction["response"]["content"]),
                };
                let same = |f: &Failure| {
                    (&f.operation, &f.code, f.status, &f.message)
                        == (&failure.operation, &failure.code, failure.status, &failure.message)
                };
                if !out.iter().any(same) {
                    out.push(failure);
                }
            }
        }
    }
    out
}
