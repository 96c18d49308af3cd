//! The bundled APIs under Schemathesis (issue 13): every contract file of every version of
//! Teable, Arize AX (2026-07-02, 2026-07-10, current), GitBook (its 3.1 and 3.0 contracts and
//! the subset of the spec `@gitbook/api` 0.202.0 ships) and Ada.
//!
//! `tests/bundled/bundled.toml` names each run: the contract file, how `understudy serve`
//! serves it (the API's default scenario, with that file as its contract), the base URL, a
//! token of the scenario, and Schemathesis's configuration, which pins path parameters to seed
//! records so that generated requests reach the store and its rules. Each run starts a fresh
//! server and runs Schemathesis (the pinned install `tests/util/schemathesis.rs` shares with the
//! corpus) twice, each time on a fresh server:
//!
//! * **positive** data, checked with `not_a_server_error`, `status_code_conformance`,
//!   `response_schema_conformance` and `content_type_conformance`;
//! * **negative** data, checked the same but for the status (see `Mode::checks`).
//!
//! Unlike the corpus, nothing is tolerated: no 5xx, no undocumented status for valid data (a
//! 404 included: these contracts document theirs), no body or media type off the contract.
//! The only failures allowed are a manifest's `expected_failures`, defects of Schemathesis
//! itself, each with its reason. Every operation must be tested, and in the positive run every
//! operation must answer at least one success, counted from understudy's journal: a run whose
//! requests all bounced off validation or unknown ids would prove little. Each run prints its
//! counts (operations tested, test cases, failures, and the statuses understudy answered).

#[path = "util/schemathesis.rs"]
mod schemathesis;
#[path = "util/mod.rs"]
mod util;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use schemathesis::{Expected, Mode, Server, Target, client_deps, count_operations, root};

/// Test cases per operation and phase. With the coverage phase's own cases this is some 100 to
/// 1,800 requests per run, a minute or so for all of them on two cores.
const MAX_EXAMPLES: u32 = 10;

/// The runs the tests below make, by manifest name: each has its own test, so a failure names
/// its contract, and the manifest test checks none is forgotten.
const TESTED: [&str; 8] = [
    "teable",
    "arize-2026-07-02",
    "arize-2026-07-10",
    "arize-current",
    "gitbook-3.1",
    "gitbook-3.0",
    "gitbook-0.202.0",
    "ada",
];

#[test]
fn every_bundled_contract_has_a_run_whose_pinned_values_are_records_of_the_default_seed() {
    let manifest = manifest();
    let names: Vec<&str> = manifest.runs.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, TESTED, "every run of bundled.toml has its test below, in that order");

    let mut contracts: Vec<String> = Vec::new();
    collect_contracts(&root().join("contracts"), &mut contracts);
    let mut run: Vec<String> = manifest.runs.iter().map(|r| r.contract.clone()).collect();
    contracts.sort();
    run.sort();
    assert_eq!(run, contracts, "one run per contract file under contracts/");

    for run in &manifest.runs {
        assert_eq!(count_operations(&run.file()), run.operations, "{}: operations", run.name);
        let seed = std::fs::read_to_string(run.scenario())
            .unwrap_or_else(|e| panic!("{}: {}: {e}", run.name, run.scenario().display()));
        let mut pinned = Vec::new();
        pinned_values(&run.schemathesis, &mut pinned);
        assert!(!pinned.is_empty(), "{}: no parameter pinned to a seed record", run.name);
        for value in pinned {
            assert!(
                seed.contains(&value),
                "{}: `{value}` is not in {}: pin records of the default seed",
                run.name,
                run.scenario().display()
            );
        }
        for expected in &run.expected_failures {
            assert_eq!(expected.stage, "schemathesis", "{}: only Schemathesis failures", run.name);
            assert!(!expected.reason.trim().is_empty(), "{}: a failure without reason", run.name);
        }
    }
}

#[test]
fn teable_answers_schemathesis_without_a_server_error_or_a_contract_violation() {
    check("teable");
}

