//! `understudy record`: a proxy that forwards to a target and writes each exchange it sees as
//! a case file the runner can replay.
//!
//! A client points at the proxy instead of the target (`--port`, on 127.0.0.1). Every request
//! is forwarded unchanged, the answer returned unchanged, and the pair written to
//! `<out>/<id>.json`, where:
//!
//! * the id is the `X-Understudy-Case` request header when the client sends one (it is not
//!   forwarded), else `<operationId>-<status>` with a number when taken; files are numbered in
//!   recording order (`001-list-200.json`), which is the order `check` replays them in;
//! * secrets never reach the file: `Authorization` becomes `<scheme> ${env.TOKEN}` (a second
//!   distinct credential `${env.TOKEN_2}`, and so on), other
//!   secret-looking headers (`*token*`, `*secret*`, `*key*`, `cookie`) and body fields (`api_key`,
//!   `token`, `secret`, `password`, `client_secret`...) become `${env.NAME}`, and any of their
//!   values found elsewhere in the file (a config echoed back as text) is replaced too;
//! * volatile response values get rules, inferred from the contract (`readOnly` → `type`, a
//!   `format` such as `date-time` → `format`) and from their names (`id`, `*_id`, `*Id`,
//!   `*_at`, `*Time`...) → `type`; secrets in responses → `ignore`. The file lists them, so
//!   nothing is silent;
//! * a value an earlier response gave (an id) and a later request sends back becomes a
//!   `${capture.NAME}` with the earlier case in `needs`, so the suite replays against a fresh
//!   server whose ids differ.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Map, Value};

use crate::conformance::client::Client;
use crate::conformance::exchange::{
    Capture, Exchange, Expectation, HeaderExpectation, QueryValue, Recorded, RequestSpec, Rule,
    RuleKeyword,
};
use crate::contract::Contract;
use crate::contract::document::deref;
use crate::contract::route::RouteMatch;
use crate::json::pointer::escape_token;
use crate::request::media_essence;

/// Header a client may send to name the case (not forwarded).
pub const CASE_HEADER: &str = "x-understudy-case";

/// Headers never recorded nor forwarded as they are (hop-by-hop, or set by the client library).
const NOISE: &[&str] = &[
    "host",
    "connection",
    "content-length",
    "transfer-encoding",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
    "proxy-connection",
    "accept-encoding",
    "user-agent",
    CASE_HEADER,
];

/// Response headers worth checking on replay.
const KEPT_RESPONSE_HEADERS: &[&str] =
    &["content-type", "location", "www-authenticate", "allow", "x-ratelimit-limit", "retry-after"];

/// What to record.
#[derive(Debug, Clone)]
pub struct RecordOptions {
    /// The target (as for `check --target`).
    pub target: String,
    /// Where to write the case files.
    pub out: PathBuf,
}

/// The recorder's state, shared by all connections.
#[derive(Debug)]
struct Recorder {
    contract: Arc<Contract>,
    options: RecordOptions,
    client: Client,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Recorded cases, in order.
    cases: Vec<Exchange>,
    /// Credentials seen, in order: the first is `TOKEN`, the next `TOKEN_2`...
    tokens: Vec<String>,
    /// Every secret value seen so far, with its placeholder: a secret sent once may come back
    /// in any later response.
    secrets: Vec<(String, String)>,
    /// Volatile values earlier responses gave: value → (case index, pointer).
    seen: Vec<(String, usize, String)>,
}

