//! API versions (DESIGN §6), on the fixture `tests/data/versions/`: an API `widgets` with a
//! `v1` (lowercase kinds, clients `sdk-version: 1.x`) and a `v2` (uppercase, the default).

use std::process::Command;

use serde_json::{Value, json};

use crate::util::{call, fixture_app, spawn_binary};

const LIST: &str = "/widgets/api/widgets";
const TOKEN: (&str, &str) = ("authorization", "Bearer t");

fn kinds(answer: &crate::util::Answer) -> Vec<String> {
    answer.json.as_array().unwrap_or(&Vec::new()).iter().map(|w| w["kind"].to_string()).collect()
}

#[tokio::test]
async fn a_version_is_picked_by_its_path_its_header_its_clients_or_the_default() {
    let app = fixture_app("versions");
    let get = |path: &'static str, headers: Vec<(&'static str, &'static str)>| {
        let app = app.clone();
        async move {
            let mut all = vec![TOKEN];
            all.extend(headers);
            call(&app, "GET", path, &all, None).await
        }
    };
    // The default version at the mount.
    assert_eq!(kinds(&get(LIST, vec![]).await), [r#""GADGET""#]);
    // The path names one.
    assert_eq!(kinds(&get("/widgets@v1/api/widgets", vec![]).await), [r#""gadget""#]);
    assert_eq!(kinds(&get("/widgets@v2/api/widgets", vec![]).await), [r#""GADGET""#]);
    // The header names one.
    let header = vec![("x-understudy-version", "v1")];
    assert_eq!(kinds(&get(LIST, header).await), [r#""gadget""#]);
    // A client is recognised by every header of one of the version's entries.
    assert_eq!(kinds(&get(LIST, vec![("sdk-version", "1.4.0")]).await), [r#""gadget""#]);
    let partly = vec![("sdk-version", "2.0.1")];
    assert_eq!(kinds(&get(LIST, partly).await), [r#""GADGET""#], "no entry matches: the default");
    let whole = vec![("sdk-version", "2.0.1"), ("sdk-package-name", "widgets")];
    assert_eq!(kinds(&get(LIST, whole).await), [r#""GADGET""#]);

    // Versions that do not exist are named, with those that do.
    let missing = get("/widgets@v9/api/widgets", vec![]).await;
    assert_eq!(missing.status, 404, "{}", missing.text);
    assert_eq!(missing.json["error"], "API `widgets` has no version `v9` (versions: v1, v2)");
    assert_eq!(missing.json["apis"]["widgets@v1"], "/widgets@v1/api");
    let unknown = get(LIST, vec![("x-understudy-version", "v9")]).await;
    assert_eq!(unknown.status, 400, "{}", unknown.text);
    assert_eq!(
        unknown.json,
        json!({"error": "x-understudy-version: API `widgets` has no version `v9` (versions: v1, v2)"})
    );
}

#[tokio::test]
async fn each_version_keeps_its_own_data_and_answers_in_its_own_wire_format() {
    let app = fixture_app("versions");
    let headers = [TOKEN, ("content-type", "application/json")];
    let created = call(
        &app,
        "POST",
        "/widgets@v1/api/widgets",
        &headers,
        Some(r#"{"name": "Second", "kind": "gizmo"}"#),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json, json!({"id": "w2", "name": "Second", "kind": "gizmo"}));
    // v1's store has it; v2's does not.
    let v1 = call(&app, "GET", "/widgets@v1/api/widgets", &[TOKEN], None).await;
    assert_eq!(v1.json.as_array().unwrap().len(), 2);
    let v2 = call(&app, "GET", LIST, &[TOKEN], None).await;
    assert_eq!(v2.json.as_array().unwrap().len(), 1);
    // Each version validates with its own contract.
    let upper = call(
        &app,
        "POST",
        "/widgets@v1/api/widgets",
        &headers,
        Some(r#"{"name": "Third", "kind": "GIZMO"}"#),
    )
    .await;
    assert_eq!(upper.status, 400, "{}", upper.text);
    let v2_created =
        call(&app, "POST", LIST, &headers, Some(r#"{"name": "Third", "kind": "GIZMO"}"#)).await;
    assert_eq!(v2_created.status, 201, "checked against v2's contract only: {}", v2_created.text);
}

#[tokio::test]
async fn the_admin_api_lists_versions_and_resets_dumps_and_switches_them_one_by_one() {
    let app = fixture_app("versions");
    let health = call(&app, "GET", "/__understudy/health", &[], None).await;
    let widgets = &health.json["apis"][0];
    assert_eq!(
        (widgets["name"].clone(), widgets["version"].clone()),
        (json!("widgets"), json!("v2"))
    );
    let versions: Vec<(Value, Value, Value)> = widgets["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["name"].clone(), v["mount"].clone(), v["default"].clone()))
        .collect();
    assert_eq!(
        versions,
        [
            (json!("v1"), json!("/widgets@v1/api"), json!(false)),
            (json!("v2"), json!("/widgets@v2/api"), json!(true))
        ]
    );
    assert_eq!(widgets["versions"][0]["clients"], json!(["sdk-version ~ ^1\\."]));

    // Data per version, under `api@version`.
    for path in ["/widgets@v1/api/widgets", LIST] {
        call(&app, "GET", path, &[TOKEN], None).await;
    }
    let state = call(&app, "GET", "/__understudy/state?api=widgets", &[], None).await;
    let keys: Vec<&String> = state.json.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["widgets@v1", "widgets@v2"]);
    let one = call(&app, "GET", "/__understudy/state?api=widgets@v1", &[], None).await;
    assert_eq!(one.json.as_object().unwrap().len(), 1);

    // A switch of one version leaves the other alone.
    let body = Some(r#"{"scenario": "empty"}"#);
    let switched = call(&app, "PUT", "/__understudy/scenario/widgets@v1", &[], body).await;
    assert_eq!(switched.status, 200, "{}", switched.text);
    let v1 = call(&app, "GET", "/widgets@v1/api/widgets", &[TOKEN], None).await;
    assert_eq!(v1.json, json!([]));
    let v2 = call(&app, "GET", LIST, &[TOKEN], None).await;
    assert_eq!(v2.json.as_array().unwrap().len(), 1);
    let listed = call(&app, "GET", "/__understudy/scenario/widgets", &[], None).await;
    let active: Vec<(Value, Value)> = listed.json["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["version"].clone(), v["active"].clone()))
        .collect();
    assert_eq!(active, [(json!("v1"), json!("empty")), (json!("v2"), json!("default"))]);
}

#[test]
fn lint_check_the_banner_and_print_config_know_every_version() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/versions");
    let dir = |name: &str| root.join(name).display().to_string();
    let binary = env!("CARGO_BIN_EXE_understudy");

    let lint = Command::new(binary)
        .args(["lint", "--contracts", &dir("contracts"), "--scenarios", &dir("scenarios")])
        .args(["--suites", &dir("conformance")])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&lint.stdout);
    assert!(lint.status.success(), "{text}");
    assert!(text.contains("0 problems in 2 contracts, 4 scenarios"), "{text}");

    let printed = Command::new(binary)
        .args(["serve", "--contracts", &dir("contracts"), "--scenarios-dir", &dir("scenarios")])
        .arg("--print-config")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&printed.stdout);
    assert!(text.contains("#   /widgets@v1: sdk-version ~ ^1\\."), "{text}");
    assert!(text.contains("#   /widgets@v2 (default): "), "{text}");
    let chosen = Command::new(binary)
        .args(["serve", "--contracts", &dir("contracts"), "--scenarios-dir", &dir("scenarios")])
        .args(["--default-version", "widgets=v1", "--print-config"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&chosen.stdout);
    assert!(
        text.contains("#   /widgets@v1 (default): ") && text.contains("version = \"v1\""),
        "{text}"
    );

    let temp = std::env::temp_dir();
    let (mut child, address) = spawn_binary(
        &[
            "serve",
            "--port",
            "0",
            "--contracts",
            &dir("contracts"),
            "--scenarios-dir",
            &dir("scenarios"),
        ],
        &temp,
        &[],
    );
    for selector in ["widgets@v1", "widgets"] {
        let checked = Command::new(binary)
            .args(["check", "--api", selector, "--target", &format!("http://{address}/widgets")])
            .args(["--contracts", &dir("contracts"), "--suite", &dir("conformance")])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&checked.stdout);
        assert!(checked.status.success(), "{selector}: {text}");
        assert!(text.contains("1 passed, 0 failed"), "{selector}: {text}");
    }
    let unknown = Command::new(binary)
        .args(["check", "--api", "widgets@v9", "--target", &format!("http://{address}/widgets")])
        .args(["--contracts", &dir("contracts"), "--suite", &dir("conformance")])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("versions: v1, v2"));
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
async fn fields_a_rule_ties_to_other_values_are_422_and_undeclared_fields_leave_no_trace() {
    let app = fixture_app("versions");
    let headers = [TOKEN, ("content-type", "application/json")];
    let post = |body: &'static str| {
        let app = app.clone();
        async move { call(&app, "POST", LIST, &headers, Some(body)).await }
    };
    // `only-with`: a speed only for gizmos.
    let refused = post(r#"{"name": "Fast", "kind": "GADGET", "speed": 3}"#).await;
    assert_eq!(refused.status, 422, "{}", refused.text);
    assert_eq!(refused.json, json!({"error": "speed is for gizmos, not GADGET"}));
    let gizmo = post(r#"{"name": "Fast", "kind": "GIZMO", "speed": 3}"#).await;
    assert_eq!(gizmo.status, 201, "{}", gizmo.text);
    assert_eq!(gizmo.json["speed"], 3);

    // Fields the contract does not declare are accepted and forgotten (the response schema
    // allows no other property: an echo would be a 500 from the self-check).
    let extra = post(r#"{"name": "Odd", "kind": "GADGET", "colour": "red"}"#).await;
    assert_eq!(extra.status, 201, "{}", extra.text);
    assert!(extra.json.get("colour").is_none(), "{}", extra.text);
    let id = extra.json["id"].as_str().unwrap().to_owned();
    let read = call(&app, "GET", &format!("{LIST}/{id}"), &[TOKEN], None).await;
    assert_eq!(read.json, json!({"id": id, "name": "Odd", "kind": "GADGET"}));
    let list = call(&app, "GET", LIST, &[TOKEN], None).await;
    assert!(!list.text.contains("colour"), "{}", list.text);
}
