//! The recording proxy: forwards every request to the target unchanged, returns the answer
//! unchanged, and writes the pair as a case file.
//!
//! A case is assembled here from the other rooms of `record/`: the request with its secrets
//! out (`redaction.rs`), the expected response with rules for what will differ
//! (`rules.rs`), and values earlier responses gave turned into captures (`capture.rs`). Every
//! file is rewritten as cases come in, because an earlier case gains a `capture` when a later
//! request sends its value back.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use serde_json::Value;

use crate::conformance::client::{Client, Received};
use crate::conformance::exchange::{
    Exchange, Expectation, QueryValue, Recorded, RequestSpec, Rule,
};
use crate::conformance::record::capture::Links;
use crate::conformance::record::redaction::{self, Secret, Secrets};
use crate::conformance::record::rules;
use crate::contract::route::RouteMatch;
use crate::contract::{Contract, Operation};
use crate::request::media_essence;
use crate::server::ServerOptions;

/// Header a client may send to name the case (not forwarded).
pub(crate) const CASE_HEADER: &str = "x-understudy-case";

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
    /// The secrets seen so far, with their placeholders.
    secrets: Secrets,
    /// Volatile values earlier responses gave.
    links: Links,
}

impl State {
    /// Adds a case: the secrets its request had are learnt, values earlier responses gave
    /// become captures, its own volatile values are remembered for later cases, and every
    /// secret known is scrubbed from it.
    fn admit(&mut self, mut exchange: Exchange, found: Vec<Secret>) {
        self.secrets.learn(found);
        self.links.link(&mut self.cases, &mut exchange);
        let index = self.cases.len();
        self.links.remember(index, &exchange);
        let mut value = serde_json::to_value(&exchange).unwrap_or_default();
        self.secrets.scrub(&mut value);
        let exchange: Exchange = serde_json::from_value(value).unwrap_or(exchange);
        self.cases.push(exchange);
    }
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
    // The server's own accept loop: the same connection cap, header timeout, back-off on
    // failed accepts and graceful drain as `serve`.
    let service = tower::service_fn(move |request| {
        let recorder = recorder.clone();
        async move { Ok::<_, std::convert::Infallible>(recorder.forward(request).await) }
    });
    crate::server::run(listener, service, shutdown, ServerOptions::default()).await;
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
        // understudy's own routes are forwarded but belong to no API: nothing to record.
        let admin = parts.uri.path().starts_with(crate::request::ADMIN_PREFIX);
        if !admin && let Err(error) = self.record(&parts, &headers, &body, &received) {
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

    /// Records a request and its answer as a case, and writes the files.
    fn record(
        &self,
        parts: &http::request::Parts,
        headers: &[(String, String)],
        body: &Bytes,
        received: &Received,
    ) -> std::io::Result<()> {
        let (path, operation) = self.operation(&parts.method, parts.uri.path());
        let operation_id =
            operation.map_or_else(|| format!("{} {path}", parts.method), |o| o.id.clone());
        let mut found = Vec::new();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());

        // The request, secrets out.
        let headers = state.secrets.headers(headers, &mut found);
        let query = query_map(parts.uri.query());
        let (body, body_text) = request_body(body, &mut found);
        let request = RequestSpec {
            method: parts.method.to_string(),
            path: path.to_owned(),
            query,
            headers,
            body,
            body_text,
        };

        // The response, with rules for what will differ next time.
        let (expect, rules) = self.expectation(operation, received);
        let wanted =
            parts.headers.get(CASE_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let wanted = wanted.unwrap_or_else(|| format!("{operation_id}-{}", received.status));
        let exchange = Exchange {
            id: unique_id(&state.cases, wanted),
            operation: operation_id,
            description: String::new(),
            needs: Vec::new(),
            request,
            expect,
            rules,
            capture: BTreeMap::new(),
            recorded: Some(Recorded {
                at: jiff::Timestamp::now().to_string(),
                target: self.options.target.clone(),
            }),
        };
        state.admit(exchange, found);
        self.write(&state)
    }

    /// A request's path inside the contract's base path, and the operation it routes to.
    fn operation<'a>(&'a self, method: &Method, path: &'a str) -> (&'a str, Option<&'a Operation>) {
        let contract = &self.contract;
        let inside = path
            .strip_prefix(contract.base_path.as_str())
            .filter(|p| p.is_empty() || p.starts_with('/'))
            .unwrap_or(path);
        let inside = if inside.is_empty() { "/" } else { inside };
        let operation = match contract.router.route(method, inside) {
            RouteMatch::Found { operation, .. } => Some(&contract.operations[operation]),
            _ => None,
        };
        (inside, operation)
    }

    /// What a replay expects of a response, and the rules for what will differ next time.
    fn expectation(
        &self,
        operation: Option<&Operation>,
        received: &Received,
    ) -> (Expectation, BTreeMap<String, Rule>) {
        let media = received
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .and_then(media_essence);
        let mut body = (!received.body.is_empty())
            .then(|| serde_json::from_slice::<Value>(&received.body).ok())
            .flatten();
        let rules = match &mut body {
            Some(json) => rules::body_rules(
                &self.contract,
                operation,
                received.status,
                media.as_deref(),
                &self.options.target,
                json,
            ),
            None => BTreeMap::new(),
        };
        let headers = rules::expected_headers(&received.headers, body.as_ref(), &rules);
        (Expectation { status: received.status, headers, body }, rules)
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

/// The query string as the exchange records it: a list for a repeated parameter.
fn query_map(query: Option<&str>) -> BTreeMap<String, QueryValue> {
    let mut map: BTreeMap<String, QueryValue> = BTreeMap::new();
    for (name, value) in form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned() {
        match map.remove(&name) {
            None => map.insert(name, QueryValue::One(value)),
            Some(QueryValue::One(first)) => map.insert(name, QueryValue::Many(vec![first, value])),
            Some(QueryValue::Many(mut all)) => {
                all.push(value);
                map.insert(name, QueryValue::Many(all))
            }
        };
    }
    map
}

/// The request body as the exchange records it: JSON with its secrets out (to `found`), or
/// text when it is not JSON.
fn request_body(body: &Bytes, found: &mut Vec<Secret>) -> (Option<Value>, Option<String>) {
    match serde_json::from_slice::<Value>(body) {
        _ if body.is_empty() => (None, None),
        Ok(mut json) => {
            redaction::redact_request(&mut json, found);
            (Some(json), None)
        }
        Err(_) => (None, Some(String::from_utf8_lossy(body).into_owned())),
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
