//! The in-memory store: collections of JSON records per API and per session.
//!
//! [`Store`] is a cheap-to-clone handle; every clone sees the same data. Its methods are
//! synchronous and take a closure that runs with the session's data locked, so a whole
//! read-modify-write (find, merge, check, replace) is one atomic step and no lock can be held
//! across an `.await` (the delay of a response is slept after the closure returns). One mutex
//! is enough for a mock server: no write holds it for work that grows with the data (rules
//! look values up in the session's [`Indexes`], kept in step by [`Tx`]), and what a write
//! replaces or an eviction drops is freed after the lock is released.
//!
//! A session's data is created from the scenario's seed records the first time the session is
//! used; how many sessions are kept, and for how long, is `sessions.rs`'s business
//! ([`SessionLimits`]). What to store and return is decided by the engine (`mock/engine/`);
//! this module only keeps records and their indexes, makes ids, and reads the clock.
//!
//! A write can be taken back before the lock is released: after [`Tx::savepoint`], every
//! change is journaled with what it replaced, and [`Tx::rollback`] puts all of it back (records
//! in their places and in the indexes, sequence counters, the random source and the fixed
//! clock), so that a write whose answer fails the self-check leaves the store exactly as it
//! found it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use base64::Engine as _;
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::mock::index::{Indexes, Lookup};
use crate::mock::sessions::{Session, Sessions, next_generation};
use crate::scenario::{Alphabet, Encoding, IdGenerator, Resource, Scenario, TimestampFormat};

pub(crate) use crate::mock::sessions::slot;
pub use crate::mock::sessions::{
    DEFAULT_MAX_SESSIONS, DEFAULT_SESSION, DEFAULT_SESSION_IDLE, Data, SessionLimits,
};

/// Cheap to clone; every clone sees the same data.
#[derive(Debug, Clone, Default)]
pub struct Store {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    /// A `std::sync::Mutex`, not Tokio's: nothing awaits while holding it.
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    sessions: Sessions,
    /// Random source for ids and dynamic values; seeded with `--seed` for repeatable ones.
    rng: fastrand::Rng,
    /// A fixed clock (`--clock`), advanced by one second at each reading; `None`: real time.
    clock: Option<Timestamp>,
}

/// How a store makes ids and reads time, and how many sessions it keeps.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoreOptions {
    /// Seed for random ids (`None`: from the OS).
    pub seed: Option<u64>,
    /// Start of a deterministic clock (`None`: real time).
    pub clock: Option<Timestamp>,
    /// How many sessions are kept, and for how long without use.
    pub sessions: SessionLimits,
}

/// A session's data while its lock is held.
#[derive(Debug)]
pub struct Tx<'a> {
    data: &'a mut Data,
    indexes: &'a mut Indexes,
    rng: &'a mut fastrand::Rng,
    clock: &'a mut Option<Timestamp>,
    /// Whether a record was written or removed.
    changed: bool,
    /// What the changes since [`Tx::savepoint`] replaced (`None`: no savepoint, nothing kept).
    undo: Option<Undo>,
}

/// What the changes since a savepoint replaced, in the order they were made.
#[derive(Debug)]
struct Undo {
    /// Each record's place before each change to it.
    records: Vec<Prior>,
    /// Each counter before each step of it (`None`: it did not exist).
    counters: Vec<(String, Option<u64>)>,
    /// The random source and the clock at the savepoint.
    rng: fastrand::Rng,
    clock: Option<Timestamp>,
    /// Whether the data had changed before the savepoint.
    changed: bool,
}

/// What one record's place held before a change.
#[derive(Debug)]
struct Prior {
    resource: String,
    key: String,
    before: Before,
}

#[derive(Debug)]
enum Before {
    /// No record under the key (and, when `collection` is false, no collection at all).
    Absent { collection: bool },
    /// This record, in the same place.
    Held(Value),
    /// This record, at this position (it was removed).
    Removed(usize, Value),
}

impl Store {
    /// A store with the given id, clock and session options.
    pub fn new(options: StoreOptions) -> Store {
        let rng = match options.seed {
            Some(seed) => fastrand::Rng::with_seed(seed),
            None => fastrand::Rng::new(),
        };
        let state = State { sessions: Sessions::new(options.sessions), rng, clock: options.clock };
        Store { shared: Arc::new(Shared { state: Mutex::new(state) }) }
    }

