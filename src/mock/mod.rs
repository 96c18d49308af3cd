//! The mock: an HTTP service answering like the vendor's API, from its contract and scenario.
//!
//! [`App`] is the composition root: the one tower stack, built once when the app is made,
//! that every connection's requests go through. Outermost first:
//!
//! ```text
//! trace      a span per request, one log line per answer               (trace.rs)
//! preflight  an answered CORS preflight is 204, not tower-http's 200   (cors.rs)
//! CORS       browsers on other origins may call; off with --no-cors    (cors.rs)
//! route      /__understudy/... → admin, anything else → the mock service
//!   admin    health, reset, state, journal, scenario, the dashboard    (admin.rs)
//!   mock     mount → read → limit → route → auth → prefer → validate → engine → check
//!            → journal → delay                                         (service.rs)
//! ```
//!
//! # Rooms
//!
//! * `state`: [`State`], what a running mock remembers (catalog, store, limiter, cache,
//!   journal) behind one handle that keeps them in step, and its [`Settings`].
//! * `service`: one API request's way through the mock, step by step.
//! * `admin`: understudy's own routes under `/__understudy/`.
//! * `auth`, `prefer`, `limit`, `cache`: steps of the way (credentials and tokens; `Prefer`;
//!   rate limits; answers to reads kept while the data is unchanged).
//! * `engine/`: what an operation answers (documented, canned, store actions, lists, rules).
//! * `store`: the records, per API and session; `sessions`: a store's sessions, bounded in
//!   count and idle time; `index`: the
//!   records by the values `unique` and `upsert` rules look up; `journal`: recent exchanges,
//!   bounded in entries and bytes; `records`: whether records fit the contract (state
//!   loading, editing one record); `notice`: saying so when a bound bites, without a flood.
//! * `respond`: the `Reply` and the one mapping of failures to the API's
//!   error envelope; `check`: the self-check of every answer against the contract.
//! * `cors`, `trace`: the outer layers; `watch`: hot reload of contracts and scenarios.
//! * `verdict`: the step that answered and why a request was refused, for the journal.
//! * `stream`: the response [`Body`] (whole or live) and the journal as server-sent events.
//! * `dashboard` (and its files in `dashboard/`), `inspect`, `edit`: the browser dashboard,
//!   the catalog and rate-limit views it reads, and its record edits (admin routes).

mod admin;
pub(crate) mod auth;
pub(crate) mod cache;
pub(crate) mod check;
pub mod cors;
mod dashboard;
mod edit;
pub(crate) mod engine;
pub mod index;
mod inspect;
pub mod journal;
pub mod limit;
pub(crate) mod notice;
pub(crate) mod prefer;
pub mod records;
pub(crate) mod respond;
mod service;
pub(crate) mod sessions;
pub mod state;
pub mod store;
pub mod stream;
mod trace;
mod verdict;
pub mod watch;

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt as _, Either};
use tower::util::BoxCloneSyncService;
use tower::{Service, ServiceBuilder, ServiceExt as _};

use crate::catalog::Catalog;
use crate::mock::state::{Settings, State};
use crate::mock::store::Store;
pub use crate::mock::stream::Body;
use crate::request::ADMIN_PREFIX;

/// An error a request body may fail with, whatever the body type.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A request body of any kind, as the stack takes it.
pub type RequestBody = UnsyncBoxBody<Bytes, BodyError>;

/// A request body failed while it was read (the connection broke): its error, as text. (A
/// concrete type rather than a boxed `dyn Error`, which the compiler cannot prove `Send` for
/// across the stack's futures.)
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BodyError(String);

/// The body of the app's responses: the answer (whole or live), in the trace layer's wrapper
/// when the request log is on (`trace.rs`).
pub type ResponseBody = http_body_util::Either<Traced, Body>;

/// The trace layer's wrapper around an answer.
type Traced = tower_http::trace::ResponseBody<
    Body,
    tower_http::classify::NeverClassifyEos<tower_http::classify::ServerErrorsFailureClass>,
    (),
    (),
    (),
>;

/// A response of the app.
pub type Response = http::Response<ResponseBody>;

/// The connection was dropped on purpose (a scenario's `fault: drop`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("connection dropped by a scenario fault")]
pub struct Dropped;

/// Marks a response that must not be sent: the connection is closed instead.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

/// The mock as a `tower::Service`: the stack built once over a [`State`]. Cheap to clone.
#[derive(Clone)]
pub struct App {
    state: State,
    /// The routes under the request span and log line (`trace.rs`).
    stack: BoxCloneSyncService<http::Request<RequestBody>, Response, Infallible>,
    /// The same routes without them, for when the request log is off.
    quiet: BoxCloneSyncService<http::Request<RequestBody>, Response, Infallible>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("state", &self.state).finish_non_exhaustive()
    }
}

