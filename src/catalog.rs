//! The catalog: every served API with its contracts, scenarios and routes, built once.
//!
//! [`Catalog::load`] reads the contract and scenario folders, picks the served contract and
//! the active scenario of each API, checks the scenario against the contract (every operation
//! it names exists, every parameter it reads is a path parameter of that operation), and
//! compiles the routes. The result is immutable and shared as an `Arc<Catalog>`: the request
//! path only reads it.
//!
//! Each API is mounted at `/<name>` followed by its contract's server base path
//! (`/teable/api/...`). When only one API is served it also answers at `/`.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::contract::{self, Contract, Operation, ParameterLocation};
use crate::error::LoadError;
use crate::files::{TextFile, Tree};
use crate::scenario::{self, Scenario};

/// All served APIs. Cloning is cheap: contracts, scenarios and routes are shared.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// The APIs, sorted by name.
    pub apis: Vec<Api>,
}

/// One served API.
#[derive(Debug, Clone)]
pub struct Api {
    /// Its name (the folder name: `teable`).
    pub name: String,
    /// Where it is mounted (`/teable`; empty for the root).
    pub mount: String,
    /// The contract requests are routed and validated with.
    pub contract: Arc<Contract>,
    /// Every contract version of the API, the served one included: responses are checked
    /// against all of them.
    pub contracts: Vec<Arc<Contract>>,
    /// The active scenario.
    pub scenario: Arc<Scenario>,
    /// Every scenario of the API, by name.
    pub scenarios: BTreeMap<String, Arc<Scenario>>,
}

/// What to load and how to serve it.
#[derive(Debug, Clone)]
pub struct CatalogOptions {
    /// Where contracts come from.
    pub contracts: Tree,
    /// Where scenarios come from.
    pub scenarios: Tree,
    /// Serve only these APIs (empty: all).
    pub only: Vec<String>,
    /// Per-API settings.
    pub apis: BTreeMap<String, ApiOptions>,
}

/// Settings of one API.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiOptions {
    /// Mount prefix (default `/<name>`).
    pub mount: Option<String>,
    /// Contract file to serve when the API has several (default: the newest OpenAPI version).
    pub contract: Option<String>,
    /// Active scenario (default `default`).
    pub scenario: Option<String>,
}

impl CatalogOptions {
    /// The embedded contracts and scenarios, every API, default settings.
    pub fn embedded() -> Self {
        CatalogOptions {
            contracts: Tree::embedded_contracts(),
            scenarios: Tree::embedded_scenarios(),
            only: Vec::new(),
            apis: BTreeMap::new(),
        }
    }
}

/// Where a request path lands.
#[derive(Debug)]
pub struct Mounted<'a> {
    /// The API.
    pub api: &'a Api,
    /// The path inside the API, after mount and base path (`None`: the path is under the mount
    /// but outside the base path, so nothing can match).
    pub path: Option<&'a str>,
}

impl Catalog {
    /// A copy with `api`'s active scenario replaced by `scenario` (one of its scenarios).
    pub fn with_scenario(&self, api: &str, scenario: &str) -> Option<Catalog> {
        let mut catalog = self.clone();
        let entry = catalog.apis.iter_mut().find(|a| a.name == api)?;
        entry.scenario = entry.scenarios.get(scenario)?.clone();
        Some(catalog)
    }

    /// Loads and checks everything.
    pub fn load(options: &CatalogOptions) -> Result<Catalog, LoadError> {
        let available = options.contracts.apis()?;
        for name in options.only.iter().chain(options.apis.keys()) {
            if !available.contains(name) {
                return Err(LoadError::invalid(
                    options.contracts.describe(),
                    "-",
                    format!("/{name}"),
                    format!("no API `{name}` (available: {})", available.join(", ")),
                ));
            }
        }
        let names: Vec<&String> = available
            .iter()
            .filter(|name| options.only.is_empty() || options.only.contains(name))
            .collect();
        // Read every file first (cheap), then parse and compile contracts and scenarios on
        // every core, then put each API together in order: the first error in that order is
        // the one reported, as if everything had been loaded one after the other.
        let mut sources = Vec::new();
        for name in names {
            let contracts = options.contracts.files(name, &[".yaml", ".yml", ".json"])?;
            if contracts.is_empty() {
                let message = "no contract file (.yaml, .yml or .json)";
                return Err(LoadError::invalid(
                    options.contracts.describe(),
                    "-",
                    format!("/{name}"),
                    message,
                ));
            }
            let scenarios = options.scenarios.files(name, &[".yaml", ".yml"])?;
            sources.push((name, contracts, scenarios));
        }
        let jobs: Vec<Job<'_>> = sources
            .iter()
            .flat_map(|(_, contracts, scenarios)| {
                contracts.iter().map(Job::Contract).chain([Job::Scenarios(scenarios)])
            })
            .collect();
        let mut done = parallel_map(&jobs, Job::run).into_iter();
        let mut apis = Vec::new();
        for (name, contracts, _) in &sources {
            let settings = options.apis.get(*name).cloned().unwrap_or_default();
            let contracts = (0..contracts.len())
                .map(|_| match done.next() {
                    Some(Done::Contract(contract)) => contract.map(Arc::from),
                    _ => unreachable!("one result per job, in order"),
                })
                .collect::<Result<Vec<_>, _>>()?;
            let scenarios = match done.next() {
                Some(Done::Scenarios(scenarios)) => scenarios?,
                _ => unreachable!("one result per job, in order"),
            };
            apis.push(assemble(options, name, &settings, contracts, scenarios)?);
        }
        Ok(Catalog { apis })
    }

