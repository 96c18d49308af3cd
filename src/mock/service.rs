//! The mock service: one request's way through understudy (DESIGN §5).
//!
//! ```text
//! admin     /__understudy/...                              (admin.rs)
//! mount     /<api> + server base path → the API          (unknown mount → 404 listing the APIs)
//! read      body collected once, size-limited              (→ 413 in the API's envelope)
//! limit     the scenario's windows, per token              (→ 429; headers on every response)
//! route     path template → operation + path parameters    (→ 404 / 405)
//! auth      the operation's security requirements          (→ 401)
//! tokens    the scenario's tokens: known, read-only, allowed values (→ 401 / 403 / 404)
//! prefer    Prefer: code= / example=                       (→ 400 for undocumented ones)
//! validate  parameters, content type, JSON, body schema    (→ 415 / 400 listing every violation)
//! engine    Prefer's documented response, a canned answer, the store action, or the example
//! render    success body, or the failure in the API's envelope
//! check     the response against every contract version  (strict: → 500 naming the violation)
//! journal   request and response kept for /__understudy/journal
//! delay     slept last, with no lock held
//! ```
//!
//! Limits come before routing and auth (DESIGN puts them after auth) so that every response
//! of a limited API carries its rate-limit headers, as GitBook documents, 401s and 404s
//! included; a request is counted against the credential it presents, valid or not.
//!
//! [`App`] is a `tower::Service`, so tests drive it with `oneshot` and the server wraps it; it
//! holds the catalog (swappable, for scenario switches and reloads), the store, the limiter
//! and the journal.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use arc_swap::ArcSwap;
use bytes::Bytes;
use http::StatusCode;
use http_body_util::Full;
use serde_json::{Value, json};

use crate::catalog::{Api, Catalog};
use crate::contract::Operation;
use crate::contract::route::RouteMatch;
use crate::contract::validate::{Location, Violation};
use crate::contract::{check, validate};
use crate::mock::cache::ResponseCache;
use crate::mock::engine::{self, Call};
use crate::mock::journal::{self, Entry, Exchange, Journal};
use crate::mock::limit::Limiter;
use crate::mock::respond::{self, Failure, Reply};
use crate::mock::store::Store;
use crate::mock::{auth, prefer};
use crate::request::{ADMIN_PREFIX, ReadError, Request};

/// Upper bound on a request body by default. Larger bodies get 413 before validation,
/// because schema checks need the whole document in memory.
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// How the service behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Whether a response that breaks the contract is replaced by a 500 (DESIGN §5 step 9).
    pub strict: bool,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Token the admin routes require (`None`: open). Health is always open.
    pub admin_token: Option<String>,
    /// How many exchanges the journal keeps.
    pub journal_capacity: usize,
    /// How long a client may take to send a request's body (408 after).
    pub request_timeout: std::time::Duration,
    /// Delay added to every response (none by default).
    pub latency: Option<crate::duration::Latency>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            strict: true,
            body_limit: DEFAULT_BODY_LIMIT,
            admin_token: None,
            journal_capacity: journal::DEFAULT_CAPACITY,
            request_timeout: std::time::Duration::from_secs(30),
            latency: None,
        }
    }
}

/// The mock service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct App {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    catalog: ArcSwap<Catalog>,
    store: Store,
    settings: Settings,
    limiter: Limiter,
    journal: Journal,
    cache: ResponseCache,
}

/// The connection was dropped on purpose (a scenario's `fault: drop`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("connection dropped by a scenario fault")]
pub struct Dropped;

type Response = http::Response<Full<Bytes>>;

impl App {
    /// A service over a loaded catalog and a store.
    pub fn new(catalog: Arc<Catalog>, store: Store, settings: Settings) -> App {
        let journal = Journal::new(settings.journal_capacity);
        App {
            inner: Arc::new(Inner {
                catalog: ArcSwap::new(catalog),
                store,
                settings,
                limiter: Limiter::default(),
                journal,
                cache: ResponseCache::default(),
            }),
        }
    }