/// Serves the recording proxy on `listener` until `shutdown`.
pub async fn run(
    listener: tokio::net::TcpListener,
    contract: Arc<Contract>,
    options: RecordOptions,
    shutdown: impl std::future::Future<Output = ()>,
) -> std::io::Result<()> {
    std::fs::create_dir_all(&options.out)?;
    let recorder = Arc::new(Recorder {
        contract,
        options,
        client: Client::new(Duration::from_secs(30)),
        state: Mutex::new(State::default()),
    });
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let recorder = recorder.clone();
                let service = hyper::service::service_fn(move |request| {
                    let recorder = recorder.clone();
                    async move { Ok::<_, std::convert::Infallible>(recorder.forward(request).await) }
                });
                let connection = builder.serve_connection(TokioIo::new(stream), service).into_owned();
                let connection = graceful.watch(connection);
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(10), graceful.shutdown()).await;
    Ok(())
}

impl Recorder {
    async fn forward(&self, request: http::Request<Incoming>) -> http::Response<Full<Bytes>> {
        let (parts, body) = request.into_parts();
        let body = match body.collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) => {
                return plain(
                    StatusCode::BAD_GATEWAY,
                    &format!("understudy record: could not read the request: {e}"),
                );
            }
        };
        let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let url = format!("{}{path_and_query}", self.options.target.trim_end_matches('/'));
        let headers: Vec<(String, String)> = parts
            .headers
            .iter()
            .filter(|(name, _)| !NOISE.contains(&name.as_str()))
            .filter_map(|(name, value)| {
                Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
            })
            .collect();
        let received = match self.client.send(&parts.method, &url, &headers, body.clone()).await {
            Ok(received) => received,
            Err(e) => {
                return plain(
                    StatusCode::BAD_GATEWAY,
                    &format!("understudy record: the target did not answer: {e}"),
                );
            }
        };
        let case = parts.headers.get(CASE_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        // understudy's own routes are forwarded but belong to no API: nothing to record.
        let admin = parts.uri.path().starts_with(crate::request::ADMIN_PREFIX);
        if !admin
            && let Err(error) = self.record(
                &parts.method,
                parts.uri.path(),
                parts.uri.query(),
                &headers,
                &body,
                &received,
                case,
            )
        {
            tracing::warn!(%error, "could not write the case file");
        }
        let mut response = http::Response::new(Full::new(received.body.clone()));
        *response.status_mut() =
            StatusCode::from_u16(received.status).unwrap_or(StatusCode::BAD_GATEWAY);
        for (name, value) in &received.headers {
            if !NOISE.contains(&name.as_str()) {
                response.headers_mut().append(name, value.clone());
            }
        }
        response
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        method: &Method,
        path: &str,
        query: Option<&str>,
        headers: &[(String, String)],
        body: &Bytes,
        received: &crate::conformance::client::Received,
        case: Option<String>,
    ) -> std::io::Result<()> {
        let contract = &self.contract;
        let inside = path
            .strip_prefix(contract.base_path.as_str())
            .filter(|p| p.is_empty() || p.starts_with('/'))
            .unwrap_or(path);
        let inside = if inside.is_empty() { "/" } else { inside };
        let operation = match self.contract.router.route(method, inside) {
            RouteMatch::Found { operation, .. } => Some(&contract.operations[operation]),
            _ => None,
        };
        let operation_id = operation.map_or_else(|| format!("{method} {inside}"), |o| o.id.clone());
        let mut secrets: Vec<(String, String)> = Vec::new();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());

        // The request, secrets out. Distinct credentials get distinct placeholders, so a
        // read-only token's case replays with the read-only token.
        let mut request_headers = BTreeMap::new();
        for (name, value) in headers {
            let lower = name.to_ascii_lowercase();
            let recorded = if lower == "authorization" {
                let (scheme, secret) = value.split_once(' ').unwrap_or(("", value.as_str()));
                let index = match state.tokens.iter().position(|t| t == secret) {
                    Some(index) => index,
                    None => {
                        state.tokens.push(secret.to_owned());
                        state.tokens.len() - 1
                    }
                };
                let placeholder = if index == 0 {
                    "${env.TOKEN}".to_owned()
                } else {
                    format!("${{env.TOKEN_{}}}", index + 1)
                };
                secrets.push((secret.to_owned(), placeholder.clone()));
                if scheme.is_empty() { placeholder } else { format!("{scheme} {placeholder}") }
            } else if is_secret_name(&lower) {
                let placeholder = format!("${{env.{}}}", env_name(&lower));
                secrets.push((value.clone(), placeholder.clone()));
                placeholder
            } else {
                value.clone()
            };
            request_headers.insert(lower, recorded);
        }
        let mut query_map: BTreeMap<String, QueryValue> = BTreeMap::new();
        for (name, value) in
            form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned()
        {
            match query_map.remove(&name) {
                None => query_map.insert(name, QueryValue::One(value)),
                Some(QueryValue::One(first)) => {
                    query_map.insert(name, QueryValue::Many(vec![first, value]))
                }
                Some(QueryValue::Many(mut all)) => {
                    all.push(value);
                    query_map.insert(name, QueryValue::Many(all))
                }
            };
        }
        let (request_body, body_text) = match serde_json::from_slice::<Value>(body) {
            _ if body.is_empty() => (None, None),
            Ok(mut json) => {
                redact_request(&mut json, &mut secrets);
                (Some(json), None)
            }
            Err(_) => (None, Some(String::from_utf8_lossy(body).into_owned())),
        };

        // The response, with rules for what will differ next time.
        let media = received
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .and_then(media_essence);
        let mut response_body = (!received.body.is_empty())
            .then(|| serde_json::from_slice::<Value>(&received.body).ok())
            .flatten();
        let mut rules = BTreeMap::new();
        if let Some(json) = &mut response_body {
            let schema = operation.and_then(|o| {
                let spec = o.response(received.status)?;
                let declared = crate::contract::validate::find_media(
                    &spec.content,
                    media.as_deref().unwrap_or_default(),
                )?;
                let pointer = &declared.schema.as_ref()?.pointer;
                contract.response_document.pointer(pointer)
            });
            let origin = origin_of(&self.options.target);
            infer_rules(
                &contract.response_document,
                schema,
                json,
                &mut Vec::new(),
                &mut rules,
                &origin,
            );
        }
        let mut expected_headers = BTreeMap::new();
        for name in KEPT_RESPONSE_HEADERS {
            if let Some(value) = received.headers.get(*name).and_then(|v| v.to_str().ok()) {
                let expectation = if *name == "location" {
                    HeaderExpectation::Regex {
                        regex: location_pattern(value, response_body.as_ref(), &rules),
                    }
                } else if *name == "retry-after" && value.parse::<u64>().is_ok() {
                    // Seconds left in a window: a number, whatever it is next time.
                    HeaderExpectation::Regex { regex: "[0-9]+".into() }
                } else {
                    HeaderExpectation::Exact(value.to_owned())
                };
                expected_headers.insert((*name).to_owned(), expectation);
            }
        }

        let id = unique_id(
            &state.cases,
            case.unwrap_or_else(|| format!("{operation_id}-{}", received.status)),
        );
        let mut exchange = Exchange {
            id,
            operation: operation_id,
            description: String::new(),
            needs: Vec::new(),
            request: RequestSpec {
                method: method.to_string(),
                path: inside.to_owned(),
                query: query_map,
                headers: request_headers,
                body: request_body,
                body_text,
            },
            expect: Expectation {
                status: received.status,
                headers: expected_headers,
                body: response_body,
            },
            rules,
            capture: BTreeMap::new(),
            recorded: Some(Recorded {
                at: jiff::Timestamp::now().to_string(),
                target: self.options.target.clone(),
            }),
        };
        for secret in secrets {
            if !state.secrets.contains(&secret) {
                state.secrets.push(secret);
            }
        }
        link_captures(&mut state, &mut exchange);
        let index = state.cases.len();
        remember(&mut state, index, &exchange);
        let mut value = serde_json::to_value(&exchange).unwrap_or_default();
        scrub(&mut value, &state.secrets);
        let exchange: Exchange = serde_json::from_value(value).unwrap_or(exchange);
        state.cases.push(exchange);
        self.write(&state)
    }

    /// Writes every case file (earlier ones may have gained captures). File names are numbered
    /// in recording order, which is the order `check` replays them in.
    fn write(&self, state: &State) -> std::io::Result<()> {
        for (index, exchange) in state.cases.iter().enumerate() {
            let path = self.options.out.join(format!("{:03}-{}.json", index + 1, exchange.id));
            let text = serde_json::to_string_pretty(exchange).unwrap_or_default() + "\n";
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                std::fs::write(path, text)?;
            }
        }
        Ok(())
    }
}

