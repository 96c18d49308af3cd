//! Hot reload (`serve --watch`): rebuild the catalog when the contents of contract or scenario
//! files change.
//!
//! The operating system's watcher (notify) reports what happens under the watched folders,
//! and next to each watched document (its folder is watched, so that an editor that saves by
//! renaming a new file over the old one is still seen). Only events that can change a file
//! count: opening, reading and closing a file unchanged do not, so the reload's own reads (and
//! the fingerprinting below) never set off another. A burst of events settles for [`SETTLE`]
//! (editors write in several steps); then the watched files are fingerprinted (a hash of each
//! one's contents) and compared with the last fingerprint: only a change of contents reloads.
//! Saving a file unchanged, touching it, or a change to a file the loader does not read
//! reloads nothing, and a broken edit is logged once, then again only when the contents
//! change again.
//!
//! A reload happens off the request path, on the watcher's own thread. A catalog that loads
//! replaces the served one atomically (`State` holds it in an `ArcSwap`), keeping each API's
//! active scenario when the new files still have it; the store is untouched, so records made
//! so far survive. A catalog that does not load is logged with the file and line (or
//! pointer) at fault, and the old one keeps serving.

use std::collections::BTreeMap;
use std::hash::{Hash as _, Hasher as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};

use crate::catalog::{Catalog, CatalogOptions};
use crate::error::LoadError;
use crate::mock::state::State;

/// How long a burst of file events settles before the files are compared (editors write in
/// several steps).
pub const SETTLE: Duration = Duration::from_millis(200);

/// The longest a burst may keep postponing the comparison (a file written to without pause).
pub const MAX_SETTLE: Duration = Duration::from_secs(2);

/// The extensions of the files the loader reads from a folder.
const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// The files cannot be watched.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The operating system's watcher could not be started.
    #[error("cannot watch files: {0}")]
    Start(#[source] notify::Error),
    /// A path could not be watched.
    #[error("cannot watch {path}: {source}")]
    Path {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: notify::Error,
    },
    /// The watcher's thread could not be started.
    #[error("cannot start the watcher's thread: {0}")]
    Thread(#[source] std::io::Error),
}

/// A running watch: reloading goes on for as long as it is kept, and stops when it is dropped.
#[derive(Debug)]
pub struct Watch {
    /// The operating system's watcher; dropping it ends the reloading thread.
    _watcher: RecommendedWatcher,
}

/// Watches `paths` (folders, recursively, and documents) and reloads the catalog of `app` from
/// `options` when the contents of the files under them change.
pub fn spawn(
    app: State,
    options: CatalogOptions,
    paths: Vec<PathBuf>,
) -> Result<Watch, WatchError> {
    let (sender, events) = std::sync::mpsc::channel();
    let mut watcher = notify::recommended_watcher(sender).map_err(WatchError::Start)?;
    for path in &paths {
        // A document is watched through its folder, which outlives the file when an editor
        // replaces it.
        let (target, mode) = match path.is_dir() {
            true => (path.as_path(), RecursiveMode::Recursive),
            false => (
                path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new(".")),
                RecursiveMode::NonRecursive,
            ),
        };
        watcher
            .watch(target, mode)
            .map_err(|source| WatchError::Path { path: path.clone(), source })?;
    }
    let last = fingerprint(&paths);
    std::thread::Builder::new()
        .name("understudy-watch".into())
        .spawn(move || run(&events, &app, &options, &paths, last))
        .map_err(WatchError::Thread)?;
    Ok(Watch { _watcher: watcher })
}

/// The watcher's loop: a relevant event, a settled burst, then a reload if contents changed.
/// Ends when the watcher is dropped.
fn run(
    events: &Receiver<notify::Result<Event>>,
    app: &State,
    options: &CatalogOptions,
    paths: &[PathBuf],
    mut last: Fingerprint,
) {
    while let Ok(event) = events.recv() {
        if !may_change(event, paths) {
            continue;
        }
        if !settle(events, paths) {
            return;
        }
        let now = fingerprint(paths);
        if now == last {
            tracing::debug!("watched files touched, their contents unchanged: not reloading");
            continue;
        }
        let changed = changed(&last, &now);
        last = now;
        tracing::info!(files = %changed.join(", "), "files changed; reloading");
        match reload(app, options) {
            Ok(()) => tracing::info!("reloaded: serving the new contracts and scenarios"),
            Err(error) => tracing::error!(
                %error,
                "reload failed; still serving the previous contracts and scenarios (logged again when the files change)"
            ),
        }
    }
}

