//! Rate limits: per API and per client, in fixed windows.
//!
//! A window starts with a client's first request and lasts its length; a request must fit
//! every window of the scenario (Ada: 10 per second, 100 per minute, 10,000 per day). Windows
//! start at first use rather than on the clock's boundaries so that a test sending four
//! requests under a limit of three sees the fourth refused, whenever it runs. The numbers sent
//! back (`limit`, `remaining`, `reset`, `retry_after`) are those of the tightest window; the
//! verdict renders the scenario's limit headers and its 429 message itself.
//!
//! Who a counter counts: a credential the scenario accepts (any well-formed one when it lists
//! no `tokens`), known by a hash of it, so a counter costs the same whatever the token's
//! length; requests without such a credential, by client address (one counter for a bogus
//! token sent from one address, never one per bogus token). The counters are bounded: one whose
//! windows have all ended is forgotten (it would start again from zero anyway), and past
//! `max` counters of an API the clients without one share a single overflow counter, so a
//! flood of new clients is limited together rather than allowed to grow memory.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::StatusCode;

use crate::mock::notice::Notice;
use crate::mock::respond::{Failure, Reply};
use crate::request::Request;
use crate::scenario::{ErrorKind, Errors, Limits, Token, Window};

/// How many counters each API keeps by default.
pub const DEFAULT_COUNTERS: usize = 10_000;

/// How often counters whose windows ended are forgotten while there is room.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// How often, at most, they are looked for when there is no room.
const SWEEP_FULL_EVERY: Duration = Duration::from_secs(1);

/// Said when the bound bites.
static FULL: Notice = Notice::new();

/// Counters of every (API, client). Shared by all connections.
#[derive(Debug)]
pub struct Limiter {
    /// By API. A `std::sync::Mutex`: nothing awaits while holding it.
    apis: Mutex<HashMap<String, Counters>>,
    /// Counters kept per API.
    max: usize,
    /// Keys of the hashes of credentials (random per process: nobody can aim at a collision).
    hasher: RandomState,
}

/// Whose requests a counter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Client {
    /// A credential the scenario accepts, by a hash of it.
    Token(u64),
    /// Requests without one, from this address.
    Address(IpAddr),
    /// Requests without one nor an address (a request a test builds itself).
    Anonymous,
    /// Clients past the bound, together.
    Overflow,
}

/// A client as the rate-limit view shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    /// What kind of client it is.
    pub kind: ClientKind,
    /// `dev-token`, `token #1a2b`, `address 127.0.0.1`...
    pub label: String,
}

/// The kinds of [`Client`] a person tells apart: a token the scenario lists (shown as itself)
/// and another credential (shown by a hash) are both [`Client::Token`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientKind {
    /// A token the scenario lists.
    Token,
    /// Another credential the scenario accepts (any, when it lists none).
    Credential,
    /// Requests without an accepted credential, from one address.
    Address,
    /// Requests without an accepted credential nor an address.
    Anonymous,
    /// Clients past the bound on counters, together.
    Overflow,
}

impl ClientKind {
    /// Its name in the admin API's JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientKind::Token => "token",
            ClientKind::Credential => "credential",
            ClientKind::Address => "address",
            ClientKind::Anonymous => "anonymous",
            ClientKind::Overflow => "overflow",
        }
    }
}

/// The counters of one API.
#[derive(Debug)]
struct Counters {
    by_client: HashMap<Client, Counter>,
    swept: Instant,
}

/// One client's counts, one per window.
#[derive(Debug)]
struct Counter {
    counts: Vec<Count>,
    /// When its last window ends: after that it is worth nothing.
    ends: Instant,
}

#[derive(Debug, Clone, Copy)]
struct Count {
    started: Instant,
    started_wall: SystemTime,
    used: u64,
}

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the request fits.
    pub allowed: bool,
    /// Requests allowed in the tightest window.
    pub limit: u64,
    /// Requests left in it.
    pub remaining: u64,
    /// When it ends, in Unix seconds.
    pub reset: u64,
    /// Seconds until it ends (at least 1).
    pub retry_after: u64,
}

impl Verdict {
    /// The names templates of limit headers and messages use for the numbers.
    const NAMES: [&str; 4] = ["limit", "remaining", "reset", "retry_after"];

    /// The number templates call `name`.
    pub fn number(&self, name: &str) -> Option<u64> {
        match name {
            "limit" => Some(self.limit),
            "remaining" => Some(self.remaining),
            "reset" => Some(self.reset),
            "retry_after" => Some(self.retry_after),
            _ => None,
        }
    }