fn plain(status: StatusCode, message: &str) -> http::Response<Full<Bytes>> {
    let mut response = http::Response::new(Full::new(Bytes::from(message.to_owned())));
    *response.status_mut() = status;
    response
}

fn unique_id(cases: &[Exchange], wanted: String) -> String {
    let clean: String = wanted
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
        .collect();
    if !cases.iter().any(|c| c.id == clean) {
        return clean;
    }
    (2..)
        .map(|n| format!("{clean}-{n}"))
        .find(|id| !cases.iter().any(|c| &c.id == id))
        .expect("an unused id")
}

/// Names that hold secrets.
fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase().replace(['-', '_'], "");
    ["token", "secret", "password", "apikey", "cookie", "privatekey", "credential"]
        .iter()
        .any(|s| name.contains(s))
        || name == "key"
        || name.ends_with("key") && !name.ends_with("modelkey")
}

/// `x-api-key` → `X_API_KEY`, `apiKey` → `API_KEY`.
fn env_name(name: &str) -> String {
    let mut out = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && previous_lower {
            out.push('_');
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' });
    }
    out
}

/// Replaces secret-looking string fields of a request body by `${env.NAME}`.
fn redact_request(value: &mut Value, secrets: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if is_secret_name(key)
                    && let Value::String(secret) = child
                    && !secret.is_empty()
                {
                    let placeholder = format!("${{env.{}}}", env_name(key));
                    secrets.push((secret.clone(), placeholder.clone()));
                    *child = Value::String(placeholder);
                } else {
                    redact_request(child, secrets);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| redact_request(i, secrets)),
        _ => {}
    }
}

