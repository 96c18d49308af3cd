//! The mock service: one API request's way through understudy (DESIGN §5).
//!
//! ```text
//! mount     /<api> + server base path → the API          (unknown mount → 404 listing the APIs)
//! read      body collected once, size-limited              (→ 413 / 408 in the API's envelope)
//! limit     the scenario's windows, per token              (→ 429; headers on every response)
//! route     path template → operation + path parameters    (→ 404 / 405)
//! auth      the operation's security requirements          (→ 401)
//! tokens    the scenario's tokens: known, read-only, allowed values (→ 401 / 403 / 404)
//! prefer    Prefer: code= / example=                       (→ 400 for undocumented ones)
//! validate  parameters, content type, JSON, body schema    (→ 415 / 400 listing every violation)
//! cache     a read answered before from the same data is sent as it was
//! engine    Prefer's documented response, a canned answer, the store action, or the example
//! render    success body, or the failure in the API's envelope
//! check     the response against every contract version  (strict: → 500 naming the violation;
//!           a write's answer is checked under the store lock, and the write rolled back)
//! journal   request and response kept for /__understudy/journal
//! delay     slept last, with no lock held
//! ```
//!
//! Limits come before routing and auth (DESIGN puts them after auth) so that every response
//! of a limited API carries its rate-limit headers, as GitBook documents, 401s and 404s
//! included; a request is counted against the credential it presents when the scenario
//! accepts it, else against its client address (`limit.rs`).
//!
//! Everything here works on the [`State`] the app was made with; the outer layers (trace,
//! CORS) are `mock/mod.rs`'s.

use std::time::Instant;

use bytes::Bytes;
use http::StatusCode;
use http_body_util::Full;
use serde_json::{Value, json};

use crate::catalog::versions::VERSION_HEADER;
use crate::catalog::{Api, Catalog, UnknownVersion, Version};
use crate::contract::Operation;
use crate::contract::route::RouteMatch;
use crate::contract::validate;
use crate::mock::RequestBody;
use crate::mock::cache::ResponseCache;
use crate::mock::check::{self, Checked};
use crate::mock::engine::{self, Call};
use crate::mock::journal::{self, Entry, Exchange};
use crate::mock::prefer::{self, Prefer};
use crate::mock::respond::{self, Failure, Reply};
use crate::mock::state::State;
use crate::mock::trace::Logged;
use crate::mock::verdict::{self, Refusal, Step};
use crate::mock::{DropConnection, auth};
use crate::request::{ReadError, Request};

/// What the pipeline decided for a request, before rendering.
#[derive(Debug)]
struct Decision<'a> {
    /// The operation the request routed to (`None`: it routed nowhere, or was refused first).
    operation: Option<&'a Operation>,
    /// The answer and the step that gave it, or the refusal.
    outcome: Result<(Reply, Step), Refusal>,
    /// Whether the answer came from the response cache, or may go into it.
    cached: Cached,
}

impl Decision<'_> {
    /// Refused before an operation was found (rate limits, routing).
    fn refused(refusal: Refusal) -> Self {
        Decision { operation: None, outcome: Err(refusal), cached: Cached::No }
    }
}

/// What the journal says of an answer: the step that gave it, and why it refused.
#[derive(Debug, Default)]
struct Verdict {
    step: Option<Step>,
    why: Option<Box<journal::Why>>,
}

impl Verdict {
    fn refused(
        version: &Version,
        operation: Option<&Operation>,
        refusal: &Refusal,
        request: &Request,
    ) -> Verdict {
        let why = verdict::why(version, operation, refusal, request);
        Verdict { step: Some(refusal.step), why: Some(Box::new(why)) }
    }
}

/// Whether an answer came from the response cache, or may go into it.
#[derive(Debug)]
enum Cached {
    /// Neither.
    No,
    /// It came from the cache (already checked).
    Hit,
    /// It may be kept under this key once checked.
    Miss(Vec<u8>),
}

