//! The mock service: one request's way through understudy (DESIGN §5).
//!
//! ```text
//! mount     /<api> + server base path → the API          (unknown mount → 404 listing the APIs)
//! read      body collected once, size-limited              (→ 413 in the API's envelope)
//! route     path template → operation + path parameters    (→ 404 / 405)
//! auth      the operation's security requirements          (→ 401)
//! prefer    Prefer: code= / example=                       (→ 400 for undocumented ones)
//! validate  parameters, content type, JSON, body schema    (→ 415 / 400 listing every violation)
//! engine    Prefer's documented response, the scenario's store action, or the contract example
//! render    success body, or the failure in the API's envelope
//! check     the response against every contract version  (strict: → 500 naming the violation)
//! ```
//!
//! [`App`] is a `tower::Service`, so tests drive it with `oneshot` and the server wraps it in
//! its layers; it holds the immutable catalog and a handle to the store.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::Bytes;
use http::StatusCode;
use http_body_util::Full;
use serde_json::{Value, json};

use crate::catalog::{Api, Catalog};
use crate::contract::Operation;
use crate::engine::{self, Call};
use crate::request::{ReadError, Request};
use crate::respond::{self, Failure, Reply};
use crate::route::RouteMatch;
use crate::store::Store;
use crate::validate::{Location, Violation};
use crate::{auth, check, prefer, validate};

/// Upper bound on a request body by default. Larger bodies get 413 before validation,
/// because schema checks need the whole document in memory.
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// The path under which understudy's own routes live.
pub const ADMIN_PREFIX: &str = "/__understudy";

/// How the service behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Whether a response that breaks the contract is replaced by a 500 (DESIGN §5 step 9).
    pub strict: bool,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { strict: true, body_limit: DEFAULT_BODY_LIMIT }
    }
}

/// The mock service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct App {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    catalog: Arc<Catalog>,
    store: Store,
    settings: Settings,
}

type Response = http::Response<Full<Bytes>>;

impl App {
    /// A service over a loaded catalog and a store.
    pub fn new(catalog: Arc<Catalog>, store: Store, settings: Settings) -> App {
        App { inner: Arc::new(Inner { catalog, store, settings }) }
    }

    /// The catalog being served.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.inner.catalog
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Answers one request.
    pub async fn handle<B>(&self, request: http::Request<B>) -> Response
    where
        B: hyper::body::Body,
        B::Error: std::error::Error + Send + Sync + 'static,
    {
        let started = Instant::now();
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        if path == ADMIN_PREFIX || path.starts_with(&format!("{ADMIN_PREFIX}/")) {
            return crate::admin::handle(self, &method, &path).into_http(&method);
        }
        let catalog = &self.inner.catalog;
        let Some(mounted) = catalog.mount(&path) else {
            return unmounted(catalog, &path).into_http(&method);
        };
        let api = mounted.api;
        let (parts, body) = request.into_parts();
        let head = Request::new(parts.method.clone(), &path, parts.headers.clone(), Bytes::new());
        let head = Request { query: parts.uri.query().map(str::to_owned), ..head };
        let request = match Request::read(
            http::Request::from_parts(parts, body),
            self.inner.settings.body_limit,
        )
        .await
        {
            Ok(request) => request,
            Err(ReadError::TooLarge { limit }) => {
                let failure = Failure::PayloadTooLarge { limit };
                let reply = respond::failure(&api.scenario.errors, &failure, &head);
                log(api, None, &head, &reply, started);
                return reply.into_http(&method);
            }
            Err(ReadError::Io(error)) => {
                tracing::debug!(%error, "request body could not be read");
                return Reply::empty(StatusCode::BAD_REQUEST).into_http(&method);
            }
        };
        let (operation, outcome) = self.pipeline(api, mounted.path, &request);
        let mut reply = match outcome {
            Ok(reply) => reply,
            Err(failure) => respond::failure(&api.scenario.errors, &failure, &request),
        };
        if let Some(operation) = operation {
            reply = self.self_check(api, operation, &request, reply);
        }
        log(api, operation, &request, &reply, started);
        reply.into_http(&method)
    }

    fn pipeline<'a>(
        &self,
        api: &'a Api,
        path: Option<&str>,
        request: &Request,
    ) -> (Option<&'a Operation>, Result<Reply, Failure>) {
        let Some(path) = path else { return (None, Err(Failure::RouteNotFound)) };
        let (index, params) = match api.router.route(&request.method, path) {
            RouteMatch::Found { operation, params } => (operation, params),
            RouteMatch::MethodNotAllowed { allowed } => {
                return (None, Err(Failure::MethodNotAllowed { allowed }));
            }
            RouteMatch::NotFound => return (None, Err(Failure::RouteNotFound)),
        };
        let operation = &api.contract.operations[index];
        let outcome = (|| {
            let principal = auth::authenticate(&api.contract, operation, request)?;
            let prefer = prefer::parse(request)?;
            let validated = validate::request(operation, request, &params, prefer::QUERY_KEYS)
                .map_err(Failure::Rejected)?;
            let call = Call {
                api,
                operation,
                request,
                params: &params,
                validated: &validated,
                principal: &principal,
            };
            engine::decide(&call, &prefer, &self.inner.store)
        })();
        (Some(operation), outcome)
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
            tracing::warn!(api = %api.name, operation = %operation.id, violations = %summary.join("; "), "response breaks the contract");
            reply
        }
    }
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
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let app = self.clone();
        Box::pin(async move { Ok(app.handle(request).await) })
    }
}