    /// What templates of limit headers and messages see: every number, by name.
    pub fn context(&self) -> serde_json::Value {
        let numbers = Verdict::NAMES
            .iter()
            .map(|name| (name.to_string(), serde_json::Value::from(self.number(name))));
        serde_json::Value::Object(numbers.collect())
    }

    /// The 429 for a refused request, with the scenario's `rate-limited` message (which may
    /// name the wait) when it has one.
    pub fn refusal(&self, errors: &Errors) -> Failure {
        let message =
            errors.messages.get(&ErrorKind::RateLimited).map(|t| t.render_text(&self.context()));
        Failure::Rule { status: StatusCode::TOO_MANY_REQUESTS, message }
    }

    /// Sets the scenario's limit headers on `reply` (and its `exceeded-headers` when the
    /// request was refused).
    pub fn set_headers(&self, limits: &Limits, reply: &mut Reply) {
        let exceeded = if self.allowed { &[][..] } else { &limits.exceeded_headers[..] };
        let mut context = None;
        for (name, template) in limits.headers.iter().chain(exceeded) {
            // `{{limit}}` and its like are the numbers themselves: no context to build.
            match template.variable().and_then(|name| self.number(name)) {
                Some(number) => {
                    reply.headers.insert(name.clone(), http::HeaderValue::from(number));
                }
                None => {
                    let context = context.get_or_insert_with(|| self.context());
                    reply.set_header(name, &template.render_text(context));
                }
            }
        }
    }
}

impl Default for Limiter {
    fn default() -> Self {
        Limiter::new(DEFAULT_COUNTERS)
    }
}

impl Limiter {
    /// A limiter keeping at most `max` counters per API (at least 1).
    pub fn new(max: usize) -> Limiter {
        Limiter { apis: Mutex::default(), max: max.max(1), hasher: RandomState::new() }
    }

    /// Who `request` is counted as: its credential when the scenario accepts it (`tokens`:
    /// the scenario's; `None`: any), else its client address (`None`: a request with no
    /// connection, built by a test).
    pub fn client(
        &self,
        tokens: Option<&BTreeMap<String, Token>>,
        request: &Request,
        address: Option<IpAddr>,
    ) -> Client {
        match request.authorization().token() {
            Some(token) if tokens.is_none_or(|tokens| tokens.contains_key(token)) => {
                Client::Token(self.hasher.hash_one(token))
            }
            _ => address.map_or(Client::Anonymous, Client::Address),
        }
    }

    /// Counts `request` against `limits` (see [`Limiter::client`] for whom it is counted as).
    pub fn count(
        &self,
        api: &str,
        limits: &Limits,
        tokens: Option<&BTreeMap<String, Token>>,
        request: &Request,
        address: Option<IpAddr>,
    ) -> Verdict {
        self.check(api, self.client(tokens, request, address), &limits.windows)
    }

