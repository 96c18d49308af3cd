//! The command line, exactly as typed: clap types and no I/O.
//!
//! Turning these into a validated configuration (with the config file and the environment
//! underneath) is `config.rs`'s job.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// understudy: a local mock and contract-testing server.
#[derive(Debug, Parser)]
#[command(name = "understudy", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the APIs from their contracts and scenarios.
    Serve(Box<ServeArgs>),
    /// Check contracts and scenarios: documents load, examples and seed records match their
    /// schemas, scenarios name only what the contracts have. Exit 0 clean, 1 problems, 2 could
    /// not run.
    Lint(LintArgs),
    /// Replay a suite of recorded exchanges against a target; check every response against
    /// the contract and against the recording. Exit 0 all conform, 1 differences, 2 could not run.
    Check(CheckArgs),
    /// Run a recording proxy: forward requests to a target and write each exchange as a case
    /// file (secrets replaced by ${env.NAME} placeholders, volatile values given rules).
    Record(RecordArgs),
    /// Print the JSON Schema of a file format, for editors to complete and check.
    Schema(SchemaArgs),
    /// Ask a running understudy whether it is healthy (for container health checks): exit 0
    /// when `/__understudy/health` answers 200, 1 otherwise.
    Health(HealthArgs),
    /// Print the scenario understudy infers for an OpenAPI document (what `serve FILE` uses
    /// when there is no scenario file), as YAML: a starting point to edit.
    Infer(InferArgs),
    /// Write the embedded contracts, scenarios and conformance suites into DIR, to start from.
    Export(ExportArgs),
}

/// `understudy infer`.
#[derive(Debug, Args)]
pub struct InferArgs {
    /// The OpenAPI document (3.0 or 3.1, YAML or JSON).
    pub file: PathBuf,
}

/// `understudy export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to write `contracts/`, `scenarios/` and `conformance/` (existing files are not
    /// overwritten).
    pub dir: PathBuf,
}

/// `understudy health`.
#[derive(Debug, Args)]
pub struct HealthArgs {
    /// The server's base URL (default: 127.0.0.1 and the port of the configuration).
    #[arg(long)]
    pub url: Option<String>,
    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 3)]
    pub timeout: u64,
}

/// `understudy check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The API whose contract and suite to use.
    #[arg(long)]
    pub api: String,
    /// The target's base URL as a vendor client takes it (https://api.gitbook.com, or
    /// http://localhost:4010/gitbook); the contract's server base path is added.
    #[arg(long)]
    pub target: String,
    /// Value of ${env.TOKEN} in the suite (default: the TOKEN environment variable).
    #[arg(long, env = "UNDERSTUDY_CHECK_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Directory of exchange files (or of per-API folders); default: the embedded suite.
    #[arg(long, value_name = "DIR")]
    pub suite: Option<PathBuf>,
    /// Directory of contracts replacing the embedded ones.
    #[arg(long, value_name = "DIR")]
    pub contracts: Option<PathBuf>,
    /// Contract file to check against when the API has several (default: the newest).
    #[arg(long, value_name = "FILE")]
    pub contract: Option<String>,
    /// Run only these case ids (repeatable; `*` wildcards), with the cases they need.
    #[arg(long, value_name = "ID")]
    pub only: Vec<String>,
    /// Leave out cases whose id matches (repeatable; `*` wildcards), e.g. `'*-prefer'` against
    /// a real vendor, which ignores `Prefer`.
    #[arg(long, value_name = "ID")]
    pub skip: Vec<String>,
    /// Write a JSON report here.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a JUnit XML report here.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Seconds to wait for each response.
    #[arg(long, default_value_t = 10)]
    pub timeout: u64,
}

/// `understudy record`.
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The API whose contract names the operations.
    #[arg(long)]
    pub api: String,
    /// Where to forward requests (as for `check --target`).
    #[arg(long)]
    pub target: String,
    /// Directory to write case files to (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Port to listen on, on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 4011)]
    pub port: u16,
    /// Directory of contracts replacing the embedded ones.
    #[arg(long, value_name = "DIR")]
    pub contracts: Option<PathBuf>,
}

/// `understudy schema`.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which format.
    #[arg(value_enum)]
    pub format: SchemaFormat,
}

/// File formats with a JSON Schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SchemaFormat {
    /// Scenario files (`scenarios/<api>/<name>.yaml`).
    Scenario,
    /// Exchange files (`conformance/<api>/<case>.json`).
    Exchange,
    /// The JSON report of `understudy check --json`.
    Report,
}