/// Replaces every occurrence of a secret value in the strings of a document.
fn scrub(value: &mut Value, secrets: &[(String, String)]) {
    match value {
        Value::String(text) => {
            for (secret, placeholder) in secrets {
                if secret.len() >= 4 && text.contains(secret.as_str()) && text != placeholder {
                    *text = text.replace(secret.as_str(), placeholder);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| scrub(i, secrets)),
        Value::Object(map) => map.values_mut().for_each(|v| scrub(v, secrets)),
        _ => {}
    }
}

/// Names of fields whose values are volatile whatever the contract says: ids and timestamps.
fn volatile_name(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    lower == "id"
        || lower.ends_with("_id")
        || key.ends_with("Id")
        || lower.ends_with("_at")
        || key.ends_with("At")
        || key.ends_with("Time")
        || matches!(lower.as_str(), "created" | "updated" | "timestamp")
}

/// Walks a response body with its schema and adds rules for volatile values. Array items are
/// addressed with `*`, so one rule covers every item.
fn infer_rules(
    document: &Value,
    schema: Option<&Value>,
    value: &mut Value,
    tokens: &mut Vec<String>,
    rules: &mut BTreeMap<String, Rule>,
    origin: &str,
) {
    let schema = schema.map(|s| flatten(document, s, value));
    match value {
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                let child_schema = schema
                    .as_ref()
                    .and_then(|s| s.get("properties"))
                    .and_then(|p| p.get(&key))
                    .cloned();
                tokens.push(key.clone());
                let pointer: String =
                    tokens.iter().map(|t| format!("/{}", escape_token(t))).collect();
                let child = map.get_mut(&key).expect("the key exists");
                if is_secret_name(&key) && child.is_string() {
                    // A secret the server made (a client secret): never stored, never compared.
                    *child = Value::String(String::new());
                    rules.insert(pointer, Rule::Keyword(RuleKeyword::Ignore));
                } else if let Some(rule) =
                    rule_for_leaf(document, child_schema.as_ref(), &key, child, origin)
                {
                    rules.insert(pointer, rule);
                } else {
                    infer_rules(document, child_schema.as_ref(), child, tokens, rules, origin);
                }
                tokens.pop();
            }
        }
        Value::Array(items) => {
            let item_schema = schema.as_ref().and_then(|s| s.get("items")).cloned();
            tokens.push("*".into());
            for item in items.iter_mut() {
                infer_rules(document, item_schema.as_ref(), item, tokens, rules, origin);
            }
            tokens.pop();
        }
        _ => {}
    }
}

