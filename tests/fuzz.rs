//! The fuzz driver: random and mutated inputs thrown at the request path, the contract loader
//! and templates, checking that understudy never panics and never answers with a broken
//! contract. (Merges, templates and parsing also have property tests beside their code.)
//!
//! `cargo fuzz` needs a nightly compiler; these targets run on stable through proptest's
//! engine (random generation from strategies shaped like real inputs, then shrinking to a
//! minimal failing case), so CI runs them with every `cargo test`. Each target takes its input
//! count from `UNDERSTUDY_FUZZ_INPUTS` (default 2,000, a quick smoke; the contract loader,
//! which compiles every schema of a document per input, runs a fiftieth of it) and its seed
//! from `UNDERSTUDY_FUZZ_SEED` (a number, or `random`; default a fixed one, so `cargo test` is
//! deterministic; the seed is printed, so a failure repeats):
//!
//! ```sh
//! UNDERSTUDY_FUZZ_INPUTS=1000000 UNDERSTUDY_FUZZ_SEED=random cargo test --release --test fuzz -- --nocapture
//! ```
//!
//! The request target builds requests the way an attacker or a broken client would: a real
//! operation's path with random segments, methods, query strings, headers (credentials valid
//! or not, content types, `Prefer`, sessions, versions) and bodies (the operation's own
//! examples mutated at random places, arbitrary JSON, or raw bytes). The property: the service
//! answers every one of them with a status, never panics, never a 500 from the self-check
//! (an answer the contract does not allow), and every refusal is a JSON envelope.

#[path = "util/mod.rs"]
mod util;

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::{Value, json};
use tower::ServiceExt;
use understudy::catalog::Catalog;
use understudy::{App, Settings, Store, StoreOptions};

/// Inputs per target for this run.
fn inputs(default: u32) -> u32 {
    std::env::var("UNDERSTUDY_FUZZ_INPUTS").ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

/// A runner for `cases` inputs, seeded from `UNDERSTUDY_FUZZ_SEED` (printed).
fn runner(target: &str, cases: u32) -> TestRunner {
    let seed: u64 = match std::env::var("UNDERSTUDY_FUZZ_SEED").ok().as_deref() {
        None => 0x5eed,
        Some("random") => fastrand::u64(..),
        Some(number) => number.parse().expect("UNDERSTUDY_FUZZ_SEED: a number or `random`"),
    };
    eprintln!("fuzz {target}: {cases} inputs, UNDERSTUDY_FUZZ_SEED={seed}");
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 2_000,
        max_global_rejects: u32::MAX,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}

/// Runs `test` over `strategy` and fails with the minimal failing input.
fn run<S: Strategy>(
    target: &str,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    let started = Instant::now();
    let result = runner(target, cases).run(&strategy, test);
    let elapsed = started.elapsed();
    eprintln!(
        "fuzz {target}: {cases} inputs in {:.1}s ({:.0} inputs/s)",
        elapsed.as_secs_f64(),
        f64::from(cases) / elapsed.as_secs_f64().max(1e-9)
    );
    if let Err(failure) = result {
        panic!("fuzz {target} failed: {failure}");
    }
}

// === Arbitrary JSON, and JSON mutated ===

/// Any JSON value: nested up to a few levels, keys and strings from an alphabet that reaches
/// the interesting parts (braces of templates, pointers' `/` and `~`, quotes, non-ASCII).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((text(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

/// Short text, often made of characters that mean something to understudy.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-zA-Z0-9_]{0,12}",
        2 => r#"[{}|/~ .:"\\a-z0-9é€\u{0}-\u{1f}]{0,16}"#,
        1 => any::<String>(),
    ]
}

/// One random change somewhere inside `value`, at a place `choices` picks: a member replaced,
/// removed or added, an item replaced or added, a scalar's type changed.
fn mutate(value: &Value, choices: &[usize], replacement: &Value) -> Value {
    let mut value = value.clone();
    change(&mut value, choices, replacement);
    value
}

