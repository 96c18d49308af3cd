//! Configuration: command-line flags, environment, config file and defaults, resolved once.
//!
//! Layers, lowest to highest (figment): built-in defaults < `understudy.toml` (or `--config`)
//! < `UNDERSTUDY_*` environment variables (nested keys with `__`, e.g.
//! `UNDERSTUDY_API__GITBOOK__SCENARIO=empty`) < flags. Unknown keys are errors, so a typo in
//! a file or a variable name is reported instead of silently ignored.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::catalog::{ApiOptions, CatalogOptions};
use crate::cli::ServeArgs;
use crate::cli::logging::LogFormat;
use crate::duration::{DurationText, Latency};
use crate::error::LoadError;
use crate::files::Tree;
use crate::json::plain::Plain;
use crate::mock::cors::CorsConfig;
use crate::mock::state::{DEFAULT_BODY_LIMIT, Settings};
use crate::mock::store::{SessionLimits, StoreOptions};

/// Variables of the other commands (`UNDERSTUDY_CHECK_TOKEN`, ...): namespaced by their
/// command, never read as `serve`'s configuration, so one environment can hold both.
const OTHER_COMMANDS: &[&str] = &["check_", "record_", "lint_", "health_", "infer_", "export_"];

fn serve_variable(key: &figment::value::UncasedStr) -> bool {
    let key = key.as_str().to_ascii_lowercase();
    !OTHER_COMMANDS.iter().any(|prefix| key.starts_with(prefix))
}

/// The default config file, read when present.
pub const DEFAULT_FILE: &str = "understudy.toml";
/// Prefix of configuration environment variables.
pub const ENV_PREFIX: &str = "UNDERSTUDY_";

/// The effective configuration of `understudy serve`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to bind.
    pub host: String,
    /// Port to bind.
    pub port: u16,
    /// APIs to serve (empty: all).
    pub apis: Vec<String>,
    /// OpenAPI documents served instead of the bundled APIs (`serve FILE...`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<PathBuf>,
    /// Directory of contracts added to the embedded ones, per API and per file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contracts: Option<PathBuf>,
    /// Directory of scenarios added to the embedded ones, per API and per file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenarios: Option<PathBuf>,
    /// Answer 500 when a response breaks the contract.
    pub strict: bool,
    /// Largest request body in bytes.
    pub body_limit: usize,
    /// Seed for generated ids and dynamic values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
    /// Answers built from the contract get varied, realistic values on every request.
    pub dynamic: bool,
    /// Start of a deterministic clock (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock: Option<String>,
    /// Token the admin routes require (health stays open).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin_token: Option<String>,
    /// How many exchanges the journal keeps.
    pub journal_entries: usize,
    /// The former name of `journal_entries`, still read (when `journal_entries` is not given),
    /// never printed.
    #[serde(default, skip_serializing)]
    pub journal_size: Option<usize>,
    /// How many bytes of exchanges (bodies, headers, paths) the journal keeps.
    pub journal_bytes: usize,
    /// Sessions kept besides each API's `default`; past it the least recently used is dropped.
    pub max_sessions: usize,
    /// A session unused for this long is dropped (`0s`: never).
    pub session_idle: DurationText,
    /// Rate-limit counters kept per API (clients past it share one counter).
    pub rate_limit_counters: usize,
    /// How long requests in flight may take to finish after SIGTERM or SIGINT.
    pub grace_period: DurationText,
    /// How long a client may take, from connecting, to send a request's headers.
    pub header_timeout: DurationText,
    /// How long a connection may stay open with no request in flight and no bytes moving.
    pub idle_timeout: DurationText,
    /// How long a client may take to send a request's body.
    pub request_timeout: DurationText,
    /// Connections served at once; more wait to be accepted.
    pub max_connections: usize,
    /// Added to every response: `"100ms"`, or a range `"50ms..200ms"` (none by default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency: Option<String>,
    /// `human` or `json` log lines.
    pub log_format: LogFormat,
    /// Reload contracts and scenarios (given as directories) when they change.
    pub watch: bool,
    /// Cross-origin requests from browsers.
    pub cors: CorsConfig,
    /// Per-API settings.
    pub api: BTreeMap<String, ApiOptions>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: "127.0.0.1".into(),
            port: 4010,
            apis: Vec::new(),
            files: Vec::new(),
            contracts: None,
            scenarios: None,
            strict: true,
            body_limit: DEFAULT_BODY_LIMIT,
            seed: None,
            dynamic: false,
            clock: None,
            admin_token: None,
            journal_entries: crate::mock::journal::DEFAULT_ENTRIES,
            journal_size: None,
            journal_bytes: crate::mock::journal::DEFAULT_BYTES,
            max_sessions: crate::mock::store::DEFAULT_MAX_SESSIONS,
            session_idle: DurationText(crate::mock::store::DEFAULT_SESSION_IDLE),
            rate_limit_counters: crate::mock::limit::DEFAULT_COUNTERS,
            grace_period: DurationText(Duration::from_secs(10)),
            header_timeout: DurationText(Duration::from_secs(10)),
            idle_timeout: DurationText(Duration::from_secs(60)),
            request_timeout: DurationText(Duration::from_secs(30)),
            max_connections: 1024,
            latency: None,
            log_format: LogFormat::Human,
            watch: false,
            cors: CorsConfig::default(),
            api: BTreeMap::new(),
        }
    }
}