    /// An API by name.
    pub fn api(&self, name: &str) -> Option<&Api> {
        self.apis.iter().find(|a| a.name == name)
    }

    /// Finds the API a request path belongs to: the longest matching mount, or the only API
    /// when just one is served.
    pub fn mount<'a>(&'a self, path: &'a str) -> Option<Mounted<'a>> {
        let under = |mount: &str| {
            path.strip_prefix(mount).filter(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        let found = self
            .apis
            .iter()
            .filter_map(|api| under(&api.mount).map(|rest| (api, rest)))
            .max_by_key(|(api, _)| api.mount.len());
        let (api, rest) = match found {
            Some(found) => found,
            None if self.apis.len() == 1 => (&self.apis[0], path),
            None => return None,
        };
        let base = api.contract.base_path.as_str();
        let inside = rest.strip_prefix(base).filter(|r| r.is_empty() || r.starts_with('/'));
        Some(Mounted { api, path: inside.map(|p| if p.is_empty() { "/" } else { p }) })
    }
}

/// A unit of loading work, done on any core.
enum Job<'a> {
    Contract(&'a TextFile),
    Scenarios(&'a [TextFile]),
}

enum Done {
    Contract(Result<Box<Contract>, LoadError>),
    Scenarios(Result<BTreeMap<String, Scenario>, LoadError>),
}

impl Job<'_> {
    fn run(&self) -> Done {
        match self {
            Job::Contract(file) => Done::Contract(contract::load(file).map(Box::new)),
            Job::Scenarios(files) => Done::Scenarios(scenario::load_all(files)),
        }
    }
}

/// `f` of every item, in order, computed on as many threads as there are cores.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut results: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break mine };
                        mine.push((i, f(item)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| match worker.join() {
                Ok(done) => done,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// One API from its loaded contracts and scenarios.
fn assemble(
    options: &CatalogOptions,
    name: &str,
    settings: &ApiOptions,
    contracts: Vec<Arc<Contract>>,
    loaded: BTreeMap<String, Scenario>,
) -> Result<Api, LoadError> {
    let served = match &settings.contract {
        Some(file) => {
            contracts.iter().find(|c| &c.file_name == file).cloned().ok_or_else(|| {
                let names: Vec<&str> = contracts.iter().map(|c| c.file_name.as_str()).collect();
                LoadError::invalid(
                    options.contracts.describe(),
                    "-",
                    format!("/{name}"),
                    format!("no contract file `{file}` (available: {})", names.join(", ")),
                )
            })?
        }
        None => contracts
            .iter()
            .max_by(|a, b| a.dialect.cmp(&b.dialect).then_with(|| a.version.cmp(&b.version)))
            .cloned()
            .expect("at least one contract"),
    };

    let mut scenarios = BTreeMap::new();
    for (scenario_name, scenario) in loaded {
        check_scenario(&scenario, &served)?;
        scenarios.insert(scenario_name, Arc::new(scenario));
    }
    let wanted = settings.scenario.as_deref().unwrap_or("default");
    let scenario = match scenarios.get(wanted) {
        Some(scenario) => scenario.clone(),
        None if settings.scenario.is_none() => Arc::new(Scenario::fallback()),
        None => {
            let names: Vec<&str> = scenarios.keys().map(String::as_str).collect();
            return Err(LoadError::invalid(
                options.scenarios.describe(),
                "-",
                format!("/{name}"),
                format!("no scenario `{wanted}` (available: {})", names.join(", ")),
            ));
        }
    };
    Ok(Api {
        name: name.to_owned(),
        mount: settings
            .mount
            .clone()
            .unwrap_or_else(|| format!("/{name}"))
            .trim_end_matches('/')
            .to_owned(),
        contract: served,
        contracts,
        scenario,
        scenarios,
    })
}

/// The scenario must only name operations and path parameters the contract has.
fn check_scenario(scenario: &Scenario, contract: &Contract) -> Result<(), LoadError> {
    for (id, behaviour) in &scenario.operations {
        let pointer = format!("/operations/{id}");
        let Some(operation) = contract.operation(id) else {
            let known: Vec<&str> = contract.operations.iter().map(|o| o.id.as_str()).collect();
            let message = format!(
                "the contract {} has no operation `{id}` (it has: {})",
                contract.file,
                known.join(", ")
            );
            return Err(LoadError::invalid(&scenario.file, id, pointer, message));
        };
        let key = match &behaviour.key {
            Some(crate::scenario::KeySource::Param(name)) => Some(name),
            _ => None,
        };
        for (role, param) in [("key", key), ("parent", behaviour.parent.as_ref())] {
            if let Some(param) = param
                && !has_path_parameter(operation, param)
            {
                let message = format!(
                    "`{role}: {param}` is not a path parameter of `{} {}`",
                    operation.method, operation.path
                );
                return Err(LoadError::invalid(
                    &scenario.file,
                    id,
                    format!("{pointer}/{role}"),
                    message,
                ));
            }
        }
    }
    Ok(())
}

fn has_path_parameter(operation: &Operation, name: &str) -> bool {
    operation.parameters.iter().any(|p| p.location == ParameterLocation::Path && p.name == name)
}