    /// The catalog being served now.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.inner.catalog.load_full()
    }

    /// Serves `catalog` from the next request on.
    pub fn replace_catalog(&self, catalog: Arc<Catalog>) {
        self.inner.catalog.store(catalog);
        self.inner.cache.clear();
    }

    /// Makes `scenario` the active scenario of `api`, and drops the API's data and rate-limit
    /// counters so every session starts again from the new scenario's seed.
    pub fn switch_scenario(&self, api: &str, scenario: &str) -> Result<(), String> {
        let current = self.catalog();
        let Some(entry) = current.api(api) else { return Err(format!("no API `{api}`")) };
        if !entry.scenarios.contains_key(scenario) {
            let names: Vec<&str> = entry.scenarios.keys().map(String::as_str).collect();
            return Err(format!(
                "API `{api}` has no scenario `{scenario}` (available: {})",
                names.join(", ")
            ));
        }
        // rcu: a concurrent switch of another API is not lost.
        self.inner.catalog.rcu(|catalog| {
            Arc::new(catalog.with_scenario(api, scenario).unwrap_or_else(|| (**catalog).clone()))
        });
        self.inner.store.reset(Some(api), None);
        self.inner.limiter.reset(Some(api));
        self.inner.cache.clear();
        Ok(())
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The rate limiter.
    pub fn limiter(&self) -> &Limiter {
        &self.inner.limiter
    }

    /// The journal.
    pub fn journal(&self) -> &Journal {
        &self.inner.journal
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Answers one request (`Err` only when a scenario asks to drop the connection).
    pub async fn handle<B>(&self, request: http::Request<B>) -> Result<Response, Dropped>
    where
        B: hyper::body::Body,
        B::Error: std::error::Error + Send + Sync + 'static,
    {
        let started = Instant::now();
        let time = jiff::Timestamp::now();
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let limit = self.inner.settings.body_limit;
        let timeout = self.inner.settings.request_timeout;
        if path
            .strip_prefix(ADMIN_PREFIX)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        {
            let reply = match Request::read(request, limit, timeout).await {
                Ok(request) => crate::mock::admin::handle(self, &request),
                Err(failed) => match failed.0 {
                    ReadError::TooLarge { .. } => crate::mock::admin::error(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "the admin request body is too large",
                    ),
                    ReadError::TimedOut => crate::mock::admin::error(
                        StatusCode::REQUEST_TIMEOUT,
                        &format!("the admin request body did not arrive within {timeout:?}"),
                    ),
                    ReadError::Io(_) => crate::mock::admin::error(
                        StatusCode::BAD_REQUEST,
                        "the admin request body could not be read",
                    ),
                },
            };
            return Ok(reply.into_http(&method));
        }
        let catalog = self.catalog();
        let Some(mounted) = catalog.mount(&path) else {
            return Ok(unmounted(&catalog, &path).into_http(&method));
        };
        let api = mounted.api;
        let request = match Request::read(request, limit, timeout).await {
            Ok(request) => request,
            Err(failed) => {
                let (error, head) = *failed;
                let failure = match error {
                    ReadError::TimedOut => Failure::Rule {
                        status: StatusCode::REQUEST_TIMEOUT,
                        message: Some(format!(
                            "The request body did not arrive within {timeout:?}"
                        )),
                    },
                    ReadError::TooLarge { limit } => Failure::PayloadTooLarge { limit },
                    ReadError::Io(error) => {
                        tracing::debug!(%error, "request body could not be read");
                        return Ok(Reply::empty(StatusCode::BAD_REQUEST).into_http(&method));
                    }
                };
                let mut reply = respond::failure(&api.scenario.errors, &failure, &head);
                self.record_exchange(api, None, &head, &mut reply, time, started);
                return Ok(reply.into_http(&method));
            }
        };

        let limited = self.limit(api, &request);
        let (operation, outcome, cached) = match &limited {
            Some(verdict) if !verdict.allowed => {
                // The message may name the wait: render it here, where the numbers are known.
                let message = api
                    .scenario
                    .errors
                    .messages
                    .get("rate-limited")
                    .map(|t| t.render_text(&verdict.context()));
                let failure = Failure::Rule { status: StatusCode::TOO_MANY_REQUESTS, message };
                (None, Err(failure), Cached::No)
            }
            _ => self.pipeline(api, mounted.path, &request),
        };
        let succeeded = outcome.is_ok();
        let mut reply = match outcome {
            Ok(reply) => reply,
            Err(failure) => respond::failure(&api.scenario.errors, &failure, &request),
        };
        if let Some(operation) = operation
            && !reply.drop
            && !matches!(cached, Cached::Hit)
        {
            reply = self.self_check(api, operation, &request, reply);
        }
        if let Cached::Miss(key) = cached
            && succeeded
            && reply.status.is_success()
        {
            self.inner.cache.put(key, &mut reply);
        }
        if let (Some(verdict), Some(limits)) = (&limited, &api.scenario.limits) {
            let exceeded = if verdict.allowed { &[][..] } else { &limits.exceeded_headers[..] };
            let mut context = None;
            for (name, template) in limits.headers.iter().chain(exceeded) {
                // `{{limit}}` and its like are the numbers themselves: no context to build.
                match template.variable().and_then(|name| verdict.number(name)) {
                    Some(number) => {
                        reply.headers.insert(name.clone(), http::HeaderValue::from(number));
                    }
                    None => {
                        let context = context.get_or_insert_with(|| verdict.context());
                        reply.set_header(name, &template.render_text(context));
                    }
                }
            }
        }
        self.record_exchange(api, operation, &request, &mut reply, time, started);
        log(api, operation, &request, &reply, started);
        // `Prefer: delay=MS` first, then the scenario's (canned answer, operation), then the
        // global latency. Slept here, after every lock is released.
        let delay = prefer::parse(&request)
            .ok()
            .and_then(|p| p.delay)
            .or(reply.delay)
            .or_else(|| self.inner.settings.latency.map(|l| l.draw()));
        if let Some(delay) = delay.filter(|d| !d.is_zero()) {
            tokio::time::sleep(delay).await;
        }
        if reply.drop {
            return Err(Dropped);
        }
        Ok(reply.into_http(&method))
    }

    /// Counts the request against the scenario's limits; the verdict and the template context
    /// of the limit headers.
    fn limit(&self, api: &Api, request: &Request) -> Option<crate::mock::limit::Verdict> {
        let limits = api.scenario.limits.as_ref()?;
        let credential = request
            .headers
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' ').map(|(_, t)| t.trim()))
            .unwrap_or("anonymous");
        Some(self.inner.limiter.check(&api.name, credential, &limits.windows))
    }

    fn pipeline<'a>(
        &self,
        api: &'a Api,
        path: Option<&str>,
        request: &Request,
    ) -> (Option<&'a Operation>, Result<Reply, Failure>, Cached) {
        let Some(path) = path else { return (None, Err(Failure::RouteNotFound), Cached::No) };
        let (index, params) = match api.contract.router.route(&request.method, path) {
            RouteMatch::Found { operation, params } => (operation, params),
            RouteMatch::MethodNotAllowed { allowed } => {
                return (None, Err(Failure::MethodNotAllowed { allowed }), Cached::No);
            }
            RouteMatch::NotFound => return (None, Err(Failure::RouteNotFound), Cached::No),
        };
        let operation = &api.contract.operations[index];
        let outcome = (|| {
            let principal = auth::authenticate(&api.contract, operation, request)?;
            let principal = auth::authorize(&api.scenario, operation, request, &params, principal)?;
            let prefer = prefer::parse(request)?;
            let mut validated = validate::request(operation, request, &params, prefer::QUERY_KEYS)
                .map_err(Failure::Rejected)?;
            // A read answered before from the same data is sent as it was.
            let behaviour = api.scenario.operations.get(&operation.id);
            let key = ResponseCache::key(api, operation, behaviour, request, &self.inner.store);
            if let Some(mut reply) = key.as_deref().and_then(|key| self.inner.cache.get(key)) {
                reply.delay = behaviour.and_then(|b| b.delay).map(|d| d.draw());
                return Ok((reply, Cached::Hit));
            }
            let call = Call {
                api,
                operation,
                request,
                params: &params,
                body: validated.body.take(),
                validated: &validated,
                principal: &principal,
            };
            let reply = engine::decide(call, &prefer, &self.inner.store)?;
            Ok((reply, key.map_or(Cached::No, Cached::Miss)))
        })();
        match outcome {
            Ok((reply, cached)) => (Some(operation), Ok(reply), cached),
            Err(failure) => (Some(operation), Err(failure), Cached::No),
        }
    }

    /// Checks a reply against every contract version of the API; in strict mode a violation
    /// replaces the reply by a 500 that names it.
    fn self_check(
        &self,
        api: &Api,
        operation: &Operation,
        request: &Request,
        reply: Reply,
    ) -> Reply {
        let media = reply.media_type();
        let mut violations: Vec<Violation> = Vec::new();
        for contract in &api.contracts {
            let Some(documented) = contract.operation(&operation.id) else { continue };
            let found = check::response(
                documented,
                reply.status.as_u16(),
                &reply.headers,
                media.as_deref(),
                reply.json_body(),
            );
            for mut violation in found {
                if api.contracts.len() > 1 {
                    violation.message =
                        format!("{} (per {})", violation.message, contract.file_name);
                }
                if !violations.contains(&violation) {
                    violations.push(violation);
                }
            }
        }
        if violations.is_empty() {
            return reply;
        }
        let summary: Vec<String> = violations.iter().map(ToString::to_string).collect();
        if self.inner.settings.strict {
            tracing::error!(
                api = %api.name,
                operation = %operation.id,
                scenario = %api.scenario.name,
                violations = %summary.join("; "),
                "self-check failed: the response breaks the contract; answering 500"
            );
            let violations = violations
                .into_iter()
                .map(|v| Violation { location: Location::Response, ..v })
                .collect();
            respond::failure(&api.scenario.errors, &Failure::SelfCheck(violations), request)
        } else {
            tracing::warn!(
                api = %api.name,
                operation = %operation.id,
                violations = %summary.join("; "),
                "response breaks the contract"
            );
            reply
        }
    }

    /// Keeps the exchange in the journal. Serializes the reply's body (once: the journal and
    /// the client share the bytes).
    fn record_exchange(
        &self,
        api: &Api,
        operation: Option<&Operation>,
        request: &Request,
        reply: &mut Reply,
        time: jiff::Timestamp,
        started: Instant,
    ) {
        let body = reply.freeze();
        let path = match &request.query {
            Some(query) => format!("{}?{query}", request.path),
            None => request.path.clone(),
        };
        self.inner.journal.record(Entry {
            seq: 0,
            time: journal::Time(time),
            api: api.name.clone(),
            session: request.session().to_owned(),
            operation: operation.map_or("-", |o| o.id.as_str()).to_owned(),
            request: Exchange {
                method: Some(request.method.as_str().to_owned()),
                path: Some(path),
                status: None,
                headers: journal::Headers::copy(&request.headers),
                body: journal::Body::detached(&request.body),
            },
            response: Exchange {
                method: None,
                path: None,
                status: Some(reply.status.as_u16()),
                headers: journal::Headers::copy(&reply.headers),
                body: journal::Body(body),
            },
            ms: started.elapsed().as_secs_f64() * 1000.0,
        });
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

/// The answer for a path under no mount: a 404 that lists where the APIs are.
fn unmounted(catalog: &Catalog, path: &str) -> Reply {
    let apis: serde_json::Map<String, Value> = catalog
        .apis
        .iter()
        .map(|api| {
            (api.name.clone(), Value::String(format!("{}{}", api.mount, api.contract.base_path)))
        })
        .collect();
    Reply::json(
        StatusCode::NOT_FOUND,
        json!({"error": format!("No API is mounted at {path}"), "apis": apis}),
        "application/json",
    )
}

fn log(
    api: &Api,
    operation: Option<&Operation>,
    request: &Request,
    reply: &Reply,
    started: Instant,
) {
    tracing::info!(
        api = %api.name,
        operation = operation.map_or("-", |o| o.id.as_str()),
        method = %request.method,
        path = %request.path,
        status = reply.status.as_u16(),
        ms = format_args!("{:.3}", started.elapsed().as_secs_f64() * 1000.0),
        session = request.session(),
        "request"
    );
}

impl<B> tower::Service<http::Request<B>> for App
where
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    type Response = Response;
    type Error = Dropped;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Dropped>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Dropped>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let app = self.clone();
        Box::pin(async move { app.handle(request).await })
    }
}