fn change(node: &mut Value, choices: &[usize], replacement: &Value) {
    let Some((&choice, rest)) = choices.split_first() else {
        *node = replacement.clone();
        return;
    };
    let descend = choice % 5 != 0 && !rest.is_empty();
    match node {
        Value::Object(map) if !map.is_empty() => {
            let key = map.keys().nth(choice % map.len()).cloned().unwrap_or_default();
            match (descend, choice % 4) {
                (true, _) => {
                    if let Some(child) = map.get_mut(&key) {
                        change(child, rest, replacement);
                    }
                }
                (false, 0) => {
                    map.shift_remove(&key);
                }
                (false, 1) => {
                    map.insert("fuzz".into(), replacement.clone());
                }
                (false, _) => {
                    map.insert(key, replacement.clone());
                }
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let at = choice % items.len();
            match (descend, choice % 3) {
                (true, _) => change(&mut items[at], rest, replacement),
                (false, 0) => items.push(replacement.clone()),
                (false, _) => items[at] = replacement.clone(),
            }
        }
        node => *node = replacement.clone(),
    }
}

// === The request target ===

/// One operation a request can be aimed at: its mount-relative path template, methods and the
/// bodies its contract documents.
#[derive(Debug, Clone)]
struct Target {
    path: String,
    method: String,
    bodies: Vec<Value>,
}

fn targets(catalog: &Catalog) -> Vec<Target> {
    let mut targets = Vec::new();
    for api in &catalog.apis {
        for (index, version) in api.versions.iter().enumerate() {
            let mount = match &version.name {
                Some(name) if index != api.default => format!("{}@{name}", api.mount),
                _ => api.mount.clone(),
            };
            for operation in &version.contract.operations {
                let bodies = operation
                    .body
                    .iter()
                    .flat_map(|b| &b.content)
                    .flat_map(|m| {
                        m.examples.iter().map(|e| e.value.clone()).chain(m.sample.clone())
                    })
                    .collect();
                targets.push(Target {
                    path: format!("{mount}{}{}", version.contract.base_path, operation.path),
                    method: operation.method.as_str().to_owned(),
                    bodies,
                });
            }
        }
    }
    targets
}

/// A request as the fuzzer builds it.
#[derive(Debug, Clone)]
struct Input {
    method: String,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn path_segment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z0-9]{1,24}",
        2 => any::<u32>().prop_map(|n| n.to_string()),
        1 => "[%a-fA-F0-9./~_-]{0,30}",
        1 => Just(String::new()),
        1 => Just("..".to_owned()),
        1 => "[a-z]{300,2000}",
    ]
}

/// The operation's path with every `{param}` replaced by a random segment (sometimes a whole
/// random path instead).
fn path_for(template: String) -> impl Strategy<Value = String> {
    let holes = template.matches('{').count();
    (prop::collection::vec(path_segment(), holes..=holes), any::<u8>(), path_segment()).prop_map(
        move |(segments, twist, extra)| {
            let mut path = String::new();
            let mut segments = segments.into_iter();
            let mut rest = template.as_str();
            while let Some(open) = rest.find('{') {
                path.push_str(&rest[..open]);
                let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
                path.push_str(&segments.next().unwrap_or_default());
                rest = &rest[close..];
            }
            path.push_str(rest);
            match twist % 12 {
                0 => format!("{path}/{extra}"),
                1 => path.trim_end_matches('/').to_owned() + "/",
                2 => format!("/{extra}"),
                _ => path,
            }
        },
    )
}