/// `understudy serve`.
#[derive(Debug, Args, Default)]
pub struct ServeArgs {
    /// OpenAPI documents (3.0 or 3.1, YAML or JSON) to serve instead of the bundled APIs, each
    /// at /<file stem> (and, when there is one, also at /), with an inferred scenario unless
    /// --scenarios-dir has one for it.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Serve only this API (repeatable; default: all).
    #[arg(long = "api", value_name = "NAME")]
    pub apis: Vec<String>,
    /// Address to bind (default 127.0.0.1; a container uses 0.0.0.0).
    #[arg(long)]
    pub host: Option<String>,
    /// Port to bind (default 4010; 0 picks a free one).
    #[arg(long)]
    pub port: Option<u16>,
    /// Active scenario of an API, as API=NAME (repeatable).
    #[arg(long = "scenario", value_name = "API=NAME")]
    pub scenarios: Vec<String>,
    /// Contract file an API serves when it has several, as API=FILE (repeatable).
    #[arg(long = "contract", value_name = "API=FILE")]
    pub contract_files: Vec<String>,
    /// Mount prefix of an API, as API=PATH (repeatable; default /<api>).
    #[arg(long = "mount", value_name = "API=PATH")]
    pub mounts: Vec<String>,
    /// Version an API serves at its mount when nothing else decides, as API=VERSION
    /// (repeatable; default: the one its versions.yaml names).
    #[arg(long = "default-version", value_name = "API=VERSION")]
    pub default_versions: Vec<String>,
    /// Directory of contracts (`<api>/openapi.yaml`) added to the embedded ones: its files
    /// replace embedded files of the same API and name, its APIs are added.
    #[arg(long, value_name = "DIR")]
    pub contracts: Option<PathBuf>,
    /// Directory of scenarios (`<api>/<name>.yaml`) added to the embedded ones, file by file.
    #[arg(long, value_name = "DIR")]
    pub scenarios_dir: Option<PathBuf>,
    /// Configuration file (default: understudy.toml in the working directory, if present).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Send responses that break the contract instead of answering 500.
    #[arg(long)]
    pub lenient: bool,
    /// Largest request body in bytes (default 1048576).
    #[arg(long, value_name = "BYTES")]
    pub body_limit: Option<usize>,
    /// Seed for generated ids and dynamic values, so they repeat from run to run.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Answers built from the contract (operations without a behaviour, `Prefer: code=`) get
    /// varied, realistic values on every request instead of the static example or sample.
    #[arg(long)]
    pub dynamic: bool,
    /// Start a deterministic clock at this instant (RFC 3339), one second per reading.
    #[arg(long, value_name = "TIMESTAMP")]
    pub clock: Option<String>,
    /// Require this bearer token on the admin routes (health stays open).
    #[arg(long, value_name = "TOKEN")]
    pub admin_token: Option<String>,
    /// Time requests in flight get to finish after SIGTERM/SIGINT (default 10s).
    #[arg(long, value_name = "DURATION")]
    pub grace_period: Option<String>,
    /// Time a client gets, from connecting, to send a request's headers (default 10s).
    #[arg(long, value_name = "DURATION")]
    pub header_timeout: Option<String>,
    /// Time a connection may stay open with nothing in flight and no bytes moving (default 60s).
    #[arg(long, value_name = "DURATION")]
    pub idle_timeout: Option<String>,
    /// Time a client gets to send a request's body (default 30s).
    #[arg(long, value_name = "DURATION")]
    pub request_timeout: Option<String>,
    /// Connections served at once (default 1024).
    #[arg(long, value_name = "N")]
    pub max_connections: Option<usize>,
    /// Sessions kept besides each API's `default` (default 1000); past it, the least recently
    /// used one is dropped and starts again from its seed on next use.
    #[arg(long, value_name = "N")]
    pub max_sessions: Option<usize>,
    /// A session unused for this long is dropped and starts again from its seed (default 1h;
    /// 0s: never).
    #[arg(long, value_name = "DURATION")]
    pub session_idle: Option<String>,
    /// Rate-limit counters kept per API (default 10000); clients past it share one counter.
    #[arg(long, value_name = "N")]
    pub rate_limit_counters: Option<usize>,
    /// Exchanges the journal keeps (default 1000).
    #[arg(long, value_name = "N")]
    pub journal_entries: Option<usize>,
    /// Bytes of exchanges the journal keeps (default 33554432, 32 MiB); bodies over 64 KiB are
    /// kept truncated.
    #[arg(long, value_name = "BYTES")]
    pub journal_bytes: Option<usize>,
    /// Delay added to every response: 100ms, or a range 50ms..200ms.
    #[arg(long, value_name = "DURATION[..DURATION]")]
    pub latency: Option<String>,
    /// Log lines for people (human) or machines (json).
    #[arg(long, value_enum)]
    pub log_format: Option<crate::cli::logging::LogFormat>,
    /// Reload contracts and scenarios (given as directories) when their files change.
    #[arg(long)]
    pub watch: bool,
    /// Refuse cross-origin requests from browsers (CORS off).
    #[arg(long)]
    pub no_cors: bool,
    /// Allow only this origin (repeatable; default: any origin, reflected).
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub cors_origins: Vec<String>,
    /// Let pages on other origins use the admin API too (default: only its own origin).
    #[arg(long)]
    pub cors_admin: bool,
    /// Print the effective configuration as TOML and exit.
    #[arg(long)]
    pub print_config: bool,
}

/// `understudy lint`.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Directory of contracts (default: the embedded ones).
    #[arg(long, value_name = "DIR")]
    pub contracts: Option<PathBuf>,
    /// Directory of scenarios (default: the embedded ones).
    #[arg(long, value_name = "DIR")]
    pub scenarios: Option<PathBuf>,
    /// Directory of conformance suites, one folder per API (default: the embedded ones).
    #[arg(long, value_name = "DIR")]
    pub suites: Option<PathBuf>,
}
