//! Serving the [`App`] on a TCP listener, and stopping gracefully.
//!
//! [`run`] takes a bound listener and a shutdown future; it never binds or installs signal
//! handlers itself, so tests bind `127.0.0.1:0` and pass whatever future they like, and
//! `main` passes SIGINT/SIGTERM. Each connection is served by hyper-util's auto builder
//! (HTTP/1.1 and HTTP/2). On shutdown the listener is dropped (new connections are refused),
//! in-flight requests finish, and after `grace` whatever is left is abandoned.

use std::future::Future;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

use crate::service::App;

/// Serves `app` on `listener` until `shutdown` completes, then drains for at most `grace`.
pub async fn run(
    listener: TcpListener,
    app: App,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) {
    let builder = auto::Builder::new(TokioExecutor::new());
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
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
                let service = TowerToHyperService::new(app.clone());
                let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
                let connection = graceful.watch(connection.into_owned());
                tokio::spawn(async move {
                    if let Err(error) = connection.await {
                        tracing::debug!(%peer, %error, "connection ended with an error");
                    }
                });
            }
            () = &mut shutdown => {
                drop(listener);
                tracing::info!("shutting down: no new connections, finishing requests in flight");
                break;
            }
        }
    }
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all connections closed"),
        () = tokio::time::sleep(grace) => {
            tracing::warn!("graceful shutdown did not complete in {grace:?}, stopping now");
        }
    }
}
