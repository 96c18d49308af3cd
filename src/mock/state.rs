//! The state of a running mock: the catalog being served and everything that remembers
//! something between requests (the store, the rate-limit counters, the response cache and the
//! journal), behind one cheap-to-clone handle.
//!
//! They are kept in one place because they must move together: a scenario switch serves the
//! new scenario, drops the API's data and counters and empties the cache in one call; a reset
//! drops data and counters; a reload swaps the catalog and empties the cache. The admin API,
//! the mock service and hot reload all go through [`State`], so none of them can forget one
//! of the four.

use std::sync::Arc;

use arc_swap::ArcSwap;

use crate::catalog::Catalog;
use crate::duration::Latency;
use crate::mock::cache::ResponseCache;
use crate::mock::cors::CorsConfig;
use crate::mock::journal::{self, Journal};
use crate::mock::limit::Limiter;
use crate::mock::store::Store;

/// Upper bound on a request body by default. Larger bodies get 413 before validation,
/// because schema checks need the whole document in memory.
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// How the mock behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Whether a response that breaks the contract is replaced by a 500 (DESIGN §5 step 9).
    pub strict: bool,
    /// Largest accepted request body, in bytes.
    pub body_limit: usize,
    /// Token the admin routes require (`None`: open). Health is always open.
    pub admin_token: Option<String>,
    /// How much the journal keeps (entries and bytes).
    pub journal: journal::JournalLimits,
    /// How many rate-limit counters each API keeps (clients past it share one).
    pub rate_limit_counters: usize,
    /// How long a client may take to send a request's body (408 after).
    pub request_timeout: std::time::Duration,
    /// Delay added to every response (none by default).
    pub latency: Option<Latency>,
    /// Cross-origin requests from browsers.
    pub cors: CorsConfig,
    /// Answers built from the contract are generated afresh for every request, with varied
    /// realistic values (`serve --dynamic`; `Prefer: dynamic=` decides per request).
    pub dynamic: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            strict: true,
            body_limit: DEFAULT_BODY_LIMIT,
            admin_token: None,
            journal: journal::JournalLimits::default(),
            rate_limit_counters: crate::mock::limit::DEFAULT_COUNTERS,
            request_timeout: std::time::Duration::from_secs(30),
            latency: None,
            cors: CorsConfig::default(),
            dynamic: false,
        }
    }
}

/// A scenario switch that cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SwitchError {
    /// No API of that name is served.
    #[error("no API `{0}`")]
    NoApi(String),
    /// The API has no scenario of that name.
    #[error("API `{api}` has no scenario `{scenario}` (available: {})", available.join(", "))]
    NoScenario {
        /// The API.
        api: String,
        /// The scenario asked for.
        scenario: String,
        /// The API's scenarios.
        available: Vec<String>,
    },
    /// The API has no version of that name.
    #[error("API `{api}` has no version `{version}` (versions: {})", if available.is_empty() { "none".to_owned() } else { available.join(", ") })]
    NoVersion {
        /// The API.
        api: String,
        /// The version asked for.
        version: String,
        /// The API's versions.
        available: Vec<String>,
    },
}

/// Everything a running mock remembers. Cheap to clone; every clone sees the same state.
#[derive(Debug, Clone)]
pub struct State {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    /// Swapped whole by scenario switches and reloads; requests in flight keep the catalog
    /// they started with.
    catalog: ArcSwap<Catalog>,
    store: Store,
    limiter: Limiter,
    cache: ResponseCache,
    journal: Journal,
    settings: Settings,
    /// Set once the server shuts down: live streams (the dashboard's journal) end, so they
    /// do not hold up a graceful stop.
    closing: tokio::sync::watch::Sender<bool>,
}

impl State {
    /// The state of a mock serving `catalog` from `store`.
    pub fn new(catalog: Arc<Catalog>, store: Store, settings: Settings) -> State {
        State {
            inner: Arc::new(Inner {
                catalog: ArcSwap::new(catalog),
                store,
                limiter: Limiter::new(settings.rate_limit_counters),
                cache: ResponseCache::default(),
                journal: Journal::new(settings.journal),
                settings,
                closing: tokio::sync::watch::Sender::new(false),
            }),
        }
    }