fn query() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("limit".to_owned()),
        Just("page".to_owned()),
        Just("cursor".to_owned()),
        Just("api_key".to_owned()),
        Just("__code".to_owned()),
        Just("__example".to_owned()),
        Just("__dynamic".to_owned()),
        "[a-z_]{1,10}",
    ];
    let value = prop_oneof![
        "[0-9]{1,30}",
        "-?[0-9]{1,5}",
        "[a-zA-Z0-9%+.,_-]{0,20}",
        Just("true".to_owned()),
        Just("200".to_owned()),
        Just("404".to_owned()),
    ];
    prop::collection::vec((name, value), 0..4).prop_map(|pairs| {
        pairs.iter().map(|(n, v)| format!("{n}={v}")).collect::<Vec<_>>().join("&")
    })
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let authorization = prop_oneof![
        4 => Just(util::TOKEN.to_owned()),
        1 => Just("Bearer".to_owned()),
        1 => "Bearer [a-zA-Z0-9._-]{0,40}",
        1 => "Basic [a-zA-Z0-9=]{0,20}",
        1 => Just(String::new()),
    ];
    let content_type = prop_oneof![
        4 => Just("application/json".to_owned()),
        1 => Just("application/json; charset=utf-8".to_owned()),
        1 => Just("application/x-www-form-urlencoded".to_owned()),
        1 => Just("multipart/form-data; boundary=xyz".to_owned()),
        1 => Just("multipart/form-data".to_owned()),
        1 => Just("text/plain".to_owned()),
        1 => "[a-z/+;= -]{0,30}",
    ];
    let other = prop_oneof![
        (
            Just("prefer".to_owned()),
            prop_oneof![
                Just("code=200".to_owned()),
                Just("code=404".to_owned()),
                Just("code=429".to_owned()),
                Just("example=nope".to_owned()),
                Just("dynamic=true".to_owned()),
                Just("code=200, dynamic=true".to_owned()),
                "[a-z=,; 0-9]{0,24}",
            ]
        ),
        (Just("x-understudy-session".to_owned()), prop_oneof!["[a-z]{1,8}", "[^\\x00]{0,70}"]),
        (
            Just("x-understudy-version".to_owned()),
            prop_oneof![
                Just("2026-07-02".to_owned()),
                Just("current".to_owned()),
                "[a-z0-9-]{0,12}",
            ]
        ),
        (
            Just("accept".to_owned()),
            prop_oneof![
                Just("application/json".to_owned()),
                Just("text/html".to_owned()),
                Just("*/*;q=0".to_owned()),
                "[a-z/*;=0-9., ]{0,24}",
            ]
        ),
        (Just("x-api-key".to_owned()), "[a-z0-9]{0,16}"),
        (Just("if-none-match".to_owned()), "[\"a-z0-9*,W/ ]{0,20}"),
        (Just("sdk-version".to_owned()), "[0-9.]{0,8}"),
        (
            Just("user-agent".to_owned()),
            prop_oneof![Just("@gitbook/api/0.202.0".to_owned()), "[ -~]{0,30}",]
        ),
    ];
    (
        prop::option::weighted(0.9, authorization),
        prop::option::weighted(0.9, content_type),
        prop::collection::vec(other, 0..4),
    )
        .prop_map(|(authorization, content_type, others)| {
            let mut headers = others;
            headers.extend(authorization.map(|a| ("authorization".to_owned(), a)));
            headers.extend(content_type.map(|c| ("content-type".to_owned(), c)));
            headers
        })
}

