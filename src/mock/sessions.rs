//! The sessions of a store: each one's data (made from the scenario's seed on first use) with
//! its indexes, and the bounds on how many there are and how long they live unused.
//!
//! Past `max` sessions the least recently used one is dropped, and a session unused for longer
//! than `idle` is dropped too (looked for at every use of the store, oldest first, so the cost
//! is that of what is dropped); a dropped session starts again from its seed on next use, as
//! after a reset. The `default` session (requests without `X-Understudy-Session`) is never
//! dropped and not counted: there is one per API version, and it is the data everyone shares
//! and loads with `PUT /__understudy/state`. What is dropped is handed back to the caller, to
//! be freed once the store's lock is released. Locking, transactions and ids are `store.rs`'s.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use indexmap::IndexMap;
use serde_json::Value;

use crate::mock::index::Indexes;
use crate::mock::notice::Notice;
use crate::scenario::{IdGenerator, Scenario};

/// The session of requests without `X-Understudy-Session`: never evicted.
pub const DEFAULT_SESSION: &str = "default";

/// How many sessions are kept by default (besides each API's `default`).
pub const DEFAULT_MAX_SESSIONS: usize = 1000;

/// How long an unused session is kept by default.
pub const DEFAULT_SESSION_IDLE: Duration = Duration::from_secs(3600);

/// Every session's data, and what bounds them.
#[derive(Debug, Default)]
pub(super) struct Sessions {
    /// Data and its generation by API, then session (looked up with borrowed names, without
    /// allocating).
    by_api: HashMap<String, HashMap<String, Session>>,
    /// The sessions other than `default`, least recently used first: (API, session) by the
    /// tick of their last use.
    recency: BTreeMap<u64, (String, String)>,
    /// Counts uses: the order of `recency`.
    tick: u64,
    limits: SessionLimits,
}

/// How many sessions are kept, and for how long without use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Sessions kept besides each API's `default` (a session used with two API versions
    /// counts twice); past it, the least recently used is dropped. At least 1.
    pub max: usize,
    /// A session unused for longer is dropped (`None`: kept however long it is unused).
    pub idle: Option<Duration>,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits { max: DEFAULT_MAX_SESSIONS, idle: Some(DEFAULT_SESSION_IDLE) }
    }
}

/// One session's data, its indexes and its generation: a number no other data of the store
/// has had, replaced at every change (so a cached answer made from older data never matches
/// again).
#[derive(Debug)]
pub(super) struct Session {
    pub(super) data: Data,
    pub(super) indexes: Indexes,
    pub(super) generation: u64,
    /// The tick of its last use (its place in `Sessions::recency`).
    tick: u64,
    /// When it was last used.
    used: Instant,
}

/// The source of generations, shared by every store of the process.
static GENERATIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