/// A schema with `$ref`s followed and `allOf` branches merged; of `oneOf`/`anyOf`, the first
/// branch whose properties the value has.
fn flatten(document: &Value, schema: &Value, value: &Value) -> Value {
    let schema = deref(document, schema);
    let mut merged = schema.clone();
    let Some(object) = merged.as_object_mut() else { return merged };
    let mut properties =
        object.get("properties").and_then(Value::as_object).cloned().unwrap_or_default();
    let mut extra = Map::new();
    let mut branches: Vec<Value> =
        object.get("allOf").and_then(Value::as_array).cloned().unwrap_or_default();
    for keyword in ["oneOf", "anyOf"] {
        if let Some(options) = object.get(keyword).and_then(Value::as_array) {
            let fits = options.iter().find(|o| {
                let o = deref(document, o);
                o.get("properties").and_then(Value::as_object).is_some_and(|p| {
                    p.keys().all(|k| {
                        value.get(k).is_some()
                            || !o
                                .get("required")
                                .and_then(Value::as_array)
                                .is_some_and(|r| r.contains(&Value::String(k.clone())))
                    })
                })
            });
            if let Some(branch) = fits.or(options.first()) {
                branches.push(branch.clone());
            }
        }
    }
    for branch in branches {
        let branch = flatten(document, &branch, value);
        if let Some(p) = branch.get("properties").and_then(Value::as_object) {
            properties.extend(p.clone());
        }
        if let Some(items) = branch.get("items") {
            extra.insert("items".into(), items.clone());
        }
        if let Some(read_only) = branch.get("readOnly") {
            extra.insert("readOnly".into(), read_only.clone());
        }
        if let Some(format) = branch.get("format") {
            extra.insert("format".into(), format.clone());
        }
    }
    object.insert("properties".into(), Value::Object(properties));
    for (k, v) in extra {
        object.entry(k).or_insert(v);
    }
    merged
}

fn rule_for_leaf(
    document: &Value,
    schema: Option<&Value>,
    key: &str,
    value: &Value,
    origin: &str,
) -> Option<Rule> {
    if !matches!(value, Value::String(_) | Value::Number(_)) {
        return None;
    }
    // A URL on the recorded target itself (a next-page link) changes with the target's address.
    if let Value::String(text) = value
        && !origin.is_empty()
        && let Some(rest) = text.strip_prefix(origin)
    {
        return Some(Rule::Regex { regex: format!("https?://[^/]+{}", regex::escape(rest)) });
    }
    let schema = schema.map(|s| flatten(document, s, value));
    let format = schema.as_ref().and_then(|s| s.get("format")).and_then(Value::as_str);
    let read_only = schema.as_ref().and_then(|s| s.get("readOnly")) == Some(&Value::Bool(true));
    match format {
        Some(format @ ("date-time" | "date" | "time" | "uuid")) => {
            Some(Rule::Format { format: format.to_owned() })
        }
        _ if read_only || volatile_name(key) => Some(Rule::Keyword(RuleKeyword::Type)),
        _ => None,
    }
}

