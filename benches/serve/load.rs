//! The load generator: keep-alive HTTP/1.1 connections on loopback, each sending one request
//! after the other for a fixed time, every latency recorded in an HDR histogram.
//!
//! It runs in the harness's own Tokio runtime, so it costs the same CPU whichever server it
//! drives: the numbers of two servers measured with it in one run compare fairly.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

/// One request, sent again and again.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    pub(crate) method: http::Method,
    /// Path and query.
    pub(crate) path: String,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Bytes,
    /// The status every answer must have (others are counted as unexpected).
    pub(crate) expect: u16,
}

impl Spec {
    pub(crate) fn get(path: &str, expect: u16) -> Spec {
        Spec {
            method: http::Method::GET,
            path: path.to_owned(),
            headers: vec![("authorization", "Bearer dev-token".to_owned())],
            body: Bytes::new(),
            expect,
        }
    }

    pub(crate) fn patch(path: &str, body: &str, expect: u16) -> Spec {
        Spec {
            method: http::Method::PATCH,
            path: path.to_owned(),
            headers: vec![
                ("authorization", "Bearer dev-token".to_owned()),
                ("content-type", "application/json".to_owned()),
            ],
            body: Bytes::copy_from_slice(body.as_bytes()),
            expect,
        }
    }

    /// The same request on another path (a server that mounts the API elsewhere).
    pub(crate) fn at(&self, path: &str) -> Spec {
        Spec { path: path.to_owned(), ..self.clone() }
    }

    fn request(&self, address: SocketAddr) -> http::Request<Full<Bytes>> {
        let mut builder = http::Request::builder()
            .method(self.method.clone())
            .uri(&self.path)
            .header("host", address.to_string());
        for (name, value) in &self.headers {
            builder = builder.header(*name, value);
        }
        builder.body(Full::new(self.body.clone())).expect("a valid request")
    }
}

/// What one measurement gave.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    pub(crate) requests: u64,
    pub(crate) unexpected: u64,
    /// The first unexpected status and body, to say what went wrong.
    pub(crate) example: Option<String>,
    pub(crate) seconds: f64,
    pub(crate) latency: Histogram<u64>,
    /// CPU time (user and system) the server process spent during the measurement.
    pub(crate) server_cpu: Option<Duration>,
}

impl Outcome {
    pub(crate) fn rps(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    /// The server's CPU time per answered request, in microseconds.
    pub(crate) fn cpu_us(&self) -> Option<f64> {
        let cpu = self.server_cpu?;
        (self.requests > 0).then(|| cpu.as_secs_f64() * 1e6 / self.requests as f64)
    }

    /// A latency quantile in milliseconds.
    pub(crate) fn ms(&self, quantile: f64) -> f64 {
        self.latency.value_at_quantile(quantile) as f64 / 1000.0
    }
}

/// Drives `address` with `connections` connections for `warmup` (not recorded) then
/// `duration` (recorded). With the server's `pid`, also measures the CPU time it spends
/// during the recorded part.
pub(crate) async fn run(
    address: SocketAddr,
    pid: Option<u32>,
    spec: &Spec,
    connections: usize,
    warmup: Duration,
    duration: Duration,
) -> Result<Outcome, String> {
    let start = Instant::now();
    let measure_from = start + warmup;
    let end = measure_from + duration;
    let cpu = pid.map(|pid| {
        tokio::spawn(async move {
            tokio::time::sleep_until(measure_from.into()).await;
            let before = cpu_time(pid)?;
            tokio::time::sleep_until(end.into()).await;
            Some(cpu_time(pid)?.saturating_sub(before))
        })
    });
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let spec = spec.clone();
        tasks.push(tokio::spawn(async move { connection(address, spec, measure_from, end).await }));
    }
    let mut total = Outcome {
        requests: 0,
        unexpected: 0,
        example: None,
        seconds: duration.as_secs_f64(),
        latency: histogram(),
        server_cpu: None,
    };
    for task in tasks {
        let outcome = task.await.map_err(|e| format!("a load task failed: {e}"))??;
        total.requests += outcome.requests;
        total.unexpected += outcome.unexpected;
        total.example = total.example.or(outcome.example);
        total.latency.add(&outcome.latency).map_err(|e| e.to_string())?;
    }
    if let Some(cpu) = cpu {
        total.server_cpu = cpu.await.ok().flatten();
    }
    Ok(total)
}

/// User plus system CPU time of process `pid` so far (Linux: `/proc/PID/stat`, in the
/// kernel's fixed 100 ticks per second).
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let mut fields = stat.rsplit_once(')')?.1.split_whitespace();
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

fn histogram() -> Histogram<u64> {
    // Microseconds, from 1 µs to 60 s, three significant digits.
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid bounds")
}

async fn connection(
    address: SocketAddr,
    spec: Spec,
    measure_from: Instant,
    end: Instant,
) -> Result<Outcome, String> {
    let stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake with {address}: {e}"))?;
    tokio::spawn(connection);
    let mut outcome = Outcome {
        requests: 0,
        unexpected: 0,
        example: None,
        seconds: 0.0,
        latency: histogram(),
        server_cpu: None,
    };
    loop {
        let sent = Instant::now();
        if sent >= end {
            break;
        }
        sender.ready().await.map_err(|e| format!("{address} closed the connection: {e}"))?;
        let response = sender
            .send_request(spec.request(address))
            .await
            .map_err(|e| format!("{} {} on {address}: {e}", spec.method, spec.path))?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("reading an answer from {address}: {e}"))?
            .to_bytes();
        let done = Instant::now();
        if sent < measure_from || done > end {
            continue;
        }
        outcome.requests += 1;
        let micros = u64::try_from(done.duration_since(sent).as_micros()).unwrap_or(u64::MAX);
        outcome.latency.saturating_record(micros.max(1));
        if status != spec.expect {
            outcome.unexpected += 1;
            if outcome.example.is_none() {
                let text = String::from_utf8_lossy(&body);
                let shown: String = text.chars().take(300).collect();
                outcome.example = Some(format!("{status} {shown}"));
            }
        }
    }
    Ok(outcome)
}

/// Sends `spec` once on a new connection; the answer's status.
pub(crate) async fn once(address: SocketAddr, spec: &Spec) -> Result<u16, String> {
    let stream = tokio::net::TcpStream::connect(address)
        .await
        .map_err(|e| format!("cannot connect to {address}: {e}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| format!("handshake with {address}: {e}"))?;
    tokio::spawn(connection);
    let response = sender
        .send_request(spec.request(address))
        .await
        .map_err(|e| format!("{} {} on {address}: {e}", spec.method, spec.path))?;
    let status = response.status().as_u16();
    let _ = response.into_body().collect().await;
    Ok(status)
}