pub(super) fn next_generation() -> u64 {
    GENERATIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// Said when the session count bites, and when idle sessions are dropped.
static EVICTED: Notice = Notice::new();
static IDLE: Notice = Notice::new();

impl Session {
    pub(super) fn new(data: Data, indexes: Indexes, now: Instant) -> Session {
        Session { data, indexes, generation: next_generation(), tick: 0, used: now }
    }

    /// A session made from the scenario's seed.
    fn seeded(scenario: &Scenario, now: Instant) -> Session {
        let data = Data::seeded(scenario);
        let indexes = Indexes::for_scenario(scenario).filled(&data.collections);
        Session::new(data, indexes, now)
    }
}

impl Sessions {
    pub(super) fn new(limits: SessionLimits) -> Sessions {
        Sessions { limits, ..Sessions::default() }
    }

    /// Whether a session last used at `used` has been idle too long at `now`.
    fn idle(&self, name: &str, used: Instant, now: Instant) -> bool {
        name != DEFAULT_SESSION
            && self.limits.idle.is_some_and(|idle| now.saturating_duration_since(used) > idle)
    }

    fn get(&self, api: &str, name: &str) -> Option<&Session> {
        self.by_api.get(api)?.get(name)
    }

    /// The session, marked used now, unless there is none or it has been idle too long (then
    /// it is dropped on the next use of the store).
    pub(super) fn touch(&mut self, api: &str, name: &str, now: Instant) -> Option<&Session> {
        let used = self.get(api, name)?.used;
        if self.idle(name, used, now) {
            return None;
        }
        self.tick += 1;
        let tick = self.tick;
        let session = self.by_api.get_mut(api)?.get_mut(name)?;
        if name != DEFAULT_SESSION
            && let Some(entry) = self.recency.remove(&session.tick)
        {
            self.recency.insert(tick, entry);
        }
        session.tick = tick;
        session.used = now;
        Some(session)
    }

    /// The session, marked used now: made from the seed when there is none (or the one there
    /// was had been idle too long), dropping the least recently used one if that makes too many.
    pub(super) fn open(
        &mut self,
        api: &str,
        name: &str,
        scenario: &Scenario,
        now: Instant,
        dropped: &mut Vec<Session>,
    ) -> &mut Session {
        self.expire(now, dropped);
        if self.get(api, name).is_some_and(|s| self.idle(name, s.used, now)) {
            dropped.extend(self.remove(api, name));
            note_idle(1);
        }
        if self.get(api, name).is_none() {
            self.make_room(name, dropped);
        }
        self.tick += 1;
        let tick = self.tick;
        let Sessions { by_api, recency, .. } = self;
        let session =
            slot(slot(by_api, api, HashMap::new), name, || Session::seeded(scenario, now));
        if name != DEFAULT_SESSION {
            // A session just made has no place yet (ticks start at 1).
            let entry =
                recency.remove(&session.tick).unwrap_or_else(|| (api.to_owned(), name.to_owned()));
            recency.insert(tick, entry);
        }
        session.tick = tick;
        session.used = now;
        session
    }

    /// Puts `session` in place of whatever `api` had under `name`.
    pub(super) fn put(
        &mut self,
        api: &str,
        name: &str,
        mut session: Session,
        dropped: &mut Vec<Session>,
    ) {
        let now = session.used;
        self.expire(now, dropped);
        dropped.extend(self.remove(api, name));
        self.make_room(name, dropped);
        self.tick += 1;
        session.tick = self.tick;
        if name != DEFAULT_SESSION {
            self.recency.insert(self.tick, (api.to_owned(), name.to_owned()));
        }
        slot(&mut self.by_api, api, HashMap::new).insert(name.to_owned(), session);
    }

    /// Drops the least recently used sessions until one more fits (`default` always fits).
    fn make_room(&mut self, name: &str, dropped: &mut Vec<Session>) {
        if name == DEFAULT_SESSION {
            return;
        }
        while self.recency.len() >= self.limits.max.max(1) {
            let Some((_, (api, name))) = self.recency.pop_first() else { break };
            dropped.extend(self.by_api.get_mut(&api).and_then(|m| m.remove(&name)));
            if let Some(n) = EVICTED.hit() {
                tracing::warn!(
                    api = %api,
                    session = %name,
                    max_sessions = self.limits.max,
                    occurrences = n,
                    "session limit reached: the least recently used session is dropped (it starts again from its seed); raise --max-sessions to keep more"
                );
            }
        }
    }

    /// Drops the sessions unused for longer than the idle time (oldest first, stopping at the
    /// first one still in use: `recency` is in order of use).
    pub(super) fn expire(&mut self, now: Instant, dropped: &mut Vec<Session>) {
        if self.limits.idle.is_none() {
            return;
        }
        let mut expired = 0;
        while let Some((_, (api, name))) = self.recency.first_key_value() {
            let used = self.get(api, name).map(|s| s.used);
            if used.is_some_and(|used| !self.idle(name, used, now)) {
                break;
            }
            let Some((_, (api, name))) = self.recency.pop_first() else { break };
            dropped.extend(self.by_api.get_mut(&api).and_then(|m| m.remove(&name)));
            expired += 1;
        }
        if expired > 0 {
            note_idle(expired);
        }
    }

    /// Takes a session out (and out of `recency`).
    pub(super) fn remove(&mut self, api: &str, name: &str) -> Option<Session> {
        let session = self.by_api.get_mut(api)?.remove(name)?;
        if name != DEFAULT_SESSION {
            self.recency.remove(&session.tick);
        }
        Some(session)
    }

    /// Takes out every session of `api`.
    pub(super) fn remove_api(&mut self, api: &str) -> Option<HashMap<String, Session>> {
        let sessions = self.by_api.remove(api)?;
        for (name, session) in &sessions {
            if name != DEFAULT_SESSION {
                self.recency.remove(&session.tick);
            }
        }
        Some(sessions)
    }

    /// Takes out every session.
    pub(super) fn clear(&mut self) -> Vec<Session> {
        self.recency.clear();
        std::mem::take(&mut self.by_api).into_values().flat_map(HashMap::into_values).collect()
    }

    /// How many sessions there are, `default` ones included.
    pub(super) fn count(&self) -> usize {
        self.by_api.values().map(HashMap::len).sum()
    }

    /// Every session, as (API, name, session).
    pub(super) fn iter(&self) -> impl Iterator<Item = (&String, &String, &Session)> {
        self.by_api.iter().flat_map(|(api, of_api)| of_api.iter().map(move |(n, s)| (api, n, s)))
    }
}

fn note_idle(count: usize) {
    if let Some(n) = IDLE.hit() {
        tracing::info!(
            dropped = count,
            occurrences = n,
            "sessions unused for longer than --session-idle dropped (they start again from their seed)"
        );
    }
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
