//! understudy's performance, side by side with a bare hyper server (and Prism), in one run.
//!
//! ```text
//! cargo bench --bench serve                       # the whole table (about two minutes)
//! cargo bench --bench serve -- --peers            # the same, with Prism 5.14.2 (npm)
//! cargo bench --bench serve -- --seconds 10 --connections 64
//! cargo bench --bench serve -- --bounds           # memory under cheap requests, writes at scale
//! ```
//!
//! `cargo bench` builds in release mode; the harness starts `understudy serve` and the bare
//! hyper server of `bare.rs` (same Tokio runtime settings) as processes of their own, drives
//! both on loopback with the load generator of `load.rs` from this process, row by row, and
//! prints Markdown tables: requests/s, p50 and p99 latency and the ratio to the bare server per
//! row; start-up to the first 200 (median of 20 runs); resident memory idle, after the load and
//! with 100,000 stored records; list latency with 10, 1,000 and 100,000 records; the time of
//! the bundled conformance suites; and each target with its verdict. Shared machines are noisy,
//! so only ratios measured in one run mean much.
//!
//! `cargo test` runs this file too (without cargo bench's `--bench` argument): then it is a
//! two-second smoke of every part, in debug mode, that fails when a request does not get the
//! status it should, so the harness keeps working. It checks no speed.

mod bare;
mod bounds;
mod load;
mod servers;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};

use load::{Outcome, Spec};
use servers::Server;

const UNDERSTUDY: &str = env!("CARGO_BIN_EXE_understudy");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The probe and the first row: GitBook's list of a space's integrations.
const GITBOOK_LIST: &str = "/gitbook/v1/spaces/NoK4wQzHOEVavmwBhb3l/integrations";
const TEABLE_INTEGRATION: &str =
    "/teable/api/space/spcTeSYe43VZTSG4Uu3/integration/intH0sBtuGK6ikltC7E";

#[derive(Debug)]
struct Options {
    smoke: bool,
    peers: bool,
    warmup: Duration,
    duration: Duration,
    connections: usize,
    startup_runs: usize,
    records: Vec<usize>,
    suites: bool,
    /// Extra arguments for `understudy serve` (experiments: `--serve-arg=--no-cors`).
    serve_args: Vec<String>,
    /// Only the throughput rows whose name contains this (profiling one request kind).
    only: Option<String>,
    /// Only the bounds measurements (`bounds.rs`).
    bounds: bool,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        // `cargo bench` passes `--bench`; `cargo test` passes nothing (or test-harness flags,
        // which a smoke run ignores).
        let smoke = !args.iter().any(|a| a == "--bench") || args.iter().any(|a| a == "--smoke");
        let mut options = if smoke {
            Options {
                smoke,
                peers: false,
                warmup: Duration::from_millis(50),
                duration: Duration::from_millis(150),
                connections: 4,
                startup_runs: 2,
                records: vec![10, 1_000],
                suites: false,
                serve_args: Vec::new(),
                only: None,
                bounds: false,
            }
        } else {
            Options {
                smoke,
                peers: false,
                warmup: Duration::from_secs(1),
                duration: Duration::from_secs(5),
                connections: 32,
                startup_runs: 20,
                records: vec![10, 1_000, 100_000],
                suites: true,
                serve_args: Vec::new(),
                only: None,
                bounds: false,
            }
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut number = |name: &str| -> Result<f64, String> {
                args.next()
                    .and_then(|v| v.parse::<f64>().ok())
                    .filter(|v| *v > 0.0)
                    .ok_or_else(|| format!("{name} needs a positive number"))
            };
            match arg.as_str() {
                "--bench" | "--smoke" => {}
                "--peers" => options.peers = true,
                "--bounds" => options.bounds = true,
                _ if arg.starts_with("--serve-arg=") => {
                    options.serve_args.push(arg["--serve-arg=".len()..].to_owned());
                }
                "--seconds" => options.duration = Duration::from_secs_f64(number("--seconds")?),
                "--connections" => options.connections = number("--connections")? as usize,
                "--only" => {
                    options.only =
                        Some(args.next().ok_or("--only needs part of a row's name")?.clone());
                    options.startup_runs = 1;
                    options.records.clear();
                    options.suites = false;
                }
                _ if smoke => {}
                other => {
                    return Err(format!(
                        "unknown argument `{other}` (known: --peers, --bounds, --seconds N, --connections N, --only ROW, --serve-arg=ARG, --smoke)"
                    ));
                }
            }
        }
        Ok(options)
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("bare-server") {
        match args.get(1).and_then(|p| p.parse().ok()) {
            Some(port) => bare::serve(port),
            None => {
                eprintln!("usage: serve bare-server PORT");
                return ExitCode::from(2);
            }
        }
        return ExitCode::SUCCESS;
    }
    let options = match Options::parse(&args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("serve bench: {message}");
            return ExitCode::from(2);
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    match runtime.block_on(run(&options)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("serve bench: {message}");
            ExitCode::from(1)
        }
    }
}