/// Answers one request to a mounted API (or the 404 of a path under no mount).
pub(crate) async fn answer(
    state: &State,
    request: http::Request<RequestBody>,
) -> http::Response<Full<Bytes>> {
    let started = Instant::now();
    let time = jiff::Timestamp::now();
    let method = request.method().clone();
    let catalog = state.catalog();
    let path = request.uri().path().to_owned();
    let Some(mounted) = catalog.mount(&path) else {
        return unmounted(&catalog, &path).into_http(&method);
    };
    let version = match mounted.api.select(mounted.version, request.headers()) {
        Ok(version) => version,
        Err(unknown) => return unknown_version(mounted.api, &unknown, request),
    };
    // Only a request from a connection has a wire version to hold to, and an address (tests
    // build their own).
    let client = request.extensions().get::<crate::server::ClientAddress>().map(|a| a.0.ip());
    let http_version = client.map(|_| request.version());
    let request = match read(state, version, request, time, started).await {
        Ok(request) => request,
        Err(response) => return response,
    };
    // A session name that is not one would silently land in the shared session.
    if let Err(problem) = request.check_head(http_version) {
        let failure =
            Failure::Rule { status: StatusCode::BAD_REQUEST, message: Some(problem.to_string()) };
        let mut reply = respond::failure(&version.scenario.errors, &failure, &request);
        let refusal = Refusal::at(Step::Read, failure);
        let verdict = Verdict::refused(version, None, &refusal, &request);
        record_exchange(state, version, None, &request, &mut reply, verdict, time, started);
        return reply.into_http(&request.method);
    }
    // `Prefer` is read once: the pipeline uses it (and reports a bad one at its step), and a
    // `delay` applies even to a request refused earlier.
    let prefer = prefer::parse(&request);
    let limited = version.scenario.limits.as_ref().map(|limits| {
        let tokens = version.scenario.tokens.as_ref();
        (limits, state.limiter().count(&version.key, limits, tokens, &request, client))
    });
    let decision = match &limited {
        Some((limits, verdict)) if !verdict.allowed => Decision::refused(Refusal {
            step: Step::Limit,
            failure: verdict.refusal(&version.scenario.errors),
            rule: Some(verdict::limit_rule(limits, verdict.limit)),
        }),
        _ => decide(state, version, mounted.path, &request, &prefer),
    };
    let operation = decision.operation;
    let (mut reply, journaled) = finish(state, version, &request, decision);
    if let Some((limits, verdict)) = &limited {
        verdict.set_headers(limits, &mut reply);
    }
    record_exchange(state, version, operation, &request, &mut reply, journaled, time, started);
    // `Prefer: delay=MS` first, then the scenario's (canned answer, operation), then the
    // global latency. Slept here, after every lock is released.
    let delay = prefer
        .as_ref()
        .ok()
        .and_then(|p| p.delay)
        .or(reply.delay)
        .or_else(|| state.settings().latency.map(|l| l.draw()));
    if let Some(delay) = delay.filter(|d| !d.is_zero()) {
        tokio::time::sleep(delay).await;
    }
    let drop = reply.drop;
    let mut response = reply.into_http(&request.method);
    if crate::mock::trace::on() {
        response.extensions_mut().insert(Logged {
            api: version.api.clone(),
            version: version.name.clone(),
            operation: operation.map_or("-", |o| o.id.as_str()).to_owned(),
            method: request.method.clone(),
            path: request.path.clone(),
            session: request.session().to_owned(),
        });
    }
    if drop {
        response.extensions_mut().insert(DropConnection);
    }
    response
}

/// Reads the request's body; a body too large, too slow or broken is answered here, in the
/// API's envelope (and journaled).
async fn read(
    state: &State,
    version: &Version,
    request: http::Request<RequestBody>,
    time: jiff::Timestamp,
    started: Instant,
) -> Result<Request, http::Response<Full<Bytes>>> {
    let settings = state.settings();
    let timeout = settings.request_timeout;
    let (error, head) = match Request::read(request, settings.body_limit, timeout).await {
        Ok(request) => return Ok(request),
        Err(failed) => *failed,
    };
    let failure = match error {
        ReadError::TimedOut => Failure::Rule {
            status: StatusCode::REQUEST_TIMEOUT,
            message: Some(format!("The request body did not arrive within {timeout:?}")),
        },
        ReadError::TooLarge { limit } => Failure::PayloadTooLarge { limit },
        ReadError::Io(error) => {
            tracing::debug!(%error, "request body could not be read");
            return Err(Reply::empty(StatusCode::BAD_REQUEST).into_http(&head.method));
        }
    };
    let mut reply = respond::failure(&version.scenario.errors, &failure, &head);
    let verdict = Verdict::refused(version, None, &Refusal::at(Step::Read, failure), &head);
    record_exchange(state, version, None, &head, &mut reply, verdict, time, started);
    Err(reply.into_http(&head.method))
}

