//! The `understudy` binary: parses the command line, sets up logging, and hands over to the
//! library. Exit codes: 0 success, 1 problems found, 2 could not run (bad configuration,
//! broken contract or scenario, port in use).

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser;
use understudy::cli::{Cli, Command, LintArgs, SchemaArgs, SchemaFormat, ServeArgs};
use understudy::config::Config;
use understudy::files::Tree;
use understudy::{App, Catalog, Store};

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
        Command::Schema(args) => schema(&args),
    }
}

fn schema(args: &SchemaArgs) -> anyhow::Result<ExitCode> {
    let schema = match args.format {
        SchemaFormat::Scenario => understudy::scenario::json_schema(),
    };
    println!("{}", serde_json::to_string_pretty(&schema)?);
    Ok(ExitCode::SUCCESS)
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

fn serve(args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let config = Config::resolve(args)?;
    if args.print_config {
        print!("{}", config.to_toml());
        return Ok(ExitCode::SUCCESS);
    }
    init_logging();
    let catalog = Arc::new(Catalog::load(&config.catalog_options())?);
    let address = config.address()?;
    let runtime = tokio::runtime::Runtime::new().context("cannot start the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .with_context(|| format!("cannot listen on {address}"))?;
        let local = listener.local_addr().context("cannot read the bound address")?;
        eprintln!("understudy {} listening on http://{local}", env!("CARGO_PKG_VERSION"));
        for api in &catalog.apis {
            eprintln!(
                "  {:<10} http://{local}{}{}  ({}, scenario {})",
                api.name,
                api.mount,
                api.contract.base_path,
                api.contract.file_name,
                api.scenario.name
            );
        }
        let app = App::new(catalog.clone(), Store::new(config.store_options()), config.settings());
        understudy::server::run(listener, app, shutdown_signal(), Duration::from_secs(10)).await;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
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

fn lint(args: &LintArgs) -> anyhow::Result<ExitCode> {
    let contracts = args.contracts.clone().map_or_else(Tree::embedded_contracts, Tree::disk);
    let scenarios = args.scenarios.clone().map_or_else(Tree::embedded_scenarios, Tree::disk);
    let report = understudy::lint::run(&contracts, &scenarios)?;
    for problem in &report.problems {
        println!("{problem}");
    }
    let counts = report.checked;
    println!(
        "{} problems in {} contracts, {} scenarios, {} examples, {} seed records",
        report.problems.len(),
        counts.contracts,
        counts.scenarios,
        counts.examples,
        counts.records
    );
    Ok(if report.problems.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