impl App {
    /// The mock serving `catalog` from `store`.
    pub fn new(catalog: Arc<Catalog>, store: Store, settings: Settings) -> App {
        let cors = cors::layer(&settings.cors);
        // The admin API holds every session's data and the journal: another origin's page may
        // use it only when the configuration says so.
        let admin_cors = cors.clone().filter(|_| settings.cors.admin);
        // A request without `Origin` skips the layer (`cors.rs`): its answer gets the headers
        // the layer would give it.
        let added = cors.as_ref().and_then(cors::without_origin).map(Arc::new);
        let state = State::new(catalog, store, settings);
        let plain = added.map(|added| {
            let add = move |mut response: http::Response<Body>| {
                cors::add_without_origin(&added, response.headers_mut());
                response
            };
            BoxCloneSyncService::new(
                ServiceBuilder::new().map_response(add).service(Mock { state: state.clone() }),
            )
        });
        let mock = ServiceBuilder::new()
            // Around CORS, to see the 200 it gives an answered preflight and make it 204.
            .layer(cors::PreflightLayer)
            // A preflight is answered here, without reaching the mock.
            .option_layer(cors)
            .service(Mock { state: state.clone() });
        let admin = ServiceBuilder::new()
            .layer(cors::PreflightLayer)
            .option_layer(admin_cors)
            .service(Admin { state: state.clone() });
        let route = Route(Arc::new(Routes {
            mock: BoxCloneSyncService::new(mock),
            plain,
            admin: BoxCloneSyncService::new(admin),
        }));
        let stack = ServiceBuilder::new()
            .map_response(|response: http::Response<Traced>| response.map(Either::Left))
            // Outermost: every later log line, rejections included, is inside the request's
            // span, and the log line sees the final status (after CORS and preflight).
            .layer(trace::layer())
            .service(route.clone());
        App {
            state,
            stack: BoxCloneSyncService::new(stack),
            quiet: BoxCloneSyncService::new(
                ServiceBuilder::new()
                    .map_response(|response: http::Response<Body>| response.map(Either::Right))
                    .service(route),
            ),
        }
    }

    /// What the mock remembers: catalog, store, limiter, cache, journal.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The catalog being served now.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.state.catalog()
    }

    /// Makes `scenario` the active scenario of `api` (see [`State::switch_scenario`]).
    pub fn switch_scenario(&self, api: &str, scenario: &str) -> Result<(), state::SwitchError> {
        self.state.switch_scenario(api, scenario)
    }

    /// Answers one request (`Err` only when a scenario asks to drop the connection).
    pub fn handle<B>(
        &self,
        request: http::Request<B>,
    ) -> impl Future<Output = Result<Response, Dropped>> + Send + 'static
    where
        B: hyper::body::Body<Data = Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        // The body is boxed here, outside the future: the stack takes one body type.
        let request = request
            .map(|body| body.map_err(|error| BodyError(error.into().to_string())).boxed_unsync());
        let stack = if trace::on() { &self.stack } else { &self.quiet };
        answer(stack.clone(), request)
    }
}

/// Runs the stack; a response marked [`DropConnection`] becomes [`Dropped`].
async fn answer(
    stack: BoxCloneSyncService<http::Request<RequestBody>, Response, Infallible>,
    request: http::Request<RequestBody>,
) -> Result<Response, Dropped> {
    {
        let response = match stack.oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
        if response.extensions().get::<DropConnection>().is_some() {
            return Err(Dropped);
        }
        Ok(response)
    }
}

impl<B> Service<http::Request<B>> for App
where
    B: hyper::body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = Dropped;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Dropped>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Dropped>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        Box::pin(self.handle(request))
    }
}

/// An inner service of the app: a request in, an answer out.
type Inner = BoxCloneSyncService<http::Request<RequestBody>, http::Response<Body>, Infallible>;

/// Below the trace span: understudy's own routes, or the mock (each behind its own CORS).
///
/// The stack is cloned for every request (a tower service is called through `&mut`); the two
/// services sit behind one `Arc` so that only the one a request goes to is cloned (each clone
/// of a CORS service allocates).
#[derive(Clone)]
struct Route(Arc<Routes>);

struct Routes {
    /// The mock behind its CORS layer.
    mock: Inner,
    /// The mock for a request that skips the CORS layer (`None` when CORS is off).
    plain: Option<Inner>,
    admin: Inner,
}

impl Service<http::Request<RequestBody>> for Route {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<RequestBody>) -> Self::Future {
        let admin = request
            .uri()
            .path()
            .strip_prefix(ADMIN_PREFIX)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
        let inner = match &self.0.plain {
            _ if admin => self.0.admin.clone(),
            Some(plain) if cors::skips_the_layer(&request) => plain.clone(),
            _ => self.0.mock.clone(),
        };
        Box::pin(inner.oneshot(request))
    }
}

/// The mock service (`service.rs`) as a tower service.
#[derive(Debug, Clone)]
struct Mock {
    state: State,
}

/// The admin routes (`admin.rs`) as a tower service.
#[derive(Debug, Clone)]
struct Admin {
    state: State,
}

macro_rules! answering {
    ($service:ident, $answer:path) => {
        impl Service<http::Request<RequestBody>> for $service {
            type Response = http::Response<Body>;
            type Error = Infallible;
            type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

            fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
                Poll::Ready(Ok(()))
            }

            fn call(&mut self, request: http::Request<RequestBody>) -> Self::Future {
                let state = self.state.clone();
                Box::pin(async move { Ok($answer(&state, request).await.map(Body::from)) })
            }
        }
    };
}

answering!(Mock, service::answer);
answering!(Admin, admin::answer);
