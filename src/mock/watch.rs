//! Hot reload (`serve --watch`): rebuild the catalog when contract or scenario files change.
//!
//! A debounced file watcher (notify) reports changes under the contract and scenario
//! directories; each burst of changes reloads the whole catalog off the request path, on the
//! watcher's thread. A catalog that loads replaces the served one atomically (`State` holds it
//! in an `ArcSwap`), keeping each API's active scenario when the new files still have it; the
//! store is untouched, so records made so far survive. A catalog that does not load is logged
//! with the file and line (or pointer) at fault, and the old one keeps serving.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use notify_debouncer_mini::{
    DebounceEventResult, Debouncer, new_debouncer, notify::RecommendedWatcher,
    notify::RecursiveMode,
};

use crate::catalog::{Catalog, CatalogOptions};
use crate::error::LoadError;
use crate::mock::state::State;

/// How long a burst of file events settles before the reload (editors write in several steps).
pub const SETTLE: Duration = Duration::from_millis(200);

/// The files cannot be watched.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The operating system's watcher could not be started.
    #[error("cannot watch files: {0}")]
    Start(#[source] notify_debouncer_mini::notify::Error),
    /// A path could not be watched.
    #[error("cannot watch {path}: {source}")]
    Path {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: notify_debouncer_mini::notify::Error,
    },
}

/// Watches `paths` and reloads the catalog of `app` from `options` on changes. Keep the
/// returned watcher alive for as long as reloading should happen.
pub fn spawn(
    app: State,
    options: CatalogOptions,
    paths: Vec<PathBuf>,
) -> Result<Debouncer<RecommendedWatcher>, WatchError> {
    let handler = move |result: DebounceEventResult| match result {
        Ok(events) if !events.is_empty() => {
            let changed: Vec<String> =
                events.iter().map(|e| e.path.display().to_string()).collect();
            tracing::info!(files = %changed.join(", "), "files changed; reloading");
            match reload(&app, &options) {
                Ok(()) => tracing::info!("reloaded: serving the new contracts and scenarios"),
                Err(error) => {
                    tracing::error!(%error, "reload failed; still serving the previous contracts and scenarios")
                }
            }
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "file watching failed"),
    };
    let mut debouncer = new_debouncer(SETTLE, handler).map_err(WatchError::Start)?;
    for path in &paths {
        debouncer
            .watcher()
            .watch(path, RecursiveMode::Recursive)
            .map_err(|source| WatchError::Path { path: path.clone(), source })?;
    }
    Ok(debouncer)
}

/// Loads the catalog again and serves it, keeping each version's active scenario where the
/// new files still have it.
pub fn reload(app: &State, options: &CatalogOptions) -> Result<(), LoadError> {
    let current = app.catalog();
    let mut catalog = Catalog::load(options)?;
    for version in current.apis.iter().flat_map(|a| &a.versions) {
        catalog = catalog.with_scenario(&version.key, &version.scenario.name);
    }
    app.replace_catalog(Arc::new(catalog));
    Ok(())
}