/// `http://127.0.0.1:4010/ada` → `http://127.0.0.1:4010`.
fn origin_of(target: &str) -> String {
    let Some((scheme, rest)) = target.split_once("://") else { return String::new() };
    let host = rest.split('/').next().unwrap_or_default();
    format!("{scheme}://{host}")
}

/// The recorded `Location` as a pattern: literal, with the body's volatile values (ids) made
/// wildcards.
fn location_pattern(
    location: &str,
    body: Option<&Value>,
    rules: &BTreeMap<String, Rule>,
) -> String {
    let mut pattern = regex::escape(location);
    if let Some(body) = body {
        for pointer in rules.keys().filter(|p| !p.contains('*')) {
            if let Some(Value::String(text)) = body.pointer(pointer)
                && text.len() >= 3
            {
                pattern = pattern.replace(&regex::escape(text), "[^/?#]+");
            }
        }
    }
    pattern
}

/// Remembers the volatile values of a case's response, for later requests to refer to. A
/// value the request itself sent (a space id in the path) is the client's, not the server's:
/// it is not remembered.
fn remember(state: &mut State, index: usize, exchange: &Exchange) {
    let Some(body) = &exchange.expect.body else { return };
    let sent = serde_json::to_string(&exchange.request).unwrap_or_default();
    for pointer in exchange.rules.keys().filter(|p| !p.contains('*')) {
        if let Some(Value::String(text)) = body.pointer(pointer)
            && text.len() >= 3
            && !sent.contains(text.as_str())
            && !matches!(exchange.rules[pointer], Rule::Keyword(RuleKeyword::Ignore))
        {
            state.seen.push((text.clone(), index, pointer.clone()));
        }
    }
}

/// Replaces values earlier responses gave by captures of those responses.
fn link_captures(state: &mut State, exchange: &mut Exchange) {
    let mut used: Vec<(String, usize, String)> = Vec::new();
    let mut substitute = |text: &str| -> Option<String> {
        // The most recent response that gave this value.
        let (value, index, pointer) =
            state.seen.iter().rev().find(|(v, ..)| text.contains(v.as_str()))?.clone();
        let name = capture_name(&state.cases[index].id, &pointer);
        used.push((name.clone(), index, pointer));
        Some(text.replace(&value, &format!("${{capture.{name}}}")))
    };
    let segments: Vec<String> = exchange
        .request
        .path
        .split('/')
        .map(|segment| {
            let decoded = crate::contract::route::decode(segment);
            match substitute(&decoded) {
                Some(replaced) if decoded.len() == segment.len() || !replaced.contains('%') => {
                    replaced
                }
                _ => segment.to_owned(),
            }
        })
        .collect();
    exchange.request.path = segments.join("/");
    for value in exchange.request.query.values_mut() {
        *value = match value {
            QueryValue::One(v) => QueryValue::One(substitute(v).unwrap_or_else(|| v.clone())),
            QueryValue::Many(all) => QueryValue::Many(
                all.iter().map(|v| substitute(v).unwrap_or_else(|| v.clone())).collect(),
            ),
        };
    }
    if let Some(body) = &mut exchange.request.body {
        substitute_strings(body, &mut substitute);
    }
    // The answer may name the value too (`Integration int… not found`).
    if let Some(body) = &mut exchange.expect.body {
        substitute_strings(body, &mut substitute);
    }
    for expectation in exchange.expect.headers.values_mut() {
        if let HeaderExpectation::Exact(text) = expectation
            && let Some(replaced) = substitute(text)
        {
            *text = replaced;
        }
    }
    for (name, index, pointer) in used {
        state.cases[index].capture.insert(name, Capture::Body(pointer));
        let need = state.cases[index].id.clone();
        if !exchange.needs.contains(&need) {
            exchange.needs.push(need);
        }
    }
}