/// A configuration that cannot be used. Every variant names the key at fault.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `--config FILE` names no file.
    #[error("configuration: {0}: no such config file")]
    NoFile(PathBuf),
    /// The layers do not fit the configuration's shape: unknown keys, values of the wrong type
    /// (one readable line per problem, each naming its key and layer).
    #[error("configuration: {0}")]
    Layers(String),
    /// `host` is not an IP address.
    #[error("configuration: host `{0}` is not an IP address")]
    Host(String),
    /// A number that must be at least one is zero.
    #[error("configuration: {0} must be at least {1}")]
    Zero(&'static str, &'static str),
    /// `latency` is not a duration or a range.
    #[error("configuration: latency: {0}")]
    Latency(#[source] crate::duration::DurationError),
    /// A CORS origin is not an origin.
    #[error("configuration: cors.origins: `{0}` is not an origin such as http://localhost:5173")]
    Origin(String),
    /// `clock` is not a timestamp.
    #[error("configuration: clock `{clock}` is not an RFC 3339 timestamp: {reason}")]
    Clock {
        /// The value given.
        clock: String,
        /// What the parser said.
        reason: String,
    },
    /// An API's mount does not start with `/`.
    #[error("configuration: api.{api}.mount `{mount}` must start with `/`")]
    Mount {
        /// The API.
        api: String,
        /// The mount given.
        mount: String,
    },
    /// The address cannot be bound.
    #[error("configuration: cannot bind {host}:{port}")]
    Address {
        /// The host.
        host: String,
        /// The port.
        port: u16,
    },
    /// A `--scenario`, `--contract` or `--mount` flag is not `API=VALUE`.
    #[error("configuration: {flag} takes API=VALUE, not `{value}`")]
    Flag {
        /// The flag.
        flag: &'static str,
        /// What was given.
        value: String,
    },
}

impl Config {
    /// Resolves the layers for `serve`, reading `env` for the environment layer.
    pub fn resolve(args: &ServeArgs) -> Result<Config, ConfigError> {
        Config::resolve_with(args, Env::prefixed(ENV_PREFIX).filter(serve_variable).split("__"))
    }

    fn resolve_with(args: &ServeArgs, env: Env) -> Result<Config, ConfigError> {
        // What the user gave (file, environment, flags), over the defaults.
        let mut given = Figment::new();
        match &args.config {
            Some(path) => {
                if !path.is_file() {
                    return Err(ConfigError::NoFile(path.clone()));
                }
                given = given.merge(Toml::file_exact(path));
            }
            None if Path::new(DEFAULT_FILE).is_file() => {
                given = given.merge(Toml::file_exact(DEFAULT_FILE));
            }
            None => {}
        }
        // Plain: figment reads numbers as numbers, not as serde_json's private struct.
        let overrides = overrides(args)?;
        given = given.merge(env).merge(Serialized::globals(Plain(&overrides)));
        let figment = Figment::from(Serialized::defaults(Config::default())).merge(given.clone());
        let mut config: Config = figment.extract().map_err(|e| ConfigError::Layers(describe(e)))?;
        if let Some(entries) = config.journal_size.take()
            && !given.contains("journal_entries")
        {
            config.journal_entries = entries;
        }
        config.check()?;
        Ok(config)
    }