    /// The catalog being served now.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.inner.catalog.load_full()
    }

    /// Serves `catalog` from the next request on (answers made from the old one are dropped).
    pub fn replace_catalog(&self, catalog: Arc<Catalog>) {
        self.inner.catalog.store(catalog);
        self.inner.cache.clear();
    }

    /// Makes `scenario` the active scenario of the versions `selector` names (`api`: each of
    /// its versions that has one of that name; `api@version`: that one), and drops their data
    /// and rate-limit counters so every session starts again from the new scenario's seed.
    pub fn switch_scenario(&self, selector: &str, scenario: &str) -> Result<(), SwitchError> {
        let current = self.catalog();
        let Some(versions) = current.versions(selector) else {
            return Err(SwitchError::NoApi(selector.to_owned()));
        };
        if !versions.iter().any(|v| v.scenarios.contains_key(scenario)) {
            let mut available: Vec<String> =
                versions.iter().flat_map(|v| v.scenarios.keys().cloned()).collect();
            available.sort();
            available.dedup();
            return Err(SwitchError::NoScenario {
                api: selector.to_owned(),
                scenario: scenario.to_owned(),
                available,
            });
        }
        // rcu: a concurrent switch of another API is not lost.
        self.inner.catalog.rcu(|catalog| Arc::new(catalog.with_scenario(selector, scenario)));
        self.reset(Some(selector), None);
        self.inner.cache.clear();
        Ok(())
    }

    /// Makes `version` the default version of `api` (its data stays: each version keeps
    /// its own).
    pub fn switch_version(&self, api: &str, version: &str) -> Result<(), SwitchError> {
        let current = self.catalog();
        let Some(found) = current.api(api) else {
            return Err(SwitchError::NoApi(api.to_owned()));
        };
        if found.version(version).is_none() {
            return Err(SwitchError::NoVersion {
                api: api.to_owned(),
                version: version.to_owned(),
                available: found.versions.iter().filter_map(|v| v.name.clone()).collect(),
            });
        }
        // rcu: a concurrent switch of another API is not lost.
        self.inner.catalog.rcu(|catalog| {
            Arc::new(
                catalog.with_default_version(api, version).unwrap_or_else(|| (**catalog).clone()),
            )
        });
        self.inner.cache.clear();
        Ok(())
    }

    /// Back to the seed: every session of every API, of the versions `selector` names (`api`
    /// or `api@version`), or one session of those. Rate-limit counters are per version, so
    /// they go with a whole version (or all).
    pub fn reset(&self, selector: Option<&str>, session: Option<&str>) {
        match selector.map(|selector| self.keys(selector)) {
            None => {
                self.inner.store.reset(None, session);
                self.inner.limiter.reset(None);
            }
            Some(keys) => {
                for key in &keys {
                    self.inner.store.reset(Some(key), session);
                    if session.is_none() {
                        self.inner.limiter.reset(Some(key));
                    }
                }
            }
        }
    }

    /// The store keys of the versions `selector` names (`api` or `api@version`; none when it
    /// names nothing served).
    pub fn keys(&self, selector: &str) -> Vec<String> {
        let catalog = self.catalog();
        catalog.versions(selector).into_iter().flatten().map(|v| v.key.clone()).collect()
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The rate limiter.
    pub fn limiter(&self) -> &Limiter {
        &self.inner.limiter
    }

    /// The response cache.
    pub(crate) fn cache(&self) -> &ResponseCache {
        &self.inner.cache
    }

    /// The journal.
    pub fn journal(&self) -> &Journal {
        &self.inner.journal
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Ends every live stream, now and from now on: call it when the server starts shutting
    /// down (a stream would otherwise keep its connection busy until the grace period ends).
    pub fn close_streams(&self) {
        self.inner.closing.send_replace(true);
    }

    /// Tells live streams when to end (see [`State::close_streams`]).
    pub fn closing(&self) -> tokio::sync::watch::Receiver<bool> {
        self.inner.closing.subscribe()
    }
}