    /// Counts a request of `client` to `api` against `windows`. A refused request is not
    /// counted.
    pub fn check(&self, api: &str, client: Client, windows: &[Window]) -> Verdict {
        let now = Instant::now();
        let wall = SystemTime::now();
        let mut apis = self.apis.lock().unwrap_or_else(|p| p.into_inner());
        let counters = crate::mock::store::slot(&mut apis, api, || Counters {
            by_client: HashMap::new(),
            swept: now,
        });
        let client = counters.admit(client, self.max, now, api);
        let counter = counters
            .by_client
            .entry(client)
            .or_insert_with(|| Counter { counts: Vec::new(), ends: now });
        let counts = &mut counter.counts;
        counts.resize(windows.len(), Count { started: now, started_wall: wall, used: 0 });
        for (count, window) in counts.iter_mut().zip(windows) {
            if now.duration_since(count.started) >= Duration::from_secs(window.seconds) {
                *count = Count { started: now, started_wall: wall, used: 0 };
            }
        }
        counter.ends = counts
            .iter()
            .zip(windows)
            .map(|(c, w)| c.started + Duration::from_secs(w.seconds))
            .max()
            .unwrap_or(now);
        let allowed = counts.iter().zip(windows).all(|(c, w)| c.used < w.requests);
        if allowed {
            counts.iter_mut().for_each(|c| c.used += 1);
        }
        // The tightest window: the fewest requests left (when refused: one that is full).
        let Some((count, window)) = counts
            .iter()
            .zip(windows)
            .min_by_key(|(c, w)| (w.requests.saturating_sub(c.used), std::cmp::Reverse(w.seconds)))
        else {
            // No window at all: nothing limits.
            return Verdict { allowed: true, limit: 0, remaining: 0, reset: 0, retry_after: 1 };
        };
        let ends = count.started_wall + Duration::from_secs(window.seconds);
        let left =
            (count.started + Duration::from_secs(window.seconds)).saturating_duration_since(now);
        Verdict {
            allowed,
            limit: window.requests,
            remaining: window.requests.saturating_sub(count.used),
            reset: ends.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs().max(1)),
            retry_after: left.as_secs_f64().ceil().max(1.0) as u64,
        }
    }

    /// How many counters `api` holds now.
    pub fn counters(&self, api: &str) -> usize {
        let apis = self.apis.lock().unwrap_or_else(|p| p.into_inner());
        apis.get(api).map_or(0, |c| c.by_client.len())
    }

    /// The counters of `api` now, by client: per window (in the order of `windows`), the
    /// requests used and the seconds until it ends; a window that has ended counts 0.
    pub fn counts(&self, api: &str, windows: &[Window]) -> Vec<(Client, Vec<(u64, u64)>)> {
        let now = Instant::now();
        let apis = self.apis.lock().unwrap_or_else(|p| p.into_inner());
        let Some(counters) = apis.get(api) else { return Vec::new() };
        counters
            .by_client
            .iter()
            .map(|(client, counter)| {
                let shown = counter
                    .counts
                    .iter()
                    .zip(windows)
                    .map(|(count, window)| {
                        let ends = count.started + Duration::from_secs(window.seconds);
                        match ends.checked_duration_since(now) {
                            Some(left) => (count.used, left.as_secs_f64().ceil() as u64),
                            None => (0, 0),
                        }
                    })
                    .collect();
                (*client, shown)
            })
            .collect()
    }

    /// How a client is shown (the dashboard's rate-limit view): a token the scenario lists by
    /// itself (they are the scenario's own, not secrets), any other credential by a short
    /// hash, an address as itself.
    pub fn label(&self, client: Client, known: Option<&BTreeMap<String, Token>>) -> Shown {
        let (kind, label) = match client {
            Client::Token(hash) => {
                match known
                    .into_iter()
                    .flat_map(BTreeMap::keys)
                    .find(|token| self.hasher.hash_one(token.as_str()) == hash)
                {
                    Some(token) => (ClientKind::Token, token.clone()),
                    None => (ClientKind::Credential, format!("token #{:04x}", hash >> 48)),
                }
            }
            Client::Address(address) => (ClientKind::Address, format!("address {address}")),
            Client::Anonymous => (ClientKind::Anonymous, "anonymous".to_owned()),
            Client::Overflow => {
                (ClientKind::Overflow, "others (past the bound on counters)".to_owned())
            }
        };
        Shown { kind, label }
    }

    /// Forgets the counters of `api` (all APIs when `None`).
    pub fn reset(&self, api: Option<&str>) {
        let mut apis = self.apis.lock().unwrap_or_else(|p| p.into_inner());
        match api {
            Some(api) => {
                apis.remove(api);
            }
            None => apis.clear(),
        }
    }
}

