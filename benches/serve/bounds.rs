//! `--bounds`: what cheap requests cost in memory, and what a write costs at scale (#13).
//!
//! ```text
//! cargo bench --bench serve -- --bounds
//! ```
//!
//! Each measurement starts a fresh `understudy serve` (release build, request logs off) and
//! reads its resident memory (VmRSS) before and after: 20,000 requests with distinct 200 KB
//! bogus tokens; 300 rejected bodies of 1 MiB; 10,000 sessions (each at its defaults, and with
//! the session and journal bounds lifted, to show what they hold back). Then Arize creates one
//! after the other (each under the `unique` name rule) with 100 and with 100,000 records loaded
//! through `PUT /__understudy/state`, while another connection reads GitBook's list: the
//! creates' p50 and p99, the reads' p50 during them, and deletes' p50 after. The smoke run of
//! `cargo test` runs the same with small counts, and checks statuses only.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde_json::json;

use crate::load::Spec;
use crate::servers::Server;

/// The counts of one run: the issue's, or a smoke run's.
pub(crate) struct Counts {
    tokens: usize,
    bodies: usize,
    sessions: usize,
    records: [usize; 2],
    creates: usize,
}

impl Counts {
    pub(crate) fn full() -> Counts {
        Counts {
            tokens: 20_000,
            bodies: 300,
            sessions: 10_000,
            records: [100, 100_000],
            creates: 2_000,
        }
    }

    pub(crate) fn smoke() -> Counts {
        Counts { tokens: 50, bodies: 5, sessions: 30, records: [10, 1_000], creates: 20 }
    }
}

const GITBOOK_LIST: &str = "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations";
const ARIZE_VERSION: &str = "2026-07-02";
const ARIZE: &str = "/arize@2026-07-02/v2/integrations";

/// Sends `count` requests made by `make(i)` over `connections` keep-alive connections (a new
/// one when the server closes one); the statuses seen, by status, and each latency in µs.
async fn send_many(
    address: SocketAddr,
    count: usize,
    connections: usize,
    make: Arc<dyn Fn(usize) -> Spec + Send + Sync>,
) -> Result<(std::collections::BTreeMap<u16, usize>, Vec<u64>), String> {
    let next = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let (next, make) = (next.clone(), make.clone());
        tasks.push(tokio::spawn(async move {
            let mut seen = std::collections::BTreeMap::new();
            let mut latencies = Vec::new();
            let mut sender = None;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let spec = make(i);
                let started = Instant::now();
                let status = match send(address, &mut sender, &spec).await {
                    Ok(status) => status,
                    // The server closed the connection (it may, after some refusals): again, once.
                    Err(_) => {
                        sender = None;
                        send(address, &mut sender, &spec).await?
                    }
                };
                latencies.push(started.elapsed().as_micros() as u64);
                *seen.entry(status).or_insert(0) += 1;
            }
            Ok::<_, String>((seen, latencies))
        }));
    }
    let mut seen = std::collections::BTreeMap::new();
    let mut latencies = Vec::new();
    for task in tasks {
        let (s, l) = task.await.map_err(|e| e.to_string())??;
        for (status, n) in s {
            *seen.entry(status).or_insert(0) += n;
        }
        latencies.extend(l);
    }
    Ok((seen, latencies))
}

type Sender = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

