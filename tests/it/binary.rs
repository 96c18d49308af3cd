//! The `understudy` binary: serving the embedded defaults from an empty directory, refusing
//! broken contracts with a clear message and exit code 2, and `lint`.

use std::path::{Path, PathBuf};
use std::process::Command;

use rstest::rstest;
use serde_json::Value;

use crate::util::{http, spawn_binary};

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_understudy"))
}

fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(path)
}

/// An empty directory of the test's own.
fn empty_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("understudy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn serve_from_an_empty_directory_answers_for_all_four_apis() {
    let dir = empty_dir("empty");
    let (mut child, address) = spawn_binary(&["serve", "--port", "0"], &dir, &[]);
    let (status, body) = http(address, "GET", "/__understudy/health", &[], "");
    assert_eq!(status, 200, "{body}");
    let health: Value = serde_json::from_str(&body).unwrap();
    let names: Vec<&str> =
        health["apis"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["ada", "arize", "gitbook", "teable"]);
    let token = [("Authorization", "Bearer dev-token")];
    for path in [
        "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration",
        "/arize/v2/integrations",
        "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations",
        "/ada/api/v2/platform-integrations/",
    ] {
        let (status, body) = http(address, "GET", path, &token, "");
        assert_eq!(status, 200, "{path}: {body}");
    }
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "serve wrote nothing to the working directory"
    );
}

#[test]
fn a_single_api_also_answers_at_the_root() {
    let (mut child, address) =
        spawn_binary(&["serve", "--port", "0", "--api", "gitbook"], &std::env::temp_dir(), &[]);
    let token = [("Authorization", "Bearer dev-token")];
    for path in [
        "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations",
        "/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations",
    ] {
        let (status, body) = http(address, "GET", path, &token, "");
        assert_eq!(status, 200, "{path}: {body}");
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[rstest]
#[case::dangling_ref("dangling-ref", &["openapi.yaml", "operation `getOrder`",
    "/paths/~1orders~1{orderId}/get/responses/200/content/application~1json/schema/$ref", "#/components/schemas/Order", "does not resolve"])]
#[case::invalid_yaml("invalid-yaml", &["openapi.yaml", "invalid YAML", "line"])]
#[case::unsupported_version("unsupported-version", &["openapi.yaml", "unsupported OpenAPI version", "3.0.x and 3.1.x"])]
#[case::uncompilable_schema("uncompilable-schema", &["openapi.yaml", "operation `getOrder`",
    "/paths/~1orders~1{orderId}/get/responses/200/content/application~1json/schema", "the schema does not compile", "[unclosed"])]
fn a_broken_contract_stops_start_up_with_exit_code_2(
    #[case] fixture: &str,
    #[case] expected: &[&str],
) {
    let output = binary()
        .args(["serve", "--port", "0", "--contracts"])
        .arg(data(&format!("broken/{fixture}")))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("understudy: "), "{stderr}");
    assert!(stderr.contains(&format!("broken/{fixture}/shop/openapi.yaml")), "{stderr}");
    for fragment in expected {
        assert!(stderr.contains(fragment), "`{fragment}` missing from: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn lint_reports_broken_contracts_and_exits_1() {
    let output =
        binary().args(["lint", "--contracts"]).arg(data("broken/dangling-ref")).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("does not resolve") && stdout.contains("1 problems"), "{stdout}");
}

#[test]
fn lint_passes_on_the_bundled_contracts_and_scenarios() {
    let output = binary().arg("lint").output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    // Teable 1, Arize 3 (one per version), GitBook 3 (dialects), Ada 1.
    assert!(stdout.starts_with("0 problems in 8 contracts, "), "{stdout}");
}

#[test]
fn bad_configuration_exits_2_with_a_clear_message() {
    let output = binary().args(["serve", "--api", "salesforce"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr.contains("no API `salesforce` (available: ada, arize, gitbook, teable)"),
        "{stderr}"
    );

    let output = binary().args(["serve", "--scenario", "gitbook=nope"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("no scenario `nope`"), "{stderr}");

    let output =
        binary().args(["serve", "--print-config"]).env("UNDERSTUDY_PORT", "many").output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr.contains("`port`"), "{stderr}");
}

#[test]
fn print_config_shows_the_effective_configuration() {
    let output = binary()
        .args(["serve", "--print-config", "--port", "5555"])
        .env("UNDERSTUDY_HOST", "0.0.0.0")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout.contains("host = \"0.0.0.0\"")
            && stdout.contains("port = 5555")
            && stdout.contains("strict = true"),
        "{stdout}"
    );
}

#[test]
fn scenario_flags_pick_a_scenario_and_seed_the_ids() {
    let dir = std::env::temp_dir();
    let args = [
        "serve",
        "--port",
        "0",
        "--scenario",
        "arize=empty",
        "--seed",
        "11",
        "--clock",
        "2026-03-01T00:00:00Z",
    ];
    let (mut child, address) = spawn_binary(&args, &dir, &[]);
    let token = [("Authorization", "Bearer dev-token")];
    let (status, body) = http(address, "GET", "/arize/v2/integrations", &token, "");
    assert_eq!(
        (status, body.as_str()),
        (200, r#"{"integrations":[],"pagination":{"has_more":false}}"#)
    );
    let create = [("Authorization", "Bearer dev-token"), ("Content-Type", "application/json")];
    let (status, first) = http(
        address,
        "POST",
        "/teable/api/space/spcFlagsAndSeeds001/integration",
        &create,
        r#"{"type": "AI", "config": {"llmProviders": []}}"#,
    );
    assert_eq!(status, 201, "{first}");
    let _ = child.kill();
    let _ = child.wait();
    let (mut child, address) = spawn_binary(&args, &dir, &[]);
    let (_, second) = http(
        address,
        "POST",
        "/teable/api/space/spcFlagsAndSeeds001/integration",
        &create,
        r#"{"type": "AI", "config": {"llmProviders": []}}"#,
    );
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(first, second, "the same seed and clock give the same answer");
    assert!(first.contains("2026-03-01T00:00:00.000Z"), "{first}");
}

#[test]
fn lint_reports_rules_naming_fields_that_do_not_exist() {
    let output =
        binary().args(["lint", "--scenarios"]).arg(data("bad-rule/scenarios")).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    for fragment in [
        "`/colour` is in neither",
        "query parameter `colour` is not declared",
        "`/config/flavour` is in neither",
    ] {
        assert!(stdout.contains(fragment), "`{fragment}` missing: {stdout}");
    }
}

#[test]
fn schema_scenario_prints_the_json_schema() {
    let output = binary().args(["schema", "scenario"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let schema: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(schema["title"], "understudy scenario");
    assert!(schema["$defs"]["RawOperation"]["properties"]["upsert"].is_object(), "{schema}");
}

/// `build.rs` links the executable at a fixed address on Linux, so that it carries no table of
/// relocations to read and apply at every start (README, Performance): its ELF header says
/// `ET_EXEC` (2), where a position-independent executable says `ET_DYN` (3).
#[cfg(target_os = "linux")]
#[test]
fn the_linux_executable_is_linked_at_a_fixed_address() {
    let bytes = std::fs::read(env!("CARGO_BIN_EXE_understudy")).unwrap();
    assert_eq!(&bytes[..4], b"\x7fELF");
    let kind = u16::from_le_bytes([bytes[16], bytes[17]]);
    assert_eq!(kind, 2, "e_type {kind}: the executable is position-independent");
}