/// Route, auth, tokens, prefer, validation, cache and engine: what the request gets.
fn decide<'a>(
    state: &State,
    version: &'a Version,
    path: Option<&str>,
    request: &Request,
    prefer: &Result<Prefer, Failure>,
) -> Decision<'a> {
    let routed = path
        .map_or(RouteMatch::NotFound, |path| version.contract.router.route(&request.method, path));
    let (index, params) = match routed {
        RouteMatch::Found { operation, params } => (operation, params),
        RouteMatch::MethodNotAllowed { allowed } => {
            return Decision::refused(Refusal::at(
                Step::Route,
                Failure::MethodNotAllowed { allowed },
            ));
        }
        RouteMatch::NotFound => {
            return Decision::refused(Refusal::at(Step::Route, Failure::RouteNotFound));
        }
    };
    let operation = &version.contract.operations[index];
    let (outcome, cached) = match operate(state, version, operation, request, &params, prefer) {
        Ok((reply, step, cached)) => (Ok((reply, step)), cached),
        Err(refusal) => (Err(refusal), Cached::No),
    };
    Decision { operation: Some(operation), outcome, cached }
}

/// The steps after routing, for one operation.
fn operate(
    state: &State,
    version: &Version,
    operation: &Operation,
    request: &Request,
    params: &[(String, String)],
    prefer: &Result<Prefer, Failure>,
) -> Result<(Reply, Step, Cached), Refusal> {
    let principal = auth::authenticate(&version.contract, operation, request)
        .map_err(|failure| Refusal::at(Step::Auth, failure))?;
    let principal = auth::authorize(&version.scenario, operation, request, params, principal)
        .map_err(|failure| {
            let rule = match failure {
                Failure::Unauthorized { .. } => None,
                _ => verdict::token_rule(version, request),
            };
            Refusal { step: Step::Tokens, failure, rule }
        })?;
    let prefer = prefer.as_ref().map_err(|failure| Refusal::at(Step::Prefer, failure.clone()))?;
    let mut validated = validate::request(operation, request, params, prefer::QUERY_KEYS)
        .map_err(|rejection| Refusal::at(Step::Validate, Failure::Rejected(rejection)))?;
    // A read answered before from the same data is sent as it was.
    let behaviour = version.scenario.operations.get(&operation.id);
    let key = ResponseCache::key(version, operation, behaviour, request, state.store());
    if let Some(mut reply) = key.as_deref().and_then(|key| state.cache().get(key)) {
        reply.delay = behaviour.and_then(|b| b.delay).map(|d| d.draw());
        return Ok((reply, Step::Cache, Cached::Hit));
    }
    let call = Call {
        version,
        operation,
        request,
        params,
        body: validated.body.take(),
        validated: &validated,
        principal: &principal,
        dynamic: prefer.dynamic.unwrap_or(state.settings().dynamic),
        strict: state.settings().strict,
    };
    let step = if prefer.is_set() { Step::Prefer } else { Step::Engine };
    let reply = engine::decide(call, prefer, state.store()).map_err(|failure| Refusal {
        step: match failure {
            Failure::Forced { .. } | Failure::BadPrefer { .. } => Step::Prefer,
            Failure::SelfCheck { .. } => Step::SelfCheck,
            _ => Step::Engine,
        },
        failure,
        rule: None,
    })?;
    Ok((reply, step, key.map_or(Cached::No, Cached::Miss)))
}

/// The reply for a decision: the failure rendered in the API's envelope, the answer checked
/// against the contract (unless it came checked from the cache), and kept for later reads;
/// and what the journal says of it.
fn finish(
    state: &State,
    version: &Version,
    request: &Request,
    decision: Decision<'_>,
) -> (Reply, Verdict) {
    let succeeded = decision.outcome.is_ok();
    let mut verdict = Verdict::default();
    let mut reply = match decision.outcome {
        Ok((reply, step)) => {
            verdict.step = Some(step);
            reply
        }
        Err(refusal) => {
            verdict = Verdict::refused(version, decision.operation, &refusal, request);
            let failure = refusal.failure;
            if matches!(failure, Failure::SelfCheck { .. }) {
                // A write's answer that failed the self-check, the write taken back.
                self_check_failed(version, &failure, request)
            } else {
                let envelope = respond::failure(&version.scenario.errors, &failure, request);
                // Our envelope where the contract allows it (it says why); else the
                // operation's documented answer for the status, with the reason in a header.
                match decision.operation.filter(|_| version.scenario.documented_errors) {
                    Some(op) if !check::violations(version, op, &envelope).is_empty() => {
                        documented_failure(op, envelope, &failure, request)
                    }
                    _ => envelope,
                }
            }
        }
    };
    // A cached answer was checked when it was made; a write's answer was checked under the
    // session's lock (and the write rolled back if it failed).
    if let Some(operation) = decision.operation
        && !reply.drop
        && !reply.checked
    {
        let strict = state.settings().strict;
        reply = match check::self_check(strict, version, operation, reply) {
            Checked::Passed(reply) => reply,
            Checked::Failed(failure) => {
                let failed = self_check_failed(version, &failure, request);
                let refusal = Refusal::at(Step::SelfCheck, failure);
                verdict = Verdict::refused(version, Some(operation), &refusal, request);
                failed
            }
        };
    }
    if let Cached::Miss(key) = decision.cached
        && succeeded
        && reply.status.is_success()
    {
        state.cache().put(key, &mut reply);
    }
    (reply, verdict)
}

