//! The vendors' own clients against the mock: GitBook's official npm package, and the Python
//! sample of Ada's documentation, installed pinned by `scripts/client-deps.sh`.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::util::{Dialect, TestServer, app};

/// Installs the clients (once; quick afterwards) and returns their folder.
fn client_deps() -> PathBuf {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/client-deps.sh");
    let output =
        Command::new("bash").arg(script).output().expect("bash runs scripts/client-deps.sh");
    assert!(
        output.status.success(),
        "installing the clients failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())
}

const GITBOOK_PROBE: &str = r#"
import { GitBookAPI, GitBookAPIError } from '@gitbook/api';
const api = new GitBookAPI({ endpoint: process.argv[2], authToken: 'dev-token' });
const out = {};
const found = await api.spaces.listSpaceIntegrations('NoK4wQzHOEVavmwBhb3l', { search: 'SLACK' });
out.search = { status: found.status, names: found.data.items.map((i) => i.name), count: found.data.count };
const all = await api.spaces.listSpaceIntegrations('NoK4wQzHOEVavmwBhb3l');
out.all = all.data.items.map((i) => i.name);
const blocks = await api.spaces.listSpaceIntegrationsBlocks('NoK4wQzHOEVavmwBhb3l');
out.blocks = blocks.data.map((b) => ({ name: b.name, blocks: b.blocks.length }));
try {
  await api.spaces.listSpaceIntegrationsBlocks('UnknownSpace');
  out.missing = 'no error';
} catch (error) {
  out.missing = { gitbookError: error instanceof GitBookAPIError, code: error.code, message: error.errorMessage };
}
console.log(JSON.stringify(out));
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gitbooks_official_client_lists_integrations_and_blocks_and_sees_404_as_its_error() {
    let deps = tokio::task::spawn_blocking(client_deps).await.unwrap();
    let server = TestServer::start(app(Dialect::V31)).await;
    let endpoint = format!("{}/gitbook", server.url());
    let script = deps.join("node/probe.mjs");
    std::fs::write(&script, GITBOOK_PROBE).unwrap();
    let output = tokio::task::spawn_blocking(move || {
        Command::new("node").arg(&script).arg(&endpoint).output().expect("node runs")
    })
    .await
    .unwrap();
    server.stop().await;
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let out: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(out["search"], serde_json::json!({"status": 200, "names": ["slack"], "count": 1}));
    assert_eq!(out["all"], serde_json::json!(["slack", "mermaid"]));
    assert_eq!(out["blocks"][0]["name"], "mermaid");
    assert_eq!(
        out["missing"],
        serde_json::json!({"gitbookError": true, "code": 404, "message": "Space UnknownSpace not found"})
    );
}

/// The Python sample of Ada's "Update an integration" page, as printed (line numbers removed).
fn ada_sample() -> String {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/seeds/004_7f1d1957007b7d3b.txt"),
    )
    .unwrap();
    let mut lines = Vec::new();
    let numbered = (1..).zip(text.lines().skip_while(|l| *l != "1import requests"));
    for (next, line) in numbered {
        let Some(code) = line.strip_prefix(&format!("{next}")) else { break };
        lines.push(code.to_owned());
        if code.starts_with("print(") {
            break;
        }
    }
    assert_eq!(lines.first().map(String::as_str), Some("import requests"));
    assert_eq!(lines.last().map(String::as_str), Some("print(response.json())"));
    lines.join("\n") + "\n"
}

fn run_python(deps: &Path, source: &str) -> Value {
    let python = deps.join("python/bin/python");
    let output = Command::new(&python).arg("-c").arg(source).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    // The sample prints a Python dict: Python itself turns it into JSON.
    let mut convert = Command::new(&python)
        .args([
            "-c",
            "import ast, json, sys; print(json.dumps(ast.literal_eval(sys.stdin.read())))",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(convert.stdin.as_mut().unwrap(), &output.stdout).unwrap();
    let converted = convert.wait_with_output().unwrap();
    assert!(
        converted.status.success(),
        "not a Python literal: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    serde_json::from_slice(&converted.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adas_python_sample_gets_the_documented_answers() {
    let deps = tokio::task::spawn_blocking(client_deps).await.unwrap();
    let server = TestServer::start(app(Dialect::V31)).await;
    let sample = ada_sample();
    let documented_url = "https://example.ada.support/api/v2/platform-integrations/id";
    assert!(sample.contains(documented_url));

    // As printed, only the URL changed: the `<token>` placeholder is no credential, and Ada's
    // 401 envelope comes back.
    let url = format!("{}/ada/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b", server.url());
    let unchanged = sample.replace(documented_url, &url);
    let answer = tokio::task::spawn_blocking({
        let deps = deps.clone();
        move || run_python(&deps, &unchanged)
    })
    .await
    .unwrap();
    assert_eq!(answer["errors"][0]["type"], "unauthorized", "{answer}");

    // With a development token: the documented 200, the integration unchanged by `{}`.
    let with_token =
        sample.replace(documented_url, &url).replace("Bearer <token>", "Bearer dev-token");
    let answer = tokio::task::spawn_blocking(move || run_python(&deps, &with_token)).await.unwrap();
    server.stop().await;
    assert_eq!(answer["id"], "5df263b7db5a7e6ea03fae9b", "{answer}");
    assert_eq!(answer["name"], "Connect to Cool Shop Knowledge Hub");
    assert_eq!(answer["status"], "development");
}
