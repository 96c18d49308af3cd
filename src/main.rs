//! The `understudy` binary: parses the command line, sets up logging, and hands over to the
//! library. Exit codes: 0 success, 1 problems found, 2 could not run (bad configuration,
//! broken contract or scenario, port in use).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use understudy::catalog::versions::VERSION_HEADER;
use understudy::catalog::{ApiOptions, CatalogOptions};
use understudy::cli::config::Config;
use understudy::cli::health::Health;
use understudy::cli::logging::{self, LogFormat};
use understudy::cli::{
    CheckArgs, Cli, Command, ExportArgs, HealthArgs, InferArgs, LintArgs, RecordArgs, SchemaArgs,
    SchemaFormat, ServeArgs,
};
use understudy::files::Tree;
use understudy::{App, Catalog, Store};

/// mimalloc rather than the system allocator: a request allocates and frees many small JSON
/// nodes, and glibc's malloc spent about half of the request path's instructions on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("understudy: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Serve(args) => serve(&args),
        Command::Lint(args) => lint(&args),
        Command::Check(args) => check(&args),
        Command::Record(args) => record(&args),
        Command::Schema(args) => schema(&args),
        Command::Health(args) => health(&args),
        Command::Infer(args) => infer(&args),
        Command::Export(args) => export(&args),
    }
}

/// `understudy health`: what a container's HEALTHCHECK runs (exit 0 healthy, 1 not).
fn health(args: &HealthArgs) -> anyhow::Result<ExitCode> {
    match understudy::cli::health::probe(args)? {
        Health::Healthy(address) => {
            println!("healthy: http://{address}");
            Ok(ExitCode::SUCCESS)
        }
        Health::Unhealthy(reason) => {
            println!("unhealthy: {reason}");
            Ok(ExitCode::from(1))
        }
    }
}

/// `understudy infer FILE`: the inferred scenario, as YAML on standard output.
fn infer(args: &InferArgs) -> anyhow::Result<ExitCode> {
    let file = understudy::files::read_file(&args.file)?;
    let contract = understudy::contract::load(&file)?;
    let scenario = understudy::scenario::infer::infer(&contract);
    let yaml = understudy::scenario::infer::to_yaml(&scenario)
        .context("cannot write the scenario as YAML")?;
    print!("# The scenario understudy infers for {}.\n{yaml}", args.file.display());
    Ok(ExitCode::SUCCESS)
}

/// `understudy export DIR`: the embedded files, to start from.
fn export(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let written = understudy::files::export(&args.dir)?;
    println!("wrote {written} files under {}", args.dir.display());
    Ok(ExitCode::SUCCESS)
}

fn schema(args: &SchemaArgs) -> anyhow::Result<ExitCode> {
    let schema = match args.format {
        SchemaFormat::Scenario => understudy::scenario::json_schema(),
        SchemaFormat::Exchange => understudy::conformance::exchange::json_schema(),
        SchemaFormat::Report => understudy::conformance::report::json_schema(),
    };
    println!("{}", serde_json::to_string_pretty(&schema)?);
    Ok(ExitCode::SUCCESS)
}

fn serve(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let config = Config::resolve(args)?;
    let options = config.catalog_options()?;
    if args.print_config {
        let catalog = Catalog::load(&options)?;
        print!("{}{}", config.to_toml(), understudy::cli::listing::comment(&catalog));
        return Ok(ExitCode::SUCCESS);
    }
    logging::init(config.log_format);
    let catalog = Arc::new(Catalog::load(&options)?);
    let address = config.address()?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let stopped = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .with_context(|| format!("cannot listen on {address}"))?;
        let local = listener.local_addr().context("cannot read the bound address")?;
        eprintln!("understudy {} listening on http://{local}", env!("CARGO_PKG_VERSION"));
        eprint!("{}", understudy::cli::listing::banner(&catalog, local));
        let app = App::new(catalog.clone(), Store::new(config.store_options()), config.settings());
        let watched = config.watched();
        let _watcher = match (config.watch, watched.is_empty()) {
            (false, _) => None,
            (true, true) => {
                tracing::warn!("--watch has nothing to watch: contracts and scenarios are the embedded ones (give FILE, --contracts or --scenarios-dir)");
                None
            }
            (true, false) => {
                let watcher = understudy::mock::watch::spawn(app.state().clone(), options.clone(), watched.clone())?;
                let shown: Vec<String> = watched.iter().map(|p| p.display().to_string()).collect();
                tracing::info!(paths = %shown.join(", "), "watching for changes");
                Some(watcher)
            }
        };
        // The first SIGINT/SIGTERM drains; a second one stops at once.
        let (first, second) = signals();
        // Live streams (the dashboard's journal) end at the first signal: they would hold
        // their connections open through the whole grace period.
        let state = app.state().clone();
        let stopped = understudy::server::run_until(
            listener,
            app,
            async move { let _ = first.await; state.close_streams(); },
            async { let _ = second.await; },
            config.server_options(),
        )
        .await;
        anyhow::Ok(stopped)
    })?;
    match stopped {
        understudy::server::Stopped::Drained => Ok(ExitCode::SUCCESS),
        understudy::server::Stopped::CutOff(connections) => {
            eprintln!("understudy: stopped with requests in flight on {connections} connection(s)");
            Ok(ExitCode::from(1))
        }
    }
}

/// Two signals: the first SIGINT or SIGTERM, then the next one.
fn signals() -> (tokio::sync::oneshot::Receiver<()>, tokio::sync::oneshot::Receiver<()>) {
    let (first_tx, first) = tokio::sync::oneshot::channel();
    let (second_tx, second) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = first_tx.send(());
        shutdown_signal().await;
        let _ = second_tx.send(());
    });
    (first, second)
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM (what `docker stop` and Kubernetes send).
async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
}

