//! The in-memory store: collections of JSON records per API and per session.
//!
//! [`Store`] is a cheap-to-clone handle; every clone sees the same data. Its methods are
//! synchronous and take a closure that runs with the session's data locked, so a whole
//! read-modify-write (find, merge, check, replace) is one atomic step and no lock can be held
//! across an `.await` (the delay of a response is slept after the closure returns). One mutex
//! is enough for a mock server; shard it only if a benchmark shows contention.
//!
//! A session's data is created from the scenario's seed records the first time the session is
//! used. What to store and return is decided by the engine (`mock/engine/`); this module only keeps records,
//! makes ids, and reads the clock.
//!
//! A write can be taken back before the lock is released: after [`Tx::savepoint`], every
//! change is journaled with what it replaced, and [`Tx::rollback`] puts all of it back (records
//! in their places, sequence counters, the random source and the fixed clock), so that a write
//! whose answer fails the self-check leaves the store exactly as it found it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine as _;
use indexmap::IndexMap;
use jiff::Timestamp;
use serde_json::{Value, json};

use crate::scenario::{Alphabet, Encoding, IdGenerator, Resource, Scenario, TimestampFormat};

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
    /// Data and its generation by API, then session (looked up with borrowed names, without
    /// allocating).
    sessions: HashMap<String, HashMap<String, Session>>,
    /// Random source for ids and dynamic values; seeded with `--seed` for repeatable ones.
    rng: fastrand::Rng,
    /// A fixed clock (`--clock`), advanced by one second at each reading; `None`: real time.
    clock: Option<Timestamp>,
}

/// One session's data and its generation: a number no other data of the store has had,
/// replaced at every change (so a cached answer made from older data never matches again).
#[derive(Debug)]
struct Session {
    data: Data,
    generation: u64,
}

/// The source of generations, shared by every store of the process.
static GENERATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn next_generation() -> u64 {
    GENERATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

impl Session {
    fn new(data: Data) -> Session {
        Session { data, generation: next_generation() }
    }
}

/// How a store makes ids and reads time.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoreOptions {
    /// Seed for random ids (`None`: from the OS).
    pub seed: Option<u64>,
    /// Start of a deterministic clock (`None`: real time).
    pub clock: Option<Timestamp>,
}

/// The collections of one API in one session. Its JSON form is what
/// `GET/PUT /__understudy/state` exchange: `{"collections": {resource: {key: record}}, "counters": {...}}`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Data {
    /// Records by resource, keyed by their key as text, in insertion order.
    pub collections: IndexMap<String, IndexMap<String, Value>>,
    /// Sequence counters by resource (the last `n` used).
    #[serde(default)]
    pub counters: IndexMap<String, u64>,
}

