//! Helpers shared by the integration tests: a served catalog, requests through the service
//! without a socket, a real server on a loopback port, and assertions on vendor envelopes.

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use http_body_util::{BodyExt, Full};
use serde_json::Value;
use tower::ServiceExt;
use understudy::catalog::{ApiOptions, Catalog, CatalogOptions};
use understudy::{App, Settings, Store, StoreOptions};

/// The development token every default scenario accepts.
pub const TOKEN: &str = "Bearer dev-token";

/// Which GitBook contract the catalog serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// `openapi-3.1.json` (the default).
    V31,
    /// `openapi-3.0.json`.
    V30,
}

/// The embedded catalog, loaded once per dialect for the whole test binary.
pub fn catalog(dialect: Dialect) -> Arc<Catalog> {
    static V31: OnceLock<Arc<Catalog>> = OnceLock::new();
    static V30: OnceLock<Arc<Catalog>> = OnceLock::new();
    let (cell, file) = match dialect {
        Dialect::V31 => (&V31, "openapi-3.1.json"),
        Dialect::V30 => (&V30, "openapi-3.0.json"),
    };
    cell.get_or_init(|| {
        let mut options = CatalogOptions::embedded();
        options.apis = BTreeMap::from([(
            "gitbook".to_owned(),
            ApiOptions { contract: Some(file.to_owned()), ..ApiOptions::default() },
        )]);
        Arc::new(Catalog::load(&options).expect("the embedded catalog loads"))
    })
    .clone()
}

/// A fresh service (empty store, strict self-check) over the embedded catalog.
pub fn app(dialect: Dialect) -> App {
    App::new(
        catalog(dialect),
        Store::new(StoreOptions { seed: Some(42), ..StoreOptions::default() }),
        Settings::default(),
    )
}

/// A response, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    /// The body parsed as JSON (`Null` when empty or not JSON).
    pub json: Value,
    pub text: String,
}

impl Answer {
    /// The media type of the body.
    pub fn media(&self) -> String {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or_default().trim().to_owned())
            .unwrap_or_default()
    }
}