    fn check(&self) -> Result<(), ConfigError> {
        if self.host.parse::<std::net::IpAddr>().is_err() && self.host != "localhost" {
            return Err(ConfigError::Host(self.host.clone()));
        }
        if self.body_limit == 0 {
            return Err(ConfigError::Zero("body_limit", "1 byte"));
        }
        if self.max_connections == 0 {
            return Err(ConfigError::Zero("max_connections", "1"));
        }
        if self.max_sessions == 0 {
            return Err(ConfigError::Zero("max_sessions", "1"));
        }
        if self.rate_limit_counters == 0 {
            return Err(ConfigError::Zero("rate_limit_counters", "1"));
        }
        if let Some(latency) = &self.latency {
            Latency::parse(latency).map_err(ConfigError::Latency)?;
        }
        for origin in &self.cors.origins {
            if http::HeaderValue::from_str(origin).is_err() || !origin.contains("://") {
                return Err(ConfigError::Origin(origin.clone()));
            }
        }
        if let Some(clock) = &self.clock {
            clock
                .parse::<jiff::Timestamp>()
                .map_err(|e| ConfigError::Clock { clock: clock.clone(), reason: e.to_string() })?;
        }
        for (name, api) in &self.api {
            if let Some(mount) = &api.mount
                && !mount.is_empty()
                && !mount.starts_with('/')
            {
                return Err(ConfigError::Mount { api: name.clone(), mount: mount.clone() });
            }
        }
        Ok(())
    }

    /// The address to bind.
    pub fn address(&self) -> Result<SocketAddr, ConfigError> {
        let host = if self.host == "localhost" { "127.0.0.1" } else { &self.host };
        format!("{host}:{}", self.port)
            .parse()
            .or_else(|_| format!("[{host}]:{}", self.port).parse())
            .map_err(|_| ConfigError::Address { host: self.host.clone(), port: self.port })
    }

    /// What to load: the documents given (`serve FILE...`), else the embedded contracts;
    /// directories laid over them per API and per file.
    pub fn catalog_options(&self) -> Result<CatalogOptions, LoadError> {
        let mut contracts = match self.files.is_empty() {
            true => Tree::embedded_contracts(),
            false => Tree::documents(&self.files)?,
        };
        if let Some(dir) = &self.contracts {
            contracts = contracts.overlay(dir)?;
        }
        let mut scenarios = Tree::embedded_scenarios();
        if let Some(dir) = &self.scenarios {
            scenarios = scenarios.overlay(dir)?;
        }
        Ok(CatalogOptions { contracts, scenarios, only: self.apis.clone(), apis: self.api.clone() })
    }

    /// The paths `--watch` watches: the documents and directories given.
    pub fn watched(&self) -> Vec<PathBuf> {
        let mut paths = self.files.clone();
        paths.extend(self.contracts.iter().chain(&self.scenarios).cloned());
        paths
    }

    /// How the service behaves.
    pub fn settings(&self) -> Settings {
        Settings {
            strict: self.strict,
            body_limit: self.body_limit,
            admin_token: self.admin_token.clone(),
            journal: crate::mock::journal::JournalLimits {
                entries: self.journal_entries,
                bytes: self.journal_bytes,
            },
            rate_limit_counters: self.rate_limit_counters,
            request_timeout: self.request_timeout.0,
            latency: self.latency.as_deref().and_then(|l| Latency::parse(l).ok()),
            cors: self.cors.clone(),
            dynamic: self.dynamic,
        }
    }

    /// How the server accepts and drains connections.
    pub fn server_options(&self) -> crate::server::ServerOptions {
        crate::server::ServerOptions {
            grace: self.grace_period.0,
            header_timeout: self.header_timeout.0,
            idle_timeout: self.idle_timeout.0,
            max_connections: self.max_connections,
        }
    }

    /// How the store makes ids and reads time.
    pub fn store_options(&self) -> StoreOptions {
        StoreOptions {
            seed: self.seed,
            clock: self.clock.as_deref().and_then(|c| c.parse().ok()),
            sessions: SessionLimits {
                max: self.max_sessions,
                idle: Some(self.session_idle.0).filter(|idle| !idle.is_zero()),
            },
        }
    }

    /// The configuration as TOML, for `--print-config`.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot print: {e}\n"))
    }
}

