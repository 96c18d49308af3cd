//! The conformance runner: the bundled suites pass against understudy; drift in a target is
//! caught with pointers and diffs, in the terminal, JUnit and JSON; runs that cannot happen
//! exit 2; and a recorded suite replays against a fresh server with no edits and no secrets.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;
use understudy::catalog::{Catalog, CatalogOptions};
use understudy::conformance::plan;
use understudy::conformance::runner::{self, RunOptions};
use understudy::files::Tree;
use understudy::{App, Settings, Store, StoreOptions};

use crate::util::{Dialect, TestServer, app, catalog, http};

fn check(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_understudy"));
    command.arg("check").args(args);
    for (key, value) in envs {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("understudy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bundled_suite_passes_against_understudy() {
    // Arrange: understudy on 127.0.0.1:0.
    let server = TestServer::start(app(Dialect::V31)).await;
    let mut ran = 0;
    let catalog = catalog(Dialect::V31);
    // Every version of every API (Arize has three), each at its own base URL.
    for version in catalog.apis.iter().flat_map(|a| &a.versions) {
        let api = version.key.as_str();
        // Act: the library runner, as `check` runs it.
        let files =
            Tree::embedded_conformance().files(&crate::util::folder(version), &[".json"]).unwrap();
        let cases = understudy::conformance::exchange::load_suite(&files).unwrap();
        assert!(cases.len() >= 15, "{api} has {} cases", cases.len());
        let planned = plan::plan(&cases, &[], &[]).unwrap();
        let options = RunOptions {
            target: format!("{}/{api}", server.url()),
            token: None,
            only: vec![],
            timeout: Duration::from_secs(10),
            headers: vec![],
        };
        let run =
            runner::run(&version.api, &version.contract, planned, &options, |_| {}).await.unwrap();

        // Assert
        let failures: Vec<String> = run
            .outcomes
            .iter()
            .filter(|o| o.verdict != runner::Verdict::Passed)
            .map(|o| format!("{}: {:?} {:?} {:?}", o.id, o.error, o.contract, o.expectation))
            .collect();
        assert!(failures.is_empty(), "{api}: {failures:#?}");
        ran += run.outcomes.len();
    }
    assert!(ran >= 120, "{ran}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_is_covered_by_its_suite_with_its_documented_errors() {
    let catalog = catalog(Dialect::V31);
    for api in catalog.apis.iter().flat_map(|a| &a.versions) {
        let files =
            Tree::embedded_conformance().files(&crate::util::folder(api), &[".json"]).unwrap();
        let cases = understudy::conformance::exchange::load_suite(&files).unwrap();
        for operation in &api.contract.operations {
            let statuses: Vec<u16> = cases
                .iter()
                .filter(|c| c.exchange.operation == operation.id)
                .map(|c| c.exchange.expect.status)
                .collect();
            assert!(
                statuses.iter().any(|s| (200..300).contains(s)),
                "{}: no success case for {}",
                api.key,
                operation.id
            );
        }
        // Every error status the API documents on any operation has a case.
        let documented: std::collections::BTreeSet<u16> = api
            .contract
            .operations
            .iter()
            .flat_map(|o| &o.responses)
            .filter_map(|r| match r.status {
                understudy::contract::StatusKey::Code(code) if code >= 400 => Some(code),
                _ => None,
            })
            .collect();
        let covered: std::collections::BTreeSet<u16> =
            cases.iter().map(|c| c.exchange.expect.status).collect();
        let missing: Vec<&u16> = documented.difference(&covered).collect();
        assert!(
            missing.is_empty(),
            "{}: documented error statuses without a case: {missing:?}",
            api.key
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_passes_a_suite_and_ends_with_the_count() {
    let server = TestServer::start(app(Dialect::V31)).await;
    let target = format!("{}/gitbook", server.url());
    let (code, stdout, stderr) =
        tokio::task::spawn_blocking(move || check(&["--api", "gitbook", "--target", &target], &[]))
            .await
            .unwrap();
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(stdout.lines().last().unwrap(), "19 passed, 0 failed");
    server.stop().await;
}

fn drifted() -> App {
    let mut options = CatalogOptions::embedded();
    options.only = vec!["arize".into()];
    options.scenarios = Tree::disk(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/drift"));
    let catalog = Arc::new(Catalog::load(&options).unwrap());
    App::new(
        catalog,
        Store::new(StoreOptions::default()),
        Settings { strict: false, ..Settings::default() },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drift_is_caught_with_pointer_diff_and_reports() {
    // Arrange: a target whose GET renames `name` to `title` and whose DELETE answers 200.
    let server = TestServer::start(drifted()).await;
    let dir = temp("drift");
    let (junit, json) = (dir.join("report.xml"), dir.join("report.json"));
    let target = format!("{}/arize@2026-07-10", server.url());

    // Act
    let args = [
        "--api",
        "arize@2026-07-10",
        "--target",
        &target,
        "--junit",
        junit.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ];
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let (code, stdout, stderr) = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        check(&args, &[])
    })
    .await
    .unwrap();

    // Assert: exit 1, and the terminal names the cases, the checks, the pointers and the diff.
    assert_eq!(code, 1, "{stdout}{stderr}");
    for fragment in [
        "✗ get-200  GET /v2/integrations/{integration_id} → 200",
        "C005 \"name\" is a required property",
        "E003 /name missing",
        "-  \"name\": \"Conformance OpenAI\",",
        "✗ delete-204  DELETE /v2/integrations/{integration_id} → 200 (expected 204)",
        "E001 expected status 204, got 200",
        "C001 status 200 is not documented",
        "reproduce: curl -X DELETE",
        "understudy check --api arize@2026-07-10",
    ] {
        assert!(stdout.contains(fragment), "`{fragment}` missing from:\n{stdout}");
    }
    let last = stdout.lines().last().unwrap();
    assert!(last.ends_with(" failed") && !last.ends_with(" 0 failed"), "{last}");

    // JUnit: one test case per exchange run, the failures carry the diff.
    let xml = std::fs::read_to_string(&junit).unwrap();
    let report = quick_junit::Report::deserialize_from_str(&xml).unwrap();
    let suite = &report.test_suites[0];
    let run_count: usize = last.split(' ').next().unwrap().parse::<usize>().unwrap()
        + last.split(", ").nth(1).unwrap().split(' ').next().unwrap().parse::<usize>().unwrap();
    assert_eq!(suite.test_cases.len(), run_count);
    let get = suite.test_cases.iter().find(|c| c.name.as_str() == "get-200").unwrap();
    assert_eq!(
        get.classname.as_ref().map(|c| c.as_str()),
        Some("GET /v2/integrations/{integration_id}")
    );
    match &get.status {
        quick_junit::TestCaseStatus::NonSuccess { kind, message, description, .. } => {
            assert_eq!(*kind, quick_junit::NonSuccessKind::Failure);
            assert!(
                message.as_ref().unwrap().as_str().starts_with("[C005 body-conforms]"),
                "{message:?}"
            );
            let text = description.as_ref().unwrap().as_str();
            assert!(
                text.contains("--- expected")
                    && text.contains("-  \"name\": \"Conformance OpenAI\","),
                "{text}"
            );
        }
        other => panic!("get-200 should fail: {other:?}"),
    }
    let passed = suite
        .test_cases
        .iter()
        .filter(|c| matches!(c.status, quick_junit::TestCaseStatus::Success { .. }))
        .count();
    assert!(passed >= 15, "{passed}");

    // JSON: valid against the documented schema, both verdicts per case.
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let schema = understudy::conformance::report::json_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> =
        validator.iter_errors(&report).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let delete =
        report["cases"].as_array().unwrap().iter().find(|c| c["id"] == "delete-204").unwrap();
    assert_eq!(
        (delete["contract"]["passed"].clone(), delete["expectation"]["passed"].clone()),
        (Value::Bool(false), Value::Bool(false))
    );
    let list = report["cases"].as_array().unwrap().iter().find(|c| c["id"] == "list-200").unwrap();
    assert_eq!(list["verdict"], "passed");
    assert_eq!(report["summary"]["exitCode"], 1);
    server.stop().await;
}

#[test]
fn an_unreachable_target_or_nothing_selected_exits_2() {
    let (code, _, stderr) = check(&["--api", "arize", "--target", "http://127.0.0.1:9"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("cannot reach the target http://127.0.0.1:9"), "{stderr}");
    let (code, _, stderr) =
        check(&["--api", "arize", "--target", "http://127.0.0.1:9", "--only", "no-such-case"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no case selected: no case id matches no-such-case"), "{stderr}");
    let (code, _, stderr) = check(&["--api", "arize", "--target", "not a url"], &[]);
    assert_eq!(code, 2, "{stderr}");
    let bad = temp("bad-suite");
    std::fs::write(bad.join("001-x.json"), "{\"id\": 1}").unwrap();
    let (code, _, stderr) = check(
        &["--api", "arize", "--target", "http://127.0.0.1:9", "--suite", bad.to_str().unwrap()],
        &[],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("001-x.json"), "{stderr}");
}

#[test]
fn only_runs_the_case_and_what_it_needs() {
    let files = Tree::embedded_conformance().files("arize/2026-07-10", &[".json"]).unwrap();
    let cases = understudy::conformance::exchange::load_suite(&files).unwrap();
    let planned = plan::plan(&cases, &["get-after-update-200".into()], &[]).unwrap();
    let ids: Vec<&str> = planned.iter().map(|c| c.exchange.id.as_str()).collect();
    assert_eq!(ids.last(), Some(&"get-after-update-200"));
    assert!(ids.contains(&"create-201") && ids.contains(&"update-200"), "{ids:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_suite_replays_against_a_fresh_server_with_no_edits_and_no_secrets() {
    // Arrange: understudy, and the recorder in front of its Arize and Teable mounts.
    let original = TestServer::start(app(Dialect::V31)).await;
    let dir = temp("record");
    let mut recorders = Vec::new();
    // Arize at version 2026-07-10, the seed's lowercase format that this flow speaks.
    for api in ["arize@2026-07-10", "teable"] {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let catalog = catalog(Dialect::V31);
        let options = understudy::conformance::record::RecordOptions {
            target: format!("{}/{api}", original.url()),
            out: dir.join(api),
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(understudy::conformance::record::run(
            listener,
            catalog.version(api).unwrap().contract.clone(),
            options,
            async move {
                let _ = stopped.await;
            },
        ));
        recorders.push((address, stop, task));
    }
    let (arize, teable) = (recorders[0].0, recorders[1].0);

    // Act: a client's session through the proxies, with a real-looking token and secrets.
    let token = "sk-live-9f8e7d6c5b4a";
    let flow = tokio::task::spawn_blocking(move || {
        let auth = [
            ("Authorization", "Bearer dev-token"),
            ("Content-Type", "application/json"),
            ("X-Secret-Header", token),
        ];
        let create = r#"{"type": "llm", "name": "Recorded", "config": {"provider": "openAI", "api_key": "sk-api-key-123456"}}"#;
        let (status, body) = http(arize, "POST", "/v2/integrations", &auth, create);
        assert_eq!(status, 201, "{body}");
        let id = serde_json::from_str::<Value>(&body).unwrap()["id"].as_str().unwrap().to_owned();
        let path = format!("/v2/integrations/{}", id.replace('=', "%3D"));
        assert_eq!(http(arize, "GET", &path, &auth, "").0, 200);
        assert_eq!(
            http(arize, "PATCH", &path, &auth, r#"{"type": "llm", "name": "Recorded 2"}"#).0,
            200
        );
        assert_eq!(http(arize, "GET", "/v2/integrations?name=recorded", &auth, "").0, 200);
        assert_eq!(http(arize, "DELETE", &path, &auth, "").0, 204);
        assert_eq!(http(arize, "GET", &path, &auth, "").0, 404);
        let space = "/api/space/spcRecordedSpace001/integration";
        let upsert = r#"{"type": "AI", "config": {"llmProviders": [{"type": "openai", "name": "OpenAI", "apiKey": "sk-provider-key-7777"}]}}"#;
        let (status, body) = http(teable, "POST", space, &auth, upsert);
        assert_eq!(status, 201, "{body}");
        let id = serde_json::from_str::<Value>(&body).unwrap()["id"].as_str().unwrap().to_owned();
        assert_eq!(
            http(teable, "PATCH", &format!("{space}/{id}"), &auth, r#"{"enable": true}"#).0,
            200
        );
        assert_eq!(http(teable, "GET", space, &auth, "").0, 200);
        assert_eq!(http(teable, "DELETE", &format!("{space}/{id}"), &auth, "").0, 200);
        assert_eq!(http(teable, "DELETE", &format!("{space}/{id}"), &auth, "").0, 404);
    });
    flow.await.unwrap();
    for (_, stop, task) in recorders {
        let _ = stop.send(());
        task.await.unwrap().unwrap();
    }
    original.stop().await;

    // Assert: no secret in any file.
    for api in ["arize@2026-07-10", "teable"] {
        for entry in std::fs::read_dir(dir.join(api)).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            for secret in ["dev-token", token, "sk-api-key-123456", "sk-provider-key-7777"] {
                assert!(!text.contains(secret), "`{secret}` recorded in:\n{text}");
            }
        }
    }
    assert_eq!(std::fs::read_dir(dir.join("arize@2026-07-10")).unwrap().count(), 6);

    // ...and the suite replays against a fresh understudy, untouched.
    let fresh = TestServer::start(app(Dialect::V31)).await;
    for api in ["arize@2026-07-10", "teable"] {
        let target = format!("{}/{api}", fresh.url());
        let suite = dir.join(api);
        let (code, stdout, stderr) = tokio::task::spawn_blocking(move || {
            let envs = [("API_KEY", "sk-any"), ("X_SECRET_HEADER", "anything")];
            check(
                &[
                    "--api",
                    api,
                    "--target",
                    &target,
                    "--suite",
                    suite.to_str().unwrap(),
                    "--token",
                    "dev-token",
                ],
                &envs,
            )
        })
        .await
        .unwrap();
        assert_eq!(code, 0, "{api}:\n{stdout}{stderr}");
        assert!(stdout.ends_with(" passed, 0 failed\n"), "{stdout}");
    }
    fresh.stop().await;
}