// === The rows ===

/// One row of the throughput table.
struct Row {
    name: &'static str,
    kind: Kind,
    spec: Spec,
    /// The same request for Prism, and which of its servers takes it.
    prism: Option<(PrismApi, Spec)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Get,
    Patch,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PrismApi {
    GitBook,
    Teable,
}

/// A valid Teable config of about 2 KB: three providers, the chat models, one gateway model.
fn teable_config() -> Value {
    let provider = |kind: &str, name: &str, base: &str, models: &str| {
        json!({"type": kind, "name": name, "apiKey": format!("sk-{name}-0123456789abcdef0123456789"),
               "baseUrl": base, "models": models})
    };
    json!({
        "enable": true,
        "config": {
            "llmProviders": [
                provider("openai", "OpenAI", "https://api.openai.com/v1", "gpt-4o,gpt-4o-mini,o3-mini"),
                provider("anthropic", "Anthropic", "https://api.anthropic.com/v1", "claude-3-7-sonnet,claude-3-5-haiku"),
                provider("deepseek", "DeepSeek", "https://api.deepseek.com/v1", "deepseek-chat,deepseek-reasoner"),
            ],
            "embeddingModel": "openai@text-embedding-3-small@OpenAI",
            "translationModel": "openai@gpt-4o-mini@OpenAI",
            "chatModel": {
                "lg": "anthropic@claude-3-7-sonnet@Anthropic",
                "md": "openai@gpt-4o@OpenAI",
                "sm": "openai@gpt-4o-mini@OpenAI",
                "ability": {"image": true, "pdf": true, "webSearch": false, "toolCall": true,
                            "reasoning": true, "imageGeneration": false}
            },
            "gatewayModels": [{
                "id": "openai/gpt-4o", "label": "GPT-4o", "enabled": true,
                "capabilities": {"image": true, "pdf": true, "webSearch": false, "toolCall": true,
                                 "reasoning": false, "imageGeneration": false},
                "pricing": {"input": "2.5", "output": "10", "inputCacheRead": "1.25",
                            "inputCacheWrite": "2.5", "reasoning": "0", "image": "0", "webSearch": "0"},
                "rates": {"inputRate": 2.5, "outputRate": 10, "cacheReadRate": 1.25, "cacheWriteRate": 2.5,
                          "reasoningRate": 0, "imageRate": 0, "webSearchRate": 0},
                "isImageModel": false, "defaultFor": ["chatMd"], "testedAt": 1_767_225_600,
                "ownedBy": "openai", "modelType": "language", "tags": ["vision"],
                "contextWindow": 128_000, "maxTokens": 16_384,
                "description": "OpenAI's flagship multimodal model."
            }],
            "capabilities": {"disableActions": ["deleteRecord"]},
            "attachmentTransferMode": "url",
            "concurrencyPerKey": 4
        }
    })
}

fn rows() -> Vec<Row> {
    let gitbook = Spec::get(GITBOOK_LIST, 200);
    let teable_patch = Spec::patch(TEABLE_INTEGRATION, &teable_config().to_string(), 200);
    let rejected = Spec::patch(
        TEABLE_INTEGRATION,
        r#"{"enable": "yes", "config": {"llmProviders": [{"type": "nope"}]}}"#,
        400,
    );
    let unknown = Spec::get("/teable/api/space/spcTeSYe43VZTSG4Uu3/nothing-here", 404);
    let prism_path = |spec: &Spec, prefix: &str| spec.at(spec.path.strip_prefix(prefix).unwrap());
    vec![
        Row {
            name: "GitBook list (GET)",
            kind: Kind::Get,
            prism: Some((PrismApi::GitBook, prism_path(&gitbook, "/gitbook/v1"))),
            spec: gitbook,
        },
        Row {
            name: "Teable PATCH (2 KB config)",
            kind: Kind::Patch,
            prism: Some((PrismApi::Teable, prism_path(&teable_patch, "/teable/api"))),
            spec: teable_patch,
        },
        Row {
            name: "Arize PATCH",
            kind: Kind::Patch,
            prism: None,
            spec: Spec::patch(
                "/arize@2026-07-02/v2/integrations/TGxtSW50ZWdyYXRpb246MQ%3D%3D",
                r#"{"type": "llm", "name": "Production OpenAI", "scopings": [],
                    "config": {"provider": "openAI", "is_function_calling_enabled": true}}"#,
                200,
            ),
        },
        Row {
            name: "Ada PATCH",
            kind: Kind::Patch,
            prism: None,
            spec: Spec::patch(
                "/ada/api/v2/platform-integrations/5df263b7db5a7e6ea03fae9b",
                r#"{"name": "Connect to Cool Shop Knowledge Hub",
                    "description": "Sync Cool Shop articles with your AI Agent's knowledge base",
                    "tags": ["knowledge"]}"#,
                200,
            ),
        },
        Row {
            name: "400 rejection (Teable PATCH)",
            kind: Kind::Other,
            prism: Some((PrismApi::Teable, prism_path(&rejected, "/teable/api"))),
            spec: rejected,
        },
        Row {
            name: "unknown path (404)",
            kind: Kind::Other,
            prism: Some((PrismApi::Teable, prism_path(&unknown, "/teable/api"))),
            spec: unknown,
        },
    ]
}

