//! Loading the catalog: the contract and scenario folders read, checked against each other,
//! and built once.
//!
//! [`Catalog::load`] finds each API's versions (version folders declared in `versions.yaml`,
//! or the API's own folder as its one unnamed version), reads every file first (cheap), then
//! parses and compiles contracts and scenarios on every core, then puts each version together
//! in order: the served dialect, the active scenario, the scenario checked against the
//! contract (every operation it names exists, every parameter it reads is a path parameter of
//! that operation). The first error in that order is the one reported, as if everything had
//! been loaded one after the other. The result is immutable and shared as an `Arc<Catalog>`.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::catalog::model::{Api, Catalog, Version};
use crate::catalog::versions::{self, Declaration, VERSIONS_FILE};
use crate::contract::{self, Contract, Operation, ParameterLocation};
use crate::error::LoadError;
use crate::files::{Origin, TextFile, Tree};
use crate::scenario::{self, Scenario};

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
    /// Contract file to serve when a version has several dialects (default: the newest
    /// OpenAPI version).
    pub contract: Option<String>,
    /// Active scenario (default `default`), in every version that has it.
    pub scenario: Option<String>,
    /// The version served at the mount when nothing else decides (default: the one
    /// `versions.yaml` names).
    pub version: Option<String>,
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

/// The files of one version, read but not parsed.
struct Source {
    api: String,
    /// `None`: the API's only, unnamed version.
    version: Option<String>,
    description: String,
    clients: versions::Clients,
    /// Each with where it comes from: an embedded contract is compiled lazily.
    contracts: Vec<(TextFile, Origin)>,
    scenarios: Vec<TextFile>,
}

/// The versions of one API, read but not parsed.
struct ApiSource {
    name: String,
    versions: Vec<Source>,
    default: usize,
}