/// The version of one API that `--api NAME[@VERSION]` names (its default version without
/// `@`), for `check` and `record` (contracts only matter).
fn load_api(
    selector: &str,
    contracts: Option<&std::path::Path>,
    contract: Option<String>,
) -> anyhow::Result<understudy::catalog::Version> {
    let api = selector.split_once('@').map_or(selector, |(api, _)| api);
    let mut options = CatalogOptions::embedded();
    if let Some(dir) = contracts {
        options.contracts = Tree::disk(dir);
    }
    options.only = vec![api.to_owned()];
    options.apis.insert(api.to_owned(), ApiOptions { contract, ..ApiOptions::default() });
    let catalog = Catalog::load(&options)?;
    let version = catalog.version(selector).with_context(|| {
        let names: Vec<String> = catalog
            .api(api)
            .into_iter()
            .flat_map(|a| a.versions.iter().filter_map(|v| v.name.clone()))
            .collect();
        format!("`{selector}`: API `{api}` has no such version (versions: {})", names.join(", "))
    })?;
    Ok(version.clone())
}

/// What `check` adds to every request, understudy's own headers (a real vendor ignores
/// them): a fresh session, so a suite runs against its own seed data however many times it
/// runs on one server, and the version when one is named.
fn check_headers(version: &understudy::catalog::Version) -> Vec<(String, String)> {
    let session = format!("check-{:016x}", fastrand::u64(..));
    let mut headers = vec![(understudy::request::SESSION.as_str().to_owned(), session)];
    if let Some(name) = &version.name {
        headers.push((VERSION_HEADER.as_str().to_owned(), name.clone()));
    }
    headers
}

/// The folder of a version's files: `api/version`, or `api` for an API without versions.
fn folder(version: &understudy::catalog::Version) -> String {
    match &version.name {
        Some(name) => format!("{}/{name}", version.api),
        None => version.api.clone(),
    }
}

fn check(args: &CheckArgs) -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal as _;
    use understudy::conformance::runner::{self, RunOptions};

    let version = load_api(&args.api, args.contracts.as_deref(), args.contract.clone())?;
    let files = match &args.suite {
        Some(dir) => understudy::files::suite_files(dir, &folder(&version), &[".json"])?,
        None => Tree::embedded_conformance().files(&folder(&version), &[".json"])?,
    };
    let cases = understudy::conformance::exchange::load_suite(&files)?;
    let planned = understudy::conformance::plan::plan(&cases, &args.only, &args.skip)?;
    let options = RunOptions {
        target: args.target.clone(),
        token: args.token.clone(),
        only: args.only.clone(),
        timeout: Duration::from_secs(args.timeout.max(1)),
        headers: check_headers(&version),
    };
    let progress = indicatif::ProgressBar::new(planned.len() as u64);
    if std::io::stderr().is_terminal() {
        progress.set_style(
            indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
    } else {
        progress.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    let run = runtime.block_on(runner::run(
        &version.key,
        &version.contract,
        planned,
        &options,
        |outcome| {
            progress.set_message(outcome.id.clone());
            progress.inc(1);
        },
    ))?;
    progress.finish_and_clear();

    let rerun = format!("understudy check --api {} --target {}", args.api, args.target);
    anstream::print!("{}", understudy::conformance::report::human(&run, &rerun));
    if let Some(path) = &args.json {
        let report = serde_json::to_string_pretty(&understudy::conformance::report::json(&run))?;
        std::fs::write(path, report + "\n")
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = &args.junit {
        let xml = understudy::conformance::report::junit(&run).map_err(anyhow::Error::msg)?;
        std::fs::write(path, xml).with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(if run.failed() == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn record(args: &RecordArgs) -> anyhow::Result<ExitCode> {
    logging::init(LogFormat::Human);
    let version = load_api(&args.api, args.contracts.as_deref(), None)?;
    let options = understudy::conformance::record::RecordOptions {
        target: args.target.clone(),
        out: args.out.clone(),
    };
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let address = std::net::SocketAddr::from(([127, 0, 0, 1], args.port));
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .with_context(|| format!("cannot listen on {address}"))?;
        let local = listener.local_addr().context("cannot read the bound address")?;
        eprintln!(
            "understudy record listening on http://{local}, forwarding to {}, writing to {}",
            args.target,
            args.out.display()
        );
        eprintln!("  point your client at http://{local} as it would at the target; Ctrl-C stops");
        understudy::conformance::record::run(
            listener,
            version.contract,
            options,
            shutdown_signal(),
        )
        .await
        .context("recording failed")?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

fn lint(args: &LintArgs) -> anyhow::Result<ExitCode> {
    let contracts = args.contracts.clone().map_or_else(Tree::embedded_contracts, Tree::disk);
    let scenarios = args.scenarios.clone().map_or_else(Tree::embedded_scenarios, Tree::disk);
    let suites = args.suites.clone().map_or_else(Tree::embedded_conformance, Tree::disk);
    let report = understudy::cli::lint::run(&contracts, &scenarios, &suites)?;
    for problem in &report.problems {
        println!("{problem}");
    }
    let counts = report.checked;
    println!(
        "{} problems in {} contracts, {} scenarios, {} examples, {} seed records, {} exchanges",
        report.problems.len(),
        counts.contracts,
        counts.scenarios,
        counts.examples,
        counts.records,
        counts.exchanges
    );
    Ok(if report.problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