// === Starting servers ===

/// `understudy serve` on a free port, from an empty working directory and without the caller's
/// `UNDERSTUDY_*` variables, so that only `args` configure it. Request logs off (`warn`), as
/// Prism runs with `-v silent`.
fn understudy(args: &[&str]) -> Result<(Server, Duration), String> {
    let address = servers::free_address();
    let mut command = Command::new(UNDERSTUDY);
    command.args(["serve", "--host", "127.0.0.1", "--port", &address.port().to_string()]);
    command.args(args);
    command.current_dir(std::env::temp_dir()).env("RUST_LOG", "warn");
    for (name, _) in std::env::vars() {
        if name.starts_with("UNDERSTUDY_") {
            command.env_remove(name);
        }
    }
    Server::start(command, address, GITBOOK_LIST)
}

fn bare_server() -> Result<(Server, Duration), String> {
    let address = servers::free_address();
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut command = Command::new(exe);
    command.args(["bare-server", &address.port().to_string()]);
    Server::start(command, address, "/")
}

/// The scenarios with one more, `gitbook/bench`: GitBook's default with a rate limit no
/// benchmark reaches (the limiter and its headers still run on every request).
fn bench_scenarios() -> Result<PathBuf, String> {
    let dir =
        std::env::temp_dir().join(format!("understudy-bench-scenarios-{}", std::process::id()));
    copy_dir(&Path::new(ROOT).join("scenarios"), &dir).map_err(|e| e.to_string())?;
    std::fs::write(
        dir.join("gitbook/bench.yaml"),
        "description: GitBook's default scenario with a rate limit a benchmark never reaches.\n\
         extends: default\n\
         limits:\n  windows: [{requests: 1000000000000, seconds: 60}]\n",
    )
    .map_err(|e| e.to_string())?;
    Ok(dir)
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let path = entry?.path();
        let target = to.join(path.file_name().expect("a named entry"));
        if path.is_dir() {
            copy_dir(&path, &target)?;
        } else {
            std::fs::copy(&path, &target)?;
        }
    }
    Ok(())
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

