//! The vendors' own clients against the mock: GitBook's and Teable's official npm packages, and
//! the Python sample of Ada's documentation, installed pinned by `scripts/client-deps.sh`. The
//! longer client runs are scripts under `tests/clients/` that print what each call returned or
//! raised as JSON; the tests here start a server, point the client at it (the base URL is the
//! only thing changed), and assert on that output.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::util::{Dialect, TestServer, app};

/// Installs the clients (once; quick afterwards) and returns their folder.
pub(crate) fn client_deps() -> PathBuf {
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

/// Runs `tests/clients/<script>` with Node, its modules from the installed clients, and returns
/// the JSON it printed.
fn run_node(deps: &Path, script: &str, args: &[&str]) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients").join(script);
    let output = Command::new("node")
        .arg(&path)
        .args(args)
        .env("NODE_PATH", deps.join("node/node_modules"))
        .output()
        .expect("node runs");
    assert!(output.status.success(), "{script}: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("{script} printed no JSON ({e}): {}", String::from_utf8_lossy(&output.stdout))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gitbook_api_0_202_0_runs_its_calls_and_every_2xx_fits_the_spec_it_ships() {
    // Arrange
    let deps = tokio::task::spawn_blocking(client_deps).await.unwrap();
    let server = TestServer::start(app(Dialect::V31)).await;
    let endpoint = format!("{}/gitbook", server.url());

    // Act
    let out = tokio::task::spawn_blocking(move || run_node(&deps, "gitbook.cjs", &[&endpoint]))
        .await
        .unwrap();
    server.stop().await;

    // Assert: every 2xx body validated against `@gitbook/api/spec/openapi.json`.
    assert_eq!(out["invalid"], json!([]), "{out}");
    let names = |key: &str| out[key]["names"].clone();
    assert_eq!(names("list"), json!(["slack", "mermaid"]));
    assert_eq!(out["list"]["count"], 2);
    assert_eq!(names("search"), json!(["slack"]));
    assert_eq!(names("searchNone"), json!([]));
    assert_eq!(names("page1"), json!(["slack"]));
    assert_eq!(out["page1"]["next"], json!({"page": "2"}));
    assert_eq!(names("page2"), json!(["mermaid"]));
    assert_eq!(out["page2"]["next"], Value::Null);
    assert_eq!(names("empty"), json!([]));
    assert_eq!(out["blocks"], json!([["mermaid", ["mermaid"]]]));
    assert_eq!(
        out["install"],
        json!({
            "status": 201,
            "location": "https://api.gitbook.com/v1/integrations/github/installations/Ya8KjU3eZq5NwD0rHs6F/spaces/NoK4wQzHOEVavmwBhb3l",
            "integration": "github",
            "space": "NoK4wQzHOEVavmwBhb3l",
            "installationStatus": "active"
        })
    );
    assert_eq!(names("listAfterInstall"), json!(["slack", "github", "mermaid"]));
    assert_eq!(
        out["blocksAfterInstall"],
        json!([["github", ["github-code-block"]], ["mermaid", ["mermaid"]]])
    );
    assert_eq!(out["uninstall"], json!([205, 204]));
    assert_eq!(names("listAfterUninstall"), json!(["slack", "mermaid"]));
    assert_eq!(names("listOtherSpace"), json!(["github"]));

    // Each error is the client's GitBookAPIError with the status as `.code`.
    for (case, code, message) in [
        ("noToken", 401, "You must be authenticated to access this endpoint"),
        ("invalidToken", 401, "You must be authenticated to access this endpoint"),
        ("readonlyInstall", 403, "This token can only read"),
        ("limitedOtherSpace", 403, "You do not have access to space d7JqX2mP9sLkV4tWcR8e"),
        ("unknownSpaceList", 404, "Space UnknownSpace00000000 not found"),
        ("unknownSpaceBlocks", 404, "Space UnknownSpace00000000 not found"),
        ("unknownInstallation", 404, "Installation NoSuchInstallation00 not found"),
    ] {
        assert_eq!(
            out[case],
            json!({"raised": true, "gitbookError": true, "code": code, "message": message}),
            "{case}"
        );
    }
}

/// The body of the Teable seed's documented PATCH (its curl sample's `--data`).
fn teable_seed_patch() -> String {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/seeds/000_fb69e3ed5d2d45d5.txt"),
    )
    .unwrap();
    let line = text.lines().find(|l| l.trim_start().starts_with("--data '")).unwrap();
    let body = line.trim().strip_prefix("--data '").unwrap().strip_suffix('\'').unwrap();
    serde_json::from_str::<Value>(body).expect("the seed's PATCH body is JSON");
    body.to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teable_openapi_1_10_0_runs_its_calls_and_its_zod_schemas_accept_every_list() {
    // Arrange
    let deps = tokio::task::spawn_blocking(client_deps).await.unwrap();
    let server = TestServer::start(app(Dialect::V31)).await;
    let endpoint = format!("{}/teable", server.url());
    let seed_patch = teable_seed_patch();

    // Act
    let out = tokio::task::spawn_blocking(move || {
        run_node(&deps, "teable.cjs", &[&endpoint, &seed_patch])
    })
    .await
    .unwrap();
    server.stop().await;

    // Assert: lists parse with `integrationItemVoSchema`, test-llm with `testLLMVoSchema`.
    for list in
        ["listS1", "listS2", "listS2AfterCreate", "listS1AfterSeedUpdate", "listS2AfterDelete"]
    {
        assert_eq!(out[list]["status"], 200, "{list}: {out}");
        assert_eq!(out[list]["zod"], "ok", "{list}: {out}");
    }
    let item = |id: &str, space: &str, enable: bool, providers: Value| json!({"id": id, "spaceId": space, "enable": enable, "providers": providers});
    let (s1, s2) = ("spcTeSYe43VZTSG4Uu3", "spcy2HwGF2NJEHs2ivO");
    let (i1, i2) = ("intH0sBtuGK6ikltC7E", "intVPiQJrdDZLKNjkdM");
    assert_eq!(out["listS1"]["items"], json!([item(i1, s1, true, json!(["openai"]))]));
    assert_eq!(out["listS2"]["items"], json!([item(i2, s2, false, json!([]))]));
    // POST upserts into the space's one integration and answers the raw row.
    assert_eq!(
        out["create"],
        json!({"status": 201, "id": i2, "resourceId": s2, "enable": true, "configIsText": true})
    );
    assert_eq!(
        out["listS2AfterCreate"]["items"],
        json!([item(i2, s2, true, json!(["anthropic"]))])
    );
    // The seed's PATCH replaces config wholesale (its llmProviders is empty).
    assert_eq!(out["seedUpdate"], json!({"status": 200, "id": i1, "enable": true}));
    assert_eq!(out["listS1AfterSeedUpdate"]["items"], json!([item(i1, s1, true, json!([]))]));
    assert_eq!(out["disable"], json!({"status": 200, "enable": false}));
    assert_eq!(
        out["testLLM"],
        json!({"answer": {"success": true, "response": "Connection successful!"}, "zod": "ok"})
    );
    assert_eq!(out["delete"], json!({"status": 200, "body": ""}));
    assert_eq!(out["listS2AfterDelete"]["items"], json!([]));

    // Each error is the client's HttpError with the status and Teable's code.
    for (case, status, code) in [
        ("unknownIntegration", 404, "not_found"),
        ("unknownSpace", 404, "not_found"),
        ("badType", 400, "validation_error"),
        ("testLLMWithoutKey", 400, "validation_error"),
        ("readonlyUpdate", 403, "restricted_resource"),
        ("readonlyTestLLM", 403, "restricted_resource"),
        ("otherSpace", 403, "restricted_resource"),
        ("invalidToken", 401, "unauthorized"),
    ] {
        let error = &out[case];
        assert_eq!(error["raised"], true, "{case}: {error}");
        assert_eq!(error["httpError"], true, "{case}: {error}");
        assert_eq!(error["status"], status, "{case}: {error}");
        assert_eq!(error["code"], code, "{case}: {error}");
    }
    assert_eq!(out["unknownIntegration"]["message"], "Integration intUnknown0000000000 not found");
    assert_eq!(out["readonlyList"], json!({"raised": false, "status": 200}));
    // Without a token the client refuses before sending anything.
    assert_eq!(out["noToken"]["clientSide"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adas_python_sample_with_its_literal_id_gets_404_in_adas_envelope() {
    // See: #11. The sample's URL ends in the placeholder `id`: a record that does not exist,
    // not a malformed request.
    let deps = tokio::task::spawn_blocking(client_deps).await.unwrap();
    let server = TestServer::start(app(Dialect::V31)).await;
    let sample = ada_sample();
    let documented_url = "https://example.ada.support/api/v2/platform-integrations/id";
    let url = format!("{}/ada/api/v2/platform-integrations/id", server.url());
    let source = sample.replace(documented_url, &url).replace("Bearer <token>", "Bearer dev-token");
    let answer = tokio::task::spawn_blocking(move || run_python(&deps, &source)).await.unwrap();
    server.stop().await;
    assert_eq!(
        answer,
        json!({"errors": [{"type": "not_found", "message": "Platform integration id not found", "details": null}]})
    );
}