/// One request on `sender` (connected first when there is none); its status.
async fn send(
    address: SocketAddr,
    sender: &mut Option<Sender>,
    spec: &Spec,
) -> Result<u16, String> {
    if sender.is_none() {
        let stream = tokio::net::TcpStream::connect(address)
            .await
            .map_err(|e| format!("cannot connect to {address}: {e}"))?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        let (s, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake with {address}: {e}"))?;
        tokio::spawn(connection);
        *sender = Some(s);
    }
    let Some(s) = sender.as_mut() else { return Err("no connection".into()) };
    s.ready().await.map_err(|e| e.to_string())?;
    let mut builder = http::Request::builder()
        .method(spec.method.clone())
        .uri(&spec.path)
        .header("host", address.to_string());
    for (name, value) in &spec.headers {
        builder = builder.header(*name, value);
    }
    let request = builder.body(Full::new(spec.body.clone())).map_err(|e| e.to_string())?;
    let response = s.send_request(request).await.map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    response.into_body().collect().await.map_err(|e| e.to_string())?;
    Ok(status)
}

fn mib(bytes: Option<u64>) -> String {
    bytes.map_or("?".to_owned(), |b| format!("{:.1} MiB", b as f64 / 1048576.0))
}

fn quantile(latencies: &mut [u64], q: f64) -> f64 {
    if latencies.is_empty() {
        return f64::NAN;
    }
    latencies.sort_unstable();
    let index = ((latencies.len() as f64 - 1.0) * q).round() as usize;
    latencies[index] as f64 / 1000.0
}

/// Whether every status seen is one of `expected`; prints the counts when not.
fn only(name: &str, seen: &std::collections::BTreeMap<u16, usize>, expected: &[u16]) -> bool {
    let ok = seen.keys().all(|s| expected.contains(s));
    if !ok {
        println!("**{name}: unexpected statuses {seen:?} (expected only {expected:?})**\n");
    }
    ok
}

/// One memory measurement: a fresh server with `args`, `count` requests made by `make`, RSS
/// before and after.
async fn memory(
    base: &[&str],
    args: &[&str],
    count: usize,
    connections: usize,
    make: Arc<dyn Fn(usize) -> Spec + Send + Sync>,
) -> Result<(Option<u64>, Option<u64>, std::collections::BTreeMap<u16, usize>), String> {
    let args: Vec<&str> = base.iter().chain(args).copied().collect();
    let (server, _) = crate::understudy(&args)?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = server.rss();
    let (seen, _) = send_many(server.address, count, connections, make).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = server.rss();
    Ok((before, after, seen))
}

/// `base`: the arguments every server of the run gets (GitBook's bench scenario, whose rate
/// limit no run reaches: the sessions and reads below are GitBook lists).
pub(crate) async fn run(counts: &Counts, base: &[&str]) -> Result<bool, String> {
    let mut ok = true;
    println!("## Bounds: memory under cheap requests, writes at scale (`--bounds`)\n");
    println!("| measure | RSS before | RSS after | answers |");
    println!("|---|---:|---:|---|");

    // Distinct 200 KB bogus tokens.
    let tokens = Arc::new(|i: usize| {
        let mut spec = Spec::get(GITBOOK_LIST, 401);
        spec.headers =
            vec![("authorization", format!("Bearer bogus{i:06}{}", "x".repeat(200_000)))];
        spec
    });
    let (before, after, seen) = memory(base, &[], counts.tokens, 8, tokens).await?;
    ok &= only("bogus tokens", &seen, &[401, 429]);
    println!(
        "| {} requests, each with a distinct 200 KB bogus token | {} | {} | {seen:?} |",
        counts.tokens,
        mib(before),
        mib(after)
    );

    // Rejected bodies of 1 MiB (exactly the default body limit: read, validated, refused).
    let mut body = serde_json::to_vec(&json!({"type": "nope", "name": ""})).unwrap_or_default();
    let pad = (1 << 20) - body.len();
    body.splice(body.len() - 2..body.len() - 2, std::iter::repeat_n(b'n', pad));
    let body = Bytes::from(body);
    let bodies = {
        let body = body.clone();
        Arc::new(move |_: usize| Spec {
            method: http::Method::POST,
            path: ARIZE.into(),
            headers: vec![
                ("authorization", "Bearer dev-token".to_owned()),
                ("content-type", "application/json".to_owned()),
            ],
            body: body.clone(),
            expect: 400,
        })
    };
    for (label, args) in
        [("defaults", &[][..]), ("journal bounds lifted", &["--journal-bytes", "100000000000"][..])]
    {
        let (before, after, seen) = memory(base, args, counts.bodies, 4, bodies.clone()).await?;
        ok &= only("rejected bodies", &seen, &[400]);
        println!(
            "| {} rejected bodies of 1 MiB ({label}) | {} | {} | {seen:?} |",
            counts.bodies,
            mib(before),
            mib(after)
        );
    }

    // Sessions.
    let sessions = Arc::new(|i: usize| {
        let mut spec = Spec::get(GITBOOK_LIST, 200);
        spec.headers.push(("x-understudy-session", format!("bench-{i}")));
        spec
    });
    for (label, args) in [
        ("defaults", &[][..]),
        ("session bounds lifted", &["--max-sessions", "1000000", "--session-idle", "0s"][..]),
    ] {
        let (before, after, seen) =
            memory(base, args, counts.sessions, 8, sessions.clone()).await?;
        ok &= only("sessions", &seen, &[200]);
        println!(
            "| {} sessions, one GitBook list each ({label}) | {} | {} | {seen:?} |",
            counts.sessions,
            mib(before),
            mib(after)
        );
    }
    println!();

    // Arize creates at scale, with reads of another API alongside.
    println!(
        "| Arize records | create p50 | create p99 | GitBook list p50 alone | GitBook list p50 during the creates | delete p50 |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    for records in counts.records {
        let args: Vec<&str> = base.iter().copied().chain(["--body-limit", "1073741824"]).collect();
        let (server, _) = crate::understudy(&args)?;
        crate::load_arize_records(server.address, records, &format!("arize@{ARIZE_VERSION}"))
            .await?;
        let read = Arc::new(|_: usize| Spec::get(GITBOOK_LIST, 200));
        let (_, mut alone) =
            send_many(server.address, 2_000.min(counts.creates * 10), 1, read.clone()).await?;
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let reader = {
            let (stop, address) = (stop.clone(), server.address);
            tokio::spawn(async move {
                let mut sender = None;
                let mut latencies = Vec::new();
                let spec = Spec::get(GITBOOK_LIST, 200);
                while !stop.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    if send(address, &mut sender, &spec).await? != 200 {
                        return Err("a GitBook read was not 200".to_owned());
                    }
                    latencies.push(started.elapsed().as_micros() as u64);
                }
                Ok::<_, String>(latencies)
            })
        };
        let create = Arc::new(|i: usize| Spec {
            method: http::Method::POST,
            path: ARIZE.into(),
            headers: vec![
                ("authorization", "Bearer dev-token".to_owned()),
                ("content-type", "application/json".to_owned()),
            ],
            body: Bytes::from(
                json!({"type": "llm", "name": format!("Bench {i}"),
                       "config": {"provider": "openAI", "api_key": "sk-bench"}})
                .to_string(),
            ),
            expect: 201,
        });
        let (seen, mut creates) = send_many(server.address, counts.creates, 1, create).await?;
        stop.store(true, Ordering::Relaxed);
        let mut during = reader.await.map_err(|e| e.to_string())??;
        ok &= only("creates", &seen, &[201]);
        // Deletes of the seed-era records loaded first (`LlmIntegration:<n>`).
        use base64::Engine as _;
        let delete = Arc::new(move |i: usize| {
            let id = base64::engine::general_purpose::STANDARD
                .encode(format!("LlmIntegration:{}", i + 1));
            Spec {
                method: http::Method::DELETE,
                path: format!("{ARIZE}/{id}"),
                headers: vec![("authorization", "Bearer dev-token".to_owned())],
                body: Bytes::new(),
                expect: 204,
            }
        });
        let deletes = counts.creates.min(records);
        let (seen, mut deleted) = send_many(server.address, deletes, 1, delete).await?;
        ok &= only("deletes", &seen, &[200, 204]);
        println!(
            "| {records} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms ({} reads) | {:.2} ms |",
            quantile(&mut creates, 0.5),
            quantile(&mut creates, 0.99),
            quantile(&mut alone, 0.5),
            quantile(&mut during, 0.5),
            during.len(),
            quantile(&mut deleted, 0.5),
        );
        drop::<Server>(server);
    }
    println!();
    Ok(ok)
}