/// Median time from process start to the first 200, over `runs` starts.
fn startup(
    runs: usize,
    mut start: impl FnMut() -> Result<(Server, Duration), String>,
) -> Result<Duration, String> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let (server, took) = start()?;
        drop(server);
        times.push(took);
    }
    Ok(median(times))
}

// === The run ===

struct Measured {
    row: Row,
    bare: Outcome,
    understudy: Outcome,
    prism: Option<Outcome>,
}

async fn run(options: &Options) -> Result<bool, String> {
    let mode =
        if options.smoke { "smoke run (debug build, checks no speed)" } else { "release build" };
    println!("# understudy serve benchmark: {mode}\n");
    println!("{}\n", machine());
    println!(
        "Load: {} keep-alive HTTP/1.1 connections on loopback, {:.1} s warm-up then {:.1} s per \
         measurement, from this process (a Tokio runtime of 2 threads). Servers: `understudy \
         serve` (request logs off, strict self-check on) and a bare hyper 1.x server, same Tokio \
         runtime settings{}.\n",
        options.connections,
        options.warmup.as_secs_f64(),
        options.duration.as_secs_f64(),
        if options.peers {
            format!(", and Prism {} (`-v silent`)", servers::PRISM_VERSION)
        } else {
            String::new()
        },
    );
    let mut ok = true;
    let steal_before = steal_ticks();

    // Start-up.
    let runs = options.startup_runs;
    let startup_understudy = startup(runs, || understudy(&[]))?;
    let startup_bare = startup(runs, bare_server)?;
    let prism_exe = if options.peers { Some(servers::install_prism()?) } else { None };
    let prism_contract = |api: PrismApi| match api {
        PrismApi::GitBook => Path::new(ROOT).join("contracts/gitbook/openapi-3.1.json"),
        PrismApi::Teable => Path::new(ROOT).join("contracts/teable/openapi.yaml"),
    };
    let start_prism = |api: PrismApi| -> Result<(Server, Duration), String> {
        let exe = prism_exe.as_ref().expect("Prism is installed with --peers");
        let address = servers::free_address();
        let probe = match api {
            PrismApi::GitBook => "/spaces/NoK4wQzHOEVavmwBhb3l/integrations",
            PrismApi::Teable => "/space/spcTeSYe43VZTSG4Uu3/integration",
        };
        Server::start(servers::prism(exe, &prism_contract(api), address), address, probe)
    };
    let startup_prism = match &prism_exe {
        Some(_) => Some(startup(runs.min(5), || start_prism(PrismApi::GitBook))?),
        None => None,
    };

    // Throughput and latency, row by row, bare server first.
    let scenarios = bench_scenarios()?;
    let mut args = vec![
        "--scenarios-dir",
        scenarios.to_str().ok_or("a UTF-8 temporary directory")?,
        "--scenario",
        "gitbook=bench",
    ];
    args.extend(options.serve_args.iter().map(String::as_str));
    if options.bounds && !options.smoke {
        return bounds::run(&bounds::Counts::full(), &args).await;
    }
    let (server, _) = understudy(&args)?;
    eprintln!("understudy under load: pid {}", server.pid());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_idle = server.rss();
    let (bare, _) = bare_server()?;
    let prism_servers = match &prism_exe {
        Some(_) => Some((start_prism(PrismApi::GitBook)?.0, start_prism(PrismApi::Teable)?.0)),
        None => None,
    };
    let mut measured = Vec::new();
    let only =
        |row: &Row| options.only.as_ref().is_none_or(|only| row.name.contains(only.as_str()));
    for row in rows().into_iter().filter(only) {
        let drive = |server: &Server, spec: Spec| {
            let (address, pid) = (server.address, server.pid());
            async move {
                load::run(
                    address,
                    Some(pid),
                    &spec,
                    options.connections,
                    options.warmup,
                    options.duration,
                )
                .await
            }
        };
        let bare_outcome = drive(&bare, Spec { expect: 200, ..row.spec.clone() }).await?;
        let understudy_outcome = drive(&server, row.spec.clone()).await?;
        let prism_outcome = match (&prism_servers, &row.prism) {
            (Some((gitbook, teable)), Some((api, spec))) => Some(
                drive(if *api == PrismApi::GitBook { gitbook } else { teable }, spec.clone())
                    .await?,
            ),
            _ => None,
        };
        eprintln!("measured: {}", row.name);
        measured.push(Measured {
            row,
            bare: bare_outcome,
            understudy: understudy_outcome,
            prism: prism_outcome,
        });
    }
    let rss_loaded = server.rss();
    drop((server, bare, prism_servers));

    // Lists with more and more records.
    let (server, _) = understudy(&["--body-limit", "1073741824"])?;
    let mut lists = Vec::new();
    let mut rss_records = None;
    for &count in &options.records {
        // Version 2026-07-02: the records below are in its wire format (`llm`, `openAI`).
        load_arize_records(server.address, count, "arize@2026-07-02").await?;
        let spec = Spec::get("/arize@2026-07-02/v2/integrations?limit=10", 200);
        let outcome = load::run(
            server.address,
            None,
            &spec,
            options.connections,
            options.warmup,
            options.duration,
        )
        .await?;
        eprintln!("measured: list of {count} records");
        lists.push((count, outcome));
        rss_records = server.rss();
    }
    drop(server);

    // The bundled conformance suites against a fresh server.
    let suites = if options.suites { Some(run_suites()?) } else { None };

    // Report.
    println!("## Throughput and latency\n");
    println!(
        "| request | understudy req/s | p50 ms | p99 ms | CPU µs/req | bare hyper req/s | p50 ms | p99 ms | CPU µs/req | understudy / bare |{}",
        if options.peers {
            " Prism req/s | p50 ms | p99 ms | CPU µs/req | understudy / Prism |"
        } else {
            ""
        }
    );
    println!(
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|{}",
        if options.peers { "---:|---:|---:|---:|---:|" } else { "" }
    );
    let cpu = |o: &load::Outcome| o.cpu_us().map_or("?".to_owned(), |us| format!("{us:.1}"));
    for m in &measured {
        let u = &m.understudy;
        let b = &m.bare;
        let mut line = format!(
            "| {} | {:.0} | {:.2} | {:.2} | {} | {:.0} | {:.2} | {:.2} | {} | {:.2} |",
            m.row.name,
            u.rps(),
            u.ms(0.5),
            u.ms(0.99),
            cpu(u),
            b.rps(),
            b.ms(0.5),
            b.ms(0.99),
            cpu(b),
            u.rps() / b.rps()
        );
        if options.peers {
            match &m.prism {
                Some(p) => line.push_str(&format!(
                    " {:.0} | {:.2} | {:.2} | {} | {:.1} |",
                    p.rps(),
                    p.ms(0.5),
                    p.ms(0.99),
                    cpu(p),
                    u.rps() / p.rps()
                )),
                None => line.push_str(" – | – | – | – | – |"),
            }
        }
        println!("{line}");
    }
    println!();
    println!("## Start-up, memory, scale, suites\n");
    println!("| measure | understudy | reference |");
    println!("|---|---:|---|");
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mib =
        |b: Option<u64>| b.map_or("?".to_owned(), |b| format!("{:.1} MiB", b as f64 / 1048576.0));
    println!(
        "| start-up to the first 200 (median of {runs}) | {:.1} ms | bare hyper {:.1} ms{} |",
        ms(startup_understudy),
        ms(startup_bare),
        startup_prism.map_or(String::new(), |p| format!(
            ", Prism {:.0} ms (median of {})",
            ms(p),
            runs.min(5)
        ))
    );
    let order = Path::new(ROOT).join("link/startup-order.txt");
    println!(
        "| RSS idle (after start-up and one request) | {} | start-up code placed together: {} functions of `link/startup-order.txt` in this binary |",
        mib(rss_idle),
        servers::ordered_functions(UNDERSTUDY, &order).map_or("?".to_owned(), |n| n.to_string())
    );
    println!("| RSS after the load above | {} | |", mib(rss_loaded));
    if let Some(count) = options.records.last() {
        println!("| RSS with {count} stored records | {} | |", mib(rss_records));
    }
    for (count, outcome) in &lists {
        println!(
            "| Arize list, first page of 10, with {count} records | p50 {:.2} ms, p99 {:.2} ms | {:.0} req/s |",
            outcome.ms(0.5),
            outcome.ms(0.99),
            outcome.rps()
        );
    }
    if let Some((took, cases)) = suites {
        println!(
            "| bundled conformance suites ({cases} cases, 4 processes) | {:.2} s | |",
            took.as_secs_f64()
        );
    }
    println!();
    if let (Some((s0, t0)), Some((s1, t1))) = (steal_before, steal_ticks()) {
        let share = (s1 - s0) as f64 / (t1 - t0).max(1) as f64 * 100.0;
        println!(
            "CPU time taken by the hypervisor (steal) during the run: {share:.1} %. Absolute \
             figures on a shared machine vary from run to run (up to 2× here); the ratios, \
             measured side by side within seconds, much less.\n"
        );
    }

    // Unexpected answers make a measurement meaningless: say so, and fail.
    let outcomes = measured
        .iter()
        .flat_map(|m| {
            [("understudy", &m.understudy), ("bare", &m.bare)]
                .into_iter()
                .chain(m.prism.as_ref().map(|p| ("Prism", p)))
                .map(move |(who, o)| (m.row.name.to_owned(), who, o))
        })
        .chain(lists.iter().map(|(count, o)| (format!("list of {count}"), "understudy", o)));
    for (name, who, outcome) in outcomes {
        if outcome.requests == 0 || outcome.unexpected > 0 {
            ok = false;
            println!(
                "**{name}, {who}: {} of {} answers had an unexpected status**, e.g. {}",
                outcome.unexpected,
                outcome.requests,
                outcome.example.as_deref().unwrap_or("(no answer at all)")
            );
        }
    }
    if options.smoke {
        // The bounds measurements too, with small counts: statuses only.
        ok &= bounds::run(&bounds::Counts::smoke(), &args).await?;
    }
    if options.smoke || options.only.is_some() {
        return Ok(ok);
    }

    // Targets.
    println!("## Targets\n");
    println!("| target | measured | verdict |");
    println!("|---|---|---|");
    let target = |name: &str, measured: String, met: bool| {
        println!("| {name} | {measured} | {} |", if met { "met" } else { "**missed**" });
    };
    let ratio = |kind: Kind| {
        measured
            .iter()
            .filter(|m| m.row.kind == kind)
            .map(|m| m.understudy.rps() / m.bare.rps())
            .fold(f64::INFINITY, f64::min)
    };
    target("GET ≥ 0.70 × bare", format!("{:.2} ×", ratio(Kind::Get)), ratio(Kind::Get) >= 0.70);
    target(
        "validated PATCH ≥ 0.50 × bare (lowest of three)",
        format!("{:.2} ×", ratio(Kind::Patch)),
        ratio(Kind::Patch) >= 0.50,
    );
    if options.peers {
        let lowest = measured
            .iter()
            .filter_map(|m| m.prism.as_ref().map(|p| m.understudy.rps() / p.rps()))
            .fold(f64::INFINITY, f64::min);
        target("≥ 30 × Prism's requests/s (lowest row)", format!("{lowest:.1} ×"), lowest >= 30.0);
    }
    target(
        "start-up ≤ 20 ms",
        format!("{:.1} ms", ms(startup_understudy)),
        ms(startup_understudy) <= 20.0,
    );
    let idle = rss_idle.unwrap_or(u64::MAX) as f64 / 1048576.0;
    target("RSS idle ≤ 20 MB", format!("{idle:.1} MiB"), idle * 1.048576 <= 20.0);
    if let Some((_, first)) = lists.first() {
        let base = first.ms(0.99);
        let worst = lists.iter().map(|(_, o)| (o.ms(0.99) / base - 1.0).abs()).fold(0.0, f64::max);
        target(
            "list p99 within ±20 % from 10 to 100,000 records",
            format!("largest deviation {:+.0} %", worst * 100.0),
            worst <= 0.20,
        );
    }
    if let Some((took, _)) = suites {
        target(
            "bundled suites ≤ 2 s",
            format!("{:.2} s", took.as_secs_f64()),
            took <= Duration::from_secs(2),
        );
    }
    let _ = std::fs::remove_dir_all(&scenarios);
    Ok(ok)
}

