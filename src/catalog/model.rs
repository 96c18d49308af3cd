//! What the catalog holds: every served API, its versions, and where requests find them.
//!
//! An [`Api`] is mounted at `/<name>` (followed by its contract's server base path) and has
//! one or more [`Version`]s; each version has its own contract dialects, scenarios and store.
//! A request to `/<name>@<version>` names its version; one to `/<name>` is answered by the
//! version its headers pick (see `versions.rs`).

use std::collections::BTreeMap;
use std::sync::Arc;

use http::HeaderMap;

use crate::catalog::versions::{Clients, VERSION_HEADER};
use crate::contract::Contract;
use crate::scenario::Scenario;

/// All served APIs. Cloning is cheap: contracts and scenarios are shared.
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
    /// Its versions, in recognition order (one, unnamed, for an API without versions).
    pub versions: Vec<Version>,
    /// The index of the version served at the mount when nothing else decides.
    pub default: usize,
}

/// One version of an API: what answers its requests.
#[derive(Debug, Clone)]
pub struct Version {
    /// The API's name.
    pub api: String,
    /// The version's name (`None`: the API has no versions).
    pub name: Option<String>,
    /// `api` or `api@version`: the name of its data in the store, the journal and the admin
    /// API.
    pub key: String,
    /// What the version is, and which client releases speak it.
    pub description: String,
    /// The contract requests are routed and validated with.
    pub contract: Arc<Contract>,
    /// Every dialect of the version, the served one included: responses are checked against
    /// all of them.
    pub contracts: Vec<Arc<Contract>>,
    /// The active scenario.
    pub scenario: Arc<Scenario>,
    /// Every scenario of the version, by name.
    pub scenarios: BTreeMap<String, Arc<Scenario>>,
    /// How the version's clients are recognised.
    pub clients: Clients,
}

/// Where a request path lands.
#[derive(Debug)]
pub struct Mounted<'a> {
    /// The API.
    pub api: &'a Api,
    /// The version the path names (`/<api>@<version>`), if it names one.
    pub version: Option<&'a Version>,
    /// The path inside the API, after mount and base path (`None`: the path is under the mount
    /// but outside the base path, so nothing can match).
    pub path: Option<&'a str>,
}

/// The version a request asks for does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("API `{api}` has no version `{wanted}` (versions: {})", available.join(", "))]
pub struct UnknownVersion {
    /// The API.
    pub api: String,
    /// The version asked for.
    pub wanted: String,
    /// Its versions.
    pub available: Vec<String>,
}

impl Catalog {
    /// An API by name.
    pub fn api(&self, name: &str) -> Option<&Api> {
        self.apis.iter().find(|a| a.name == name)
    }

    /// The versions a selector names: `api` (all its versions) or `api@version` (that one).
    pub fn versions(&self, selector: &str) -> Option<Vec<&Version>> {
        let (name, version) = match selector.split_once('@') {
            Some((name, version)) => (name, Some(version)),
            None => (selector, None),
        };
        let api = self.api(name)?;
        match version {
            None => Some(api.versions.iter().collect()),
            Some(version) => api.version(version).map(|v| vec![v]),
        }
    }

    /// One version by selector: `api@version`, or `api` for its default version.
    pub fn version(&self, selector: &str) -> Option<&Version> {
        match selector.split_once('@') {
            Some((name, version)) => self.api(name)?.version(version),
            None => self.api(selector).map(Api::default_version),
        }
    }

    /// A copy with the active scenario of the versions `selector` names replaced by their
    /// `scenario` (versions without one of that name keep theirs).
    pub fn with_scenario(&self, selector: &str, scenario: &str) -> Catalog {
        let mut catalog = self.clone();
        let keys: Vec<String> =
            self.versions(selector).into_iter().flatten().map(|v| v.key.clone()).collect();
        for version in catalog.apis.iter_mut().flat_map(|a| a.versions.iter_mut()) {
            if keys.contains(&version.key)
                && let Some(found) = version.scenarios.get(scenario)
            {
                version.scenario = found.clone();
            }
        }
        catalog
    }

    /// A copy in which `version` is the default version of `api` (served at `/<api>` when
    /// neither the path, the version header nor the client's headers decide); `None` when the
    /// API has no version of that name.
    pub fn with_default_version(&self, api: &str, version: &str) -> Option<Catalog> {
        let mut catalog = self.clone();
        let found = catalog.apis.iter_mut().find(|a| a.name == api)?;
        found.default = found.versions.iter().position(|v| v.name.as_deref() == Some(version))?;
        Some(catalog)
    }