fn substitute_strings(value: &mut Value, substitute: &mut impl FnMut(&str) -> Option<String>) {
    match value {
        Value::String(text) => {
            if let Some(replaced) = substitute(text) {
                *text = replaced;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| substitute_strings(i, substitute)),
        Value::Object(map) => map.values_mut().for_each(|v| substitute_strings(v, substitute)),
        _ => {}
    }
}

/// `create-llm-201` + `/id` → `create_llm_201_id`.
fn capture_name(case: &str, pointer: &str) -> String {
    let raw = format!("{case}{}", pointer.replace('/', "_"));
    raw.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_names_and_their_variables() {
        for name in [
            "api_key",
            "apiKey",
            "x-api-key",
            "client_secret",
            "token",
            "password",
            "Cookie",
            "secretKey",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in ["name", "type", "models", "title"] {
            assert!(!is_secret_name(name), "{name}");
        }
        assert_eq!(env_name("x-api-key"), "X_API_KEY");
        assert_eq!(env_name("apiKey"), "API_KEY");
        assert_eq!(env_name("client_secret"), "CLIENT_SECRET");
    }

    #[test]
    fn request_secrets_become_placeholders_and_are_scrubbed_everywhere() {
        let mut body = json!({"config": {"api_key": "sk-123456", "llmProviders": [{"apiKey": "sk-abcdef", "name": "x"}]}});
        let mut secrets = Vec::new();
        redact_request(&mut body, &mut secrets);
        assert_eq!(
            body,
            json!({"config": {"api_key": "${env.API_KEY}", "llmProviders": [{"apiKey": "${env.API_KEY}", "name": "x"}]}})
        );
        let mut echoed = json!({"config": "{\"apiKey\":\"sk-abcdef\"}"});
        scrub(&mut echoed, &secrets);
        assert_eq!(echoed, json!({"config": "{\"apiKey\":\"${env.API_KEY}\"}"}));
    }

    #[test]
    fn volatile_values_get_rules_from_the_schema_and_their_names() {
        let document = json!({});
        let schema = json!({"type": "object", "properties": {
            "created": {"type": "string", "format": "date-time"},
            "serial": {"type": "string", "readOnly": true},
            "items": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}}}}
        }});
        let mut body = json!({"created": "2026-01-01T00:00:00Z", "serial": "a1", "name": "x", "items": [{"id": "i1"}, {"id": "i2"}], "client_secret": "abc",
            "next": "http://127.0.0.1:4010/ada/x?cursor=a.b"});
        let mut rules = BTreeMap::new();
        infer_rules(
            &document,
            Some(&schema),
            &mut body,
            &mut Vec::new(),
            &mut rules,
            "http://127.0.0.1:4010",
        );
        assert_eq!(rules["/created"], Rule::Format { format: "date-time".into() });
        assert_eq!(rules["/serial"], Rule::Keyword(RuleKeyword::Type));
        assert_eq!(rules["/items/*/id"], Rule::Keyword(RuleKeyword::Type));
        assert_eq!(rules["/client_secret"], Rule::Keyword(RuleKeyword::Ignore));
        assert_eq!(body["client_secret"], "");
        assert!(!rules.contains_key("/name"));
        assert_eq!(
            rules["/next"],
            Rule::Regex { regex: r"https?://[^/]+/ada/x\?cursor=a\.b".into() }
        );
    }

    #[test]
    fn locations_turn_ids_into_wildcards() {
        let rules: BTreeMap<String, Rule> =
            [("/id".to_owned(), Rule::Keyword(RuleKeyword::Type))].into();
        let pattern = location_pattern(
            "https://api.example/v1/things/abc123",
            Some(&json!({"id": "abc123"})),
            &rules,
        );
        assert_eq!(pattern, r"https://api\.example/v1/things/[^/?#]+");
    }
}