/// The flags the user gave, as a nested map (flags not given are absent, so they do not hide
/// lower layers).
fn overrides(args: &ServeArgs) -> Result<serde_json::Value, ConfigError> {
    let mut map = serde_json::Map::new();
    let mut set = |key: &str, value: serde_json::Value| {
        map.insert(key.to_owned(), value);
    };
    if !args.apis.is_empty() {
        set("apis", serde_json::json!(args.apis));
    }
    if !args.files.is_empty() {
        let files: Vec<String> = args.files.iter().map(|f| f.display().to_string()).collect();
        set("files", serde_json::json!(files));
    }
    if let Some(host) = &args.host {
        set("host", host.clone().into());
    }
    if let Some(port) = args.port {
        set("port", port.into());
    }
    if let Some(path) = &args.contracts {
        set("contracts", path.display().to_string().into());
    }
    if let Some(path) = &args.scenarios_dir {
        set("scenarios", path.display().to_string().into());
    }
    if args.lenient {
        set("strict", false.into());
    }
    if let Some(limit) = args.body_limit {
        set("body_limit", limit.into());
    }
    if let Some(seed) = args.seed {
        set("seed", seed.into());
    }
    if args.dynamic {
        set("dynamic", true.into());
    }
    if let Some(clock) = &args.clock {
        set("clock", clock.clone().into());
    }
    if let Some(token) = &args.admin_token {
        set("admin_token", token.clone().into());
    }
    for (key, value) in [
        ("grace_period", &args.grace_period),
        ("header_timeout", &args.header_timeout),
        ("idle_timeout", &args.idle_timeout),
        ("request_timeout", &args.request_timeout),
        ("latency", &args.latency),
        ("session_idle", &args.session_idle),
    ] {
        if let Some(value) = value {
            set(key, value.clone().into());
        }
    }
    for (key, value) in [
        ("max_connections", args.max_connections),
        ("max_sessions", args.max_sessions),
        ("rate_limit_counters", args.rate_limit_counters),
        ("journal_entries", args.journal_entries),
        ("journal_bytes", args.journal_bytes),
    ] {
        if let Some(value) = value {
            set(key, value.into());
        }
    }
    if let Some(format) = args.log_format {
        set("log_format", serde_json::to_value(format).unwrap_or_default());
    }
    if args.watch {
        set("watch", true.into());
    }
    let mut cors = serde_json::Map::new();
    if args.no_cors {
        cors.insert("enabled".into(), false.into());
    }
    if !args.cors_origins.is_empty() {
        cors.insert("origins".into(), serde_json::json!(args.cors_origins));
    }
    if args.cors_admin {
        cors.insert("admin".into(), true.into());
    }
    if !cors.is_empty() {
        set("cors", cors.into());
    }
    let mut apis = serde_json::Map::new();
    for (flag, key, values) in [
        ("--scenario", "scenario", &args.scenarios),
        ("--contract", "contract", &args.contract_files),
        ("--mount", "mount", &args.mounts),
        ("--default-version", "version", &args.default_versions),
    ] {
        for value in values {
            let Some((api, setting)) =
                value.split_once('=').filter(|(a, s)| !a.is_empty() && !s.is_empty())
            else {
                return Err(ConfigError::Flag { flag, value: value.clone() });
            };
            let entry = apis.entry(api.to_owned()).or_insert_with(|| serde_json::json!({}));
            entry[key] = setting.into();
        }
    }
    if !apis.is_empty() {
        map.insert("api".into(), apis.into());
    }
    Ok(serde_json::Value::Object(map))
}