fn body(documented: Vec<Value>) -> impl Strategy<Value = Vec<u8>> {
    let seeds = if documented.is_empty() { vec![json!({})] } else { documented };
    let mutated = (
        prop::sample::select(seeds.clone()),
        prop::collection::vec(any::<usize>(), 1..6),
        json_value(),
    )
        .prop_map(|(seed, choices, replacement)| {
            serde_json::to_vec(&mutate(&seed, &choices, &replacement)).unwrap_or_default()
        });
    let valid =
        prop::sample::select(seeds).prop_map(|seed| serde_json::to_vec(&seed).unwrap_or_default());
    prop_oneof![
        3 => mutated,
        2 => valid,
        1 => json_value().prop_map(|v| serde_json::to_vec(&v).unwrap_or_default()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => Just(Vec::new()),
    ]
}

fn method(documented: String) -> impl Strategy<Value = String> {
    prop_oneof![
        8 => Just(documented),
        1 => prop::sample::select(vec!["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
            .prop_map(str::to_owned),
        1 => "[A-Z]{1,8}",
    ]
}

fn request(targets: Arc<Vec<Target>>) -> impl Strategy<Value = Input> {
    prop::sample::select((*targets).clone()).prop_flat_map(|target| {
        (method(target.method), path_for(target.path), query(), headers(), body(target.bodies))
            .prop_map(|(method, path, query, headers, body)| Input {
                method,
                path,
                query,
                headers,
                body,
            })
    })
}

/// Sends `input` through the service: `None` when it is no valid HTTP request at all (hyper
/// would refuse it before understudy sees it).
async fn send(app: &App, input: &Input) -> Option<(u16, String, String)> {
    let uri = if input.query.is_empty() {
        input.path.clone()
    } else {
        format!("{}?{}", input.path, input.query)
    };
    let mut builder = http::Request::builder()
        .method(http::Method::from_bytes(input.method.as_bytes()).ok()?)
        .uri(http::Uri::try_from(uri).ok()?);
    for (name, value) in &input.headers {
        builder = builder.header(
            http::HeaderName::from_bytes(name.as_bytes()).ok()?,
            http::HeaderValue::from_str(value).ok()?,
        );
    }
    let request = builder.body(Full::new(Bytes::from(input.body.clone()))).ok()?;
    let response = app.clone().oneshot(request).await.ok()?;
    let status = response.status().as_u16();
    let media = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let bytes = response.into_body().collect().await.ok()?.to_bytes();
    Some((status, media, String::from_utf8_lossy(&bytes).into_owned()))
}

#[test]
fn requests_of_every_shape_never_panic_and_never_break_the_contract() {
    let catalog = util::catalog(util::Dialect::V31);
    let targets = Arc::new(targets(&catalog));
    assert!(targets.len() > 20, "the catalog has {} operations", targets.len());
    // One store for the whole run, like a server that lives through every input; a few
    // sessions so writes keep changing what later reads see.
    let app = App::new(
        catalog,
        Store::new(StoreOptions { seed: Some(7), clock: None }),
        Settings::default(),
    );
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    run("request", inputs(2_000), request(targets), |input| {
        let Some((status, media, body)) = runtime.block_on(send(&app, &input)) else {
            return Ok(());
        };
        let asked_for_5xx =
            input.headers.iter().any(|(n, v)| n == "prefer" && v.contains("code=5"))
                || input.query.contains("__code=5");
        prop_assert!(
            status != 500 || asked_for_5xx,
            "500 for {} {}?{}: {body}",
            input.method,
            input.path,
            input.query
        );
        prop_assert!(!body.contains("self-check"), "self-check failed: {body}");
        if (400..500).contains(&status) && input.method != "HEAD" && status != 406 {
            prop_assert!(
                media.contains("json") && serde_json::from_str::<Value>(&body).is_ok(),
                "{status} without a JSON envelope ({media}): {body}"
            );
        }
        Ok(())
    });
}

// === The contract loader ===

#[test]
fn contracts_mutated_anywhere_load_or_fail_with_a_located_error() {
    let sources: Vec<(String, Value)> = [
        "contracts/teable/openapi.yaml",
        "contracts/ada/openapi.yaml",
        "tests/data/any-contract/shop.yaml",
        "tests/data/foreign/contracts/galaxy/openapi.yaml",
    ]
    .iter()
    .map(|path| {
        let file = understudy::files::read_file(std::path::Path::new(path)).unwrap();
        (path.to_string(), understudy::contract::parse_text(&file).unwrap())
    })
    .collect();
    let strategy =
        (prop::sample::select(sources), prop::collection::vec(any::<usize>(), 1..10), json_value());
    run(
        "contract",
        inputs(2_000) / 50 + 10,
        strategy,
        |((name, document), choices, replacement)| {
            let mutated = mutate(&document, &choices, &replacement);
            let file = understudy::files::TextFile {
                name: name.clone(),
                file_name: "openapi.json".to_owned(),
                text: mutated.to_string(),
            };
            if let Err(error) = understudy::contract::load(&file) {
                let message = error.to_string();
                prop_assert!(message.contains(&name), "the error names no file: {message}");
            }
            Ok(())
        },
    );
}

// === Templates and merges, on arbitrary JSON ===

#[test]
fn templates_of_any_json_parse_or_fail_and_render_without_panicking() {
    let strategy = (json_value(), json_value());
    run("template", inputs(2_000), strategy, |(template, context)| {
        if let Ok(parsed) = understudy::scenario::template::Template::parse(&template) {
            let _ = parsed.render(&context);
            let _ = parsed.render_text(&context);
            let _ = parsed.render_owned(context);
        }
        Ok(())
    });
}