    /// Finds the API a request path belongs to: the longest matching mount (`/<api>` or
    /// `/<api>@<version>`), or the only API when just one is served.
    pub fn mount<'a>(&'a self, path: &'a str) -> Option<Mounted<'a>> {
        let under = |mount: &str| -> Option<&'a str> {
            path.strip_prefix(mount).filter(|rest| rest.is_empty() || rest.starts_with('/'))
        };
        let mut found: Option<(&Api, Option<&Version>, &str, usize)> = None;
        let mut consider = |api, version, rest: Option<&'a str>, length: usize| {
            if let Some(rest) = rest
                && found.as_ref().is_none_or(|(.., longest)| length > *longest)
            {
                found = Some((api, version, rest, length));
            }
        };
        for api in &self.apis {
            // `<mount>` and each `<mount>@<version>`, matched in place (no mount is written
            // out per request).
            consider(api, None, under(&api.mount), api.mount.len());
            let Some(tagged) =
                path.strip_prefix(api.mount.as_str()).and_then(|p| p.strip_prefix('@'))
            else {
                continue;
            };
            for version in &api.versions {
                let Some(name) = version.name.as_deref() else { continue };
                let rest = tagged
                    .strip_prefix(name)
                    .filter(|rest| rest.is_empty() || rest.starts_with('/'));
                consider(api, Some(version), rest, api.mount.len() + 1 + name.len());
            }
        }
        // `/<api>@<unknown>` names a version that does not exist: no mount, not the root.
        let first = path.split('/').nth(1).unwrap_or_default();
        let unknown = self.apis.iter().any(|api| {
            first
                .strip_prefix(api.mount.trim_start_matches('/'))
                .is_some_and(|r| r.starts_with('@'))
        });
        let (api, version, rest) = match found {
            Some((api, version, rest, _)) => (api, version, rest),
            None if self.apis.len() == 1 && !unknown => (&self.apis[0], None, path),
            None => return None,
        };
        let base = version.unwrap_or_else(|| api.default_version()).contract.base_path.as_str();
        let inside = rest.strip_prefix(base).filter(|r| r.is_empty() || r.starts_with('/'));
        Some(Mounted { api, version, path: inside.map(|p| if p.is_empty() { "/" } else { p }) })
    }

    /// Where every API (and each of its versions) is mounted, for listings and 404s.
    pub fn mounts(&self) -> Vec<(String, String)> {
        let mut mounts = Vec::new();
        for api in &self.apis {
            let base = &api.default_version().contract.base_path;
            mounts.push((api.name.clone(), format!("{}{base}", api.mount)));
            for version in api.versions.iter().filter(|v| v.name.is_some()) {
                let name = version.name.as_deref().unwrap_or_default();
                let base = &version.contract.base_path;
                mounts.push((version.key.clone(), format!("{}@{name}{base}", api.mount)));
            }
        }
        mounts
    }
}

impl Api {
    /// The version served when nothing else decides.
    pub fn default_version(&self) -> &Version {
        &self.versions[self.default]
    }

    /// A version by name.
    pub fn version(&self, name: &str) -> Option<&Version> {
        self.versions.iter().find(|v| v.name.as_deref() == Some(name))
    }

    /// The version a request is answered by: the one its path names, else the one
    /// `X-Understudy-Version` names, else the first whose clients send headers like these,
    /// else the default.
    pub fn select<'a>(
        &'a self,
        named: Option<&'a Version>,
        headers: &HeaderMap,
    ) -> Result<&'a Version, UnknownVersion> {
        if let Some(version) = named {
            return Ok(version);
        }
        if self.versions.len() == 1 && self.versions[0].name.is_none() {
            return Ok(&self.versions[0]);
        }
        if let Some(wanted) = headers.get(&VERSION_HEADER).and_then(|v| v.to_str().ok()) {
            let wanted = wanted.trim();
            return self.version(wanted).ok_or_else(|| UnknownVersion {
                api: self.name.clone(),
                wanted: wanted.to_owned(),
                available: self.versions.iter().filter_map(|v| v.name.clone()).collect(),
            });
        }
        Ok(self
            .versions
            .iter()
            .find(|v| v.clients.matches(headers))
            .unwrap_or_else(|| self.default_version()))
    }
}