/// Waits until no relevant event has come for [`SETTLE`] (at most [`MAX_SETTLE`] in all).
/// `false`: the watcher is gone.
fn settle(events: &Receiver<notify::Result<Event>>, paths: &[PathBuf]) -> bool {
    let started = Instant::now();
    let mut deadline = started + SETTLE;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match events.recv_timeout(left) {
            Ok(event) => {
                if may_change(event, paths) {
                    deadline = (Instant::now() + SETTLE).min(started + MAX_SETTLE);
                }
            }
            Err(RecvTimeoutError::Timeout) => return true,
            Err(RecvTimeoutError::Disconnected) => return false,
        }
    }
}

/// Whether an event may have changed a watched file: not a mere access (open, read, close
/// without writing), and, next to a watched document, about that document.
fn may_change(event: notify::Result<Event>, paths: &[PathBuf]) -> bool {
    let event = match event {
        Ok(event) => event,
        Err(error) => {
            tracing::warn!(%error, "file watching failed");
            return false;
        }
    };
    let access = matches!(
        event.kind,
        EventKind::Access(
            AccessKind::Open(_)
                | AccessKind::Read
                | AccessKind::Close(
                    AccessMode::Read | AccessMode::Execute | AccessMode::Other | AccessMode::Any
                )
                | AccessKind::Any
                | AccessKind::Other
        )
    );
    if access {
        return false;
    }
    // An event without paths (a rescan) may concern anything.
    event.paths.is_empty()
        || event.paths.iter().any(|changed| {
            paths.iter().any(|watched| changed.starts_with(watched) || same_file(changed, watched))
        })
}

/// Whether two paths name the same file (a document given relative, an event's absolute).
fn same_file(a: &Path, b: &Path) -> bool {
    a.file_name() == b.file_name()
        && match (a.canonicalize(), b.canonicalize()) {
            (Ok(a), Ok(b)) => a == b,
            // One is gone (deleted or renamed away): its name is what there is.
            _ => true,
        }
}

/// The contents of the watched files, as a hash per file (`None`: unreadable).
type Fingerprint = BTreeMap<PathBuf, Option<u64>>;

/// Fingerprints the watched documents and the files the loader reads under the watched folders.
fn fingerprint(paths: &[PathBuf]) -> Fingerprint {
    let mut found = Fingerprint::new();
    for path in paths {
        match path.is_dir() {
            true => walk(path, &mut found, 0),
            false => {
                found.insert(path.clone(), hash(path));
            }
        }
    }
    found
}

/// Adds the loader's files under `folder` (hidden entries left out), to a reasonable depth.
fn walk(folder: &Path, found: &mut Fingerprint, depth: usize) {
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    if depth > 16 {
        return;
    }
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(&path, found, depth + 1);
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        {
            found.insert(path.clone(), hash(&path));
        }
    }
}

fn hash(path: &Path) -> Option<u64> {
    let bytes = std::fs::read(path).ok()?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    Some(hasher.finish())
}

/// The files whose fingerprint differs (added, removed or changed), for the log.
fn changed(before: &Fingerprint, after: &Fingerprint) -> Vec<String> {
    let keys: std::collections::BTreeSet<&PathBuf> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|path| before.get(*path) != after.get(*path))
        .map(|path| path.display().to_string())
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_changes_with_contents_only() {
        let dir =
            std::env::temp_dir().join(format!("understudy-fingerprint-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("api")).unwrap();
        std::fs::write(dir.join("api/default.yaml"), "a: 1\n").unwrap();
        std::fs::write(dir.join("api/notes.txt"), "x").unwrap();
        std::fs::write(dir.join("api/.default.yaml.swp"), "x").unwrap();
        let paths = vec![dir.clone()];
        let first = fingerprint(&paths);
        assert_eq!(first.len(), 1, "{first:?}");
        // Written again unchanged, or a file the loader does not read: the same.
        std::fs::write(dir.join("api/default.yaml"), "a: 1\n").unwrap();
        std::fs::write(dir.join("api/notes.txt"), "y").unwrap();
        assert_eq!(fingerprint(&paths), first);
        std::fs::write(dir.join("api/default.yaml"), "a: 2\n").unwrap();
        let second = fingerprint(&paths);
        assert_ne!(second, first);
        assert_eq!(changed(&first, &second), [dir.join("api/default.yaml").display().to_string()]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
