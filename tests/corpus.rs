//! The corpus: public OpenAPI documents nobody here wrote, served with no scenario (issue 12).
//!
//! `tests/corpus/corpus.toml` names each document (its npm package, version, path and licence),
//! the collections `understudy infer` finds in it, a create → read → list → delete flow, and the
//! failures not fixed yet. For each document the test starts `understudy serve FILE` on a free
//! loopback port and runs Schemathesis (pinned by `tests/corpus/requirements.txt`, installed by
//! `scripts/client-deps.sh`) against the mount, twice, each time on a fresh server:
//!
//! * **positive** data, with the checks `not_a_server_error`, `response_schema_conformance`,
//!   `status_code_conformance` and `content_type_conformance`: a valid request gets a
//!   documented status, a documented media type and a body that fits the document;
//! * **negative** data, with the same checks but `status_code_conformance`: an invalid request
//!   must still get no 5xx and, when its status is documented, a body and media type that fit.
//!   The status itself is not checked, because most documents document no 400 for most
//!   operations, and understudy rejects an invalid request with 400 (or the failure the
//!   operation documents) all the same: any mock, and the real API, breaks that check.
//!
//! One more thing is tolerated everywhere and counted in the output: a 404 for a record that
//! does not exist, from an operation that documents no 404. Schemathesis asks for ids nobody
//! created; a stateful mock cannot answer them with a record, and the document gives it no
//! other way to say so.
//!
//! Then the flow: the record a create makes is read back, listed, deleted, and gone.
//! Everything runs against `127.0.0.1`; the documents' own servers are never contacted.

#[path = "util/schemathesis.rs"]
mod schemathesis;
#[path = "util/mod.rs"]
mod util;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_json::Value;

use schemathesis::{Expected, Mode, Server, Target, client_deps, count_operations, root};

/// Test cases per operation and phase: enough to reach every operation's odd corners, few
/// enough that the whole corpus runs in a minute or two on two cores.
const MAX_EXAMPLES: u32 = 10;

/// The documents the tests below run, by manifest name: each has its own test, so a failure
/// names its document, and the manifest test checks none is forgotten.
const TESTED: [&str; 6] =
    ["petstore", "petstore-expanded", "train-travel", "readme-legacy", "readme", "galaxy"];

#[test]
fn the_manifest_records_package_version_path_and_licence_of_every_document_and_each_is_tested() {
    let manifest = manifest();
    let names: Vec<&str> = manifest.documents.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, TESTED, "every document of corpus.toml has its test below, in that order");
    for document in &manifest.documents {
        for (what, value) in [
            ("package", &document.package),
            ("version", &document.version),
            ("path", &document.path),
            ("licence", &document.licence),
            ("title", &document.title),
        ] {
            assert!(!value.trim().is_empty(), "{}: no {what}", document.name);
        }
        assert!(
            document.version.split('.').all(|part| part.parse::<u32>().is_ok()),
            "{}: the version is exact ({})",
            document.name,
            document.version
        );
        if document.copy {
            assert!(
                document.source().is_file(),
                "{}: no copy at {:?}",
                document.name,
                document.source()
            );
        }
        for expected in &document.expected_failures {
            assert!(
                !expected.reason.trim().is_empty(),
                "{}: an expected failure without a reason",
                document.name
            );
            assert!(
                ["load", "crud", "schemathesis"].contains(&expected.stage.as_str()),
                "{}: unknown stage {}",
                document.name,
                expected.stage
            );
        }
    }
}

#[test]
fn swagger_petstore_conforms_under_schemathesis_and_keeps_its_orders() {
    check("petstore");
}

#[test]
fn petstore_expanded_conforms_under_schemathesis_and_its_pets_are_created_listed_and_deleted() {
    check("petstore-expanded");
}

#[test]
fn train_travel_conforms_under_schemathesis_and_its_bookings_are_created_listed_and_deleted() {
    check("train-travel");
}

#[test]
fn readme_legacy_conforms_under_schemathesis_and_its_categories_are_created_listed_and_deleted() {
    check("readme-legacy");
}

#[test]
fn readme_v2_conforms_under_schemathesis_and_its_changelogs_are_created_listed_and_deleted() {
    check("readme");
}

#[test]
fn scalar_galaxy_conforms_under_schemathesis_and_its_planets_are_created_listed_and_deleted() {
    check("galaxy");
}

