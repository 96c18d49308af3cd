//! The request span and the one log line per request (tower-http's `TraceLayer`).
//!
//! Every request gets a span (`request{id=N}`), so whatever is logged while answering it (a
//! self-check failure, a slow body) says which request it belongs to. When the answer is
//! ready, one `info` line says what happened: `api`, `version`, `operation`, `method`, `path`,
//! `status`, `ms`, `session`. The API, operation and session are known only deep inside the mock
//! service, so the service leaves them on the response as a [`Logged`] extension for this
//! layer to read. Admin answers carry none and are logged at `debug`.
//!
//! With the request log off (`RUST_LOG=warn`, as in CI and the bench), the span is off too, so
//! the layer would time and wrap every answer for nothing (2 % of a cached GET's CPU) and the
//! service would copy five strings into a `Logged` nobody reads: [`on`] says whether to.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::TraceLayer;
use tracing::Span;

/// What the mock service knows of a request, for its log line; put on the response.
#[derive(Debug, Clone)]
pub(crate) struct Logged {
    /// The API.
    pub(crate) api: String,
    /// Its version (`None`: the API has no versions).
    pub(crate) version: Option<String>,
    /// The operation (`-` when nothing routed).
    pub(crate) operation: String,
    /// The method.
    pub(crate) method: http::Method,
    /// The path as sent.
    pub(crate) path: String,
    /// The session.
    pub(crate) session: String,
}

/// Whether the request log is on (tracing keeps the filter's answer per call site, so asking
/// costs a load; a filter changed later is followed). When it is off, the app skips the layer
/// and the service the [`Logged`] extension.
pub(crate) fn on() -> bool {
    tracing::enabled!(tracing::Level::INFO)
}

/// Numbers the requests of the process, for their spans.
static REQUESTS: AtomicU64 = AtomicU64::new(1);

type MakeSpan<B> = fn(&http::Request<B>) -> Span;
type OnResponse<B> = fn(&http::Response<B>, Duration, &Span);

/// The trace layer: a span per request, a log line per answer, nothing else (no line when a
/// request starts, and a 5xx is the scenario's choice, not a failure of the server).
pub(crate) type Layer<Req, Res> = TraceLayer<
    SharedClassifier<ServerErrorsAsFailures>,
    MakeSpan<Req>,
    (),
    OnResponse<Res>,
    (),
    (),
    (),
>;

/// The layer (see [`Layer`]).
pub(crate) fn layer<Req, Res>() -> Layer<Req, Res> {
    TraceLayer::new_for_http()
        .make_span_with(make_span as MakeSpan<Req>)
        .on_request(())
        .on_response(on_response as OnResponse<Res>)
        .on_body_chunk(())
        .on_eos(())
        .on_failure(())
}

fn make_span<B>(_: &http::Request<B>) -> Span {
    tracing::info_span!("request", id = REQUESTS.fetch_add(1, Ordering::Relaxed))
}

fn on_response<B>(response: &http::Response<B>, latency: Duration, _: &Span) {
    let status = response.status().as_u16();
    let ms = format_args!("{:.3}", latency.as_secs_f64() * 1000.0);
    match response.extensions().get::<Logged>() {
        Some(logged) => tracing::info!(
            api = %logged.api,
            version = logged.version.as_deref().unwrap_or("-"),
            operation = %logged.operation,
            method = %logged.method,
            path = %logged.path,
            status,
            ms,
            session = %logged.session,
            "request"
        ),
        None => tracing::debug!(status, ms, "admin request"),
    }
}