/// The 500 of a failed self-check, in the API's envelope: final, neither replaced by a
/// documented answer nor checked again.
fn self_check_failed(version: &Version, failure: &Failure, request: &Request) -> Reply {
    let mut reply = respond::failure(&version.scenario.errors, failure, request);
    reply.checked = true;
    reply
}

/// A failure answered as the operation documents it, when it documents the status with a body;
/// the envelope's protocol headers (`Allow`, `WWW-Authenticate`) are kept, and why understudy
/// refused goes in `X-Understudy-Reason` (the documented body cannot say it).
fn documented_failure(
    operation: &Operation,
    envelope: Reply,
    failure: &Failure,
    request: &Request,
) -> Reply {
    let Some(mut documented) = engine::documented::error_answer(operation, envelope.status) else {
        return envelope;
    };
    for name in [http::header::ALLOW, http::header::WWW_AUTHENTICATE] {
        if let Some(value) = envelope.headers.get(&name) {
            documented.headers.insert(name, value.clone());
        }
    }
    let reason: String = respond::message(failure, request)
        .chars()
        .map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '?' })
        .take(1024)
        .collect();
    documented.insert_header("x-understudy-reason", &reason);
    documented
}

/// Keeps the exchange in the journal. Serializes the reply's body (once: the journal and the
/// client share the bytes).
#[allow(clippy::too_many_arguments)]
fn record_exchange(
    state: &State,
    version: &Version,
    operation: Option<&Operation>,
    request: &Request,
    reply: &mut Reply,
    verdict: Verdict,
    time: jiff::Timestamp,
    started: Instant,
) {
    let body = reply.freeze();
    let path = match &request.query {
        Some(query) => format!("{}?{}", request.path, crate::json::secret::redact_query(query)),
        None => request.path.clone(),
    };
    state.journal().record(Entry {
        seq: 0,
        time: journal::Time(time),
        api: version.api.clone(),
        version: version.name.clone(),
        session: request.session().to_owned(),
        operation: operation.map_or("-", |o| o.id.as_str()).to_owned(),
        request: Exchange {
            method: Some(request.method.as_str().to_owned()),
            path: Some(path),
            status: None,
            headers: journal::Headers::copy(&request.headers),
            body: journal::Body::detached(&request.body),
            truncated: None,
        },
        response: Exchange {
            method: None,
            path: None,
            status: Some(reply.status.as_u16()),
            headers: journal::Headers::copy(&reply.headers),
            body: journal::Body(body),
            truncated: None,
        },
        ms: started.elapsed().as_secs_f64() * 1000.0,
        step: verdict.step.unwrap_or(Step::Engine).as_str(),
        why: verdict.why,
    });
}

/// The answer for a path under no mount: a 404 that lists where the APIs (and their
/// versions) are, naming the versions when the path asks for one that does not exist.
fn unmounted(catalog: &Catalog, path: &str) -> Reply {
    let apis: serde_json::Map<String, Value> =
        catalog.mounts().into_iter().map(|(name, mount)| (name, Value::String(mount))).collect();
    let asked = path.split('/').nth(1).and_then(|first| first.split_once('@'));
    let error = match asked.and_then(|(api, wanted)| Some((catalog.api(api)?, wanted))) {
        Some((api, wanted)) => {
            let names: Vec<&str> = api.versions.iter().filter_map(|v| v.name.as_deref()).collect();
            let names = if names.is_empty() { "none".to_owned() } else { names.join(", ") };
            format!("API `{}` has no version `{wanted}` (versions: {names})", api.name)
        }
        None => format!("No API is mounted at {path}"),
    };
    Reply::json(StatusCode::NOT_FOUND, json!({"error": error, "apis": apis}), "application/json")
}

/// The answer when `X-Understudy-Version` names a version the API does not have: 400 in the
/// envelope of its default version.
fn unknown_version(
    api: &Api,
    unknown: &UnknownVersion,
    request: http::Request<RequestBody>,
) -> http::Response<Full<Bytes>> {
    let (parts, _) = request.into_parts();
    let head = Request::new(parts.method, parts.uri.path(), parts.headers, Bytes::new());
    let failure = Failure::Rule {
        status: StatusCode::BAD_REQUEST,
        message: Some(format!("{VERSION_HEADER}: {unknown}")),
    };
    respond::failure(&api.default_version().scenario.errors, &failure, &head)
        .into_http(&head.method)
}