// === The manifest ===

#[derive(Debug, Deserialize)]
struct Manifest {
    documents: Vec<Document>,
}

/// One document of `corpus.toml` (its header says what each field means).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Document {
    name: String,
    file: String,
    #[serde(default = "yes")]
    copy: bool,
    title: String,
    package: String,
    version: String,
    path: String,
    licence: String,
    base: String,
    #[serde(default)]
    headers: Vec<String>,
    operations: usize,
    #[serde(default)]
    collections: Vec<String>,
    crud: Crud,
    #[serde(default)]
    expected_failures: Vec<Expected>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Crud {
    create: String,
    body: Value,
    #[serde(default)]
    record: String,
    key: String,
    read: String,
    list: Option<String>,
    #[serde(default)]
    items: String,
    delete: Option<String>,
    #[allow(dead_code)]
    note: Option<String>,
}

fn yes() -> bool {
    true
}

fn manifest() -> Manifest {
    schemathesis::manifest("tests/corpus/corpus.toml")
}

impl Document {
    /// Where the document is: the copy, or the file `client-deps.sh` unpacked.
    fn source(&self) -> PathBuf {
        if self.copy {
            root().join("tests/corpus").join(&self.file)
        } else {
            root().join("target/client-tests/corpus").join(&self.file)
        }
    }

    /// The headers to send, as name and value.
    fn headers(&self) -> Vec<(&str, &str)> {
        self.headers
            .iter()
            .map(|h| {
                let (name, value) = h.split_once(':').expect("headers are `Name: value`");
                (name.trim(), value.trim())
            })
            .collect()
    }

    /// The expected failure of `stage` whose text occurs in `text`, if any.
    fn expected(&self, stage: &str, text: &str) -> Option<&Expected> {
        self.expected_failures.iter().find(|e| e.stage == stage && text.contains(&e.contains))
    }
}

// === The check of one document ===