    /// Runs `f` with the data of `api` in `session`, seeding it from `scenario` on first use
    /// (and after it was dropped).
    pub fn with<R>(
        &self,
        api: &str,
        session: &str,
        scenario: &Scenario,
        f: impl FnOnce(&mut Tx<'_>) -> R,
    ) -> R {
        let now = Instant::now();
        let mut dropped = Vec::new();
        let mut state = self.lock();
        let State { sessions, rng, clock } = &mut *state;
        let session = sessions.open(api, session, scenario, now, &mut dropped);
        let mut tx = Tx {
            data: &mut session.data,
            indexes: &mut session.indexes,
            rng,
            clock,
            changed: false,
            undo: None,
        };
        let result = f(&mut tx);
        if tx.changed {
            session.generation = next_generation();
        }
        drop(state);
        // Dropped sessions are freed here, with the lock released.
        drop(dropped);
        result
    }

    /// A random source of its own for one answer's varied values, split from the store's (so
    /// that `--seed` repeats them too, and no lock is held while they are drawn).
    pub fn fork_rng(&self) -> fastrand::Rng {
        self.lock().rng.fork()
    }

    /// The generation of a session's data (`None` before its first use, or once it has been
    /// idle too long): equal generations mean equal data. Asking uses the session (a read
    /// answered from the response cache uses it as much as one that reaches the store).
    pub fn generation(&self, api: &str, session: &str) -> Option<u64> {
        self.lock().sessions.touch(api, session, Instant::now()).map(|s| s.generation)
    }

    /// Drops sessions so they are re-seeded on next use: every session of every API, of one
    /// API, or one session of one API.
    pub fn reset(&self, api: Option<&str>, session: Option<&str>) {
        let mut state = self.lock();
        let sessions = &mut state.sessions;
        let dropped: Vec<Session> = match (api, session) {
            (None, _) => sessions.clear(),
            (Some(api), None) => {
                sessions.remove_api(api).into_iter().flat_map(|m| m.into_values()).collect()
            }
            (Some(api), Some(session)) => sessions.remove(api, session).into_iter().collect(),
        };
        drop(state);
        drop(dropped);
    }

    /// How many sessions the store holds, `default` ones included.
    pub fn session_count(&self) -> usize {
        self.lock().sessions.count()
    }

    /// A copy of the sessions' data, by API (store key) then session: every API's, or those
    /// of `keys`; every session, or one.
    pub fn dump(
        &self,
        keys: Option<&[String]>,
        session: Option<&str>,
    ) -> BTreeMap<String, BTreeMap<String, Data>> {
        let mut dropped = Vec::new();
        let mut state = self.lock();
        state.sessions.expire(Instant::now(), &mut dropped);
        let mut out: BTreeMap<String, BTreeMap<String, Data>> = Default::default();
        for (a, s, Session { data, .. }) in state.sessions.iter() {
            if keys.is_some_and(|keys| !keys.contains(a))
                || session.is_some_and(|session| session != s)
            {
                continue;
            }
            out.entry(a.clone()).or_default().insert(s.clone(), data.clone());
        }
        drop(state);
        drop(dropped);
        out
    }

    /// Replaces (or creates) a session's data, indexed for `scenario`'s rules. The indexes are
    /// built before the lock is taken, and the data replaced is freed after it is released.
    pub fn load(&self, api: &str, session: &str, scenario: &Scenario, data: Data) {
        let indexes = Indexes::for_scenario(scenario).filled(&data.collections);
        let loaded = Session::new(data, indexes, Instant::now());
        let mut dropped = Vec::new();
        let mut state = self.lock();
        state.sessions.put(api, session, loaded, &mut dropped);
        drop(state);
        drop(dropped);
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a record half-written (records are
        // replaced whole), so a poisoned lock is still safe to use.
        self.shared.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Tx<'_> {
    /// The records of a resource, in insertion order.
    pub fn records(&self, resource: &str) -> impl DoubleEndedIterator<Item = &Value> {
        self.data.collections.get(resource).into_iter().flat_map(|c| c.values())
    }

    /// One record by key.
    pub fn get(&self, resource: &str, key: &str) -> Option<&Value> {
        self.data.collections.get(resource)?.get(key)
    }

    /// Inserts or replaces a record under `key`, keeping its position when it existed.
    pub fn put(&mut self, resource: &str, key: String, record: Value) {
        self.changed = true;
        let collection = self.data.collections.contains_key(resource);
        let records = self.data.collections.entry(resource.to_owned()).or_default();
        if let Some(old) = records.get(&key) {
            self.indexes.remove(resource, &key, old);
        }
        self.indexes.insert(resource, &key, &record);
        let Some(undo) = &mut self.undo else {
            records.insert(key, record);
            return;
        };
        let journaled = key.clone();
        let before = match records.insert(key, record) {
            Some(old) => Before::Held(old),
            None => Before::Absent { collection },
        };
        undo.records.push(Prior { resource: resource.to_owned(), key: journaled, before });
    }

    /// Changes the record under `key` in place: `change` reads the record as it is (the
    /// transaction at hand, for ids, time and lookups) and gives the record to store instead,
    /// or refuses, which leaves the record as it was. Nothing is copied: the old record is
    /// out of the store (and of its indexes) while `change` runs, then dropped, or kept in the
    /// rollback journal after a [`Tx::savepoint`]. `None` when there is no such record.
    pub fn update<E>(
        &mut self,
        resource: &str,
        key: &str,
        change: impl FnOnce(&mut Tx<'_>, &Value) -> Result<Value, E>,
    ) -> Option<Result<&Value, E>> {
        let slot = self.data.collections.get_mut(resource)?.get_mut(key)?;
        let old = std::mem::take(slot);
        self.indexes.remove(resource, key, &old);
        let changed = change(self, &old);
        // The place is still there unless `change` removed it: then the record comes back last.
        let collections = &mut self.data.collections;
        let records = match collections.get_index_of(resource) {
            Some(index) => &mut collections[index],
            None => collections.entry(resource.to_owned()).or_default(),
        };
        let slot = match records.get_index_of(key) {
            Some(index) => &mut records[index],
            None => records.entry(key.to_owned()).or_default(),
        };
        let (stored, old) = match changed {
            Ok(new) => (new, Some(old)),
            Err(refused) => {
                self.indexes.insert(resource, key, &old);
                *slot = old;
                return Some(Err(refused));
            }
        };
        self.changed = true;
        self.indexes.insert(resource, key, &stored);
        *slot = stored;
        if let (Some(undo), Some(old)) = (&mut self.undo, old) {
            undo.records.push(Prior {
                resource: resource.to_owned(),
                key: key.to_owned(),
                before: Before::Held(old),
            });
        }
        Some(Ok(slot))
    }

    /// Removes a record, returning it.
    pub fn remove(&mut self, resource: &str, key: &str) -> Option<Value> {
        self.changed = true;
        let (index, _, removed) =
            self.data.collections.get_mut(resource)?.shift_remove_full(key)?;
        self.indexes.remove(resource, key, &removed);
        if let Some(undo) = &mut self.undo {
            undo.records.push(Prior {
                resource: resource.to_owned(),
                key: key.to_owned(),
                before: Before::Removed(index, removed.clone()),
            });
        }
        Some(removed)
    }

    /// From here on, every change is journaled so that [`Tx::rollback`] can take it back.
    pub fn savepoint(&mut self) {
        self.undo = Some(Undo {
            records: Vec::new(),
            counters: Vec::new(),
            rng: self.rng.clone(),
            clock: *self.clock,
            changed: self.changed,
        });
    }

    /// Whether changes are journaled (since a [`Tx::savepoint`]), so that a rollback can take
    /// them back.
    pub fn journaling(&self) -> bool {
        self.undo.is_some()
    }

    /// Whether anything was written or removed since the savepoint (or since the data was
    /// locked, without one).
    pub fn changed_since_savepoint(&self) -> bool {
        match &self.undo {
            Some(undo) => !undo.records.is_empty() || !undo.counters.is_empty(),
            None => self.changed,
        }
    }

    /// Takes back every change since [`Tx::savepoint`]: records in their places, counters,
    /// the random source and the fixed clock are as they were then. Without a savepoint,
    /// nothing happens.
    pub fn rollback(&mut self) {
        let Some(undo) = self.undo.take() else { return };
        for Prior { resource, key, before } in undo.records.into_iter().rev() {
            let (collections, indexes) = (&mut self.data.collections, &mut *self.indexes);
            match before {
                Before::Absent { collection } => {
                    if let Some(records) = collections.get_mut(&resource)
                        && let Some(added) = records.shift_remove(&key)
                    {
                        indexes.remove(&resource, &key, &added);
                    }
                    if !collection {
                        collections.shift_remove(&resource);
                    }
                }
                Before::Held(record) => {
                    if let Some(slot) = collections.get_mut(&resource).and_then(|c| c.get_mut(&key))
                    {
                        indexes.remove(&resource, &key, slot);
                        indexes.insert(&resource, &key, &record);
                        *slot = record;
                    }
                }
                Before::Removed(index, record) => {
                    indexes.insert(&resource, &key, &record);
                    let records = collections.entry(resource).or_default();
                    let index = index.min(records.len());
                    records.shift_insert(index, key, record);
                }
            }
        }
        for (resource, before) in undo.counters.into_iter().rev() {
            match before {
                Some(n) => {
                    self.data.counters.insert(resource, n);
                }
                None => {
                    self.data.counters.shift_remove(&resource);
                }
            }
        }
        *self.rng = undo.rng;
        *self.clock = undo.clock;
        self.changed = undo.changed;
    }

    /// The keys of the records of `lookup.resource` (under `lookup.scope`'s parent, when it
    /// has one) whose `lookup.fields` hold `values`, in insertion order: a lookup in the
    /// session's index for these fields (built now, once, if the data has none yet).
    pub fn matching(&mut self, lookup: &Lookup<'_>, values: &[&Value]) -> Vec<String> {
        if !self.indexes.has(lookup) {
            tracing::debug!(resource = lookup.resource, fields = ?lookup.fields, "index built on first use");
            let records = self.data.collections.get(lookup.resource).into_iter().flatten();
            self.indexes.build(lookup, records);
        }
        let Some(records) = self.data.collections.get(lookup.resource) else { return Vec::new() };
        let Some(candidates) = self.indexes.candidates(lookup, values) else { return Vec::new() };
        // The index answers by canonical text; the records themselves decide.
        let mut found: Vec<(usize, &str)> = candidates
            .filter_map(|key| {
                let (position, _, record) = records.get_full(key)?;
                let in_scope = lookup
                    .scope
                    .is_none_or(|(field, id)| crate::json::text::key_text(record.get(field)) == id);
                let equal =
                    lookup.fields.iter().zip(values).all(|(f, v)| record.pointer(f) == Some(*v));
                (in_scope && equal).then_some((position, key))
            })
            .collect();
        found.sort_unstable();
        found.into_iter().map(|(_, key)| key.to_owned()).collect()
    }

    /// What the index holds for `values`, unchecked against the records (for tests proving
    /// that it is never stale), sorted.
    #[cfg(test)]
    pub(crate) fn indexed(&self, lookup: &Lookup<'_>, values: &[&Value]) -> Option<Vec<String>> {
        let mut keys: Vec<String> =
            self.indexes.candidates(lookup, values)?.map(str::to_owned).collect();
        keys.sort();
        Some(keys)
    }

    /// `length` random characters of `alphabet`.
    pub fn random(&mut self, alphabet: Alphabet, length: usize) -> String {
        let chars = alphabet.chars();
        (0..length).map(|_| chars[self.rng.usize(..chars.len())] as char).collect()
    }

    /// A new key for `resource`, not used by any of its records, as the record holds it
    /// (text, or a JSON integer for `integer` ids). Sequence templates see the counter `n` and
    /// the `record` being created.
    pub fn new_id(&mut self, resource: &Resource, record: &Value) -> Value {
        loop {
            let id = match &resource.id {
                IdGenerator::Random { prefix, alphabet, length } => {
                    Value::String(format!("{prefix}{}", self.random(*alphabet, *length)))
                }
                IdGenerator::Sequence { template, encoding } => {
                    let n = self.count(&resource.name);
                    let text = template.render_text(&json!({"n": n, "record": record}));
                    Value::String(match encoding {
                        Encoding::None => text,
                        Encoding::Base64 => base64::engine::general_purpose::STANDARD.encode(text),
                    })
                }
                IdGenerator::Integer => Value::from(self.count(&resource.name)),
                IdGenerator::Uuid => Value::String(crate::random::uuid(self.rng)),
                IdGenerator::Pattern(pattern) => Value::String(pattern.draw(self.rng)),
            };
            if self.get(&resource.name, &crate::json::text::as_text(&id)).is_none() {
                return id;
            }
        }
    }

    /// The next value of a resource's counter.
    fn count(&mut self, resource: &str) -> u64 {
        if let Some(undo) = &mut self.undo {
            let before = self.data.counters.get(resource).copied();
            undo.counters.push((resource.to_owned(), before));
        }
        let counter = self.data.counters.entry(resource.to_owned()).or_default();
        *counter += 1;
        *counter
    }

    /// The current time in `format`. A fixed clock advances one second per reading, so that
    /// records made one after the other have distinct, ordered timestamps.
    pub fn now(&mut self, format: TimestampFormat) -> String {
        let now = match self.clock {
            Some(clock) => {
                let now = *clock;
                *clock = now.checked_add(jiff::SignedDuration::from_secs(1)).unwrap_or(now);
                now
            }
            None => Timestamp::now(),
        };
        format_timestamp(now, format)
    }

    /// A copy of the data (for dumps and tests).
    pub fn snapshot(&self) -> Data {
        self.data.clone()
    }
}

/// Writes a timestamp in one of the scenario formats.
pub fn format_timestamp(at: Timestamp, format: TimestampFormat) -> String {
    match format {
        TimestampFormat::Rfc3339 => at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
        TimestampFormat::Rfc3339Millis => at.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        TimestampFormat::Rfc3339Offset => at.strftime("%Y-%m-%dT%H:%M:%S+00:00").to_string(),
    }
}

#[cfg(test)]
mod tests;