#[test]
fn arize_2026_07_02_answers_schemathesis_without_a_server_error_or_a_contract_violation() {
    check("arize-2026-07-02");
}

#[test]
fn arize_2026_07_10_answers_schemathesis_without_a_server_error_or_a_contract_violation() {
    check("arize-2026-07-10");
}

#[test]
fn arize_current_answers_schemathesis_without_a_server_error_or_a_contract_violation() {
    check("arize-current");
}

#[test]
fn gitbook_31_answers_schemathesis_without_a_server_error_or_a_contract_violation() {
    check("gitbook-3.1");
}

#[test]
fn gitbook_30_answers_schemathesis_without_a_server_error_or_a_contract_violation() {
    check("gitbook-3.0");
}

#[test]
fn gitbook_as_its_client_0_202_0_specifies_it_answers_schemathesis_without_a_violation() {
    check("gitbook-0.202.0");
}

#[test]
fn ada_answers_schemathesis_without_a_server_error_or_a_contract_violation() {
    check("ada");
}

// === The manifest ===

#[derive(Debug, Deserialize)]
struct Manifest {
    runs: Vec<RunSpec>,
}

/// One run of `bundled.toml` (its header says what each field means).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunSpec {
    name: String,
    contract: String,
    serve: Vec<String>,
    base: String,
    headers: Vec<String>,
    operations: usize,
    schemathesis: toml::Table,
    #[serde(default)]
    expected_failures: Vec<Expected>,
}

fn manifest() -> Manifest {
    schemathesis::manifest("tests/bundled/bundled.toml")
}

impl RunSpec {
    /// The contract file.
    fn file(&self) -> PathBuf {
        root().join("contracts").join(&self.contract)
    }

    /// The default scenario of the contract's API version: the same folder under `scenarios/`.
    fn scenario(&self) -> PathBuf {
        let folder = Path::new(&self.contract).parent().expect("contracts sit in a folder");
        root().join("scenarios").join(folder).join("default.yaml")
    }
}

/// Every OpenAPI document under `dir`, relative to `contracts/` (`versions.yaml` is none).
fn collect_contracts(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect_contracts(&path, out);
        } else if path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("openapi")) {
            let relative = path.strip_prefix(root().join("contracts")).unwrap();
            out.push(relative.to_string_lossy().replace('\\', "/"));
        }
    }
}

/// The text values a Schemathesis configuration pins: parameters (global and per operation)
/// and the values of its dictionaries.
fn pinned_values(config: &toml::Table, out: &mut Vec<String>) {
    let texts = |value: &toml::Value, out: &mut Vec<String>| match value {
        toml::Value::String(text) => out.push(text.clone()),
        toml::Value::Array(items) => {
            out.extend(items.iter().filter_map(|i| i.as_str().map(str::to_owned)))
        }
        _ => {}
    };
    for parameters in std::iter::once(config.get("parameters"))
        .chain(
            config
                .get("operations")
                .and_then(toml::Value::as_array)
                .into_iter()
                .flatten()
                .map(|operation| operation.get("parameters")),
        )
        .flatten()
        .filter_map(toml::Value::as_table)
    {
        for value in parameters.values() {
            texts(value, out);
        }
    }
    for dictionary in config.get("dictionaries").and_then(toml::Value::as_table).into_iter() {
        for entry in dictionary.values() {
            if let Some(values) = entry.get("values") {
                texts(values, out);
            }
        }
    }
}

/// The `operationId`s of an OpenAPI document, in path order.
fn operation_ids(file: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(file).unwrap();
    let document: Value = if file.extension().is_some_and(|e| e == "json") {
        serde_json::from_str(&text).unwrap()
    } else {
        serde_saphyr::from_str(&text).unwrap()
    };
    let mut ids = Vec::new();
    for item in document["paths"].as_object().into_iter().flat_map(|paths| paths.values()) {
        for operation in item.as_object().into_iter().flat_map(|item| item.values()) {
            if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
                ids.push(id.to_owned());
            }
        }
    }
    ids
}

// === The check of one run ===