/// Replaces the Arize data of the default session by `count` integrations, in the version
/// whose store key is `key` (one whose wire format they are in: `arize@2026-07-02`).
async fn load_arize_records(address: SocketAddr, count: usize, key: &str) -> Result<(), String> {
    let mut records = serde_json::Map::new();
    for n in 1..=count {
        let id = base64::engine::general_purpose::STANDARD.encode(format!("LlmIntegration:{n}"));
        let record = json!({
            "id": id,
            "type": "llm",
            "name": format!("Integration {n}"),
            "scopings": [],
            "created_at": "2026-07-01T00:00:00Z",
            "updated_at": "2026-07-01T00:00:00Z",
            "created_by_user_id": "VXNlcjox",
            "config": {
                "provider": "openAI",
                "api_key": format!("sk-mock-{n}"),
                "is_default_models_enabled": false,
                "is_function_calling_enabled": true,
                "has_api_key": true
            }
        });
        records.insert(id, record);
    }
    let state = json!({key: {"default": {
        "collections": {"integrations": records},
        "counters": {"integrations": count},
    }}});
    let body = bytes::Bytes::from(serde_json::to_vec(&state).map_err(|e| e.to_string())?);
    let spec = Spec {
        method: http::Method::PUT,
        path: "/__understudy/state".into(),
        headers: vec![("content-type", "application/json".to_owned())],
        body,
        expect: 200,
    };
    let outcome = load::once(address, &spec).await?;
    if outcome != 200 {
        return Err(format!("loading {count} records answered {outcome}"));
    }
    Ok(())
}

