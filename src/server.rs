//! Serving a tower service on a TCP listener, and stopping gracefully.
//!
//! [`run`] takes a bound listener, any `tower::Service` for hyper requests, and a shutdown
//! future; it never binds or installs signal handlers itself, so tests bind `127.0.0.1:0` and
//! pass whatever future they like, and `main` passes SIGINT/SIGTERM. The mock (`mock::App`) and
//! the recording proxy (`conformance::record`) both run on it, so both get the same guards.
//! Each connection is served by hyper-util's auto builder (HTTP/1.1 and HTTP/2). On shutdown
//! the listener is dropped (new connections are refused), in-flight requests finish, and after
//! the grace period whatever is left is abandoned.
//!
//! Guards, per connection: a cap on connections served at once (a semaphore: over it,
//! connections wait in the kernel's backlog) and a header read timeout (hyper), which closes
//! connections that send their headers too slowly. Everything about requests (CORS, limits,
//! timeouts on bodies) belongs to the service.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

/// How the server accepts, guards and drains connections.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// How long requests in flight may take to finish after the shutdown signal.
    pub grace: Duration,
    /// How long a client may take to send a request's headers.
    pub header_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            grace: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            max_connections: 1024,
        }
    }
}

/// Serves `service` on `listener` until `shutdown` completes, then drains for at most
/// `options.grace`. A service error closes its connection (how a scenario's `fault: drop`
/// reaches the client).
pub async fn run<S, B>(
    listener: TcpListener,
    service: S,
    shutdown: impl Future<Output = ()>,
    options: ServerOptions,
) where
    S: tower::Service<http::Request<Incoming>, Response = http::Response<B>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(options.header_timeout);
    builder.http2().timer(TokioTimer::new());
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
                let service = TowerToHyperService::new(service.clone());
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