/// Sends one request through the service, without a socket.
pub async fn call(
    app: &App,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Answer {
    let mut builder =
        http::Request::builder().method(Method::from_bytes(method.as_bytes()).unwrap()).uri(path);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request =
        builder.body(Full::new(Bytes::from(body.unwrap_or_default().to_owned()))).unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Answer {
        status: parts.status,
        headers: parts.headers,
        json: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

/// `call` with the test token and, when there is a body, `Content-Type: application/json`.
pub async fn authed(app: &App, method: &str, path: &str, body: Option<&str>) -> Answer {
    let mut headers = vec![("authorization", TOKEN)];
    if body.is_some() {
        headers.push(("content-type", "application/json"));
    }
    call(app, method, path, &headers, body).await
}

/// Asserts that `answer` is `status` in the named API's documented error envelope, and returns
/// the envelope's human message (with every listed detail appended, for Ada).
pub fn assert_envelope(api: &str, answer: &Answer, status: u16) -> String {
    assert_eq!(answer.status.as_u16(), status, "{api}: unexpected status; body: {}", answer.text);
    let body = &answer.json;
    match api {
        "teable" => {
            assert_eq!(answer.media(), "application/json");
            assert_eq!(body["status"], status, "{}", answer.text);
            assert!(body["code"].is_string() && body["message"].is_string(), "{}", answer.text);
            let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
            assert_eq!(keys, ["message", "status", "code"], "{}", answer.text);
            body["message"].as_str().unwrap().to_owned()
        }
        "arize" => {
            assert_eq!(answer.media(), "application/problem+json", "{}", answer.text);
            assert_eq!(body["status"], status, "{}", answer.text);
            assert!(body["title"].is_string(), "{}", answer.text);
            assert!(
                body["type"]
                    .as_str()
                    .unwrap()
                    .starts_with("https://arize.com/docs/ax/rest-reference/errors#")
            );
            body["detail"].as_str().unwrap().to_owned()
        }
        "gitbook" => {
            assert_eq!(answer.media(), "application/json");
            assert_eq!(body["error"]["code"], status, "{}", answer.text);
            assert_eq!(body.as_object().unwrap().len(), 1, "{}", answer.text);
            body["error"]["message"].as_str().unwrap().to_owned()
        }
        "ada" => {
            assert_eq!(answer.media(), "application/json");
            let errors = body["errors"].as_array().expect("an `errors` array");
            assert_eq!(errors.len(), 1, "{}", answer.text);
            let error = &errors[0];
            assert!(error["type"].is_string() && error["message"].is_string(), "{}", answer.text);
            let mut message = error["message"].as_str().unwrap().to_owned();
            if let Some(details) = error["details"].as_array() {
                for detail in details {
                    for key in ["parameter", "location", "message"] {
                        assert!(detail[key].is_string(), "detail without `{key}`: {}", answer.text);
                    }
                    message.push_str(&format!(
                        "; {}: {}",
                        detail["parameter"].as_str().unwrap(),
                        detail["message"].as_str().unwrap()
                    ));
                }
            } else {
                assert!(error["details"].is_null(), "{}", answer.text);
            }
            message
        }
        other => panic!("no envelope known for {other}"),
    }
}

/// A running server on a loopback port, stopped when dropped.
pub struct TestServer {
    pub address: SocketAddr,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl TestServer {
    /// Serves `app` on `127.0.0.1:0`.
    pub async fn start(app: App) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx.await;
            };
            let options = understudy::server::ServerOptions {
                grace: Duration::from_secs(5),
                ..Default::default()
            };
            understudy::server::run(listener, app, shutdown, options).await;
        });
        TestServer { address, shutdown: Some(tx), task: Some(task) }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// The `understudy` binary, started with `args` in `dir`; returns the child and the address it
/// printed once listening.
pub fn spawn_binary(
    args: &[&str],
    dir: &std::path::Path,
    envs: &[(&str, &str)],
) -> (std::process::Child, SocketAddr) {
    use std::io::{BufRead, BufReader};
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_understudy"));
    command
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    for (key, value) in envs {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("the binary starts");
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let address = loop {
        let line = lines.next().expect("the binary printed its address before exiting").unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.trim().parse().expect("an address");
        }
    };
    // Keep draining stderr so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, address)
}

/// Unified diff of two JSON values (pretty-printed, sorted keys), for assertion messages.
pub fn json_diff(expected: &Value, actual: &Value) -> String {
    let expected = serde_json::to_string_pretty(&sorted(expected)).unwrap();
    let actual = serde_json::to_string_pretty(&sorted(actual)).unwrap();
    similar::TextDiff::from_lines(&expected, &actual)
        .unified_diff()
        .header("expected", "actual")
        .to_string()
}

fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let ordered: BTreeMap<&String, Value> =
                map.iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(ordered.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// A blocking HTTP/1.1 request over a plain socket (for tests of the binary): returns status
/// and body.
pub fn http(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    stream.write_all(request.as_bytes()).unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

/// `call` with a given token (`None`: no Authorization), an optional session, and JSON.
pub async fn call_as(
    app: &App,
    token: Option<&str>,
    session: Option<&str>,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Answer {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let mut headers: Vec<(&str, &str)> = Vec::new();
    if let Some(bearer) = &bearer {
        headers.push(("authorization", bearer));
    }
    if let Some(session) = session {
        headers.push(("x-understudy-session", session));
    }
    if body.is_some() {
        headers.push(("content-type", "application/json"));
    }
    call(app, method, path, &headers, body).await
}

/// A service over the contracts and scenarios of a fixture under `tests/data/<dir>`.
pub fn fixture_app(dir: &str) -> App {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(dir);
    let options = CatalogOptions {
        contracts: understudy::files::Tree::disk(root.join("contracts")),
        scenarios: understudy::files::Tree::disk(root.join("scenarios")),
        only: Vec::new(),
        apis: BTreeMap::new(),
    };
    let catalog = Arc::new(Catalog::load(&options).expect("the fixture loads"));
    App::new(catalog, Store::new(StoreOptions::default()), Settings::default())
}

/// A service over one OpenAPI document (a path below the repository) served as
/// `understudy serve FILE` serves it: no scenario of its own (inferred), ids repeatable.
pub fn document_app(relative: &str) -> App {
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    let options = CatalogOptions {
        contracts: understudy::files::Tree::documents(&[file]).expect("the document is readable"),
        scenarios: understudy::files::Tree::embedded_scenarios(),
        only: Vec::new(),
        apis: BTreeMap::new(),
    };
    let catalog = Arc::new(Catalog::load(&options).expect("the document loads"));
    App::new(
        catalog,
        Store::new(StoreOptions { seed: Some(3), ..StoreOptions::default() }),
        Settings::default(),
    )
}

/// `app(dialect)` with one API switched to another scenario.
pub fn app_with_scenario(api: &str, scenario: &str) -> App {
    let app = app(Dialect::V31);
    app.switch_scenario(api, scenario).expect("the scenario exists");
    app
}

/// The folder of a version's files under `contracts/`, `scenarios/` and `conformance/`:
/// `api/version`, or `api` for an API without versions.
pub fn folder(version: &understudy::catalog::Version) -> String {
    match &version.name {
        Some(name) => format!("{}/{name}", version.api),
        None => version.api.clone(),
    }
}