/// A session's data while its lock is held.
#[derive(Debug)]
pub struct Tx<'a> {
    data: &'a mut Data,
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
    /// A store with the given id and clock options.
    pub fn new(options: StoreOptions) -> Store {
        let rng = match options.seed {
            Some(seed) => fastrand::Rng::with_seed(seed),
            None => fastrand::Rng::new(),
        };
        let state = State { sessions: HashMap::new(), rng, clock: options.clock };
        Store { shared: Arc::new(Shared { state: Mutex::new(state) }) }
    }

    /// Runs `f` with the data of `api` in `session`, seeding it from `scenario` on first use.
    pub fn with<R>(
        &self,
        api: &str,
        session: &str,
        scenario: &Scenario,
        f: impl FnOnce(&mut Tx<'_>) -> R,
    ) -> R {
        let mut state = self.lock();
        let State { sessions, rng, clock } = &mut *state;
        let session = slot(slot(sessions, api, HashMap::new), session, || {
            Session::new(Data::seeded(scenario))
        });
        let mut tx = Tx { data: &mut session.data, rng, clock, changed: false, undo: None };
        let result = f(&mut tx);
        if tx.changed {
            session.generation = next_generation();
        }
        result
    }

    /// A random source of its own for one answer's varied values, split from the store's (so
    /// that `--seed` repeats them too, and no lock is held while they are drawn).
    pub fn fork_rng(&self) -> fastrand::Rng {
        self.lock().rng.fork()
    }

    /// The generation of a session's data (`None` before its first use): equal generations
    /// mean equal data.
    pub fn generation(&self, api: &str, session: &str) -> Option<u64> {
        self.lock().sessions.get(api)?.get(session).map(|s| s.generation)
    }

    /// Drops sessions so they are re-seeded on next use: every session of every API, of one
    /// API, or one session of one API.
    pub fn reset(&self, api: Option<&str>, session: Option<&str>) {
        let sessions = &mut self.lock().sessions;
        match (api, session) {
            (None, _) => sessions.clear(),
            (Some(api), None) => {
                sessions.remove(api);
            }
            (Some(api), Some(session)) => {
                if let Some(of_api) = sessions.get_mut(api) {
                    of_api.remove(session);
                }
            }
        }
    }

    /// A copy of the sessions' data, by API (store key) then session: every API's, or those
    /// of `keys`; every session, or one.
    pub fn dump(
        &self,
        keys: Option<&[String]>,
        session: Option<&str>,
    ) -> std::collections::BTreeMap<String, std::collections::BTreeMap<String, Data>> {
        let state = self.lock();
        let mut out: std::collections::BTreeMap<String, std::collections::BTreeMap<String, Data>> =
            Default::default();
        let sessions =
            state.sessions.iter().flat_map(|(a, of_api)| of_api.iter().map(move |s| (a, s)));
        for (a, (s, Session { data, .. })) in sessions {
            if keys.is_some_and(|keys| !keys.contains(a))
                || session.is_some_and(|session| session != s)
            {
                continue;
            }
            out.entry(a.clone()).or_default().insert(s.clone(), data.clone());
        }
        out
    }

    /// Replaces (or creates) a session's data.
    pub fn load(&self, api: &str, session: &str, data: Data) {
        let sessions = &mut self.lock().sessions;
        slot(sessions, api, HashMap::new).insert(session.to_owned(), Session::new(data));
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock cannot leave a record half-written (records are
        // replaced whole), so a poisoned lock is still safe to use.
        self.shared.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Data {
    /// The data a scenario starts with.
    pub fn seeded(scenario: &Scenario) -> Data {
        let mut data = Data::default();
        for resource in &scenario.resources {
            let records = resource
                .seed
                .iter()
                .map(|record| (resource.key_of(record), record.clone()))
                .collect();
            data.collections.insert(resource.name.clone(), records);
            // Integer ids continue after the largest seeded one; other counters after the
            // number of seed records.
            let counted = match (&resource.id, resource.key_field()) {
                (IdGenerator::Integer, Some(field)) => {
                    resource.seed.iter().filter_map(|r| r.get(field)?.as_u64()).max().unwrap_or(0)
                }
                _ => resource.seed.len() as u64,
            };
            data.counters.insert(resource.name.clone(), counted);
        }
        data
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
        let Some(undo) = &mut self.undo else {
            self.data.collections.entry(resource.to_owned()).or_default().insert(key, record);
            return;
        };
        let collection = self.data.collections.contains_key(resource);
        let journaled = key.clone();
        let replaced =
            self.data.collections.entry(resource.to_owned()).or_default().insert(key, record);
        let before = match replaced {
            Some(old) => Before::Held(old),
            None => Before::Absent { collection },
        };
        undo.records.push(Prior { resource: resource.to_owned(), key: journaled, before });
    }

    /// Takes a record out to change it (its place is kept, holding `null`, until
    /// [`Tx::put`] or [`Tx::restore`]).
    pub fn take(&mut self, resource: &str, key: &str) -> Option<Value> {
        let slot = self.data.collections.get_mut(resource)?.get_mut(key)?;
        if let Some(undo) = &mut self.undo {
            // The one copy a rollback costs: the record is about to be merged into.
            undo.records.push(Prior {
                resource: resource.to_owned(),
                key: key.to_owned(),
                before: Before::Held(slot.clone()),
            });
        }
        Some(std::mem::take(slot))
    }

    /// Puts back a record taken out and left unchanged.
    pub fn restore(&mut self, resource: &str, key: &str, record: Value) {
        if let Some(slot) = self.data.collections.get_mut(resource).and_then(|c| c.get_mut(key)) {
            let before = std::mem::replace(slot, record);
            if let Some(undo) = &mut self.undo {
                undo.records.push(Prior {
                    resource: resource.to_owned(),
                    key: key.to_owned(),
                    before: Before::Held(before),
                });
            }
        }
    }

    /// Removes a record, returning it.
    pub fn remove(&mut self, resource: &str, key: &str) -> Option<Value> {
        self.changed = true;
        let (index, _, removed) =
            self.data.collections.get_mut(resource)?.shift_remove_full(key)?;
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
            let collections = &mut self.data.collections;
            match before {
                Before::Absent { collection: true } => {
                    if let Some(records) = collections.get_mut(&resource) {
                        records.shift_remove(&key);
                    }
                }
                Before::Absent { collection: false } => {
                    collections.shift_remove(&resource);
                }
                Before::Held(record) => {
                    if let Some(slot) = collections.get_mut(&resource).and_then(|c| c.get_mut(&key))
                    {
                        *slot = record;
                    }
                }
                Before::Removed(index, record) => {
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

/// The value under `key`, made by `make` first if there is none; the key is copied only
/// then (a lookup with a borrowed name allocates nothing).
pub(crate) fn slot<'a, V>(
    map: &'a mut HashMap<String, V>,
    key: &str,
    make: impl FnOnce() -> V,
) -> &'a mut V {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), make());
    }
    map.get_mut(key).expect("present: inserted above when missing")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::TextFile;

    fn scenario() -> Scenario {
        crate::scenario::load(&TextFile {
            name: "t".into(),
            file_name: "default.yaml".into(),
            text: r#"
resources:
  things:
    id: {template: "Thing:{{n}}", encoding: base64}
    seed: [{id: "VGhpbmc6MQ==", name: a}]
  others:
    id: {prefix: oth, alphabet: hex, length: 4}
"#
            .into(),
        })
        .unwrap()
    }

    #[test]
    fn sessions_start_from_the_seed_and_stay_apart() {
        let store = Store::new(StoreOptions { seed: Some(1), clock: None });
        let s = scenario();
        store.with("api", "one", &s, |tx| tx.put("things", "x".into(), json!({"id": "x"})));
        let count = |session| store.with("api", session, &s, |tx| tx.records("things").count());
        assert_eq!(count("one"), 2);
        assert_eq!(count("two"), 1);
        store.reset(Some("api"), Some("two"));
        assert_eq!(count("one"), 2);
        store.reset(Some("api"), None);
        assert_eq!(count("one"), 1);
    }

    #[test]
    fn sequence_ids_continue_after_the_seed_and_random_ids_repeat_with_a_seed() {
        let s = scenario();
        let store = Store::new(StoreOptions { seed: Some(7), clock: None });
        let things = s.resource("things").unwrap();
        let others = s.resource("others").unwrap();
        let (a, b) = store.with("api", "s", &s, |tx| {
            (tx.new_id(things, &Value::Null), tx.new_id(others, &Value::Null))
        });
        let b = b.as_str().unwrap().to_owned();
        assert_eq!(a, base64::engine::general_purpose::STANDARD.encode("Thing:2"));
        assert!(b.starts_with("oth") && b.len() == 7, "{b}");
        let again = Store::new(StoreOptions { seed: Some(7), clock: None });
        let repeated = again.with("api", "s", &s, |tx| {
            tx.new_id(things, &Value::Null);
            tx.new_id(others, &Value::Null)
        });
        assert_eq!(repeated.as_str(), Some(b.as_str()));
    }

    #[test]
    fn a_rollback_puts_back_records_in_their_places_counters_ids_and_the_clock() {
        let clock: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let store = Store::new(StoreOptions { seed: Some(3), clock: Some(clock) });
        let s = scenario();
        let things = s.resource("things").unwrap();
        let others = s.resource("others").unwrap();
        store.with("api", "s", &s, |tx| {
            tx.put("things", "b".into(), json!({"id": "b"}));
            tx.put("things", "c".into(), json!({"id": "c"}));
        });
        let before = store.dump(None, None);
        let (first_id, first_random, first_time) = store.with("api", "s", &s, |tx| {
            tx.savepoint();
            let id = tx.new_id(things, &Value::Null);
            let random = tx.new_id(others, &Value::Null);
            let time = tx.now(TimestampFormat::Rfc3339);
            tx.put("things", crate::json::text::as_text(&id), json!({"id": id}));
            tx.put("others", crate::json::text::as_text(&random), json!({"id": random}));
            tx.put("fresh", "x".into(), json!({}));
            tx.remove("things", "b");
            let mut taken = tx.take("things", "VGhpbmc6MQ==").unwrap();
            taken["name"] = json!("changed");
            tx.put("things", "VGhpbmc6MQ==".into(), taken);
            assert!(tx.changed_since_savepoint());
            tx.rollback();
            (id, random, time)
        });
        assert_eq!(store.dump(None, None), before);
        let order: Vec<String> = store
            .with("api", "s", &s, |tx| tx.records("things").map(|r| r["id"].to_string()).collect());
        assert_eq!(order, [r#""VGhpbmc6MQ==""#, r#""b""#, r#""c""#]);
        // The same id and the same time come next, as if the write had never been made.
        let again = store.with("api", "s", &s, |tx| {
            let id = tx.new_id(things, &Value::Null);
            let random = tx.new_id(others, &Value::Null);
            (id, random, tx.now(TimestampFormat::Rfc3339))
        });
        assert_eq!(again, (first_id, first_random, first_time));
    }

    #[test]
    fn fixed_clock_ticks_per_reading() {
        let clock: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let store = Store::new(StoreOptions { seed: None, clock: Some(clock) });
        let s = scenario();
        let (a, b) = store.with("api", "s", &s, |tx| {
            (tx.now(TimestampFormat::Rfc3339Millis), tx.now(TimestampFormat::Rfc3339Offset))
        });
        assert_eq!(a, "2026-01-01T00:00:00.000Z");
        assert_eq!(b, "2026-01-01T00:00:01+00:00");
    }
}
