//! Serving the [`App`] on a TCP listener, and stopping gracefully.
//!
//! [`run`] takes a bound listener and a shutdown future; it never binds or installs signal
//! handlers itself, so tests bind `127.0.0.1:0` and pass whatever future they like, and
//! `main` passes SIGINT/SIGTERM. Each connection is served by hyper-util's auto builder
//! (HTTP/1.1 and HTTP/2). On shutdown the listener is dropped (new connections are refused),
//! in-flight requests finish, and after the grace period whatever is left is abandoned.
//!
//! The tower stack, outermost first:
//!
//! ```text
//! preflight 204   an answered CORS preflight is 204 No Content, not tower-http's 200
//! CORS            browsers on other origins may call (tower-http): origin reflected or listed
//! App             the mock (service.rs): body limit, request timeout, everything else
//! ```
//!
//! Below the stack, per connection: a cap on connections served at once (a semaphore: over
//! it, connections wait in the kernel's backlog) and a header read timeout (hyper), which
//! closes connections that send their headers too slowly.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::{HeaderName, HeaderValue, Method, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tower::{Service, ServiceBuilder};
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};

use crate::cli::config::CorsConfig;
use crate::mock::service::App;

/// How the server accepts, guards and drains connections.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// How long requests in flight may take to finish after the shutdown signal.
    pub grace: Duration,
    /// How long a client may take to send a request's headers.
    pub header_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
    /// Cross-origin settings.
    pub cors: CorsConfig,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            grace: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            max_connections: 1024,
            cors: CorsConfig::default(),
        }
    }
}

/// Response headers a browser script may read on a cross-origin answer.
const EXPOSED: &[&str] = &[
    "location",
    "retry-after",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "allow",
    "www-authenticate",
];

/// The CORS layer for the settings (`None` when CORS is off).
pub fn cors(settings: &CorsConfig) -> Option<CorsLayer> {
    if !settings.enabled {
        return None;
    }
    let origin = if settings.origins.is_empty() {
        AllowOrigin::mirror_request()
    } else {
        AllowOrigin::list(settings.origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    let exposed: Vec<HeaderName> = EXPOSED.iter().map(|h| HeaderName::from_static(h)).collect();
    Some(
        CorsLayer::new()
            .allow_origin(origin)
            .allow_credentials(settings.credentials)
            .allow_methods(AllowMethods::mirror_request())
            .allow_headers(AllowHeaders::mirror_request())
            .expose_headers(exposed)
            .max_age(Duration::from_secs(600)),
    )
}

/// Serves `app` on `listener` until `shutdown` completes, then drains for at most
/// `options.grace`.
pub async fn run(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()>,
    options: ServerOptions,
) {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(options.header_timeout);
    builder.http2().timer(TokioTimer::new());
    let cors = cors(&options.cors);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(options.max_connections));
    tokio::pin!(shutdown);
    loop {
        // Wait for a free slot first: over the cap, connections wait in the kernel's backlog.
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(accepted) => accepted,
                    Err(error) => {
                        // Running out of file descriptors is the usual cause; back off briefly.
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let stack = ServiceBuilder::new().option_layer(cors.clone()).service(app.clone());
                let service = TowerToHyperService::new(PreflightNoContent(stack));
                let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                let connection = graceful.watch(connection.into_owned());
                tokio::spawn(async move {
                    if let Err(error) = connection.await {
                        tracing::debug!(%peer, %error, "connection ended with an error");
                    }
                    drop(permit);
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tracing::info!("shutting down: no new connections, finishing requests in flight");
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all connections closed"),
        () = tokio::time::sleep(options.grace) => {
            tracing::warn!("graceful shutdown did not complete in {:?}, stopping now", options.grace);
        }
    }
}

/// Turns the 200 tower-http gives an answered CORS preflight into 204 No Content.
#[derive(Debug, Clone)]
pub struct PreflightNoContent<S>(pub S);

impl<S, B> Service<http::Request<B>> for PreflightNoContent<S>
where
    S: Service<http::Request<B>, Response = http::Response<http_body_util::Full<bytes::Bytes>>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let preflight = request.method() == Method::OPTIONS
            && request.headers().contains_key("access-control-request-method");
        let future = self.0.call(request);
        Box::pin(async move {
            let mut response = future.await?;
            if preflight
                && response.status() == StatusCode::OK
                && response.headers().contains_key("access-control-allow-origin")
            {
                *response.status_mut() = StatusCode::NO_CONTENT;
            }
            Ok(response)
        })
    }
}