impl Catalog {
    /// Loads and checks everything.
    pub fn load(options: &CatalogOptions) -> Result<Catalog, LoadError> {
        let available = options.contracts.apis()?;
        for name in options.only.iter().chain(options.apis.keys()) {
            if !available.contains(name) {
                return Err(invalid(
                    &options.contracts,
                    name,
                    format!("no API `{name}` (available: {})", available.join(", ")),
                ));
            }
        }
        let mut sources = Vec::new();
        for name in available.iter().filter(|n| options.only.is_empty() || options.only.contains(n))
        {
            sources.push(read(options, name)?);
        }
        let jobs: Vec<Job<'_>> = sources
            .iter()
            .flat_map(|api| &api.versions)
            .flat_map(|v| {
                v.contracts.iter().map(Job::Contract).chain([Job::Scenarios(&v.scenarios)])
            })
            .collect();
        let mut done = parallel_map(&jobs, Job::run).into_iter();
        let mut apis = Vec::new();
        for source in &sources {
            let settings = options.apis.get(&source.name).cloned().unwrap_or_default();
            let mut versions = Vec::new();
            for version in &source.versions {
                let contracts = (0..version.contracts.len())
                    .map(|_| match done.next() {
                        Some(Done::Contract(contract)) => contract.map(Arc::from),
                        _ => unreachable!("one result per job, in order"),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let scenarios = match done.next() {
                    Some(Done::Scenarios(scenarios)) => scenarios?,
                    _ => unreachable!("one result per job, in order"),
                };
                versions.push(assemble(version, &settings, contracts, scenarios)?);
            }
            let api = api(options, source, &settings, versions)?;
            if let Some(other) = apis.iter().find(|a: &&Api| a.mount == api.mount) {
                let message = format!(
                    "mounted at `{}` like API `{}`: give one of them another mount (--mount {}=/...)",
                    if api.mount.is_empty() { "/" } else { &api.mount },
                    other.name,
                    api.name
                );
                return Err(invalid(&options.contracts, &api.name, message));
            }
            apis.push(api);
        }
        Ok(Catalog { apis })
    }
}

/// An API's files: its version folders (with their declaration), or its own folder.
fn read(options: &CatalogOptions, name: &str) -> Result<ApiSource, LoadError> {
    let folders = options.contracts.subfolders(name)?;
    let declared = options
        .contracts
        .files(name, &[VERSIONS_FILE])?
        .into_iter()
        .find(|f| f.file_name == VERSIONS_FILE);
    // A contract of the API's own folder makes its subfolders parts of it (files its `$ref`s
    // name), not versions, unless `versions.yaml` says otherwise.
    let own = options.contracts.files(name, &[".yaml", ".yml", ".json"])?;
    let declaration: Option<Declaration> = match (&declared, folders.as_slice()) {
        (Some(file), _) => Some(versions::declaration(file, &folders)?),
        (None, []) => None,
        (None, _) if own.iter().any(|f| f.file_name != VERSIONS_FILE) => None,
        (None, [only]) => Some(versions::single(only)),
        (None, _) => {
            let message = format!(
                "the version folders {} need `{VERSIONS_FILE}` naming the default",
                folders.join(", ")
            );
            return Err(invalid(&options.contracts, name, message));
        }
    };
    let Some(declaration) = declaration else {
        let version = Source {
            api: name.to_owned(),
            version: None,
            description: String::new(),
            clients: versions::Clients::default(),
            contracts: contract_files(options, name, name)?,
            scenarios: options.scenarios.files(name, &[".yaml", ".yml"])?,
        };
        return Ok(ApiSource { name: name.to_owned(), versions: vec![version], default: 0 });
    };
    let mut versions = Vec::new();
    for declared in declaration.versions {
        let folder = format!("{name}/{}", declared.name);
        versions.push(Source {
            api: name.to_owned(),
            contracts: contract_files(options, name, &folder)?,
            scenarios: options.scenarios.files(&folder, &[".yaml", ".yml"])?,
            version: Some(declared.name),
            description: declared.description,
            clients: declared.clients,
        });
    }
    let default = versions
        .iter()
        .position(|v| v.version.as_deref() == Some(declaration.default.as_str()))
        .unwrap_or_default();
    Ok(ApiSource { name: name.to_owned(), versions, default })
}

/// The contract files of a folder (every dialect); at least one.
fn contract_files(
    options: &CatalogOptions,
    api: &str,
    folder: &str,
) -> Result<Vec<(TextFile, Origin)>, LoadError> {
    let mut files = options.contracts.files_with_origin(folder, &[".yaml", ".yml", ".json"])?;
    files.retain(|(f, _)| f.file_name != VERSIONS_FILE);
    if files.is_empty() {
        let message = format!("no contract file (.yaml, .yml or .json) in `{folder}`");
        return Err(invalid(&options.contracts, api, message));
    }
    Ok(files)
}

fn invalid(tree: &Tree, api: &str, message: impl Into<String>) -> LoadError {
    LoadError::invalid(tree.describe(), "-", format!("/{api}"), message)
}

/// A unit of loading work, done on any core.
enum Job<'a> {
    Contract(&'a (TextFile, Origin)),
    Scenarios(&'a [TextFile]),
}

enum Done {
    Contract(Result<Box<Contract>, LoadError>),
    Scenarios(Result<BTreeMap<String, Scenario>, LoadError>),
}

impl Job<'_> {
    fn run(&self) -> Done {
        match self {
            // The embedded contracts are compiled on first use: a test compiles all of them
            // (`contract/load/` says why); a user's are compiled now, so that one that does not
            // compile stops the start.
            Job::Contract((file, origin)) => {
                let compilation = match origin {
                    Origin::Embedded(text) => contract::Compilation::Lazy(text),
                    Origin::Disk => contract::Compilation::Eager,
                };
                Done::Contract(contract::load_with(file, compilation).map(Box::new))
            }
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

/// One API from its loaded versions: its mount and default version.
fn api(
    options: &CatalogOptions,
    source: &ApiSource,
    settings: &ApiOptions,
    versions: Vec<Version>,
) -> Result<Api, LoadError> {
    let default = match &settings.version {
        None => source.default,
        Some(wanted) => versions
            .iter()
            .position(|v| v.name.as_deref() == Some(wanted.as_str()))
            .ok_or_else(|| {
                let names: Vec<&str> = versions.iter().filter_map(|v| v.name.as_deref()).collect();
                let names = if names.is_empty() { "none".to_owned() } else { names.join(", ") };
                invalid(
                    &options.contracts,
                    &source.name,
                    format!("no version `{wanted}` (versions: {names})"),
                )
            })?,
    };
    if let Some(file) = &settings.contract
        && !versions.iter().any(|v| v.contracts.iter().any(|c| &c.file_name == file))
    {
        let mut names: Vec<&str> =
            versions.iter().flat_map(|v| &v.contracts).map(|c| c.file_name.as_str()).collect();
        names.dedup();
        return Err(invalid(
            &options.contracts,
            &source.name,
            format!("no contract file `{file}` (available: {})", names.join(", ")),
        ));
    }
    if let Some(scenario) = &settings.scenario
        && !versions.iter().any(|v| v.scenarios.contains_key(scenario))
    {
        let mut names: Vec<&str> =
            versions.iter().flat_map(|v| v.scenarios.keys()).map(String::as_str).collect();
        names.sort();
        names.dedup();
        return Err(LoadError::invalid(
            options.scenarios.describe(),
            "-",
            format!("/{}", source.name),
            format!("no scenario `{scenario}` (available: {})", names.join(", ")),
        ));
    }
    let mount = settings.mount.clone().unwrap_or_else(|| format!("/{}", source.name));
    Ok(Api {
        name: source.name.clone(),
        mount: mount.trim_end_matches('/').to_owned(),
        versions,
        default,
    })
}

/// One version from its loaded contracts and scenarios.
fn assemble(
    source: &Source,
    settings: &ApiOptions,
    contracts: Vec<Arc<Contract>>,
    loaded: BTreeMap<String, Scenario>,
) -> Result<Version, LoadError> {
    // The configured dialect where the version has it (`api()` checks that one does), else
    // the newest OpenAPI version.
    let configured = settings.contract.as_ref();
    let served = match configured.and_then(|file| contracts.iter().find(|c| &c.file_name == file)) {
        Some(contract) => contract.clone(),
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
    // A contract nobody wrote a scenario for still remembers writes.
    if scenarios.is_empty() {
        let inferred = scenario::inferred(&served)?;
        check_scenario(&inferred, &served)?;
        scenarios.insert(inferred.name.clone(), Arc::new(inferred));
    }
    // The configured scenario in every version that has it; others keep `default`.
    let wanted = settings.scenario.as_deref().filter(|s| scenarios.contains_key(*s));
    let scenario =
        match scenarios.get(wanted.unwrap_or("default")).or(scenarios.get(scenario::INFERRED)) {
            Some(scenario) => scenario.clone(),
            None => Arc::new(Scenario::fallback()),
        };
    let key = match &source.version {
        Some(version) => format!("{}@{version}", source.api),
        None => source.api.clone(),
    };
    Ok(Version {
        api: source.api.clone(),
        name: source.version.clone(),
        key,
        description: source.description.clone(),
        contract: served,
        contracts,
        scenario,
        scenarios,
        clients: source.clients.clone(),
    })
}

/// The scenario must only name operations and path parameters the contract has.
fn check_scenario(scenario: &Scenario, contract: &Contract) -> Result<(), LoadError> {
    for (id, behaviour) in scenario.operations.iter() {
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
