//! Arize's own clients, every release in use, against the mock: PyPI `arize` 8.38.0, 8.39.0 and
//! 8.61.0 (the generated low-level `IntegrationsApi`, and for 8.61 also
//! `ArizeClient(...).integrations`) and npm `@arizeai/ax-client` 1.23.0 (typed paths) and 1.28.0
//! (its integration functions), installed pinned by `scripts/client-deps.sh`.
//!
//! Each run is a script under `tests/clients/arize/` doing the client's documented calls
//! (create, get, list with a filter and following the cursor to the last page, the seed's
//! update, delete) and error cases (401, 403, 404, 409, 422, 400): every success must
//! deserialize into the client's own models, every error must raise the client's own error
//! class with the right status. The base URL is the only thing changed, and each client runs
//! twice against a fresh server: at `/arize`, where the version is recognised from the headers
//! the client sends (`sdk-package-name`, `sdk-version`) or is the default, and at
//! `/arize@<version>`. The journal then says which version answered every request.
//!
//! The generated Python client built by hand (`ApiClient(Configuration(host=...))`) sends no
//! header naming its release (its User-Agent is `OpenAPI-Generator/1.0.0/python` in all three),
//! so 8.38 and 8.39 run it at `/arize@<version>` (what the README tells their users), and at
//! `/arize` built the way `ArizeClient` builds it for its own sub-clients, which adds the SDK's
//! headers. 8.61's hand-built client reaches `current`, the default, at `/arize` unchanged.
//!
//! See: #11

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use crate::clients::client_deps;
use crate::util::{Dialect, TestServer, app, http};

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients/arize").join(name)
}

/// What every client run must have checked (a fragment of at least one check's name each).
const COVERED: [&str; 12] = [
    "create", "get", "list", "cursor", "update", "401", "403", "404", "409", "422", "400", "delete",
];

/// The report a client script printed, after asserting that every check passed and that the
/// run covered every call and error status.
fn report(what: &str, output: &Output) -> Value {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tail = |text: &str| {
        text.chars().rev().take(3000).collect::<Vec<_>>().into_iter().rev().collect::<String>()
    };
    let Some(line) = stdout.lines().find_map(|l| l.strip_prefix("CLIENT-REPORT ")) else {
        panic!("{what}: no report\nstdout: {}\nstderr: {}", tail(&stdout), tail(&stderr));
    };
    let report: Value = serde_json::from_str(line).unwrap();
    let checks = report["checks"].as_array().unwrap();
    let failed: Vec<String> = checks
        .iter()
        .filter(|c| c["ok"] != true)
        .map(|c| format!("{}: {}", c["name"].as_str().unwrap_or_default(), c["error"]))
        .collect();
    assert!(
        failed.is_empty(),
        "{what}: failed checks:\n{}\nstderr: {}",
        failed.join("\n"),
        tail(&stderr)
    );
    assert!(output.status.success(), "{what}: exit {:?}\nstderr: {}", output.status, tail(&stderr));
    let names: Vec<String> =
        checks.iter().filter_map(|c| c["name"].as_str()).map(str::to_lowercase).collect();
    for fragment in COVERED {
        assert!(
            names.iter().any(|n| n.contains(fragment)),
            "{what}: no check of `{fragment}` in {names:?}"
        );
    }
    report
}

/// The versions of Arize that answered the requests the server saw.
fn versions_answered(server: &TestServer) -> BTreeSet<String> {
    let (status, body) =
        http(server.address, "GET", "/__understudy/journal?api=arize&limit=1000", &[], "");
    assert_eq!(status, 200, "{body}");
    let journal: Value = serde_json::from_str(&body).unwrap();
    let entries = journal["entries"].as_array().unwrap();
    assert!(!entries.is_empty(), "the journal saw no Arize request");
    entries.iter().map(|e| e["version"].as_str().unwrap_or("(none)").to_owned()).collect()
}

/// Runs a client against a fresh server at `mount` (`arize` or `arize@<version>`) and asserts
/// that every check passed and that `expected` answered every request.
async fn run(
    what: String,
    mount: &str,
    expected: &str,
    command: impl FnOnce(&Path, String) -> Command + Send + 'static,
) {
    let deps = tokio::task::spawn_blocking(client_deps).await.unwrap();
    let server = TestServer::start(app(Dialect::V31)).await;
    let base = format!("{}/{mount}", server.url());
    let output = tokio::task::spawn_blocking(move || {
        command(&deps, base).output().expect("the client runs")
    })
    .await
    .unwrap();
    let checked = report(&what, &output);
    let answered = tokio::task::block_in_place(|| versions_answered(&server));
    server.stop().await;
    assert_eq!(answered, BTreeSet::from([expected.to_owned()]), "{what}: answered by {answered:?}");
    assert!(checked["checks"].as_array().unwrap().len() >= 15, "{what}: {checked}");
}

async fn python(release: &str, mode: &str, mount: &str, expected: &str) {
    let (release_owned, mode_owned) = (release.to_owned(), mode.to_owned());
    run(format!("arize {release} {mode} at /{mount}"), mount, expected, move |deps, base| {
        let mut command = Command::new(deps.join(format!("arize-{release_owned}/bin/python")));
        command.arg(script("arize_sdk.py")).arg(base).arg(mode_owned);
        command
    })
    .await;
}

async fn node(release: &str, mount: &str, expected: &str) {
    let release_owned = release.to_owned();
    run(format!("@arizeai/ax-client {release} at /{mount}"), mount, expected, move |deps, base| {
        let mut command = Command::new("node");
        command
            .arg(script("ax_client.cjs"))
            .arg(deps.join(format!("node/node_modules/ax-client-{release_owned}")))
            .arg(base);
        command
    })
    .await;
}

// === arize 8.38.0: version 2026-07-02 ===

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arize_8_38_0_generated_client_at_its_version_url() {
    python("8.38.0", "generated", "arize@2026-07-02", "2026-07-02").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arize_8_38_0_client_as_arize_client_builds_it_is_recognised_at_arize() {
    python("8.38.0", "arize-client", "arize", "2026-07-02").await;
    python("8.38.0", "arize-client", "arize@2026-07-02", "2026-07-02").await;
}

// === arize 8.39.0: version 2026-07-10 ===

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arize_8_39_0_generated_client_at_its_version_url() {
    python("8.39.0", "generated", "arize@2026-07-10", "2026-07-10").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arize_8_39_0_client_as_arize_client_builds_it_is_recognised_at_arize() {
    python("8.39.0", "arize-client", "arize", "2026-07-10").await;
    python("8.39.0", "arize-client", "arize@2026-07-10", "2026-07-10").await;
}

// === arize 8.61.0: version current ===

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arize_8_61_0_generated_client_at_arize_and_at_its_version_url() {
    // No identifying header: `current` answers as the default.
    python("8.61.0", "generated", "arize", "current").await;
    python("8.61.0", "generated", "arize@current", "current").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn arize_8_61_0_arize_client_integrations_at_arize_and_at_its_version_url() {
    python("8.61.0", "integrations", "arize", "current").await;
    python("8.61.0", "integrations", "arize@current", "current").await;
}

// === @arizeai/ax-client ===

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ax_client_1_23_0_typed_paths_at_arize_and_at_its_version_url() {
    node("1.23.0", "arize", "2026-07-10").await;
    node("1.23.0", "arize@2026-07-10", "2026-07-10").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ax_client_1_28_0_integration_functions_at_arize_and_at_its_version_url() {
    node("1.28.0", "arize", "current").await;
    node("1.28.0", "arize@current", "current").await;
}