impl Counters {
    /// The client to count: `client` itself when it has a counter or there is room for one
    /// (after forgetting the counters whose windows ended, when it is time), else the
    /// overflow counter.
    fn admit(&mut self, client: Client, max: usize, now: Instant, api: &str) -> Client {
        let full = self.by_client.len() >= max;
        let every = if full { SWEEP_FULL_EVERY } else { SWEEP_EVERY };
        if now.duration_since(self.swept) >= every {
            self.by_client.retain(|_, counter| counter.ends > now);
            self.swept = now;
        }
        if self.by_client.contains_key(&client) || self.by_client.len() < max {
            return client;
        }
        if let Some(n) = FULL.hit() {
            tracing::warn!(
                api,
                rate_limit_counters = max,
                occurrences = n,
                "rate-limit counters full: new clients share one counter until windows end; raise --rate-limit-counters to keep more"
            );
        }
        Client::Overflow
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_window_refuses_and_names_when_to_retry() {
        let limiter = Limiter::default();
        let windows = [Window { requests: 2, seconds: 60 }];
        let t = Client::Token(1);
        let first = limiter.check("api", t, &windows);
        assert!(first.allowed);
        assert_eq!((first.limit, first.remaining), (2, 1));
        assert!(limiter.check("api", t, &windows).allowed);
        let refused = limiter.check("api", t, &windows);
        assert!(!refused.allowed);
        assert_eq!(refused.remaining, 0);
        assert!((59..=60).contains(&refused.retry_after), "{refused:?}");
        // Other tokens and APIs have counters of their own.
        assert!(limiter.check("api", Client::Token(2), &windows).allowed);
        assert!(limiter.check("other", t, &windows).allowed);
        limiter.reset(Some("api"));
        assert!(limiter.check("api", t, &windows).allowed);
    }

    #[test]
    fn past_the_bound_new_clients_share_one_counter_and_ended_windows_are_forgotten() {
        let limiter = Limiter::new(3);
        let windows = [Window { requests: 2, seconds: 1 }];
        for n in 0..3 {
            assert!(limiter.check("api", Client::Token(n), &windows).allowed);
        }
        assert_eq!(limiter.counters("api"), 3);
        // Two new clients past the bound: one counter, limited together.
        assert!(limiter.check("api", Client::Token(10), &windows).allowed);
        assert!(limiter.check("api", Client::Token(11), &windows).allowed);
        assert!(!limiter.check("api", Client::Token(12), &windows).allowed);
        assert_eq!(limiter.counters("api"), 4, "three and the overflow");
        // Clients with a counter keep theirs.
        assert!(limiter.check("api", Client::Token(0), &windows).allowed);
        assert!(!limiter.check("api", Client::Token(0), &windows).allowed);
        // Once every window has ended (and a second has passed since the last look), the
        // counters are worth nothing and are forgotten: a new client gets its own again.
        std::thread::sleep(Duration::from_millis(1100));
        assert!(limiter.check("api", Client::Token(20), &windows).allowed);
        assert_eq!(limiter.counters("api"), 1);
    }

    #[test]
    fn clients_are_shown_by_listed_token_hash_or_address_never_by_an_unlisted_secret() {
        let limiter = Limiter::default();
        let tokens = BTreeMap::from([("dev-token".to_owned(), Token::default())]);
        let request = |token: &str| {
            let mut headers = http::HeaderMap::new();
            headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
            Request::new(http::Method::GET, "/", headers, bytes::Bytes::new())
        };
        let listed = limiter.client(Some(&tokens), &request("dev-token"), None);
        let shown = limiter.label(listed, Some(&tokens));
        assert_eq!((shown.kind, shown.label.as_str()), (ClientKind::Token, "dev-token"));
        // A scenario that lists no tokens accepts any: shown by a hash, not by itself.
        let any = limiter.client(None, &request("sk-very-secret"), None);
        let shown = limiter.label(any, None);
        assert_eq!(shown.kind, ClientKind::Credential);
        assert!(shown.label.starts_with("token #") && !shown.label.contains("sk-"), "{shown:?}");
        let address = Client::Address([10, 0, 0, 1].into());
        let shown = limiter.label(address, Some(&tokens));
        assert_eq!((shown.kind, shown.label.as_str()), (ClientKind::Address, "address 10.0.0.1"));
    }

    #[test]
    fn a_credential_the_scenario_does_not_accept_is_counted_by_address() {
        let limiter = Limiter::default();
        let tokens = BTreeMap::from([("good".to_owned(), Token::default())]);
        let request = |token: &str| {
            let mut headers = http::HeaderMap::new();
            headers.insert("authorization", format!("Bearer {token}").parse().unwrap());
            Request::new(http::Method::GET, "/", headers, bytes::Bytes::new())
        };
        let here: Option<IpAddr> = Some([127, 0, 0, 1].into());
        let known = Some(&tokens);
        let good = limiter.client(known, &request("good"), here);
        assert!(matches!(good, Client::Token(_)));
        assert_eq!(
            limiter.client(known, &request("bogus-1"), here),
            Client::Address([127, 0, 0, 1].into())
        );
        assert_eq!(limiter.client(known, &request("bogus-2"), None), Client::Anonymous);
        // Without a list of tokens every credential is accepted, known by its hash.
        let any = limiter.client(None, &request("bogus-1"), here);
        assert_eq!(any, limiter.client(None, &request("bogus-1"), None));
        assert_ne!(any, limiter.client(None, &request("bogus-2"), here));
    }

    #[test]
    fn every_window_must_fit_and_the_tightest_is_reported() {
        let limiter = Limiter::default();
        let windows = [Window { requests: 3, seconds: 1 }, Window { requests: 100, seconds: 60 }];
        let verdict = limiter.check("ada", Client::Token(1), &windows);
        assert_eq!((verdict.limit, verdict.remaining), (3, 2));
    }
}