/// Statuses understudy answered, per operation (from its journal).
type Answers = BTreeMap<String, BTreeMap<u64, u64>>;

/// Runs Schemathesis in both modes, each on a fresh server, and fails on anything unexpected.
fn check(name: &str) {
    let deps = client_deps();
    let manifest = manifest();
    let run = manifest.runs.iter().find(|r| r.name == name).expect("in the manifest");
    let file = run.file();
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bundled").join(name);
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let config = work.join("schemathesis.toml");
    std::fs::write(&config, toml::to_string(&run.schemathesis).unwrap()).unwrap();
    let operations = operation_ids(&file);
    assert_eq!(operations.len(), run.operations, "{name}: operations with an operationId");

    let mut unexpected = Vec::new();
    let mut seen: Vec<&Expected> = Vec::new();
    for mode in [Mode::Positive, Mode::Negative] {
        // Journal sizes past any run's requests, to count every answer.
        let mut args: Vec<&str> = run.serve.iter().map(String::as_str).collect();
        args.extend(["--journal-entries", "50000", "--journal-bytes", "536870912"]);
        let server = Server::start(&args, &work);
        let target = Target {
            spec: &file,
            url: format!("http://{}{}", server.address, run.base),
            headers: &run.headers,
            config: Some(&config),
            max_examples: MAX_EXAMPLES,
            continue_on_failure: true,
        };
        let found = schemathesis::run(&deps, &target, mode, &work);
        let answers = answers(&server);
        drop(server);

        let mut expected_count = 0;
        for failure in &found.failures {
            match failure.expected_by(&run.expected_failures) {
                Some(expected) => {
                    expected_count += 1;
                    if !seen.iter().any(|e| std::ptr::eq(*e, expected)) {
                        seen.push(expected);
                    }
                }
                None => unexpected.push(failure.describe()),
            }
        }
        let statuses: BTreeMap<u64, u64> =
            answers.values().flatten().fold(BTreeMap::new(), |mut all, (status, n)| {
                *all.entry(*status).or_default() += n;
                all
            });
        eprintln!(
            "{name} {}: {} of {} operations tested, {} test cases, {} failures ({expected_count} \
             expected); understudy answered {}",
            mode.name(),
            found.tested,
            run.operations,
            found.cases,
            found.failures.len(),
            statuses.iter().map(|(s, n)| format!("{s}×{n}")).collect::<Vec<_>>().join(", ")
        );
        if found.tested != run.operations as u64 {
            unexpected.push(format!(
                "{} data: {} of {} operations tested",
                mode.name(),
                found.tested,
                run.operations
            ));
        }
        if !found.errors.is_empty() {
            unexpected.push(format!(
                "{} data: Schemathesis errors: {}",
                mode.name(),
                found.errors.join("; ")
            ));
        }
        if mode == Mode::Positive {
            for operation in &operations {
                let succeeded = answers
                    .get(operation)
                    .is_some_and(|s| s.keys().any(|status| (200..300).contains(status)));
                if !succeeded {
                    unexpected.push(format!(
                        "positive data: `{operation}` never answered a success ({:?}): do the \
                         pinned parameters still name seed records?",
                        answers.get(operation)
                    ));
                }
            }
        }
    }

    schemathesis::conclude(name, &run.expected_failures, &seen, &unexpected, &work);
}

/// What understudy answered, per operation and status, read from its journal.
fn answers(server: &Server) -> Answers {
    let (status, body) = util::http(
        server.address,
        "GET",
        "/__understudy/journal?limit=50000",
        &[("Accept", "application/json")],
        "",
    );
    assert_eq!(status, 200, "the journal: {body}");
    let journal: Value = serde_json::from_str(&body).expect("the journal is JSON");
    let mut answers = Answers::new();
    for entry in journal["entries"].as_array().into_iter().flatten() {
        let operation = entry["operation"].as_str().unwrap_or("-").to_owned();
        let status = entry["response"]["status"].as_u64().unwrap_or_default();
        *answers.entry(operation).or_default().entry(status).or_default() += 1;
    }
    answers
}