/// Infers, runs Schemathesis in both modes and the flow, and fails on anything not expected.
fn check(name: &str) {
    let deps = client_deps();
    let manifest = manifest();
    let document = manifest.documents.iter().find(|d| d.name == name).expect("in the manifest");
    let file = document.source();
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus").join(name);
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();

    assert_eq!(count_operations(&file), document.operations, "{name}: operations");
    let inferred =
        Command::new(env!("CARGO_BIN_EXE_understudy")).arg("infer").arg(&file).output().unwrap();
    let load = document.expected_failures.iter().find(|e| e.stage == "load");
    if !inferred.status.success() {
        let stderr = String::from_utf8_lossy(&inferred.stderr);
        match document.expected("load", &stderr) {
            Some(expected) => {
                eprintln!("{name}: does not load, as expected ({}): {stderr}", expected.reason);
                return;
            }
            None => panic!("{name}: `understudy infer` fails: {stderr}"),
        }
    }
    if load.is_some() {
        eprintln!(
            "{name}: loads now: remove its `load` expected failure and record its collections"
        );
    }
    let scenario: Value =
        serde_saphyr::from_str(&String::from_utf8_lossy(&inferred.stdout)).unwrap();
    let collections: Vec<&str> = scenario["resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, resource)| resource.get("auto-create").is_none())
        .map(|(name, _)| name.as_str())
        .collect();
    if load.is_none() || !document.collections.is_empty() {
        assert_eq!(collections, document.collections, "{name}: the collections understudy infers");
    }

    let mut unexpected = Vec::new();
    let mut seen: Vec<&Expected> = Vec::new();
    for mode in [Mode::Positive, Mode::Negative] {
        let server = Server::start(&[file.to_str().unwrap()], &work);
        let target = Target {
            spec: &file,
            url: format!("http://{}{}", server.address, document.base),
            headers: &document.headers,
            config: None,
            max_examples: MAX_EXAMPLES,
            continue_on_failure: false,
        };
        let run = schemathesis::run(&deps, &target, mode, &work);
        drop(server);
        let mut expected_count = 0;
        let mut tolerated = 0;
        for failure in &run.failures {
            if failure.is_unknown_record() {
                tolerated += 1;
            } else if let Some(expected) = failure.expected_by(&document.expected_failures) {
                expected_count += 1;
                if !seen.iter().any(|e| std::ptr::eq(*e, expected)) {
                    seen.push(expected);
                }
            } else {
                unexpected.push(failure.describe());
            }
        }
        eprintln!(
            "{name} {}: {} of {} operations tested, {} test cases, {} failures ({expected_count} \
             expected, {tolerated} 404s for unknown records tolerated){}",
            mode.name(),
            run.tested,
            document.operations,
            run.cases,
            run.failures.len(),
            if run.errors.is_empty() {
                String::new()
            } else {
                format!("; Schemathesis errors: {}", run.errors.join("; "))
            }
        );
    }

    let server = Server::start(&[file.to_str().unwrap()], &work);
    match crud(document, server.address) {
        Ok(summary) => eprintln!("{name} crud: {summary}"),
        Err(error) => match document.expected("crud", &error) {
            Some(expected) => {
                eprintln!("{name} crud: fails, as expected ({}): {error}", expected.reason);
                seen.push(expected);
            }
            None => unexpected.push(format!("the create → read → list → delete flow: {error}")),
        },
    }
    drop(server);

    // A load failure ends the test before this point, when it is expected.
    let expected = document.expected_failures.iter().filter(|e| e.stage != "load");
    schemathesis::conclude(name, expected, &seen, &unexpected, &work);
}

// === The create → read → list → delete flow ===

fn crud(document: &Document, address: SocketAddr) -> Result<String, String> {
    let crud = &document.crud;
    let headers = document.headers();
    let send = |line: &str, id: &str, body: Option<&Value>| -> (u16, Value, String) {
        let (method, path) = line.split_once(' ').expect("METHOD /path");
        let path = format!("{}{}", document.base, path.replace("{id}", id));
        let mut all = headers.clone();
        let text = body.map(|b| b.to_string()).unwrap_or_default();
        if body.is_some() {
            all.push(("Content-Type", "application/json"));
        }
        let (status, answer) = util::http(address, method, &path, &all, &text);
        let json = serde_json::from_str(&answer).unwrap_or(Value::Null);
        (status, json, format!("{line} → {status} {answer}"))
    };
    let record = |answer: &Value| answer.pointer(&crud.record).cloned().unwrap_or(Value::Null);

    let (status, created, said) = send(&crud.create, "", Some(&crud.body));
    if !(200..300).contains(&status) {
        return Err(format!("create: {said}"));
    }
    let created = record(&created);
    let id = match &created[&crud.key] {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return Err(format!("create: no `{}` at `{}`: {said}", crud.key, crud.record)),
    };
    let encoded = percent(&id);

    let (status, read, said) = send(&crud.read, &encoded, None);
    let read = record(&read);
    if status != 200 || read[&crud.key] != created[&crud.key] {
        return Err(format!("read after create: {said}"));
    }
    for (field, value) in crud.body.as_object().into_iter().flatten() {
        if read.get(field).is_some_and(|seen| seen != value) {
            return Err(format!("read after create: `{field}` is not what was sent: {said}"));
        }
    }
    let mut steps = vec![format!("created and read {} `{id}`", crud.key)];

    let listed = |label: &str| -> Result<Option<bool>, String> {
        let Some(list) = &crud.list else { return Ok(None) };
        let (status, answer, said) = send(list, "", None);
        let Some(items) = answer.pointer(&crud.items).and_then(Value::as_array) else {
            return Err(format!("list {label}: no array at `{}`: {said}", crud.items));
        };
        if status != 200 {
            return Err(format!("list {label}: {said}"));
        }
        Ok(Some(items.iter().any(|item| item[&crud.key] == created[&crud.key])))
    };
    match listed("after create")? {
        Some(true) => steps.push("listed".to_owned()),
        Some(false) => return Err("list after create: the new record is not listed".to_owned()),
        None => {}
    }

    if let Some(delete) = &crud.delete {
        let (status, _, said) = send(delete, &encoded, None);
        if !(200..300).contains(&status) {
            return Err(format!("delete: {said}"));
        }
        let (status, _, said) = send(&crud.read, &encoded, None);
        if status != 404 {
            return Err(format!("read after delete: {said}"));
        }
        if listed("after delete")? == Some(true) {
            return Err("list after delete: the deleted record is still listed".to_owned());
        }
        steps.push("deleted (then 404, and no longer listed)".to_owned());
    }
    Ok(steps.join(", "))
}

/// A key as a path segment.
fn percent(id: &str) -> String {
    id.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
