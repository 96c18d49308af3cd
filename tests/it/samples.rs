//! The Teable seed's own code samples (curl, Python http.client, Node https, fetch) run against
//! the binary, unchanged except for the URL: scheme, host (and port), the `/teable` prefix, and
//! the `{spaceId}`/`{integrationId}` placeholders replaced by ids of the bundled scenario.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::util::spawn_binary;

const SPACE: &str = "spcTeSYe43VZTSG4Uu3";
const INTEGRATION: &str = "intH0sBtuGK6ikltC7E";
const SEED_PATH: &str = "/api/space/%7BspaceId%7D/integration/%7BintegrationId%7D";

fn samples() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/seeds/000_fb69e3ed5d2d45d5.txt"),
    )
    .unwrap();
    let start = text.find("````yaml").unwrap();
    let body = &text[text[start..].find('\n').unwrap() + start + 1..];
    let yaml = &body[..body.find("````").unwrap()];
    let seed: Value = serde_saphyr::from_str(yaml).unwrap();
    let samples =
        &seed["paths"]["/space/{spaceId}/integration/{integrationId}"]["patch"]["x-codeSamples"];
    samples
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["lang"].as_str().unwrap().to_owned(), s["source"].as_str().unwrap().to_owned()))
        .collect()
}

/// Runs a program and returns what it printed; fails the test if it cannot run or fails.
fn run(program: &str, args: &[&str]) -> String {
    let output = Command::new(program).args(args).output().unwrap_or_else(|e| {
        panic!("`{program}` is needed by this test (installed by .ci/run): {e}")
    });
    assert!(
        output.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The sample now names the mock and nothing of the real service.
fn assert_replaced(language: &str, source: &str, path: &str) {
    assert!(source.contains(path), "{language}: the path was not replaced");
    assert!(!source.contains("app.teable.ai") && !source.contains("%7B"), "{language}: {source}");
}

/// The PATCH's 200 body is Teable's raw row for the integration; an error envelope has none of
/// these fields.
fn assert_success_row(language: &str, printed: &str) {
    assert!(
        printed.contains(INTEGRATION) && printed.contains("resourceId") && printed.contains(SPACE),
        "{language} printed: {printed}"
    );
    assert!(
        !printed.contains("validation_error") && !printed.contains("unauthorized"),
        "{language} printed: {printed}"
    );
}

#[test]
fn the_seed_code_samples_get_200_from_the_binary() {
    let dir = std::env::temp_dir();
    let (mut child, address) =
        spawn_binary(&["serve", "--port", "0", "--api", "teable"], &dir, &[]);
    let port = address.port().to_string();
    let path = format!("/teable/api/space/{SPACE}/integration/{INTEGRATION}");
    let samples = samples();
    let mut ran = Vec::new();
    for (language, source) in &samples {
        let printed = match language.as_str() {
            "Shell" => {
                let source = source.replace(
                    &format!("https://app.teable.ai{SEED_PATH}"),
                    &format!("http://{address}{path}"),
                );
                assert_replaced(language, &source, &path);
                run("sh", &["-c", &source])
            }
            "Python" => {
                let source = source
                    .replace(
                        "http.client.HTTPSConnection(\"app.teable.ai\")",
                        &format!("http.client.HTTPConnection(\"127.0.0.1\", {port})"),
                    )
                    .replace(SEED_PATH, &path);
                assert_replaced(language, &source, &path);
                run("python3", &["-c", &source])
            }
            "Node.js" => {
                let source = source
                    .replace("require('https')", "require('http')")
                    .replace("hostname: 'app.teable.ai'", "hostname: '127.0.0.1'")
                    .replace("port: null", &format!("port: {port}"))
                    .replace(SEED_PATH, &path);
                assert_replaced(language, &source, &path);
                run("node", &["-e", &source])
            }
            "JavaScript" => {
                let source = source.replace(
                    &format!("https://app.teable.ai{SEED_PATH}"),
                    &format!("http://{address}{path}"),
                );
                assert_replaced(language, &source, &path);
                let file = std::env::temp_dir()
                    .join(format!("understudy-fetch-{}.mjs", std::process::id()));
                std::fs::write(&file, source).unwrap();
                let printed = run("node", &[file.to_str().unwrap()]);
                let _ = std::fs::remove_file(&file);
                printed
            }
            other => panic!("a code sample in a language this test does not know: {other}"),
        };
        assert_success_row(language, &printed);
        ran.push(language.as_str());
    }
    let _ = child.kill();
    let _ = child.wait();
    ran.sort_unstable();
    assert_eq!(ran, ["JavaScript", "Node.js", "Python", "Shell"]);
}