/// A figment error as one readable line per problem, naming the key and where it came from.
fn describe(error: figment::Error) -> String {
    error
        .into_iter()
        .map(|e| {
            let key =
                if e.path.is_empty() { String::new() } else { format!("`{}`: ", e.path.join(".")) };
            let source =
                e.metadata.as_ref().map(|m| format!(" (from {})", m.name)).unwrap_or_default();
            format!("{key}{}{source}", e.kind)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
#[allow(clippy::result_large_err)] // figment::Jail's closures must return figment::Error
mod tests {
    use super::*;

    #[test]
    fn layers_apply_in_order() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "understudy.toml",
                "port = 5000\nhost = \"0.0.0.0\"\n[api.gitbook]\nscenario = \"empty\"\n",
            )?;
            jail.set_env("UNDERSTUDY_PORT", "6000");
            jail.set_env("UNDERSTUDY_API__ADA__SCENARIO", "rate-limited");
            let args =
                ServeArgs { scenarios: vec!["gitbook=default".into()], ..ServeArgs::default() };
            let config = Config::resolve(&args).map_err(|e| e.to_string())?;
            assert_eq!(config.host, "0.0.0.0");
            assert_eq!(config.port, 6000);
            assert_eq!(config.api["gitbook"].scenario.as_deref(), Some("default"));
            assert_eq!(config.api["ada"].scenario.as_deref(), Some("rate-limited"));
            let args = ServeArgs { port: Some(7000), ..ServeArgs::default() };
            assert_eq!(Config::resolve(&args).map_err(|e| e.to_string())?.port, 7000);
            Ok(())
        });
    }

    #[test]
    fn durations_latency_and_cors_read_from_every_layer() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("understudy.toml", "grace_period = \"3s\"\nlatency = \"50ms..200ms\"\n[cors]\norigins = [\"http://localhost:5173\"]\n")?;
            jail.set_env("UNDERSTUDY_HEADER_TIMEOUT", "1500ms");
            jail.set_env("UNDERSTUDY_CORS__CREDENTIALS", "false");
            let config = Config::resolve(&ServeArgs { no_cors: true, ..ServeArgs::default() })
                .map_err(|e| e.to_string())?;
            assert_eq!(config.grace_period.0, Duration::from_secs(3));
            assert_eq!(config.header_timeout.0, Duration::from_millis(1500));
            assert_eq!(
                config.settings().latency,
                Some(Latency { min: Duration::from_millis(50), max: Duration::from_millis(200) })
            );
            assert_eq!(
                config.cors,
                CorsConfig {
                    enabled: false,
                    origins: vec!["http://localhost:5173".into()],
                    credentials: false,
                    admin: false
                }
            );
            assert!(config.to_toml().contains("grace_period = \"3s\""));
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("UNDERSTUDY_GRACE_PERIOD", "soon");
            let error = Config::resolve(&ServeArgs::default()).unwrap_err().to_string();
            assert!(error.contains("grace_period") && error.contains("soon"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn dynamic_values_are_off_unless_a_layer_turns_them_on() {
        figment::Jail::expect_with(|jail| {
            assert!(!Config::resolve(&ServeArgs::default()).map_err(|e| e.to_string())?.dynamic);
            jail.set_env("UNDERSTUDY_DYNAMIC", "true");
            let config = Config::resolve(&ServeArgs::default()).map_err(|e| e.to_string())?;
            assert!(config.dynamic && config.settings().dynamic);
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.create_file("understudy.toml", "dynamic = false\n")?;
            let args = ServeArgs { dynamic: true, ..ServeArgs::default() };
            assert!(Config::resolve(&args).map_err(|e| e.to_string())?.settings().dynamic);
            Ok(())
        });
    }

    #[test]
    fn the_bounds_read_from_every_layer_and_journal_size_still_reads() {
        figment::Jail::expect_with(|jail| {
            let defaults = Config::resolve(&ServeArgs::default()).map_err(|e| e.to_string())?;
            let store = defaults.store_options().sessions;
            assert_eq!((store.max, store.idle), (1000, Some(Duration::from_secs(3600))));
            let journal = defaults.settings().journal;
            assert_eq!((journal.entries, journal.bytes), (1000, 32 << 20));
            assert_eq!(defaults.settings().rate_limit_counters, 10_000);
            jail.create_file("understudy.toml", "journal_size = 50\nsession_idle = \"0s\"\n")?;
            jail.set_env("UNDERSTUDY_JOURNAL_BYTES", "1048576");
            jail.set_env("UNDERSTUDY_RATE_LIMIT_COUNTERS", "20");
            let args = ServeArgs { max_sessions: Some(5), ..ServeArgs::default() };
            let config = Config::resolve(&args).map_err(|e| e.to_string())?;
            assert_eq!(config.store_options().sessions, SessionLimits { max: 5, idle: None });
            let settings = config.settings();
            assert_eq!((settings.journal.entries, settings.journal.bytes), (50, 1 << 20));
            assert_eq!(settings.rate_limit_counters, 20);
            let printed = config.to_toml();
            for key in ["max_sessions = 5", "session_idle = \"0s\"", "journal_entries = 50"] {
                assert!(printed.contains(key), "{key} in {printed}");
            }
            let args = ServeArgs {
                session_idle: Some("90s".into()),
                journal_entries: Some(7),
                ..ServeArgs::default()
            };
            let config = Config::resolve(&args).map_err(|e| e.to_string())?;
            assert_eq!(config.store_options().sessions.idle, Some(Duration::from_secs(90)));
            assert_eq!(config.settings().journal.entries, 7);
            jail.set_env("UNDERSTUDY_MAX_SESSIONS", "0");
            let error = Config::resolve(&ServeArgs::default()).unwrap_err().to_string();
            assert!(error.contains("max_sessions"), "{error}");
            Ok(())
        });
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("UNDERSTUDY_PROT", "1");
            let error = Config::resolve(&ServeArgs::default()).unwrap_err().to_string();
            assert!(error.contains("prot"), "{error}");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("UNDERSTUDY_PORT", "eighty");
            let error = Config::resolve(&ServeArgs::default()).unwrap_err().to_string();
            assert!(error.contains("`port`"), "{error}");
            Ok(())
        });
        figment::Jail::expect_with(|_| {
            let args = ServeArgs { scenarios: vec!["gitbook".into()], ..ServeArgs::default() };
            let error = Config::resolve(&args).unwrap_err().to_string();
            assert!(error.contains("--scenario takes API=VALUE"), "{error}");
            Ok(())
        });
    }
}