/// Runs `understudy check` for every bundled suite against one fresh server; the total time
/// and the number of cases.
fn run_suites() -> Result<(Duration, usize), String> {
    let (server, _) = understudy(&[])?;
    let started = Instant::now();
    let mut cases = 0;
    for api in ["ada", "arize", "gitbook", "teable"] {
        let output = Command::new(UNDERSTUDY)
            .args(["check", "--api", api, "--target", &format!("http://{}/{api}", server.address)])
            .current_dir(std::env::temp_dir())
            .output()
            .map_err(|e| format!("cannot run understudy check: {e}"))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Err(format!(
                "the {api} suite failed:\n{stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let last = stdout.lines().last().unwrap_or_default();
        cases += last.split_whitespace().next().and_then(|n| n.parse::<usize>().ok()).unwrap_or(0);
    }
    Ok((started.elapsed(), cases))
}

/// The machine, for the README's table.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|text| {
            let kb: f64 = text.lines().next()?.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!("{:.0} GiB", kb / 1048576.0))
        })
        .unwrap_or_default();
    let rustc = Command::new("rustc")
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("Machine: {cpu}, {cores} cores, {memory}; {rustc}; {}", std::env::consts::OS)
}

/// Ticks the hypervisor took from this machine so far, and all ticks (Linux `/proc/stat`).
fn steal_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let ticks: Vec<u64> =
        stat.lines().next()?.split_whitespace().skip(1).filter_map(|t| t.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal guest guest_nice; guests are in user.
    Some((*ticks.get(7)?, ticks.iter().take(8).sum()))
}
