//! Serving a tower service on a TCP listener, guarding connections, and stopping gracefully.
//!
//! [`run`] takes a bound listener, any `tower::Service` for hyper requests, and a shutdown
//! future; it never binds or installs signal handlers itself, so tests bind `127.0.0.1:0` and
//! pass whatever future they like, and `main` passes SIGINT/SIGTERM. The mock (`mock::App`) and
//! the recording proxy (`conformance::record`) both run on it, so both get the same guards.
//! Each connection is served by hyper-util's auto builder (HTTP/1.1 and HTTP/2). On shutdown
//! the listener is dropped (new connections are refused), in-flight requests finish, and after
//! the grace period (or at a second signal, [`run_until`]) whatever is left is cut off, and
//! the result says so.
//!
//! Guards, per connection, because a slot is held as long as a connection is open:
//!
//! * a cap on connections served at once (a semaphore: over it, connections wait in the
//!   kernel's backlog);
//! * the header timeout runs **from accept**: a connection that sends nothing (no request, no
//!   HTTP/2 preface) within it is closed, and hyper's own timer covers headers sent slowly;
//! * an idle timeout: a kept-alive connection with no request in flight and no bytes moving
//!   for that long is closed; HTTP/2 connections are also pinged, and closed when a ping goes
//!   unanswered.
//!
//! Everything about requests (CORS, limits, timeouts on bodies) belongs to the service.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// How the server accepts, guards and drains connections.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// How long requests in flight may take to finish after the shutdown signal.
    pub grace: Duration,
    /// How long a client may take, from accept, to send a request's headers.
    pub header_timeout: Duration,
    /// How long a connection may stay open with no request in flight and no bytes moving.
    pub idle_timeout: Duration,
    /// Connections served at once.
    pub max_connections: usize,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            grace: Duration::from_secs(10),
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

/// How serving ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stopped {
    /// Every connection finished its requests in time.
    Drained,
    /// Requests were still in flight when the grace period ended or a second signal came:
    /// this many connections were cut off.
    CutOff(usize),
}

/// Serves `service` on `listener` until `shutdown` completes, then drains for at most
/// `options.grace`. A service error closes its connection (how a scenario's `fault: drop`
/// reaches the client).
pub async fn run<S, B>(
    listener: TcpListener,
    service: S,
    shutdown: impl Future<Output = ()>,
    options: ServerOptions,
) -> Stopped
where
    S: tower::Service<http::Request<Incoming>, Response = http::Response<B>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    run_until(listener, service, shutdown, std::future::pending(), options).await
}

/// [`run`], cutting the drain short when `force` completes (a second SIGINT or SIGTERM).
pub async fn run_until<S, B>(
    listener: TcpListener,
    service: S,
    shutdown: impl Future<Output = ()>,
    force: impl Future<Output = ()>,
    options: ServerOptions,
) -> Stopped
where
    S: tower::Service<http::Request<Incoming>, Response = http::Response<B>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(options.header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(options.idle_timeout / 2))
        .keep_alive_timeout(options.header_timeout);
    let builder = Arc::new(builder);
    let graceful = GracefulShutdown::new();
    let open = Arc::new(AtomicUsize::new(0));
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
                let connection = Connection {
                    builder: builder.clone(),
                    watcher: graceful.watcher(),
                    service: service.clone(),
                    options: options.clone(),
                    open: open.clone(),
                };
                tokio::spawn(async move {
                    connection.serve(stream, peer).await;
                    drop(permit);
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tracing::info!("shutting down: no new connections, finishing requests in flight");
    tokio::select! {
        () = graceful.shutdown() => {
            tracing::info!("all connections closed");
            Stopped::Drained
        }
        () = tokio::time::sleep(options.grace) => {
            let cut = open.load(Ordering::Relaxed);
            tracing::warn!(connections = cut, "graceful shutdown did not complete in {:?}, stopping now", options.grace);
            Stopped::CutOff(cut)
        }
        () = force => {
            let cut = open.load(Ordering::Relaxed);
            tracing::warn!(connections = cut, "second signal: stopping now");
            if cut == 0 { Stopped::Drained } else { Stopped::CutOff(cut) }
        }
    }
}

/// What serving one connection needs.
struct Connection<S> {
    builder: Arc<auto::Builder<TokioExecutor>>,
    watcher: hyper_util::server::graceful::Watcher,
    service: S,
    options: ServerOptions,
    /// Connections being served, for the shutdown report.
    open: Arc<AtomicUsize>,
}

impl<S, B> Connection<S>
where
    S: tower::Service<http::Request<Incoming>, Response = http::Response<B>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    async fn serve(self, stream: TcpStream, peer: std::net::SocketAddr) {
        // A connection that sends nothing would hold its slot forever: the header timeout
        // counts from accept.
        let mut first = [0u8; 1];
        match tokio::time::timeout(self.options.header_timeout, stream.peek(&mut first)).await {
            Ok(Ok(read)) if read > 0 => {}
            _ => {
                tracing::debug!(%peer, "connection closed: nothing sent within the header timeout");
                return;
            }
        }
        let _ = stream.set_nodelay(true);
        let activity = Arc::new(Activity::default());
        let io = TokioIo::new(Tracked { inner: stream, activity: activity.clone() });
        let service =
            TowerToHyperService::new(InFlight { inner: self.service, activity: activity.clone() });
        let connection = self.builder.serve_connection_with_upgrades(io, service);
        let connection = self.watcher.watch(connection.into_owned());
        self.open.fetch_add(1, Ordering::Relaxed);
        tokio::select! {
            result = connection => {
                if let Err(error) = result {
                    tracing::debug!(%peer, %error, "connection ended with an error");
                }
            }
            () = activity.idle(self.options.idle_timeout) => {
                tracing::debug!(%peer, "connection closed: idle");
            }
        }
        self.open.fetch_sub(1, Ordering::Relaxed);
    }
}

/// When a connection last moved bytes, and how many requests it has in flight.
struct Activity {
    started: Instant,
    /// Milliseconds since `started` of the last read or write.
    last: AtomicU64,
    in_flight: AtomicUsize,
}

impl Default for Activity {
    fn default() -> Self {
        Activity {
            started: Instant::now(),
            last: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        }
    }
}

impl Activity {
    fn touch(&self) {
        self.last.store(self.started.elapsed().as_millis() as u64, Ordering::Relaxed);
    }

    /// Completes once the connection has been idle for `timeout` with nothing in flight.
    async fn idle(&self, timeout: Duration) {
        loop {
            let last = self.started + Duration::from_millis(self.last.load(Ordering::Relaxed));
            let due = last + timeout;
            if Instant::now() >= due && self.in_flight.load(Ordering::Relaxed) == 0 {
                return;
            }
            let wait =
                due.saturating_duration_since(Instant::now()).max(Duration::from_millis(100));
            tokio::time::sleep(wait).await;
        }
    }
}

/// The socket, noting when bytes move.
struct Tracked {
    inner: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// The service, counting the requests in flight (a slow answer is not idleness).
#[derive(Clone)]
struct InFlight<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S, R> tower::Service<R> for InFlight<S>
where
    S: tower::Service<R>,
    S::Future: Send + 'static,
    S::Response: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        self.activity.in_flight.fetch_add(1, Ordering::Relaxed);
        let guard = Done(self.activity.clone());
        let future = self.inner.call(request);
        Box::pin(async move {
            let result = future.await;
            drop(guard);
            result
        })
    }
}

/// Counts a request out, however its future ends.
struct Done(Arc<Activity>);

impl Drop for Done {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.0.touch();
    }
}
